"""Scripted Franka Panda pick-and-place in pybullet, with faults on purpose and the simulator's truth.

The script moves the end effector through Cartesian waypoints (IK, joint position control) and
opens/closes the fingers; every frame logs joints, finger efforts, end-effector position, the
action (target position + gripper command), the true finger-cube contact (getContactPoints) and
the scripted phase. Modes add a fault: a hesitation loop (back-and-forth before grasping), an
unstable grasp (fingers twitch open in transport, the cube drops), an early stall (the arm stops
and the episode ends unfinished).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

FAULT_MODES = ("success", "hesitation", "unstable_grasp", "early_stall")
PHASES = ("reach", "grasp", "transport", "place", "retreat")
ARM_JOINTS = list(range(7))
FINGERS = (9, 10)
EE_LINK = 11
OPEN_W = 0.08  # finger opening (sum of both finger joints), metres
HOME = (0.35, 0.0, 0.45)
TASK_TEXT = "pick up the red cube and place it on the green target"
STATE_NAMES = [f"joint_{i}" for i in range(7)] + ["finger_left", "finger_right"]
ACTION_NAMES = ["ee_x", "ee_y", "ee_z", "gripper_width"]


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
    contact: np.ndarray  # [T] bool: a finger touches the cube (simulator truth)
    cube_pos: np.ndarray  # [T, 3]
    phase: list[str]  # [T] scripted phase per frame
    faults: list[dict[str, Any]] = field(default_factory=list)  # [{type, t0, t1}]
    task: str = TASK_TEXT
    target_pos: tuple[float, float, float] = (0.0, 0.0, 0.0)
    camera_views: dict[str, dict[str, Any]] = field(default_factory=dict)

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
            "success": bool(self.mode in ("success", "hesitation")),
            "cube_start": self.cube_pos[0].round(4).tolist(),
            "cube_end": self.cube_pos[-1].round(4).tolist(),
            "target": list(self.target_pos),
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


def _script(mode: str, cube: np.ndarray, target: np.ndarray, rng: np.random.Generator) -> list[tuple]:
    """Waypoint segments: (phase, duration s, ee target xyz, gripper width cmd, fault tag or None)."""
    hi, lo = 0.2, 0.028
    above_cube = (cube[0], cube[1], hi)
    at_cube = (cube[0], cube[1], lo)
    above_target = (target[0], target[1], hi)
    at_target = (target[0], target[1], lo + 0.01)
    segs: list[tuple] = [("reach", 1.2, above_cube, OPEN_W, None)]
    if mode == "hesitation":
        amp = 0.045
        for k in range(3):  # back and forth: the policy cannot decide
            segs.append(("reach", 0.35, (cube[0], cube[1] + amp, hi), OPEN_W, "hesitation_loop"))
            segs.append(("reach", 0.35, (cube[0], cube[1] - amp, hi), OPEN_W, "hesitation_loop"))
        segs.append(("reach", 0.35, above_cube, OPEN_W, "hesitation_loop"))
    segs += [("reach", 0.8, at_cube, OPEN_W, None),
             ("grasp", 0.7, at_cube, 0.0, None),
             ("transport", 0.7, above_cube, 0.0, None)]
    if mode == "early_stall":
        segs.append(("transport", 2.0, above_cube, 0.0, "early_stall"))  # stops and never finishes
        return segs
    if mode == "unstable_grasp":
        mid = ((cube[0] + target[0]) / 2, (cube[1] + target[1]) / 2, hi)
        segs += [("transport", 0.5, mid, 0.0, None),
                 ("transport", 0.3, mid, 0.066, "unstable_grasp"),  # fingers twitch open: cube drops
                 ("transport", 0.5, above_target, 0.0, None)]
    else:
        segs.append(("transport", 1.0, above_target, 0.0, None))
    segs += [("transport", 0.7, at_target, 0.0, None),
             ("place", 0.6, at_target, OPEN_W, None),
             ("retreat", 0.6, above_target, OPEN_W, None),
             ("retreat", 0.8, HOME, OPEN_W, None)]
    return segs


def simulate_episode(mode: str = "success", seed: int = 0, fps: float = 10.0,
                     cameras: tuple[str, ...] = ("front", "top"), size: tuple[int, int] = (160, 120),
                     fast_visuals: bool = True) -> SimEpisode:
    """Runs one scripted episode and returns its log. Rendering uses the CPU TinyRenderer.

    `fast_visuals` draws the arm with its collision meshes (~20x fewer triangles than the visual
    meshes): rendering is most of the cost on CPU, and the physics is the same.
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
        cube_xy = np.array([0.5, -0.15]) + rng.uniform(-0.03, 0.03, 2)
        target_xy = np.array([0.5, 0.18]) + rng.uniform(-0.03, 0.03, 2)
        cube = p.loadURDF("cube_small.urdf", [cube_xy[0], cube_xy[1], 0.025], physicsClientId=cid)
        p.changeVisualShape(cube, -1, rgbaColor=[0.9, 0.1, 0.1, 1], physicsClientId=cid)
        p.changeDynamics(cube, -1, lateralFriction=1.5, physicsClientId=cid)
        for f in FINGERS:
            p.changeDynamics(robot, f, lateralFriction=1.5, physicsClientId=cid)
        pad = p.createVisualShape(p.GEOM_BOX, halfExtents=[0.04, 0.04, 0.001], rgbaColor=[0.1, 0.8, 0.2, 1],
                                  physicsClientId=cid)
        p.createMultiBody(0, -1, pad, [target_xy[0], target_xy[1], 0.001], physicsClientId=cid)
        home_q = [0.0, -0.3, 0.0, -2.2, 0.0, 2.0, 0.785]
        for j, q in zip(ARM_JOINTS, home_q):
            p.resetJointState(robot, j, q, physicsClientId=cid)
        for f in FINGERS:
            p.resetJointState(robot, f, OPEN_W / 2, physicsClientId=cid)
        down = p.getQuaternionFromEuler([math.pi, 0.0, 0.0])
        lower = [p.getJointInfo(robot, j, physicsClientId=cid)[8] for j in ARM_JOINTS]
        upper = [p.getJointInfo(robot, j, physicsClientId=cid)[9] for j in ARM_JOINTS]

        views = _camera_views(cameras, size)
        segs = _script(mode, np.array([cube_xy[0], cube_xy[1], 0.025]),
                       np.array([target_xy[0], target_xy[1], 0.025]), rng)
        substeps = int(round(240 / fps))
        ee = np.array(p.getLinkState(robot, EE_LINK, physicsClientId=cid)[4])
        # settle at home and move to the scripted home point
        segs.insert(0, ("reach", 0.5, HOME, OPEN_W, None))

        log: dict[str, list] = {k: [] for k in ("t", "q", "dq", "eff", "ee", "act", "contact", "cube", "phase")}
        imgs: dict[str, list] = {c: [] for c in cameras}
        faults: list[dict[str, Any]] = []
        step = 0
        frame_contact = False
        for phase, dur, goal, grip, tag in segs:
            start_ee = ee.copy()
            n = max(1, int(round(dur * 240)))
            seg_t0 = step / 240
            if tag and (not faults or faults[-1]["type"] != tag or faults[-1]["t1"] < seg_t0 - 1e-6):
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
                    p.setJointMotorControl2(robot, f, p.POSITION_CONTROL, targetPosition=grip / 2, force=40.0,
                                            maxVelocity=0.12, physicsClientId=cid)
                if step % substeps == 0:
                    _record(p, cid, robot, cube, step / 240, tgt, grip, phase, frame_contact, log, imgs, views)
                    frame_contact = False
                p.stepSimulation(physicsClientId=cid)
                frame_contact |= _touching(p, cid, robot, cube)
                step += 1
            ee = np.array(p.getLinkState(robot, EE_LINK, physicsClientId=cid)[4])
        if mode == "unstable_grasp" and faults:
            # truth time of the fault: when the fingers actually lost the cube
            cont = np.array(log["contact"])
            ts = np.array(log["t"])
            after = np.nonzero((ts >= faults[0]["t0"] - 0.05) & ~cont)[0]
            if len(after):
                faults[0]["t0"] = float(ts[after[0]])
        for f in faults:
            f["t0"], f["t1"] = round(f["t0"], 4), round(f["t1"], 4)
        if mode == "early_stall" and faults:
            faults[0]["t1"] = float(log["t"][-1] + 1 / fps)
        return SimEpisode(
            mode=mode, seed=seed, fps=fps, t=np.array(log["t"]), state=np.array(log["q"], dtype=np.float32),
            velocity=np.array(log["dq"], dtype=np.float32), effort=np.array(log["eff"], dtype=np.float32),
            ee_pos=np.array(log["ee"], dtype=np.float32), action=np.array(log["act"], dtype=np.float32),
            images={c: np.stack(v) for c, v in imgs.items()}, contact=np.array(log["contact"], dtype=bool),
            cube_pos=np.array(log["cube"], dtype=np.float32), phase=log["phase"], faults=faults,
            target_pos=(float(target_xy[0]), float(target_xy[1]), 0.0), camera_views=views,
        )
    finally:
        p.disconnect(physicsClientId=cid)


def _panda_urdf(data: str, fast_visuals: bool) -> str:
    """The Panda URDF; with fast visuals a copy (in a temp folder) whose visuals are the collision meshes."""
    import os  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

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


def _record(p, cid, robot, cube, t, tgt, grip, phase, contact, log, imgs, views) -> None:
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
    for c, v in views.items():
        w, h = v["size"]
        img = p.getCameraImage(w, h, v["view"], v["proj"], renderer=p.ER_TINY_RENDERER,
                               flags=p.ER_NO_SEGMENTATION_MASK, physicsClientId=cid)[2]
        imgs[c].append(np.asarray(img, dtype=np.uint8).reshape(h, w, 4)[:, :, :3].copy())
