"""Scripted Franka Panda pick-and-place in pybullet, with faults on purpose and the simulator's truth.

The script moves the end effector through Cartesian waypoints (IK, joint position control) and
opens/closes the fingers; every frame logs joints, finger efforts, end-effector position, the
object's position, the action (target position + gripper command), the true finger-object contact
(getContactPoints) and the scripted phase. Each seed draws the object (box or cylinder, 3.6-6 cm
wide, 4-6 cm tall, 50-200 g), its start and target, the speed of the whole script (x0.75-1.3) and,
with `noise_mm=None`, the sensor noise of the log. Modes add one fault:

- `hesitation`: back-and-forth above the object before grasping (it then succeeds);
- `missed_grasp`: the gripper descends beside the object, closes on nothing, lifts with nothing
  and stalls until the end (the episode of issue 14);
- `drop`: mid-transport the object loses its grip (friction gone) and falls; the fingers close
  on nothing and the script carries on to the target;
- `slip`: mid-transport the object slides down between the fingers (friction low for a moment)
  but stays held; the episode then succeeds;
- `regrasp`: the first grasp closes off-centre, the fingers open again, re-centre and grasp
  again before lifting; then it succeeds;
- `collision`: an obstacle stands on the transport path; the arm runs into it and stays blocked;
- `early_stall`: after lifting the object the arm stops and the episode ends unfinished.
"""
from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np

FAULT_MODES = ("success", "hesitation", "missed_grasp", "drop", "slip", "regrasp", "collision", "early_stall")
PHASES = ("reach", "grasp", "transport", "place", "retreat", "lift", "stall")
SUCCESS_MODES = ("success", "hesitation", "slip", "regrasp")
ARM_JOINTS = list(range(7))
FINGERS = (9, 10)
EE_LINK = 11
OPEN_W = 0.08  # finger opening (sum of both finger joints), metres
HOME = (0.35, 0.0, 0.45)
STATE_NAMES = [f"joint_{i}" for i in range(7)] + ["finger_left", "finger_right"]
ACTION_NAMES = ["ee_x", "ee_y", "ee_z", "gripper_width"]
OBJECT_NAMES = ["object_x", "object_y", "object_z"]
GRIP = 1.5  # lateral friction of fingers and object (a firm grasp)
FORCE = 40.0  # finger motor force (N)


@dataclass
class SimEpisode:
    """One simulated episode: per-frame arrays plus the simulator's truth."""

    mode: str
    seed: int
    fps: float
    t: np.ndarray  # [T] seconds
    state: np.ndarray  # [T, 9] joint positions (7 arm + 2 fingers)
    velocity: np.ndarray  # [T, 9]
    effort: np.ndarray  # [T, 2] finger motor forces (N)
    ee_pos: np.ndarray  # [T, 3]
    action: np.ndarray  # [T, 4] target ee xyz + gripper width command
    images: dict[str, np.ndarray]  # camera -> [T, H, W, 3] uint8
    contact: np.ndarray  # [T] bool: a finger touches the object (simulator truth)
    cube_pos: np.ndarray  # [T, 3] the object's true position
    phase: list[str]  # [T] scripted phase per frame
    faults: list[dict[str, Any]] = field(default_factory=list)  # [{type, t0, t1}]
    task: str = ""
    target_pos: tuple[float, float, float] = (0.0, 0.0, 0.0)
    camera_views: dict[str, dict[str, Any]] = field(default_factory=dict)
    scene: dict[str, Any] = field(default_factory=dict)  # object shape/size, speed factor, noise
    object_log: np.ndarray | None = None  # [T, 3] the object's position as logged (with sensor noise)

    @property
    def gripper(self) -> np.ndarray:
        return self.state[:, 7] + self.state[:, 8]

    def truth(self) -> dict[str, Any]:
        """Ground truth in seconds: contact intervals, phase spans, faults, success."""
        return {
            "mode": self.mode, "seed": self.seed, "fps": self.fps, "task": self.task,
            "contacts": _runs(self.t, self.contact, self.fps),
            "phases": _phase_spans(self.t, self.phase, self.fps),
            "faults": self.faults,
            "success": bool(self.mode in SUCCESS_MODES),
            "cube_start": self.cube_pos[0].round(4).tolist(),
            "cube_end": self.cube_pos[-1].round(4).tolist(),
            "target": list(self.target_pos),
            "scene": self.scene,
        }


def _runs(t: np.ndarray, mask: np.ndarray, fps: float) -> list[list[float]]:
    out, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        if not m and start is not None:
            out.append([float(t[start]), float(t[i])])
            start = None
    if start is not None:
        out.append([float(t[start]), float(t[-1] + 1.0 / fps)])
    return out


def _phase_spans(t: np.ndarray, phase: list[str], fps: float) -> list[dict[str, Any]]:
    spans: list[dict[str, Any]] = []
    for i, ph in enumerate(phase):
        if spans and spans[-1]["phase"] == ph:
            spans[-1]["t1"] = float(t[i] + 1.0 / fps)
        else:
            spans.append({"phase": ph, "t0": float(t[i]), "t1": float(t[i] + 1.0 / fps)})
    return spans


def _script(mode: str, obj: np.ndarray, target: np.ndarray, grasp_z: float, half: float,
            rng: np.random.Generator) -> list[tuple]:
    """Waypoint segments: (phase, duration s, ee target xyz, gripper width cmd, fault tag or None,
    event) where event is applied at the segment's start (friction changes of drop / slip)."""
    hi = 0.2
    above = (obj[0], obj[1], hi)
    at = (obj[0], obj[1], grasp_z)
    above_target = (target[0], target[1], hi)
    at_target = (target[0], target[1], grasp_z + 0.01)
    mid = ((obj[0] + target[0]) / 2, (obj[1] + target[1]) / 2, hi)
    segs: list[tuple] = [("reach", 1.2, above, OPEN_W, None, None)]
    if mode == "hesitation":
        amp = 0.045
        for _ in range(3):  # back and forth: the policy cannot decide
            segs.append(("reach", 0.35, (obj[0], obj[1] + amp, hi), OPEN_W, "hesitation_loop", None))
            segs.append(("reach", 0.35, (obj[0], obj[1] - amp, hi), OPEN_W, "hesitation_loop", None))
        segs.append(("reach", 0.35, above, OPEN_W, "hesitation_loop", None))
    if mode == "missed_grasp":
        # beside the object (offset across the fingers' closing direction): the fingers close on air
        side = (obj[0] + (half + 0.035) * rng.choice([-1, 1]), obj[1], grasp_z)
        segs += [("reach", 0.4, (side[0], side[1], hi), OPEN_W, None, None),
                 ("reach", 0.8, side, OPEN_W, None, None),
                 ("grasp", 0.7, side, 0.0, "missed_grasp", None),
                 ("lift", 0.7, (side[0], side[1], hi), 0.0, None, None),
                 ("stall", float(rng.uniform(1.5, 2.2)), (side[0], side[1], hi), 0.0, None, None)]
        return segs
    if mode == "regrasp":
        off = (obj[0], obj[1] + 0.6 * half * rng.choice([-1, 1]), grasp_z)  # off-centre along the closing axis
        segs += [("reach", 0.8, off, OPEN_W, None, None),
                 ("grasp", 0.6, off, 0.0, "regrasp", None),
                 ("grasp", 0.5, off, OPEN_W, "regrasp", None),
                 ("grasp", 0.5, at, OPEN_W, "regrasp", None),
                 ("grasp", 0.7, at, 0.0, None, None)]
    else:
        segs += [("reach", 0.8, at, OPEN_W, None, None), ("grasp", 0.7, at, 0.0, None, None)]
    segs.append(("transport", 0.7, above, 0.0, None, None))
    if mode == "early_stall":
        segs.append(("stall", float(rng.uniform(1.6, 2.4)), above, 0.0, "early_stall", None))
        return segs
    if mode == "collision":
        segs += [("transport", 1.0, above_target, 0.0, None, None),
                 ("stall", float(rng.uniform(1.4, 2.0)), above_target, 0.0, None, None)]
        return segs
    if mode in ("drop", "slip"):
        segs.append(("transport", 0.5, mid, 0.0, None, None))
        if mode == "drop":
            # the fingers loosen by a few mm for a moment (no squeeze left): the object falls, then they
            # close on nothing
            segs += [("transport", 0.3, mid, 0.0, "drop", ("loosen", 0.004)),
                     ("transport", 0.5, above_target, 0.0, "drop", None)]
        else:  # the grip force sags: the object slides down between the fingers but stays held
            segs += [("transport", float(rng.uniform(0.04, 0.06)), mid, 0.0, "slip", ("force", 0.0)),
                     ("transport", 0.5, above_target, 0.0, None, ("force", FORCE))]
    else:
        segs.append(("transport", 1.0, above_target, 0.0, None, None))
    segs += [("transport", 0.7, at_target, 0.0, None, None),
             ("place", 0.6, at_target, OPEN_W, None, None),
             ("retreat", 0.6, above_target, OPEN_W, None, None),
             ("retreat", 0.8, HOME, OPEN_W, None, None)]
    return segs


def _object(p, cid, rng: np.random.Generator, xy: np.ndarray) -> tuple[int, dict[str, Any]]:
    shape = str(rng.choice(["box", "cylinder"]))
    half = float(rng.uniform(0.018, 0.03))  # half width across the fingers
    height = float(rng.uniform(0.04, 0.06))
    mass = float(rng.uniform(0.05, 0.2))
    if shape == "box":
        col = p.createCollisionShape(p.GEOM_BOX, halfExtents=[half, half, height / 2], physicsClientId=cid)
        vis = p.createVisualShape(p.GEOM_BOX, halfExtents=[half, half, height / 2], rgbaColor=[0.9, 0.1, 0.1, 1],
                                  physicsClientId=cid)
    else:
        col = p.createCollisionShape(p.GEOM_CYLINDER, radius=half, height=height, physicsClientId=cid)
        vis = p.createVisualShape(p.GEOM_CYLINDER, radius=half, length=height, rgbaColor=[0.9, 0.1, 0.1, 1],
                                  physicsClientId=cid)
    body = p.createMultiBody(mass, col, vis, [xy[0], xy[1], height / 2], physicsClientId=cid)
    return body, {"shape": shape, "half_width": round(half, 4), "height": round(height, 4), "mass": round(mass, 3)}


def simulate_episode(mode: str = "success", seed: int = 0, fps: float = 10.0,
                     cameras: tuple[str, ...] = ("front", "top"), size: tuple[int, int] = (160, 120),
                     fast_visuals: bool = True, noise_mm: float | None = 0.0,
                     randomize: bool = True) -> SimEpisode:
    """Runs one scripted episode and returns its log. Rendering uses the CPU TinyRenderer.

    `fast_visuals` draws the arm with its collision meshes (~20x fewer triangles than the visual
    meshes): rendering is most of the cost on CPU, and the physics is the same. `noise_mm`: sensor
    noise (Gaussian, mm for positions, mrad for joints; finger effort +-0.5 N) on what is logged;
    None draws it per seed in 0-1.5 mm. `randomize=False` keeps the speed at x1.
    """
    import pybullet as p  # noqa: PLC0415 - optional, heavy
    import pybullet_data  # noqa: PLC0415

    if mode not in FAULT_MODES:
        raise ValueError(f"unknown mode {mode!r}; one of {FAULT_MODES}")
    rng = np.random.default_rng(seed)
    cid = p.connect(p.DIRECT)
    try:
        p.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=cid)
        p.setGravity(0, 0, -9.81, physicsClientId=cid)
        p.setTimeStep(1 / 240, physicsClientId=cid)
        p.loadURDF("plane.urdf", physicsClientId=cid)
        robot = p.loadURDF(_panda_urdf(pybullet_data.getDataPath(), fast_visuals), useFixedBase=True,
                           physicsClientId=cid)
        if fast_visuals:
            for link in range(-1, p.getNumJoints(robot, physicsClientId=cid)):
                grey = 0.25 if link in FINGERS else 0.85
                p.changeVisualShape(robot, link, rgbaColor=[grey, grey, grey, 1], physicsClientId=cid)
        obj_xy = np.array([0.5, -0.15]) + rng.uniform(-0.03, 0.03, 2)
        target_xy = np.array([0.5, 0.18]) + rng.uniform(-0.03, 0.03, 2)
        cube, scene = _object(p, cid, rng, obj_xy)
        speed = float(rng.uniform(0.75, 1.3)) if randomize else 1.0
        noise = float(rng.uniform(0.0, 1.5)) if noise_mm is None else float(noise_mm)
        scene.update(speed=round(speed, 3), noise_mm=round(noise, 3))
        p.changeDynamics(cube, -1, lateralFriction=GRIP, physicsClientId=cid)
        for f in FINGERS:
            p.changeDynamics(robot, f, lateralFriction=GRIP, physicsClientId=cid)
        pad = p.createVisualShape(p.GEOM_BOX, halfExtents=[0.04, 0.04, 0.001], rgbaColor=[0.1, 0.8, 0.2, 1],
                                  physicsClientId=cid)
        p.createMultiBody(0, -1, pad, [target_xy[0], target_xy[1], 0.001], physicsClientId=cid)
        obstacle = None
        if mode == "collision":  # a grey block across the transport path, as tall as the carry height
            mid = obj_xy + 0.6 * (target_xy - obj_xy)
            ext = [0.06, 0.02, 0.16]
            col = p.createCollisionShape(p.GEOM_BOX, halfExtents=ext, physicsClientId=cid)
            vis = p.createVisualShape(p.GEOM_BOX, halfExtents=ext, rgbaColor=[0.45, 0.45, 0.5, 1], physicsClientId=cid)
            obstacle = p.createMultiBody(0, col, vis, [mid[0], mid[1], ext[2]], physicsClientId=cid)
        home_q = [0.0, -0.3, 0.0, -2.2, 0.0, 2.0, 0.785]
        for j, q in zip(ARM_JOINTS, home_q):
            p.resetJointState(robot, j, q, physicsClientId=cid)
        for f in FINGERS:
            p.resetJointState(robot, f, OPEN_W / 2, physicsClientId=cid)
        # the Panda's fingers are mechanically coupled: a gear keeps them symmetric (as in pybullet's
        # own panda example), so a held object cannot wander along the closing axis
        gear = p.createConstraint(robot, FINGERS[0], robot, FINGERS[1], jointType=p.JOINT_GEAR, jointAxis=[1, 0, 0],
                                  parentFramePosition=[0, 0, 0], childFramePosition=[0, 0, 0], physicsClientId=cid)
        p.changeConstraint(gear, gearRatio=-1, erp=0.1, maxForce=50, physicsClientId=cid)
        down = p.getQuaternionFromEuler([math.pi, 0.0, 0.0])
        lower = [p.getJointInfo(robot, j, physicsClientId=cid)[8] for j in ARM_JOINTS]
        upper = [p.getJointInfo(robot, j, physicsClientId=cid)[9] for j in ARM_JOINTS]

        views = _camera_views(cameras, size)
        grasp_z = min(scene["height"] / 2, 0.028)
        segs = _script(mode, np.array([obj_xy[0], obj_xy[1]]), np.array([target_xy[0], target_xy[1]]),
                       grasp_z, scene["half_width"], rng)
        substeps = int(round(240 / fps))
        ee = np.array(p.getLinkState(robot, EE_LINK, physicsClientId=cid)[4])
        segs.insert(0, ("reach", 0.5, HOME, OPEN_W, None, None))  # settle at the scripted home point

        log: dict[str, list] = {k: [] for k in ("t", "q", "dq", "eff", "ee", "act", "contact", "cube", "phase", "hit")}
        imgs: dict[str, list] = {c: [] for c in cameras}
        faults: list[dict[str, Any]] = []
        step = 0
        frame_contact = False
        finger_force = FORCE
        for phase, dur, goal, grip, tag, event in segs:
            dur *= speed
            if event and event[0] == "force":
                finger_force = event[1]
            if event and event[0] == "loosen":
                width = sum(st[0] for st in p.getJointStates(robot, list(FINGERS), physicsClientId=cid))
                grip = width + event[1]
            start_ee = ee.copy()
            n = max(1, int(round(dur * 240)))
            seg_t0 = step / 240
            if tag and (not faults or faults[-1]["type"] != tag or faults[-1]["t1"] < seg_t0 - 0.01):
                faults.append({"type": tag, "t0": seg_t0, "t1": seg_t0 + dur})
            elif tag:
                faults[-1]["t1"] = seg_t0 + dur
            for k in range(n):
                s = (k + 1) / n
                s = s * s * (3 - 2 * s)  # smoothstep: no jerks at waypoints
                tgt = start_ee + (np.array(goal) - start_ee) * s
                if step % 4 == 0:
                    q = p.calculateInverseKinematics(robot, EE_LINK, tgt.tolist(), down, lowerLimits=lower,
                                                     upperLimits=upper, jointRanges=[u - l for l, u in zip(lower, upper)],
                                                     restPoses=home_q, maxNumIterations=50, physicsClientId=cid)
                    p.setJointMotorControlArray(robot, ARM_JOINTS, p.POSITION_CONTROL, targetPositions=q[:7],
                                                forces=[200.0] * 7, physicsClientId=cid)
                for f in FINGERS:
                    p.setJointMotorControl2(robot, f, p.POSITION_CONTROL, targetPosition=grip / 2, force=finger_force,
                                            maxVelocity=0.12, physicsClientId=cid)
                if step % substeps == 0:
                    _record(p, cid, robot, cube, obstacle, step / 240, tgt, grip, phase, frame_contact, log, imgs, views)
                    frame_contact = False
                p.stepSimulation(physicsClientId=cid)
                frame_contact |= _touching(p, cid, robot, cube)
                step += 1
            ee = np.array(p.getLinkState(robot, EE_LINK, physicsClientId=cid)[4])
        ts = np.array(log["t"])
        _truth_times(mode, faults, ts, log, fps)
        phase_log = list(log["phase"])
        if mode == "collision" and faults:  # blocked from the impact on: no progress
            i0 = int(np.searchsorted(ts, faults[0]["t0"] - 1e-6))
            phase_log[i0:] = ["stall"] * (len(phase_log) - i0)
        state = np.array(log["q"], dtype=np.float64)
        ee_pos = np.array(log["ee"], dtype=np.float64)
        eff = np.array(log["eff"], dtype=np.float64)
        obj_true = np.array(log["cube"], dtype=np.float64)
        obj_log = obj_true.copy()
        if noise > 0:  # what a real logger records; the truth stays exact
            nrng = np.random.default_rng(seed + 7919)
            sd = noise / 1000
            state = state + nrng.normal(0, sd, state.shape)
            ee_pos = ee_pos + nrng.normal(0, sd, ee_pos.shape)
            obj_log = obj_log + nrng.normal(0, sd, obj_log.shape)
            eff = eff + np.abs(nrng.normal(0, 0.5, eff.shape))
        task = f"pick up the red {scene['shape']} and place it on the green target"
        return SimEpisode(
            mode=mode, seed=seed, fps=fps, t=ts, state=state.astype(np.float32),
            velocity=np.array(log["dq"], dtype=np.float32), effort=eff.astype(np.float32),
            ee_pos=ee_pos.astype(np.float32), action=np.array(log["act"], dtype=np.float32),
            images={c: np.stack(v) for c, v in imgs.items()}, contact=np.array(log["contact"], dtype=bool),
            cube_pos=obj_true.astype(np.float32), object_log=obj_log.astype(np.float32), phase=phase_log, faults=faults, task=task,
            target_pos=(float(target_xy[0]), float(target_xy[1]), 0.0), camera_views=views, scene=scene,
        )
    finally:
        p.disconnect(physicsClientId=cid)


def _truth_times(mode: str, faults: list[dict[str, Any]], ts: np.ndarray, log: dict[str, list], fps: float) -> None:
    """The true times of each fault, from what physically happened rather than from the script."""
    cont = np.array(log["contact"], dtype=bool)
    dt = 1.0 / fps
    for f in faults:
        if f["type"] in ("drop", "slip"):
            # what physically happened decides the type: the object lost (drop) or still held (slip)
            lost = np.nonzero((ts >= f["t0"] - 0.05) & (ts <= f["t1"] + 0.5) & ~cont)[0]
            f["type"] = "drop" if len(lost) else "slip"
        if f["type"] == "drop":  # when the fingers actually lost the object
            f["t0"] = float(ts[lost[0]])
            f["t1"] = f["t0"] + 0.5
        elif f["type"] == "slip":  # while the object slides relative to the gripper
            rel = np.array(log["cube"])[:, 2] - np.array(log["ee"])[:, 2]
            i0 = int(np.searchsorted(ts, f["t0"] - 0.05))
            base = rel[max(0, i0 - 1)]
            moved = np.nonzero((np.arange(len(ts)) >= i0) & (np.abs(rel - base) > 0.002))[0]
            if len(moved):
                f["t0"] = float(ts[moved[0]] - dt)
                still = np.abs(np.diff(rel[moved[0]:])) < 0.0005
                k = int(np.argmax(still)) if still.any() else 0
                f["t1"] = float(ts[moved[0] + k] + dt)
    if mode == "collision":
        hit = np.nonzero(np.array(log["hit"], dtype=bool))[0]
        if len(hit):
            faults.append({"type": "collision", "t0": float(ts[hit[0]]), "t1": float(ts[-1] + dt)})
    if mode == "early_stall" and faults:
        faults[0]["t1"] = float(ts[-1] + dt)
    for f in faults:
        f["t0"], f["t1"] = round(f["t0"], 4), round(f["t1"], 4)


def _panda_urdf(data: str, fast_visuals: bool) -> str:
    """The Panda URDF; with fast visuals a copy (in a temp folder) whose visuals are the collision meshes."""
    src = os.path.join(data, "franka_panda", "panda.urdf")
    if not fast_visuals:
        return src
    dst = os.path.join(tempfile.gettempdir(), f"dataclaw_panda_fast_{os.getuid()}.urdf")
    if not os.path.exists(dst):
        text = open(src).read()
        mesh = os.path.join(data, "franka_panda", "meshes")
        text = text.replace("package://meshes/visual/", mesh + "/collision/").replace("package://meshes/", mesh + "/")
        tmp = f"{dst}.{os.getpid()}"
        with open(tmp, "w") as fh:
            fh.write(text)
        os.replace(tmp, dst)
    return dst


def _touching(p, cid, robot, cube) -> bool:
    return any(p.getContactPoints(robot, cube, f, -1, physicsClientId=cid) for f in FINGERS)


def _camera_views(cameras: tuple[str, ...], size: tuple[int, int]) -> dict[str, dict[str, Any]]:
    import pybullet as p  # noqa: PLC0415

    poses = {"front": ([1.25, 0.0, 0.65], [0.45, 0.02, 0.08], [0, 0, 1]),
             "top": ([0.5, 0.02, 1.15], [0.5, 0.02, 0.0], [-1, 0, 0]),
             "side": ([0.5, -0.9, 0.5], [0.5, 0.02, 0.08], [0, 0, 1])}
    w, h = size
    out = {}
    for c in cameras:
        eye, at, up = poses[c]
        out[c] = {"view": p.computeViewMatrix(eye, at, up),
                  "proj": p.computeProjectionMatrixFOV(55, w / h, 0.05, 4.0), "size": (w, h)}
    return out


def _record(p, cid, robot, cube, obstacle, t, tgt, grip, phase, contact, log, imgs, views) -> None:
    js = p.getJointStates(robot, ARM_JOINTS + list(FINGERS), physicsClientId=cid)
    log["t"].append(round(t, 6))
    log["q"].append([s[0] for s in js])
    log["dq"].append([s[1] for s in js])
    log["eff"].append([abs(js[7][3]), abs(js[8][3])])
    log["ee"].append(list(p.getLinkState(robot, EE_LINK, physicsClientId=cid)[4]))
    log["act"].append([float(tgt[0]), float(tgt[1]), float(tgt[2]), float(grip)])
    log["contact"].append(bool(contact or _touching(p, cid, robot, cube)))
    log["cube"].append(list(p.getBasePositionAndOrientation(cube, physicsClientId=cid)[0]))
    log["phase"].append(phase)
    hit = obstacle is not None and bool(p.getContactPoints(robot, obstacle, physicsClientId=cid) or
                                        p.getContactPoints(cube, obstacle, physicsClientId=cid))
    log["hit"].append(hit)
    for c, v in views.items():
        w, h = v["size"]
        img = p.getCameraImage(w, h, v["view"], v["proj"], renderer=p.ER_TINY_RENDERER,
                               flags=p.ER_NO_SEGMENTATION_MASK, physicsClientId=cid)[2]
        imgs[c].append(np.asarray(img, dtype=np.uint8).reshape(h, w, 4)[:, :, :3].copy())
