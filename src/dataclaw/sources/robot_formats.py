"""Format loaders for robot episodes: LeRobot v2.x, HDF5 (ALOHA, robomimic, raw robosuite), video + CSV/Parquet.

A file holding several demonstrations (robosuite, robomimic) is one source per demonstration,
addressed as `<file>#<demo>` (`demo.hdf5#demo_2`); `episode_paths(file)` lists them.

Each loader returns the raw columns of one episode (`Episode`); `robot.RobotStream` cleans them and
opens the cameras. Heavy libraries (pyarrow, h5py, pandas) are imported inside the loaders.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SourceError
from . import mjcf

HDF5_EXT = {".hdf5", ".h5", ".he5"}
STATE_FILES = ("states.csv", "states.parquet")
MEMBER_SEP = "#"
# robosuite environment -> the task in words (the file names only the environment class)
ROBOSUITE_TASKS = {"Lift": "lift the cube", "Stack": "stack the red cube on the green cube",
                   "PickPlace": "pick the object and place it in its bin", "NutAssembly": "fit the nut onto its peg",
                   "Door": "open the door", "Wipe": "wipe the markings off the table",
                   "TwoArmHandover": "pick up the hammer with one arm and pass it to the other arm",
                   "TwoArmLift": "lift the pot with both arms", "TwoArmPegInHole": "insert the peg into the hole",
                   "ToolHang": "hang the tool on the stand"}


@dataclass
class Episode:
    """Raw columns of one episode before cleaning (what each format loader returns)."""

    fmt: str
    t: np.ndarray
    state: np.ndarray
    state_names: list[str]
    action: np.ndarray | None = None
    action_names: list[str] = field(default_factory=list)
    ee_pos: np.ndarray | None = None
    effort: np.ndarray | None = None
    effort_names: list[str] = field(default_factory=list)
    velocity: np.ndarray | None = None  # joint velocities, when the log has them
    velocity_names: list[str] = field(default_factory=list)
    robot_type: str = ""  # as the dataset names it (LeRobot info.json, env name), else ""
    gripper: np.ndarray | None = None
    # arms after the first -> their gripper opening [T] (two-arm logs: a handover is seen in the other gripper)
    other_grippers: dict[str, np.ndarray] = field(default_factory=dict)
    object_pos: np.ndarray | None = None  # [T, 3] a tracked object's position, when the log has it
    object_name: str = ""  # what the tracked object is, in words ("hammer"), when the log names it
    cameras: dict[str, Any] = field(default_factory=dict)  # name -> mp4 Path | array
    task: str = ""
    annotations: list[dict[str, Any]] = field(default_factory=list)
    subtask: np.ndarray | None = None
    episode_index: int = 0
    fps: float = 0.0
    notes: list[str] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)


def object_word(joint: str) -> str:
    """The object a free joint moves, in words: "hammer_joint0" -> "hammer", "SquareNut_joint0" -> "square nut"."""
    base = re.sub(r"_?(?:joint|free|root)\d*$", "", joint, flags=re.I)
    base = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", base).replace("_", " ")
    return re.sub(r"\s+\d+$", "", base).strip().lower()


# ---------------------------------------------------------------------- detection
def lerobot_root(p: Path) -> Path | None:
    """The LeRobot dataset root of an episode parquet or a dataset folder, else None."""
    if p.is_dir() and (p / "meta" / "info.json").is_file():
        return p
    if p.is_file() and p.suffix == ".parquet" and len(p.parents) >= 3 and (p.parents[2] / "meta" / "info.json").is_file():
        return p.parents[2]
    return None


def sibling_videos(states: Path) -> list[Path]:
    d = states.parent
    if states.name in STATE_FILES:
        return sorted(v for v in d.iterdir() if v.suffix.lower() in (".mp4", ".mkv", ".mov", ".webm"))
    return sorted(v for v in d.iterdir() if v.suffix.lower() == ".mp4" and
                  (v.stem == states.stem or v.stem.startswith(states.stem + ".")))


def split_member(p: str | Path) -> tuple[Path, str | None]:
    """(file, demo) of `<file>#<demo>`; (path, None) for a plain path."""
    text = str(p)
    if MEMBER_SEP in text and not Path(text).exists():
        base, member = text.rsplit(MEMBER_SEP, 1)
        return Path(base), member or None
    return Path(text), None


def _demo_key(k: str) -> int:
    return int(re.sub(r"\D", "", k) or 0)


def hdf5_demos(p: Path) -> list[str]:
    """Demonstration groups of a robosuite / robomimic file (`/data/demo_N`), in number order; [] otherwise."""
    import h5py  # noqa: PLC0415

    try:
        with h5py.File(p, "r") as f:
            if "data" not in f:
                return []
            return sorted((k for k in f["data"] if k.startswith("demo")), key=_demo_key)
    except Exception:  # noqa: BLE001 - unreadable: the reader reports it
        return []


def is_robot_path(p: Path) -> bool:
    base, member = split_member(p)
    if member is not None:
        return base.is_file() and base.suffix.lower() in HDF5_EXT
    if lerobot_root(p) is not None:
        return True
    if p.is_file() and p.suffix.lower() in HDF5_EXT:
        return True
    if p.is_dir():
        return any((p / s).is_file() for s in STATE_FILES) and bool(sibling_videos(p / STATE_FILES[0]))
    if p.is_file() and p.suffix.lower() in (".csv", ".parquet"):
        return bool(sibling_videos(p))
    return False


def episode_paths(path: str | Path) -> list[Path]:
    """One path per episode: a LeRobot dataset folder expands to its episode parquet files."""
    p = Path(path)
    root = lerobot_root(p)
    if root is not None and p.is_dir():
        return sorted((root / "data").glob("chunk-*/episode_*.parquet"))
    if p.is_file() and p.suffix.lower() in HDF5_EXT:
        demos = hdf5_demos(p)
        if len(demos) > 1:
            return [Path(f"{p}{MEMBER_SEP}{d}") for d in demos]
    return [p]


# ---------------------------------------------------------------------- loaders
def load_lerobot(p: Path) -> Episode:
    import pyarrow.parquet as pq  # noqa: PLC0415

    root = lerobot_root(p)
    assert root is not None
    info = json.loads((root / "meta" / "info.json").read_text())
    version = str(info.get("codebase_version", ""))
    if not version.startswith("v2"):
        raise SourceError(str(p), f"LeRobot dataset version {version or '?'} is not supported (v2.x is)",
                          hint="convert with lerobot's dataset conversion scripts to v2.1")
    if p.is_dir():
        files = sorted((root / "data").glob("chunk-*/episode_*.parquet"))
        if len(files) != 1:
            raise SourceError(str(p), f"dataset folder holds {len(files)} episodes; each episode is one source",
                              hint="pass the episode files (dataclaw.sources.robot.episode_paths(folder))")
        p = files[0]
    feats = info.get("features", {})
    try:
        table = pq.read_table(p)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types
        raise SourceError(str(p), f"not a readable parquet file ({type(exc).__name__}: {exc})") from exc
    cols = table.column_names

    def arr(name: str) -> np.ndarray | None:
        if name not in cols:
            return None
        col = table.column(name).combine_chunks()
        try:
            return np.asarray(col.to_numpy(zero_copy_only=False).tolist(), dtype=np.float64)
        except (TypeError, ValueError):
            return None

    def names(name: str, width: int) -> list[str]:
        n = feats.get(name, {}).get("names")
        if isinstance(n, dict):  # v2.0 style {"motors": [...]}
            n = next(iter(n.values()), None)
        return list(n) if isinstance(n, list) and len(n) == width else [f"{name}_{i}" for i in range(width)]

    state = arr("observation.state")
    if state is None:
        raise SourceError(str(p), "no `observation.state` column", step="read states")
    state = state.reshape(len(state), -1)
    m = re.search(r"episode_(\d+)", p.name)
    ei = int(m.group(1)) if m else 0
    n = len(state)
    try:  # believed only after RobotStream checks it against the timestamps
        fps = float(info.get("fps") or 0)
    except (TypeError, ValueError):
        raise SourceError(str(p), f"meta/info.json: fps {info.get('fps')!r} is not a number", step="read meta") from None
    if not np.isfinite(fps) or fps < 0:
        raise SourceError(str(p), f"meta/info.json: fps {fps:g} is not a frame rate", step="read meta")
    t = arr("timestamp")
    if t is None and fps <= 0:
        raise SourceError(str(p), "meta/info.json gives no fps (0 or missing) and the episode has no `timestamp` "
                          "column: its timing is unknown", step="read meta")
    t = t.reshape(-1) if t is not None else np.arange(n) / fps
    ep = Episode(fmt="lerobot", t=t, state=state, state_names=names("observation.state", state.shape[1]),
                 episode_index=ei, fps=fps)
    act = arr("action")
    if act is not None:
        ep.action = act.reshape(n, -1)
        ep.action_names = names("action", ep.action.shape[1])
    for key in ("observation.ee_pos", "observation.eef_pos", "observation.ee_position"):
        ee = arr(key)
        if ee is not None and ee.reshape(n, -1).shape[1] >= 3:
            ep.ee_pos = ee.reshape(n, -1)[:, :3]
            break
    env = arr("observation.environment_state")  # LeRobot's key for object state in simulated datasets
    if env is not None:
        env = env.reshape(n, -1)
        low = [x.lower() for x in names("observation.environment_state", env.shape[1])]
        if low[:3] == ["object_x", "object_y", "object_z"] or env.shape[1] in (3, 7):
            ep.object_pos = env[:, :3]
    eff = arr("observation.effort")
    if eff is not None:
        ep.effort = eff.reshape(n, -1)
        ep.effort_names = names("observation.effort", ep.effort.shape[1])
    vel = arr("observation.velocity")
    if vel is not None:
        ep.velocity = vel.reshape(n, -1)
        ep.velocity_names = names("observation.velocity", ep.velocity.shape[1])
    if info.get("robot_type") not in (None, "", "unknown"):
        ep.robot_type = str(info["robot_type"])
    tasks = {}
    tfile = root / "meta" / "tasks.jsonl"
    if tfile.is_file():
        for line in tfile.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                tasks[int(row["task_index"])] = row["task"]
    ti = arr("task_index")
    if ti is not None and len(ti):
        ep.task = tasks.get(int(ti.reshape(-1)[0]), "")
    sub = arr("subtask_index")
    if sub is not None:
        ep.subtask = sub.reshape(-1)
    efile = root / "meta" / "episodes.jsonl"
    if efile.is_file():
        for line in efile.read_text().splitlines():
            if line.strip() and json.loads(line).get("episode_index") == ei:
                row = json.loads(line)
                ep.annotations = list(row.get("annotations") or [])
                if not ep.task and row.get("tasks"):
                    ep.task = row["tasks"][0]
    vtpl = info.get("video_path")
    chunk = ei // int(info.get("chunks_size") or 1000)
    for key, f in feats.items():
        if f.get("dtype") != "video":
            if f.get("dtype") == "image":
                ep.skipped.append({"what": key, "reason": "image features stored in parquet are not read"})
            continue
        cam = key.removeprefix("observation.images.")
        vpath = root / vtpl.format(episode_chunk=chunk, video_key=key, episode_index=ei) if vtpl else None
        if vpath is None or not vpath.is_file():
            ep.skipped.append({"what": f"camera {cam}", "reason": f"video file missing: {vpath}"})
            continue
        ep.cameras[cam] = vpath
    return ep


def _h5_str(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def load_hdf5(p: Path, member: str | None = None) -> Episode:
    import h5py  # noqa: PLC0415

    try:
        f = h5py.File(p, "r")
    except Exception as exc:  # noqa: BLE001
        raise SourceError(str(p), f"not a readable HDF5 file ({type(exc).__name__}: {exc})") from exc
    if "observations" in f and "qpos" in f["observations"]:
        return _load_aloha(p, f)
    if "data" in f and any(k.startswith("demo") for k in f["data"]):
        demos = sorted((k for k in f["data"] if k.startswith("demo")), key=_demo_key)
        name = member or demos[0]
        if name not in f["data"]:
            f.close()
            raise SourceError(str(p), f"no demonstration {name!r} in the file", hint=f"demos: {', '.join(demos)}")
        demo = f["data"][name]
        if "states" in demo and "obs" not in demo:
            return _load_robosuite(p, f, name, len(demos))
        return _load_robomimic(p, f, name)
    keys = list(f.keys())
    f.close()
    raise SourceError(str(p), f"HDF5 layout not recognised (top-level groups: {keys})",
                      hint="expected ALOHA (/observations/qpos, /action) or robomimic (/data/demo_N)")


def _load_aloha(p: Path, f: Any) -> Episode:
    obs = f["observations"]
    qpos = np.asarray(obs["qpos"], dtype=np.float64)
    n, d = qpos.shape
    if "state_names" in f.attrs:
        names = json.loads(_h5_str(f.attrs["state_names"]))
    elif d == 14:  # ALOHA bimanual: 6 joints + 1 gripper per arm
        parts = ("waist", "shoulder", "elbow", "forearm_roll", "wrist_angle", "wrist_rotate", "gripper")
        names = [f"{side}_{j}" for side in ("left", "right") for j in parts]
    else:
        names = [f"q{i}" for i in range(d)]
    if len(names) != d:
        names = [f"q{i}" for i in range(d)]
    fps = float(f.attrs.get("fps", 0) or 50.0)  # ALOHA records at 50 Hz (DT = 0.02)
    t = np.asarray(f["timestamps"], dtype=np.float64) if "timestamps" in f else np.arange(n) / fps
    ep = Episode(fmt="hdf5-aloha", t=t, state=qpos, state_names=names, fps=fps)
    if d == 14 and "state_names" not in f.attrs:
        ep.notes.append("bimanual ALOHA layout: gripper/contact anchors use the left arm; a hand-over to the right "
                        "arm is a phase")
        ep.gripper = qpos[:, 6]
        ep.other_grippers["right"] = qpos[:, 13]
    if "action" in f:
        ep.action = np.asarray(f["action"], dtype=np.float64).reshape(n, -1)
        ep.action_names = [f"a{i}" for i in range(ep.action.shape[1])]
    if "effort" in obs:
        ep.effort = np.asarray(obs["effort"], dtype=np.float64).reshape(n, -1)
        ep.effort_names = names if ep.effort.shape[1] == d else []
    if "qvel" in obs:
        ep.velocity = np.asarray(obs["qvel"], dtype=np.float64).reshape(n, -1)
        ep.velocity_names = names if ep.velocity.shape[1] == d else []
    ep.robot_type = _h5_str(f.attrs.get("robot_type", "")) or ("aloha" if d == 14 else "")
    if "ee_pos" in obs:
        ep.ee_pos = np.asarray(obs["ee_pos"], dtype=np.float64)[:, :3]
    if "images" in obs:
        for cam in obs["images"]:
            ep.cameras[cam] = obs["images"][cam]
    ep.task = _h5_str(f.attrs.get("task", ""))
    ep._h5 = f  # type: ignore[attr-defined]  # keep open: cameras read lazily
    return ep


def _load_robomimic(p: Path, f: Any, name: str) -> Episode:
    data = f["data"]
    demos = sorted((k for k in data if k.startswith("demo")), key=_demo_key)
    demo = data[name]
    try:
        env = json.loads(_h5_str(data.attrs.get("env_args", "{}")))
    except json.JSONDecodeError:
        env = {}
    fps = float(env.get("fps") or env.get("env_kwargs", {}).get("control_freq") or 20.0)
    obs = demo["obs"]
    low = [k for k in obs if obs[k].ndim <= 2 and not k.endswith("_image")]
    parts, names = [], []
    for k in sorted(low, key=lambda k: ("joint_pos" not in k, "gripper_qpos" not in k, k)):
        if k.endswith(("joint_pos", "gripper_qpos")):
            a = np.asarray(obs[k], dtype=np.float64).reshape(len(obs[k]), -1)
            parts.append(a)
            names += [f"{k}_{i}" for i in range(a.shape[1])]
    if not parts:
        k = low[0] if low else None
        if k is None:
            raise SourceError(str(p), f"{name} has no low-dimensional observations", step="read states")
        a = np.asarray(obs[k], dtype=np.float64).reshape(len(obs[k]), -1)
        parts, names = [a], [f"{k}_{i}" for i in range(a.shape[1])]
    state = np.concatenate(parts, axis=1)
    n = len(state)
    t = np.asarray(demo["timestamps"], dtype=np.float64) if "timestamps" in demo else np.arange(n) / fps
    ep = Episode(fmt="hdf5-robomimic", t=t, state=state, state_names=names, fps=fps)
    if len(demos) > 1:
        ep.notes.append(f"file holds {len(demos)} demos; this source is {name}")
    ep.episode_index = _demo_key(name)
    if "robot0_gripper_qpos" in obs:
        ep.gripper = np.abs(np.asarray(obs["robot0_gripper_qpos"], dtype=np.float64)).sum(axis=1)
    if "robot0_eef_pos" in obs:
        ep.ee_pos = np.asarray(obs["robot0_eef_pos"], dtype=np.float64)
    if "object" in obs and obs["object"].ndim == 2 and obs["object"].shape[1] >= 3:
        ep.object_pos = np.asarray(obs["object"][:, :3], dtype=np.float64)  # robomimic: object position first
    if "robot0_joint_vel" in obs:
        ep.velocity = np.asarray(obs["robot0_joint_vel"], dtype=np.float64).reshape(n, -1)
        ep.velocity_names = [f"robot0_joint_vel_{i}" for i in range(ep.velocity.shape[1])]
    robots = (env.get("env_kwargs") or {}).get("robots")
    ep.robot_type = str(robots[0] if isinstance(robots, list) and robots else robots or "")
    if "actions" in demo:
        ep.action = np.asarray(demo["actions"], dtype=np.float64).reshape(n, -1)
        ep.action_names = [f"a{i}" for i in range(ep.action.shape[1])]
    for k in obs:
        if k.endswith("_image"):
            ep.cameras[k.removesuffix("_image")] = obs[k]
    ep._h5 = f  # type: ignore[attr-defined]
    return ep


def _json_attr(attrs: Any, key: str) -> dict[str, Any]:
    try:
        v = json.loads(_h5_str(attrs.get(key, "{}")))
    except (json.JSONDecodeError, TypeError):
        return {}
    return v if isinstance(v, dict) else {}


def _load_robosuite(p: Path, f: Any, name: str, n_demos: int) -> Episode:
    """Raw robosuite demonstrations (`collect_human_demonstrations.py`): per demo `states` = flattened
    MuJoCo states [time, qpos, qvel], `actions`, the model XML (`model_file` attribute, or a file
    name under `models/` beside the HDF5) and optional `joint_torques`; environment in `/data` attrs."""
    data, demo = f["data"], f["data"][name]
    path = f"{p}{MEMBER_SEP}{name}"
    states = np.asarray(demo["states"], dtype=np.float64)
    if states.ndim != 2 or len(states) < 2:
        raise SourceError(path, f"`states` has shape {states.shape}; expected [T, 1 + nq + nv]", step="read states")
    xml = _h5_str(demo.attrs.get("model_file", ""))
    if xml and not xml.lstrip().startswith("<"):  # a file name: robosuite keeps them under models/
        cand = p.parent / "models" / xml
        if not cand.is_file():
            raise SourceError(path, f"model_file names {xml!r} but {cand} does not exist", step="read model",
                              hint="keep the models/ folder that robosuite saved next to demo.hdf5")
        xml = cand.read_text()
    if not xml:
        raise SourceError(path, "no model_file: the state columns cannot be named", step="read model")
    try:
        model = mjcf.parse(xml)
    except mjcf.MJCFError as exc:
        raise SourceError(path, f"model_file: {exc}", step="read model") from exc
    if states.shape[1] != 1 + model.nq + model.nv:
        raise SourceError(path, f"states have {states.shape[1]} columns but the model has 1 + nq {model.nq} + nv "
                                f"{model.nv}", step="read states", hint="model_file and states do not belong together")
    qpos = states[:, 1:1 + model.nq]
    robot = [j for j in model.joints if j.type in ("hinge", "slide")]
    env = _h5_str(data.attrs.get("env", "")) or _json_attr(data.attrs, "env_args").get("env_name", "")
    info = _json_attr(data.attrs, "env_info") or _json_attr(data.attrs, "env_args").get("env_kwargs", {})
    fps = float(info.get("control_freq") or _json_attr(data.attrs, "env_args").get("env_kwargs", {}).get(
        "control_freq") or 20.0)
    ep = Episode(fmt="hdf5-robosuite", t=states[:, 0].copy(), state=qpos[:, [j.qpos for j in robot]],
                 state_names=[j.name for j in robot], fps=fps, episode_index=_demo_key(name))
    ep.task = ROBOSUITE_TASKS.get(env, env)
    robots = info.get("robots") or _json_attr(data.attrs, "env_args").get("env_kwargs", {}).get("robots")
    ep.robot_type = "+".join(robots) if isinstance(robots, list) else str(robots or "")
    if n_demos > 1:
        ep.notes.append(f"file holds {n_demos} demos; this source is {name}")
    fingers = [j for j in robot if "finger" in j.name.lower()]
    arms = sorted({j.name.split("_")[0] for j in fingers})
    if fingers:
        mine = [j for j in fingers if j.name.startswith(arms[0] + "_")]
        ep.gripper = np.abs(qpos[:, [j.qpos for j in mine]]).sum(axis=1)
        for arm in arms[1:]:
            theirs = [j.qpos for j in fingers if j.name.startswith(arm + "_")]
            ep.other_grippers[arm] = np.abs(qpos[:, theirs]).sum(axis=1)
        if len(arms) > 1:
            ep.notes.append(f"{len(arms)} grippers ({', '.join(arms)}): gripper and contact anchors use "
                            f"{arms[0]}; a hand-over to {', '.join(arms[1:])} is a phase; every arm's joints are "
                            "in the state")
    site = next((s for b in model.bodies for s in b.sites if s == f"{arms[0]}_grip_site"), None) if arms else None
    site = site or next((s for b in model.bodies for s in b.sites if s.endswith("grip_site")), None)
    if site is not None:
        ep.ee_pos = model.site_positions(qpos, site)
    free = [j for j in model.joints if j.type == "free"]
    if free:
        ep.object_pos = qpos[:, free[0].qpos:free[0].qpos + 3].copy()
        ep.object_name = object_word(free[0].name)
        ep.notes.append(f"object: {ep.object_name} (free joint {free[0].name})")
    if "actions" in demo:
        ep.action = np.asarray(demo["actions"], dtype=np.float64).reshape(len(states), -1)
        d = ep.action.shape[1]
        per = ["dx", "dy", "dz", "droll", "dpitch", "dyaw", "gripper"]
        if d % 7 == 0:
            ep.action_names = [f"arm{k}_{n}" if d > 7 else n for k in range(d // 7) for n in per]
        elif d == 6:
            ep.action_names = per[:6]
        else:
            ep.action_names = [f"a{i}" for i in range(d)]
    if "joint_torques" in demo:
        ep.effort = np.asarray(demo["joint_torques"], dtype=np.float64).reshape(len(states), -1)
        arm = [j.name for j in robot if "finger" not in j.name.lower()]
        ep.effort_names = arm if len(arm) == ep.effort.shape[1] else [f"torque_{i}" for i in range(ep.effort.shape[1])]
    meta = _json_attr(demo.attrs, "metadata")
    if "completed" in meta:
        ep.notes.append(f"recorded as {'completed' if meta['completed'] else 'not completed'}")
    f.close()  # everything is read: no camera arrays to keep open
    return ep


def load_plain(p: Path) -> Episode:
    states = next((p / s for s in STATE_FILES if (p / s).is_file()), None) if p.is_dir() else p
    if states is None:
        raise SourceError(str(p), "no states.csv / states.parquet in the folder")
    import pandas as pd  # noqa: PLC0415

    try:
        df = pd.read_csv(states) if states.suffix == ".csv" else pd.read_parquet(states)
    except Exception as exc:  # noqa: BLE001
        raise SourceError(str(states), f"states table unreadable ({type(exc).__name__}: {exc})") from exc
    tcol = next((c for c in df.columns if c.lower() in ("timestamp", "time", "t", "timestamp_s")), None)
    if tcol is None:
        raise SourceError(str(states), "no timestamp column (timestamp / time / t)", step="read states")
    num = df.select_dtypes("number")
    acols = [c for c in num.columns if c.lower().startswith("action")]
    ecols = [c for c in num.columns if any(k in c.lower() for k in ("effort", "force", "torque"))]
    scols = [c for c in num.columns if c != tcol and c not in acols and c not in ecols]
    if not scols:
        raise SourceError(str(states), "no numeric state columns", step="read states")
    state = num[scols].to_numpy(np.float64)
    ep = Episode(fmt="plain", t=num[tcol].to_numpy(np.float64), state=state, state_names=scols)
    if acols:
        ep.action, ep.action_names = num[acols].to_numpy(np.float64), acols
    if ecols:
        ep.effort, ep.effort_names = num[ecols].to_numpy(np.float64), ecols
    low = [c.lower() for c in scols]
    if "gripper_width" in low:
        ep.gripper = state[:, low.index("gripper_width")]
    for v in sibling_videos(states):
        cam = v.stem.split(".", 1)[1] if "." in v.stem else v.stem
        ep.cameras[cam] = v
    return ep
