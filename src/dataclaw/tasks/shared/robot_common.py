"""Helpers shared by the embodied tasks (world_model, contact, segmentation, recovery)."""
from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import SourceError
from ...model import Anchor, AnchorSet, Segment, Source
from ...sources import open_stream
from .common import overlap, span_errors, uncited

_OPEN: OrderedDict[str, Any] = OrderedDict()


def episode(source: Source) -> Any:
    """The open RobotStream of a source (a few kept open: tasks read states/actions at many times)."""
    if source.id in _OPEN:
        _OPEN.move_to_end(source.id)
        return _OPEN[source.id]
    st = open_stream(source)
    _OPEN[source.id] = st
    while len(_OPEN) > 4:
        _OPEN.popitem(last=False)[1].close()
    return st


def has_camera(source: Source) -> bool:
    """Whether the episode has a readable camera (raw robosuite demos log states only)."""
    return bool(episode(source).meta.cameras)


def rows(st: Any, t0: float, t1: float, what: str = "action", every: int = 1) -> list[list[float]]:
    """Rows of `action` (or `state`) shown in [t0, t1), rounded for JSON."""
    arr = st.action if what == "action" else st.state
    if arr is None:
        return []
    i0, i1 = st.index_at(t0), max(st.index_at(t0) + 1, int(np.searchsorted(st.t, t1 - 1e-6)))
    return np.round(np.asarray(arr[i0:i1:every], dtype=np.float64), 5).tolist()


def state_at(st: Any, t: float) -> list[float]:
    return np.round(np.asarray(st.state[st.index_at(t)], dtype=np.float64), 5).tolist()


def phases(anchorset: AnchorSet) -> list[Anchor]:
    return sorted(anchorset.of_kind("phase"), key=lambda a: a.t0)


def covering(anchors: list[Anchor], t0: float, t1: float) -> list[Anchor]:
    """Anchors overlapping [t0, t1] (or containing the point t0 == t1)."""
    if t1 <= t0:
        return [a for a in anchors if a.t0 - 1e-6 <= t0 <= a.t1 + 1e-6]
    return [a for a in anchors if overlap(a.t0, a.t1, t0, t1) > 0]


def phase_at(anchors: list[Anchor], t: float) -> Anchor | None:
    ph = [a for a in anchors if a.kind == "phase"]
    inside = [a for a in ph if a.t0 - 1e-6 <= t < a.t1 - 1e-6] or [a for a in ph if a.t0 <= t <= a.t1 + 1e-6]
    return inside[0] if inside else None


def task_text(anchorset: AnchorSet) -> str:
    for a in anchorset.of_kind("phase"):
        if a.data.get("task"):
            return str(a.data["task"])
    return str(anchorset.meta.get("task") or "the manipulation task")


def camera_frame(media: Any, source: Source, t: float, camera: str | None = None, max_side: int = 768) -> str:
    """JPEG of camera `camera` at t, relative to the dataset folder. The main camera goes through
    `media.keyframe` (shared with other tasks); other cameras are written here, next to it, the same
    way (idempotent, atomic)."""
    st = episode(source)
    if camera is None or not st.meta.cameras or camera == st.meta.cameras[0]:
        return media.keyframe(source, t)
    from PIL import Image  # noqa: PLC0415

    rel = f"media/{source.id[:12]}/{camera}_frame_{int(round(t * 1000))}.jpg"
    root = getattr(media, "root", None)
    if root is None:  # a media writer without a folder (tests): name only
        return rel
    path = Path(root) / rel
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.part.jpg")
        Image.fromarray(st.frame_at(t, max_side=max_side, camera=camera).image).save(tmp, format="JPEG", quality=90)
        os.replace(tmp, path)
    return rel


def episode_clip(media: Any, source: Any, duration: float) -> list[Any]:
    """The whole episode as a query clip, or nothing when it has no camera (a states-only log)."""
    if not has_camera(source):
        return []
    try:
        return [Segment(type="clip", path=media.clip(source, 0.0, duration), t0=0.0, t1=duration)]
    except SourceError:
        return []


def focus_window(ev: Any, anchors: list[Anchor], duration: float) -> str | None:
    """The part of the episode a focused sample is about, in words ("2.60-3.40 s", or several joined by
    "and"): per focus span, the extent of the evidence anchors it overlaps. The times are the anchors' own,
    so the verifier finds every number of the question in what the answer cites (a focus span's own end,
    5.80 s, was an unsupported number). None when the evidence is not focused or covers the whole episode."""
    spans = (ev.meta.get("focus") or {}).get("spans") or []
    if not spans or not anchors:
        return None
    parts: dict[int, list[float]] = {}
    for a in anchors:
        k = max(range(len(spans)), key=lambda i: overlap(a.t0, a.t1, spans[i][0], spans[i][1]))
        p = parts.setdefault(k, [a.t0, a.t1])
        p[0], p[1] = min(p[0], a.t0), max(p[1], a.t1)
    hull = sorted(parts.values())
    merged: list[list[float]] = []
    for a, b in hull:  # parts that touch read as one
        if merged and a <= merged[-1][1] + 1e-6:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    if duration > 0 and sum(b - a for a, b in merged) >= 0.95 * duration:
        return None
    return " and ".join(f"{a:.2f}-{b:.2f} s" for a, b in merged)


def uncovered(sample: Any, anchors: list[Anchor], field: str, what: str) -> list[str]:
    """Errors for the anchors no span of the solution cites: an answer about a whole episode ("its
    phases", "when is the gripper in contact") lists every interval of its evidence, not the first."""
    return uncited(sample, anchors, lambda a: [a.id], lambda _, a: (
        f"{field}: the {a.data.get('phase', a.kind)} {a.t0:.2f}-{a.t1:.2f} s ({a.id}) has no span; {what}"), "span")


def interval_segments(ev: Any, items: list[dict], field: str, text_key: str, media: Any, *, frames: bool,
                      frame_at: str = "start") -> tuple[list[Segment], list[str]]:
    """A draft's labelled intervals (`{t0, t1, anchor, <text_key>}`) as span segments, each followed
    by its frame (at the interval's start or middle) when asked and the episode has a camera; and
    the errors of intervals that do not lie inside the anchor they cite (those are left out)."""
    sol: list[Segment] = []
    errors: list[str] = []
    with_frames = frames and has_camera(ev.source)
    for i, item in enumerate(items):
        t0, t1 = float(item["t0"]), float(item["t1"])
        errs = span_errors(ev, [item["anchor"]], t0, t1, f"{field}[{i}]")
        if errs:
            errors += errs
            continue
        sol.append(Segment(type="span", text=item[text_key], t0=t0, t1=t1, anchors=[item["anchor"]]))
        if with_frames:
            tm = t0 if frame_at == "start" else round((t0 + t1) / 2, 3)
            sol.append(Segment(type="image", path=media.keyframe(ev.source, tm), t0=tm, t1=tm, anchors=[item["anchor"]]))
    return sol, errors
