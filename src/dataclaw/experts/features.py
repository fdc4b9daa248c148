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

from .visual import TAPS_KEY

ANALYSIS_SIDE = 160  # long side of the decoded analysis frame (pixels)
THUMB_SIZE = (16, 9)  # (w, h) colour thumbnail kept per frame
HIST_BINS = (16, 8, 8)  # H, S, V bins
MOTION_LEVEL = 8  # grey-level change (0..255) that counts as a moving pixel (above coding noise)
MEMO_KEY = "frame_features"
_SQRT2 = float(np.sqrt(2.0))
_DCT_SCALE = np.ones((8, 8), np.float32)
_DCT_SCALE[0, :] *= _SQRT2
_DCT_SCALE[:, 0] *= _SQRT2


@dataclass
class FrameFeatures:
    """Column arrays, one row per decoded frame (N frames)."""

    t: np.ndarray  # (N,) seconds
    luma: np.ndarray  # (N,) mean luma 0..255
    luma_std: np.ndarray  # (N,)
    sharpness: np.ndarray  # (N,) variance of the Laplacian at analysis size
    phash: np.ndarray  # (N,) uint64 perceptual hash (imagehash.phash-compatible bits)
    content_diff: np.ndarray  # (N,) mean |HSV_i - HSV_{i-1}| at half analysis size (0..255); 0 at i=0
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
    # cv2's orthonormal DCT -> scipy's unnormalised scaling (same bit decisions): first row and
    # column times sqrt(2), as one multiply.
    flat = (cv2.dct(gray32.astype(np.float32))[:8, :8] * _DCT_SCALE).reshape(-1)
    srt = np.partition(flat, (31, 32))
    bits = flat > (srt[31] + srt[32]) * 0.5  # the median of 64 values
    return int(np.packbits(bits).view(">u8")[0])


def phash_hex(h: int) -> str:
    return f"{int(h):016x}"


def hamming(a: int | np.ndarray, b: int | np.ndarray) -> np.ndarray:
    x = np.bitwise_xor(np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64))
    return np.unpackbits(x.reshape(-1, 1).view(np.uint8), axis=1).sum(axis=1).reshape(np.shape(x))


_COLUMNS = {  # name: (dtype, per-frame shape)
    "t": (np.float64, ()), "luma": (np.float32, ()), "luma_std": (np.float32, ()),
    "sharpness": (np.float32, ()), "phash": (np.uint64, ()), "content_diff": (np.float32, ()),
    "motion": (np.float32, ()), "hist": (np.float32, (sum(HIST_BINS),)),
    "thumb": (np.uint8, (THUMB_SIZE[1], THUMB_SIZE[0], 3)),
}


class _Columns:
    """Preallocated column arrays (sized from the header's frame count, grown if it lied), so a
    long video costs its ~0.6 kB of features per frame and no per-frame Python objects."""

    def __init__(self, capacity: int) -> None:
        self.n = 0
        self.cap = max(64, capacity)
        self.arr = {k: np.zeros((self.cap, *shape), dt) for k, (dt, shape) in _COLUMNS.items()}

    def row(self) -> int:
        if self.n == self.cap:
            self.cap = int(self.cap * 1.5) + 64
            for k, a in self.arr.items():
                grown = np.zeros((self.cap, *a.shape[1:]), a.dtype)
                grown[: self.n] = a[: self.n]
                self.arr[k] = grown
        self.n += 1
        return self.n - 1

    def final(self) -> dict[str, np.ndarray]:
        return {k: (a[: self.n] if self.n == self.cap or self.cap - self.n < 64 else a[: self.n].copy())
                for k, a in self.arr.items()}


def _analysis_frames(stream, side: int, errors: list[str], taps: list = ()):
    """Grey + half-size colour per frame: straight from the planes where the stream can (a
    VideoStream, which also fills `taps`: sampled frames other experts asked to keep), else from its
    RGB frames."""
    direct = getattr(stream, "analysis_frames", None)
    if direct is not None:
        yield from (direct(max_side=side, errors=errors, taps=taps) if taps else direct(max_side=side, errors=errors))
        return
    from ..sources.video import AnalysisFrame  # noqa: PLC0415

    for fr in stream.frames(max_side=side, errors=errors):
        yield AnalysisFrame.from_rgb(fr.t, fr.index, fr.image, fr.pts)


def compute(stream, analysis_side: int = ANALYSIS_SIDE, taps: list = ()) -> FrameFeatures:
    """One streaming pass over every decoded frame (filling `taps`, see sources.video.FrameTap)."""
    import cv2  # noqa: PLC0415 - heavy, optional

    cv2.setNumThreads(1)  # tiny images: threads cost more than they save
    meta = stream.meta
    cols = _Columns(int((getattr(meta, "n_frames", 0) or 0) * 1.05) + 16)
    a = cols.arr
    prev_hsv = prev_gray = None
    errors: list[str] = []
    inv_n = 0.0
    hist_ranges = [[0, 180], [0, 256], [0, 256]]
    for fr in _analysis_frames(stream, analysis_side, errors, taps):
        gray, small = fr.gray, fr.small_rgb  # grey at analysis size, colour at half of it
        if not inv_n:
            inv_n = 1.0 / (small.shape[0] * small.shape[1])
        hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
        i = cols.row()
        a = cols.arr
        mean, std = cv2.meanStdDev(gray)
        a["t"][i] = fr.t
        a["luma"][i] = mean[0, 0]
        a["luma_std"][i] = std[0, 0]
        _, lap_std = cv2.meanStdDev(cv2.Laplacian(gray, cv2.CV_16S))
        a["sharpness"][i] = lap_std[0, 0] ** 2
        sgray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
        a["phash"][i] = phash_bits(cv2.resize(sgray, (32, 32), interpolation=cv2.INTER_AREA), cv2)
        if prev_hsv is not None:
            m = cv2.mean(cv2.absdiff(hsv, prev_hsv))
            a["content_diff"][i] = (m[0] + m[1] + m[2]) / 3
            moved = cv2.threshold(cv2.absdiff(gray, prev_gray), MOTION_LEVEL, 1, cv2.THRESH_BINARY)[1]
            a["motion"][i] = cv2.countNonZero(moved) / moved.size
        prev_hsv, prev_gray = hsv, gray
        a["hist"][i] = np.concatenate([cv2.calcHist([hsv], [c], None, [bins], rng)
                                       for c, (bins, rng) in enumerate(zip(HIST_BINS, hist_ranges))]).reshape(-1) * inv_n
        a["thumb"][i] = cv2.resize(small, THUMB_SIZE, interpolation=cv2.INTER_AREA)
    out = cols.final()
    n = cols.n
    t = out["t"]
    duration = float(meta.duration) if meta.duration else 0.0
    if n:
        # Duration covers the last frame's display time.
        last_dt = (t[-1] - t[-2]) if n > 1 else 1.0 / (meta.fps or 25.0)
        duration = max(duration, t[-1] + last_dt) if not errors else t[-1] + last_dt
    return FrameFeatures(**out, duration=float(duration), fps=float(meta.fps or 25.0), errors=errors)


def frame_features(stream, ctx) -> FrameFeatures:
    """The shared features of `stream`, computed once per run (memoised in `ctx`)."""
    taps = list(ctx.memo(TAPS_KEY, dict).values())  # (sampled frames the visual experts will read)
    feats = ctx.memo(MEMO_KEY, lambda: compute(stream, taps=taps))
    if feats.errors and not getattr(feats, "_warned", False):
        for e in feats.errors:
            ctx.warn(f"{ctx.source.path}: {e}")
        feats._warned = True  # noqa: SLF001 - warn once per run, not once per expert
    return feats
