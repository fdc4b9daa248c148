"""Sampled colour frames shared by the visual experts (hands, camera, people, scene): ONE decode.

The visual experts look at a few frames a second at a moderate size, not at every frame, so they
share one sampled decoding pass, memoised in the expert context under its (fps, size) key. Long
videos lower the rate so no more than `max_frames` frames are held (about 0.3 MB each at 448 px).
Also: the bad-input checks every visual expert applies before looking for things (too small, a
uniform / black frame: nothing to see, and a note says so instead of an invented hand or person).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

MEMO_KEY = "visual_frames"
TAPS_KEY = "frame_taps"  # memo: sampling key -> FrameTap the anchor pass fills
MIN_SIDE = 32  # frames smaller than this (short side, pixels) carry too little to detect anything
FLAT_STD = 4.0  # grey-level standard deviation under which a frame is uniform (black, grey, white)


class SamplingParams(BaseModel):
    """How the visual experts sample frames; experts with equal values share one decoding pass."""

    model_config = ConfigDict(extra="forbid")

    fps: float = Field(3.0, gt=0, le=30, description="frames per second looked at")
    max_side: int = Field(448, ge=64, le=1920, description="long side of a looked-at frame (pixels)")
    max_frames: int = Field(1200, ge=2, description="most frames held; longer videos are sampled sparser")


@dataclass
class Sampled:
    t: np.ndarray  # (N,) seconds
    images: list[np.ndarray]  # RGB uint8, display orientation
    fps: float  # the rate actually used
    duration: float
    width: int  # source display size
    height: int
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why some frames are not looked at

    def __len__(self) -> int:
        return len(self.t)

    def usable(self) -> np.ndarray:
        """Per frame: big enough and not uniform (worth running a detector on)."""
        return self._usable

    @property
    def period(self) -> float:
        return 1.0 / self.fps


def _rate(meta, p: SamplingParams) -> float:
    """The sampling rate: `p.fps`, lowered on long videos so at most `max_frames` are held."""
    duration = float(meta.duration or 0.0)
    return p.max_frames / duration if duration > 0 and duration * p.fps > p.max_frames else p.fps


def _key(p: SamplingParams) -> str:
    return f"{MEMO_KEY}:{p.fps}:{p.max_side}:{p.max_frames}"


def want_frames(stream, ctx, p: SamplingParams) -> None:
    """Says, before the video's first decoding pass, that an expert will read the frames sampled at
    `p`: the shared anchor pass (features.frame_features) then keeps them as it decodes (a
    `FrameTap`), so `sampled_frames` needs no second decode. Streams without that pass ignore it."""
    if getattr(stream, "analysis_frames", None) is None:
        return
    from ..sources.video import FrameTap  # noqa: PLC0415 - (the sources layer; PyAV stays lazy)

    taps = ctx.memo(TAPS_KEY, dict)
    if _key(p) not in taps:
        taps[_key(p)] = FrameTap(_rate(stream.meta, p), p.max_side, p.max_frames)


def _decode(stream, ctx, p: SamplingParams) -> Sampled:
    meta = stream.meta
    duration = float(meta.duration or 0.0)
    fps = _rate(meta, p)
    tap = ctx.memo(TAPS_KEY, dict).get(_key(p))
    if tap is not None and tap.complete:  # kept by the anchor pass: no decoding here
        errors = list(tap.errors)
        ts = [fr.t for fr in tap.frames]
        imgs = [fr.image for fr in tap.frames]
        tap.frames = []  # (held once, by the Sampled below)
    else:
        errors = []
        ts, imgs = [], []
        for fr in stream.frames(fps=fps, max_side=p.max_side, errors=errors):
            ts.append(fr.t)
            imgs.append(fr.image)
            if len(imgs) >= p.max_frames:
                break
    imgs = [np.repeat(im[:, :, None], 3, axis=2) if im.ndim == 2 else im for im in imgs]
    s = Sampled(np.asarray(ts, np.float64), imgs, fps, duration or (ts[-1] + 1.0 / fps if ts else 0.0),
                int(getattr(meta, "width", 0) or 0), int(getattr(meta, "height", 0) or 0), errors)
    usable = np.ones(len(imgs), bool)
    small = flat = 0
    for i, im in enumerate(imgs):
        if min(im.shape[:2]) < MIN_SIDE or min(s.width or 999, s.height or 999) < MIN_SIDE:
            usable[i] = False
            small += 1
        elif float(im[::4, ::4].std()) < FLAT_STD:
            usable[i] = False
            flat += 1
    if small:
        s.notes.append(f"{small} of {len(imgs)} sampled frames are smaller than {MIN_SIDE} px: not looked at")
    if flat:
        s.notes.append(f"{flat} of {len(imgs)} sampled frames are uniform (black, grey or blank): nothing to see")
    s._usable = usable  # noqa: SLF001
    return s


def sampled_frames(stream, ctx, p: SamplingParams) -> Sampled:
    """The sampled frames of `stream` at `p`, decoded once per run (memoised in `ctx`), or taken
    from the anchor pass when `want_frames` asked it to keep them."""
    s = ctx.memo(_key(p), lambda: _decode(stream, ctx, p))
    for msg in s.errors + s.notes:  # for each reader: its cache entry keeps the notes (anchors.py replays them)
        ctx.warn(f"{ctx.source.path}: {msg}")
    return s


def norm_box(box, w: int, h: int) -> list[float]:
    """Pixel box -> [x0, y0, x1, y1] in 0..1, clipped, 4 decimals."""
    x0, y0, x1, y1 = (float(v) for v in box)
    return [round(min(max(x0 / w, 0.0), 1.0), 4), round(min(max(y0 / h, 0.0), 1.0), 4),
            round(min(max(x1 / w, 0.0), 1.0), 4), round(min(max(y1 / h, 0.0), 1.0), 4)]


def box_iou(a, b) -> float:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / ua if ua > 0 else 0.0
