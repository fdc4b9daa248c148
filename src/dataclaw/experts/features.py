"""Per-frame signals shared by the shots, keyframes and motion experts, from ONE decoding pass.

`frame_features(stream, ctx)` decodes the video once at a small analysis size and keeps only small
per-frame vectors (a few hundred bytes a frame: times, luma, sharpness, perceptual hash, HSV
histogram, a 16x9 colour thumbnail, moving-pixel fractions), never the frames themselves, so
memory stays flat with video length. The result is memoised in the expert context, so experts
running on the same source in one `run_experts` call share it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ANALYSIS_SIDE = 160  # long side of the decoded analysis frame (pixels)
DIFF_SIDE = 64  # long side for frame-difference signals (small: robust to noise, cheap)
THUMB_SIZE = (16, 9)  # (w, h) colour thumbnail kept per frame
HIST_BINS = (16, 8, 8)  # H, S, V bins
MOTION_LEVEL = 8  # grey-level change (0..255) that counts as a moving pixel (above coding noise)
MEMO_KEY = "frame_features"
_SQRT2 = float(np.sqrt(2.0))


@dataclass
class FrameFeatures:
    """Column arrays, one row per decoded frame (N frames)."""

    t: np.ndarray  # (N,) seconds
    luma: np.ndarray  # (N,) mean luma 0..255
    luma_std: np.ndarray  # (N,)
    sharpness: np.ndarray  # (N,) variance of the Laplacian at analysis size
    phash: np.ndarray  # (N,) uint64 perceptual hash (imagehash.phash-compatible bits)
    content_diff: np.ndarray  # (N,) mean |HSV_i - HSV_{i-1}| (PySceneDetect-like scale 0..255); 0 at i=0
    motion: np.ndarray  # (N,) fraction of analysis pixels whose grey level changed > MOTION_LEVEL since i-1
    hist: np.ndarray  # (N, sum(HIST_BINS)) float32, each channel's histogram sums to 1
    thumb: np.ndarray  # (N, 9, 16, 3) uint8 RGB
    duration: float
    fps: float
    errors: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.t)

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, k).nbytes for k in ("t", "luma", "luma_std", "sharpness", "phash",
                                                      "content_diff", "motion", "hist", "thumb"))


def running_median(x: np.ndarray, w: int, chunk: int = 4096) -> np.ndarray:
    """Median over a centred window of w frames (edges padded); chunked so memory stays small."""
    x = np.asarray(x, dtype=np.float64)
    if w <= 1 or len(x) < 3:
        return x.copy()
    from numpy.lib.stride_tricks import sliding_window_view  # noqa: PLC0415

    half = w // 2
    view = sliding_window_view(np.pad(x, (half, w - 1 - half), mode="edge"), w)
    return np.concatenate([np.median(view[i: i + chunk], axis=1) for i in range(0, len(x), chunk)])


def hist_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Histogram distance in 0..1 (half the L1 distance, averaged over the three channels)."""
    return np.abs(a - b).sum(axis=-1) / (2 * len(HIST_BINS))


def thumb_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean absolute difference of thumbnails, 0..255."""
    return np.abs(a.astype(np.int16) - b.astype(np.int16)).reshape(*np.shape(a)[:-3], -1).mean(axis=-1)


def phash_bits(gray32: np.ndarray, cv2) -> int:
    """imagehash.phash on a 32x32 gray image: DCT, top-left 8x8 (incl. DC), bits above the median."""
    d = cv2.dct(gray32.astype(np.float32))[:8, :8]
    d[0, :] *= _SQRT2  # cv2's orthonormal DCT -> scipy's unnormalised scaling (same bit decisions)
    d[:, 0] *= _SQRT2
    bits = (d > np.median(d)).reshape(-1)
    return int(np.packbits(bits).view(">u8")[0])


def phash_hex(h: int) -> str:
    return f"{int(h):016x}"


def hamming(a: int | np.ndarray, b: int | np.ndarray) -> np.ndarray:
    x = np.bitwise_xor(np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64))
    return np.unpackbits(x.reshape(-1, 1).view(np.uint8), axis=1).sum(axis=1).reshape(np.shape(x))


def compute(stream, analysis_side: int = ANALYSIS_SIDE) -> FrameFeatures:
    """One streaming pass over every decoded frame."""
    import cv2  # noqa: PLC0415 - heavy, optional

    cv2.setNumThreads(1)  # tiny images: threads cost more than they save
    cols: dict[str, list] = {k: [] for k in ("t", "luma", "luma_std", "sharpness", "phash", "content_diff",
                                             "motion", "hist", "thumb")}
    prev_hsv = prev_gray = None
    errors: list[str] = []
    diff_size = None
    hist_ranges = [(0, 180), (0, 256), (0, 256)]
    for fr in stream.frames(max_side=analysis_side, errors=errors):
        img = fr.image
        h, w = img.shape[:2]
        if diff_size is None:
            s = DIFF_SIDE / max(w, h)
            diff_size = (max(8, int(round(w * s))), max(8, int(round(h * s))))
        gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        small = cv2.resize(img, diff_size, interpolation=cv2.INTER_AREA)
        hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
        mean, std = cv2.meanStdDev(gray)
        cols["t"].append(fr.t)
        cols["luma"].append(float(mean[0, 0]))
        cols["luma_std"].append(float(std[0, 0]))
        lap = cv2.Laplacian(gray, cv2.CV_32F)
        cols["sharpness"].append(float(lap.var()))
        cols["phash"].append(phash_bits(cv2.resize(gray, (32, 32), interpolation=cv2.INTER_AREA), cv2))
        if prev_hsv is None:
            cols["content_diff"].append(0.0)
            cols["motion"].append(0.0)
        else:
            cols["content_diff"].append(float(cv2.absdiff(hsv, prev_hsv).mean()))
            cols["motion"].append(float(np.count_nonzero(cv2.absdiff(gray, prev_gray) > MOTION_LEVEL)) / gray.size)
        prev_hsv, prev_gray = hsv, gray
        hs = []
        for c, (bins, rng) in enumerate(zip(HIST_BINS, hist_ranges)):
            hh = cv2.calcHist([hsv], [c], None, [bins], list(rng)).reshape(-1)
            hs.append(hh / max(1.0, hh.sum()))
        cols["hist"].append(np.concatenate(hs).astype(np.float32))
        cols["thumb"].append(cv2.resize(small, THUMB_SIZE, interpolation=cv2.INTER_AREA))
    n = len(cols["t"])
    tw, th = THUMB_SIZE
    meta = stream.meta
    duration = float(meta.duration) if meta.duration else 0.0
    if n:
        # Duration covers the last frame's display time.
        last_dt = (cols["t"][-1] - cols["t"][-2]) if n > 1 else 1.0 / (meta.fps or 25.0)
        duration = max(duration, cols["t"][-1] + last_dt) if not errors else cols["t"][-1] + last_dt
    return FrameFeatures(
        t=np.asarray(cols["t"], np.float64),
        luma=np.asarray(cols["luma"], np.float32),
        luma_std=np.asarray(cols["luma_std"], np.float32),
        sharpness=np.asarray(cols["sharpness"], np.float32),
        phash=np.asarray(cols["phash"], np.uint64),
        content_diff=np.asarray(cols["content_diff"], np.float32),
        motion=np.asarray(cols["motion"], np.float32),
        hist=np.stack(cols["hist"]) if n else np.zeros((0, sum(HIST_BINS)), np.float32),
        thumb=np.stack(cols["thumb"]) if n else np.zeros((0, th, tw, 3), np.uint8),
        duration=duration,
        fps=float(meta.fps or 25.0),
        errors=errors,
    )


def frame_features(stream, ctx) -> FrameFeatures:
    """The shared features of `stream`, computed once per run (memoised in `ctx`)."""
    feats = ctx.memo(MEMO_KEY, lambda: compute(stream))
    if feats.errors and not getattr(feats, "_warned", False):
        for e in feats.errors:
            ctx.warn(f"{ctx.source.path}: {e}")
        feats._warned = True  # noqa: SLF001 - warn once per run, not once per expert
    return feats
