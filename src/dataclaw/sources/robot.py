"""Robot episodes: LeRobot v2.x, HDF5 (ALOHA / robomimic) and plain video + CSV/Parquet states.

Each episode is one source. A `RobotStream` exposes the episode's time series on one clock
(`t`, `state`, `action`, `gripper`, `ee_pos`, `gripper_effort`, `object_pos` when an object is tracked), its language (`task`,
`annotations`) and every camera (`camera(name)`, `frame_at(t, camera=...)`). The first camera is
the main one, so `frame_at` / `display_frames` / `time_base` work for `MediaStore` like a video.

Bad input never passes silently: rows with NaNs or non-monotonic timestamps are dropped and
recorded in `meta.skipped`, dropped frames (time gaps) and video/state length mismatches are
recorded in `meta.notes`, a missing camera file is recorded and the camera left out; what cannot
be repaired raises `SourceError` naming the file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..errors import SourceError
from .robot_formats import (HDF5_EXT, Episode, load_hdf5, load_lerobot, load_plain,  # noqa: F401
                            episode_paths, is_robot_path, lerobot_root, split_member)
from .video import Frame, VideoStream

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
    robot_type: str = ""
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
def gripper_index(names: list[str]) -> list[int]:
    low = [n.lower() for n in names]
    idx = [i for i, n in enumerate(low) if "gripper" in n or "finger" in n]
    return idx


def _gripper_from(state: np.ndarray, names: list[str]) -> np.ndarray | None:
    idx = gripper_index(names)
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
    idx = gripper_index(ep.effort_names) if ep.effort_names else []
    if not idx and e.shape[1] == len(ep.state_names):
        idx = gripper_index(ep.state_names)
    if not idx:
        return None
    return e[:, idx].max(axis=1)


# ---------------------------------------------------------------------- cleaning
def _clean(ep: Episode, path: str) -> np.ndarray:
    """Returns the row mask kept; records what was dropped and why."""
    n = len(ep.t)
    if n == 0:
        raise SourceError(path, "episode has no rows", step="read states")
    for name, a in (("state", ep.state), ("action", ep.action), ("ee_pos", ep.ee_pos), ("gripper", ep.gripper),
                    ("object_pos", ep.object_pos)):
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
    for name in ("t", "state", "action", "ee_pos", "effort", "velocity", "gripper", "subtask", "object_pos"):
        a = getattr(ep, name)
        if a is not None:
            setattr(ep, name, a[keep])
    ep.other_grippers = {arm: g[keep] for arm, g in ep.other_grippers.items()}


FPS_TOLERANCE = 0.05  # a declared rate this far (relative) from the timestamps' median step is wrong


def checked_fps(ep: Episode, dt: np.ndarray) -> float:
    """The episode's frame rate: the declared one (LeRobot info.json, HDF5 attrs) when the timestamps agree
    with it, else the rate the timestamps show, with a note. A declared 1000 or 0 is never believed
    over 30 Hz timestamps; with neither, 30 Hz is assumed and said."""
    declared = float(ep.fps or 0)
    med = float(np.median(dt)) if len(dt) else 0.0
    measured = round(1.0 / med, 3) if med > 0 else 0.0
    if measured <= 0:
        if declared > 0:
            return declared
        ep.notes.append("no frame rate: the metadata gives none and the timestamps do not advance; 30 Hz assumed")
        return 30.0
    if declared <= 0:
        if ep.fmt != "plain":  # a plain table has no metadata to blame
            ep.notes.append(f"the metadata gives no fps (0 or missing); using {measured:g} Hz from the timestamps")
        return measured
    if abs(declared - measured) > FPS_TOLERANCE * measured:
        ep.notes.append(f"the metadata says {declared:g} fps but the timestamps step {med:.4g} s "
                        f"({measured:g} Hz); using {measured:g} Hz")
        return measured
    return declared


class RobotStream:
    """An open robot episode. Use as a context manager or call close()."""

    kind = "robot"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        p, member = split_member(path)
        if not p.exists():
            raise SourceError(str(p), "does not exist")
        if member is not None:
            if p.suffix.lower() not in HDF5_EXT:
                raise SourceError(str(path), "only HDF5 files hold several demonstrations (`file#demo`)")
            ep = load_hdf5(p, member)
        elif lerobot_root(p) is not None:
            ep = load_lerobot(p)
        elif p.is_file() and p.suffix.lower() in HDF5_EXT:
            ep = load_hdf5(p)
        else:
            ep = load_plain(p)
        self._h5 = getattr(ep, "_h5", None)
        ep.state = np.asarray(ep.state, dtype=np.float64).reshape(len(ep.state), -1)
        if ep.gripper is None:
            ep.gripper = _gripper_from(ep.state, ep.state_names)
        if ep.ee_pos is None:
            ep.ee_pos = _ee_from(ep.state, ep.state_names)
        keep = _clean(ep, str(path))
        raw_t = ep.t
        _apply(ep, keep)
        if abs(ep.t[0]) > 1e-6:
            ep.notes.append(f"timestamps start at {ep.t[0]:.3f}s; shifted to 0")
            ep.t = ep.t - ep.t[0]
        dt = np.diff(ep.t)
        fps = checked_fps(ep, dt)
        gaps = np.nonzero(dt > 1.5 / fps)[0]
        if len(gaps):
            missing = int(sum(round(dt[i] * fps) - 1 for i in gaps))
            ep.notes.append(f"dropped frames: {missing} missing in {len(gaps)} gap(s), first at "
                            f"t={ep.t[gaps[0]]:.3f}s (times kept as recorded)")
        self.cameras: dict[str, Any] = {}
        self._camera_src = dict(ep.cameras)
        self.t, self.state, self.action, self.ee_pos = ep.t, ep.state, ep.action, ep.ee_pos
        self.gripper = ep.gripper
        self.object_pos, self.object_name = ep.object_pos, ep.object_name
        self.other_grippers = ep.other_grippers  # arm -> opening, for arms after the first (hand-overs)
        self.gripper_effort = _gripper_effort(ep)
        self.effort, self.effort_names = ep.effort, list(ep.effort_names)
        self.velocity, self.velocity_names = ep.velocity, list(ep.velocity_names)
        self.state_names, self.action_names = ep.state_names, ep.action_names
        self.task, self.annotations, self.subtask = ep.task, ep.annotations, ep.subtask
        self._raw_t = raw_t  # array cameras are indexed by the original rows
        self._keep = keep
        duration = float(ep.t[-1] + 1.0 / fps)
        self.meta = RobotMeta(format=ep.fmt, duration=duration, fps=fps, n_frames=len(ep.t), cameras=[],
                              state_names=ep.state_names, action_names=ep.action_names, task=ep.task,
                              episode_index=ep.episode_index, has_effort=self.gripper_effort is not None,
                              has_ee=self.ee_pos is not None, robot_type=ep.robot_type, notes=ep.notes,
                              skipped=ep.skipped)
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
            arm = [i for i in range(self.state.shape[1]) if i not in gripper_index(self.state_names)]
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
