"""Robot episodes: LeRobot v2.x, HDF5 (ALOHA / robomimic) and plain video + CSV/Parquet states.

Each episode is one source. A `RobotStream` exposes the episode's time series on one clock
(`t`, `state`, `action`, `gripper`, `ee_pos`, `gripper_effort`), its language (`task`,
`annotations`) and every camera (`camera(name)`, `frame_at(t, camera=...)`). The first camera is
the main one, so `frame_at` / `display_frames` / `time_base` work for `MediaStore` like a video.

Bad input never passes silently: rows with NaNs or non-monotonic timestamps are dropped and
recorded in `meta.skipped`, dropped frames (time gaps) and video/state length mismatches are
recorded in `meta.notes`, a missing camera file is recorded and the camera left out; what cannot
be repaired raises `SourceError` naming the file.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..errors import SourceError
from .video import Frame, VideoStream

HDF5_EXT = {".hdf5", ".h5", ".he5"}
STATE_FILES = ("states.csv", "states.parquet")
MAX_DROP_FRACTION = 0.5  # more bad rows than this: the episode is not usable


@dataclass
class RobotMeta:
    format: str
    duration: float
    fps: float
    n_frames: int
    cameras: list[str]
    state_names: list[str]
    action_names: list[str]
    task: str = ""
    episode_index: int = 0
    width: int = 0
    height: int = 0
    has_audio: bool = False
    has_effort: bool = False
    has_ee: bool = False
    video_duration: float = 0.0
    notes: list[str] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


class ArrayCamera:
    """Frames held as an array ([T,H,W,3] uint8, or [T, nbytes] encoded images) with their times."""

    def __init__(self, name: str, data: Any, t: np.ndarray, path: str) -> None:
        self.name, self.data, self.t, self.path = name, data, np.asarray(t, dtype=np.float64), path
        self.encoded = len(data.shape) == 2
        fps = 1.0 / float(np.median(np.diff(self.t))) if len(self.t) > 1 else 1.0
        first = self._image(0)
        self.meta = type("CamMeta", (), {"fps": fps, "duration": float(self.t[-1] + 1 / fps), "has_audio": False,
                                         "n_frames": len(self.t), "width": first.shape[1], "height": first.shape[0]})()

    time_base = Fraction(1, 1000)

    def _image(self, i: int) -> np.ndarray:
        raw = np.asarray(self.data[i])
        if self.encoded:  # ALOHA "compressed" images: JPEG/PNG bytes per frame
            import io  # noqa: PLC0415

            from PIL import Image  # noqa: PLC0415

            raw = np.asarray(Image.open(io.BytesIO(raw.tobytes())).convert("RGB"))
        return raw[..., :3]

    def _frame(self, i: int, max_side: int | None, idx: int = 0) -> Frame:
        img = self._image(i)
        h, w = img.shape[:2]
        if max_side and max(h, w) > max_side:
            from PIL import Image  # noqa: PLC0415

            s = max_side / max(h, w)
            img = np.asarray(Image.fromarray(img).resize((max(2, round(w * s)), max(2, round(h * s)))))
        return Frame(t=float(self.t[i]), index=idx, image=img, pts=int(round(self.t[i] * 1000)))

    def frame_at(self, t: float, max_side: int | None = None) -> Frame:
        i = max(0, int(np.searchsorted(self.t, t + 1e-4, side="right")) - 1)
        return self._frame(i, max_side)

    def frames(self, fps: float | None = None, max_side: int | None = 320, gray: bool = False, t0: float = 0.0,
               t1: float | None = None, errors: list[str] | None = None) -> Iterator[Frame]:
        next_t, idx = t0, 0
        for i, t in enumerate(self.t):
            if t < t0 - 1e-6 or (fps and t + 1e-6 < next_t):
                continue
            if t1 is not None and t > t1 + 1e-6:
                break
            fr = self._frame(i, max_side, idx)
            if gray:
                fr.image = (fr.image @ np.array([0.299, 0.587, 0.114])).astype(np.uint8)
            yield fr
            idx += 1
            if fps:
                next_t = max(next_t + 1 / fps, t + 0.5 / fps)

    def display_frames(self, t0: float, t1: float, max_side: int | None = None,
                       errors: list[str] | None = None) -> Iterator[Frame]:
        i0 = max(0, int(np.searchsorted(self.t, t0 + 1e-4, side="right")) - 1)
        for k, i in enumerate(range(i0, len(self.t))):
            if k and self.t[i] >= t1 - 1e-4:
                break
            yield self._frame(i, max_side, k)

    def close(self) -> None:
        pass


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
    gripper: np.ndarray | None = None
    cameras: dict[str, Any] = field(default_factory=dict)  # name -> mp4 Path | array
    task: str = ""
    annotations: list[dict[str, Any]] = field(default_factory=list)
    subtask: np.ndarray | None = None
    episode_index: int = 0
    fps: float = 0.0
    notes: list[str] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)


def derivative(x: np.ndarray, t: np.ndarray, window_s: float = 0.4) -> np.ndarray:
    """d/dt of a logged signal, robust to sensor noise: a Savitzky-Golay fit over ~`window_s`
    (at least 5 rows; plain central differences for shorter episodes)."""
    x = np.asarray(x, dtype=np.float64)
    if len(t) < 2:
        return np.zeros_like(x)
    dt = float(np.median(np.diff(t)))
    n = max(5, int(round(window_s / dt)) | 1)
    if len(t) < n or dt <= 0:
        return np.gradient(x, t, axis=0)
    from scipy.signal import savgol_filter  # noqa: PLC0415

    return savgol_filter(x, n, 2, deriv=1, delta=dt, axis=0, mode="interp")


# ---------------------------------------------------------------------- column roles
def _gripper_index(names: list[str]) -> list[int]:
    low = [n.lower() for n in names]
    idx = [i for i, n in enumerate(low) if "gripper" in n or "finger" in n]
    return idx


def _gripper_from(state: np.ndarray, names: list[str]) -> np.ndarray | None:
    idx = _gripper_index(names)
    if not idx:
        return None
    # Two finger joints -> opening width; a single gripper value -> itself.
    return np.abs(state[:, idx]).sum(axis=1) if len(idx) > 1 else state[:, idx[0]]


def _ee_from(state: np.ndarray, names: list[str]) -> np.ndarray | None:
    low = [n.lower() for n in names]
    for pat in (("ee_x", "ee_y", "ee_z"), ("eef_x", "eef_y", "eef_z"), ("x", "y", "z")):
        if all(p in low for p in pat):
            return state[:, [low.index(p) for p in pat]]
    return None


def _gripper_effort(ep: Episode) -> np.ndarray | None:
    if ep.effort is None:
        return None
    e = np.abs(np.asarray(ep.effort, dtype=np.float64))
    if e.ndim == 1:
        return e
    idx = _gripper_index(ep.effort_names) if ep.effort_names else []
    if not idx and e.shape[1] == len(ep.state_names):
        idx = _gripper_index(ep.state_names)
    if not idx:
        return None
    return e[:, idx].max(axis=1)


# ---------------------------------------------------------------------- detection
def lerobot_root(p: Path) -> Path | None:
    """The LeRobot dataset root of an episode parquet or a dataset folder, else None."""
    if p.is_dir() and (p / "meta" / "info.json").is_file():
        return p
    if p.is_file() and p.suffix == ".parquet" and len(p.parents) >= 3 and (p.parents[2] / "meta" / "info.json").is_file():
        return p.parents[2]
    return None


def _sibling_videos(states: Path) -> list[Path]:
    d = states.parent
    if states.name in STATE_FILES:
        return sorted(v for v in d.iterdir() if v.suffix.lower() in (".mp4", ".mkv", ".mov", ".webm"))
    return sorted(v for v in d.iterdir() if v.suffix.lower() == ".mp4" and
                  (v.stem == states.stem or v.stem.startswith(states.stem + ".")))


def is_robot_path(p: Path) -> bool:
    if lerobot_root(p) is not None:
        return True
    if p.is_file() and p.suffix.lower() in HDF5_EXT:
        return True
    if p.is_dir():
        return any((p / s).is_file() for s in STATE_FILES) and bool(_sibling_videos(p / STATE_FILES[0]))
    if p.is_file() and p.suffix.lower() in (".csv", ".parquet"):
        return bool(_sibling_videos(p))
    return False


def episode_paths(path: str | Path) -> list[Path]:
    """One path per episode: a LeRobot dataset folder expands to its episode parquet files."""
    p = Path(path)
    root = lerobot_root(p)
    if root is not None and p.is_dir():
        return sorted((root / "data").glob("chunk-*/episode_*.parquet"))
    return [p]


# ---------------------------------------------------------------------- loaders
def _load_lerobot(p: Path) -> Episode:
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
    fps = float(info.get("fps") or 0) or 30.0
    t = arr("timestamp")
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
    eff = arr("observation.effort")
    if eff is not None:
        ep.effort = eff.reshape(n, -1)
        ep.effort_names = names("observation.effort", ep.effort.shape[1])
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


def _load_hdf5(p: Path) -> Episode:
    import h5py  # noqa: PLC0415

    try:
        f = h5py.File(p, "r")
    except Exception as exc:  # noqa: BLE001
        raise SourceError(str(p), f"not a readable HDF5 file ({type(exc).__name__}: {exc})") from exc
    if "observations" in f and "qpos" in f["observations"]:
        return _load_aloha(p, f)
    if "data" in f and any(k.startswith("demo") for k in f["data"]):
        return _load_robomimic(p, f)
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
        ep.notes.append("bimanual ALOHA layout: gripper/contact anchors use the left arm")
        ep.gripper = qpos[:, 6]
    if "action" in f:
        ep.action = np.asarray(f["action"], dtype=np.float64).reshape(n, -1)
        ep.action_names = [f"a{i}" for i in range(ep.action.shape[1])]
    if "effort" in obs:
        ep.effort = np.asarray(obs["effort"], dtype=np.float64).reshape(n, -1)
        ep.effort_names = names if ep.effort.shape[1] == d else []
    if "ee_pos" in obs:
        ep.ee_pos = np.asarray(obs["ee_pos"], dtype=np.float64)[:, :3]
    if "images" in obs:
        for cam in obs["images"]:
            ep.cameras[cam] = obs["images"][cam]
    ep.task = _h5_str(f.attrs.get("task", ""))
    ep._h5 = f  # type: ignore[attr-defined]  # keep open: cameras read lazily
    return ep


def _load_robomimic(p: Path, f: Any) -> Episode:
    data = f["data"]
    demos = sorted((k for k in data if k.startswith("demo")), key=lambda k: int(re.sub(r"\D", "", k) or 0))
    demo = data[demos[0]]
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
            raise SourceError(str(p), f"{demos[0]} has no low-dimensional observations", step="read states")
        a = np.asarray(obs[k], dtype=np.float64).reshape(len(obs[k]), -1)
        parts, names = [a], [f"{k}_{i}" for i in range(a.shape[1])]
    state = np.concatenate(parts, axis=1)
    n = len(state)
    t = np.asarray(demo["timestamps"], dtype=np.float64) if "timestamps" in demo else np.arange(n) / fps
    ep = Episode(fmt="hdf5-robomimic", t=t, state=state, state_names=names, fps=fps)
    if len(demos) > 1:
        ep.notes.append(f"file holds {len(demos)} demos; this source is {demos[0]}")
    if "robot0_gripper_qpos" in obs:
        ep.gripper = np.abs(np.asarray(obs["robot0_gripper_qpos"], dtype=np.float64)).sum(axis=1)
    if "robot0_eef_pos" in obs:
        ep.ee_pos = np.asarray(obs["robot0_eef_pos"], dtype=np.float64)
    if "actions" in demo:
        ep.action = np.asarray(demo["actions"], dtype=np.float64).reshape(n, -1)
        ep.action_names = [f"a{i}" for i in range(ep.action.shape[1])]
    for k in obs:
        if k.endswith("_image"):
            ep.cameras[k.removesuffix("_image")] = obs[k]
    ep._h5 = f  # type: ignore[attr-defined]
    return ep


def _load_plain(p: Path) -> Episode:
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
    for v in _sibling_videos(states):
        cam = v.stem.split(".", 1)[1] if "." in v.stem else v.stem
        ep.cameras[cam] = v
    return ep


# ---------------------------------------------------------------------- cleaning
def _clean(ep: Episode, path: str) -> np.ndarray:
    """Returns the row mask kept; records what was dropped and why."""
    n = len(ep.t)
    if n == 0:
        raise SourceError(path, "episode has no rows", step="read states")
    for name, a in (("state", ep.state), ("action", ep.action), ("ee_pos", ep.ee_pos), ("gripper", ep.gripper)):
        if a is not None and len(a) != n:
            raise SourceError(path, f"{name} has {len(a)} rows but timestamps have {n}", step="read states")
    keep = np.isfinite(ep.t)
    bad = ~np.isfinite(ep.state).all(axis=1)
    for a in (ep.ee_pos, ep.gripper):
        if a is not None:
            bad |= ~np.isfinite(a.reshape(n, -1)).all(axis=1)
    if bad.any():
        ep.skipped.append({"what": f"{int(bad.sum())} rows", "reason": "NaN/inf in states",
                           "times": np.round(ep.t[bad & keep][:20], 3).tolist()})
    keep &= ~bad
    # Non-monotonic timestamps: keep a row only if it is later than every kept row before it.
    last, nonmono = -np.inf, np.zeros(n, dtype=bool)
    for i in range(n):
        if not keep[i]:
            continue
        if ep.t[i] <= last:
            nonmono[i] = True
        else:
            last = ep.t[i]
    if nonmono.any():
        ep.skipped.append({"what": f"{int(nonmono.sum())} rows", "reason": "timestamps not increasing",
                           "times": np.round(ep.t[nonmono][:20], 3).tolist()})
    keep &= ~nonmono
    if keep.sum() < max(2, (1 - MAX_DROP_FRACTION) * n):
        raise SourceError(path, f"only {int(keep.sum())} of {n} rows are usable (NaNs / non-monotonic timestamps)",
                          step="read states")
    return keep


def _apply(ep: Episode, keep: np.ndarray) -> None:
    for name in ("t", "state", "action", "ee_pos", "effort", "gripper", "subtask"):
        a = getattr(ep, name)
        if a is not None:
            setattr(ep, name, a[keep])


class RobotStream:
    """An open robot episode. Use as a context manager or call close()."""

    kind = "robot"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        p = self.path
        if not p.exists():
            raise SourceError(str(p), "does not exist")
        if lerobot_root(p) is not None:
            ep = _load_lerobot(p)
        elif p.is_file() and p.suffix.lower() in HDF5_EXT:
            ep = _load_hdf5(p)
        else:
            ep = _load_plain(p)
        self._h5 = getattr(ep, "_h5", None)
        ep.state = np.asarray(ep.state, dtype=np.float64).reshape(len(ep.state), -1)
        if ep.gripper is None:
            ep.gripper = _gripper_from(ep.state, ep.state_names)
        if ep.ee_pos is None:
            ep.ee_pos = _ee_from(ep.state, ep.state_names)
        keep = _clean(ep, str(p))
        raw_t = ep.t
        _apply(ep, keep)
        if abs(ep.t[0]) > 1e-6:
            ep.notes.append(f"timestamps start at {ep.t[0]:.3f}s; shifted to 0")
            ep.t = ep.t - ep.t[0]
        dt = np.diff(ep.t)
        med = float(np.median(dt)) if len(dt) else 1.0 / (ep.fps or 30.0)
        fps = ep.fps or (round(1.0 / med, 3) if med > 0 else 30.0)
        gaps = np.nonzero(dt > 1.5 / fps)[0]
        if len(gaps):
            missing = int(sum(round(dt[i] * fps) - 1 for i in gaps))
            ep.notes.append(f"dropped frames: {missing} missing in {len(gaps)} gap(s), first at "
                            f"t={ep.t[gaps[0]]:.3f}s (times kept as recorded)")
        self.cameras: dict[str, Any] = {}
        self._camera_src = dict(ep.cameras)
        self.t, self.state, self.action, self.ee_pos = ep.t, ep.state, ep.action, ep.ee_pos
        self.gripper = ep.gripper
        self.gripper_effort = _gripper_effort(ep)
        self.state_names, self.action_names = ep.state_names, ep.action_names
        self.task, self.annotations, self.subtask = ep.task, ep.annotations, ep.subtask
        self._raw_t = raw_t  # array cameras are indexed by the original rows
        self._keep = keep
        duration = float(ep.t[-1] + 1.0 / fps)
        self.meta = RobotMeta(format=ep.fmt, duration=duration, fps=fps, n_frames=len(ep.t), cameras=[],
                              state_names=ep.state_names, action_names=ep.action_names, task=ep.task,
                              episode_index=ep.episode_index, has_effort=self.gripper_effort is not None,
                              has_ee=self.ee_pos is not None, notes=ep.notes, skipped=ep.skipped)
        self._check_cameras()

    # ------------------------------------------------------------------ cameras
    def _open_camera(self, name: str) -> Any:
        src = self._camera_src[name]
        if isinstance(src, Path):
            return VideoStream(src)
        if len(src) != len(self._raw_t):
            raise SourceError(str(self.path), f"camera {name} has {len(src)} frames, states {len(self._raw_t)}",
                              step="camera")
        return ArrayCamera(name, src, self._raw_t - self._raw_t[0], f"{self.path}:{name}")

    def _check_cameras(self) -> None:
        """Opens each camera once: unreadable ones are skipped, length mismatches recorded."""
        meta = self.meta
        for name in list(self._camera_src):
            try:
                cam = self._open_camera(name)
            except SourceError as exc:
                meta.skipped.append({"what": f"camera {name}", "reason": exc.reason})
                del self._camera_src[name]
                continue
            vdur = float(cam.meta.duration)
            if abs(vdur - meta.duration) > 2.0 / meta.fps:
                msg = (f"camera {name} lasts {vdur:.3f}s but states {meta.duration:.3f}s "
                       f"({int(cam.meta.n_frames)} vs {meta.n_frames} frames)")
                if vdur < 0.5 * meta.duration:
                    meta.skipped.append({"what": f"camera {name}", "reason": msg + "; camera left out"})
                    cam.close()
                    del self._camera_src[name]
                    continue
                meta.notes.append(msg + "; times beyond the shorter one have no frame/state")
            self.cameras[name] = cam
        meta.cameras = list(self.cameras)
        if self.cameras:
            first = self.cameras[meta.cameras[0]].meta
            meta.width, meta.height = int(first.width), int(first.height)
            meta.video_duration = min(float(c.meta.duration) for c in self.cameras.values())

    def camera(self, name: str | None = None) -> Any:
        if not self.cameras:
            raise SourceError(str(self.path), "episode has no readable camera", step="camera",
                              hint=f"skipped: {self.meta.skipped}" if self.meta.skipped else "")
        if name is None:
            return self.cameras[self.meta.cameras[0]]
        if name not in self.cameras:
            raise SourceError(str(self.path), f"no camera {name!r}; cameras: {', '.join(self.cameras)}", step="camera")
        return self.cameras[name]

    def frame_at(self, t: float, max_side: int | None = None, camera: str | None = None) -> Frame:
        return self.camera(camera).frame_at(t, max_side=max_side)

    def frames(self, fps: float | None = None, max_side: int | None = 320, gray: bool = False, t0: float = 0.0,
               t1: float | None = None, errors: list[str] | None = None, camera: str | None = None) -> Iterator[Frame]:
        return self.camera(camera).frames(fps=fps, max_side=max_side, gray=gray, t0=t0, t1=t1, errors=errors)

    def display_frames(self, t0: float, t1: float, max_side: int | None = None,
                       errors: list[str] | None = None, camera: str | None = None) -> Iterator[Frame]:
        return self.camera(camera).display_frames(t0, t1, max_side=max_side, errors=errors)

    @property
    def time_base(self) -> Any:
        return self.camera().time_base

    # ------------------------------------------------------------------ time series
    @property
    def duration(self) -> float:
        return self.meta.duration

    def index_at(self, t: float) -> int:
        """Row shown at time t (the last row at or before t)."""
        return max(0, int(np.searchsorted(self.t, t + 1e-6, side="right")) - 1)

    def speed(self) -> np.ndarray:
        """End-effector speed (m/s) when logged, else joint-space speed of the arm joints."""
        pos = self.ee_pos
        if pos is None:
            arm = [i for i in range(self.state.shape[1]) if i not in _gripper_index(self.state_names)]
            pos = self.state[:, arm]
        if len(self.t) < 2:
            return np.zeros(len(self.t))
        return np.linalg.norm(derivative(pos, self.t), axis=1)

    def close(self) -> None:
        for cam in self.cameras.values():
            cam.close()
        if self._h5 is not None:
            try:
                self._h5.close()
            except Exception:  # noqa: BLE001
                pass

    def __enter__(self) -> "RobotStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
