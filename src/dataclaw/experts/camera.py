"""`camera` expert: how the camera moves (static, pan, tilt, zoom, shake), from the sampled frames.

Between consecutive sampled frames: corners (Shi-Tomasi) tracked with pyramidal Lucas-Kanade,
kept when the backward track returns to the start; then two explanations compete: the camera
stood still (points that did not move) or it moved (a RANSAC similarity: shift, zoom, roll). The
camera moved only when the moving explanation holds clearly more points than the still one, so a
person walking or leaves in the wind in front of a fixed camera read as a static camera: the
background they do not cover stays put. The velocity of the frame centre (frame widths per second)
and the zoom rate are smoothed over a few samples and classified; a window whose shifts are large
but point every way (no net direction) is shake. Intervals never cross a shot boundary (from the
`shots` expert when it ran) and short runs join their neighbours.

Sign conventions: content moving left on screen means the camera pans right; content moving up
means the camera tilts down; content growing means zoom in.
"""
from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .base import Expert, register_expert
from .visual import SamplingParams, sampled_frames

FLOW_SIDE = 320  # long side of the grey frames the flow runs on (pixels)


class CameraParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sampling: SamplingParams = Field(default_factory=SamplingParams)
    max_points: int = Field(320, ge=20, description="corners tracked per frame pair (spread over the grid)")
    grid: int = Field(4, ge=1, le=8, description="cells per side: corners are found, and vote, per cell")
    min_cell_std: float = Field(2.5, description="cells flatter than this grey-level std give no corners")
    min_points: int = Field(20, ge=4, description="fewer tracked corners: motion unknown for that pair")
    still_px: float = Field(0.6, description="a point moved less than this (pixels at 320 px) stood still")
    ransac_px: float = Field(1.5, description="RANSAC inlier distance (pixels at 320 px)")
    moving_margin: float = Field(1.5, description="the moving model must hold this many times the still "
                                                  "grid cells (and 40% of all voting cells) to call the camera moving")
    pan_speed: float = Field(0.04, description="slowest pan / tilt: frame widths per second at the centre")
    zoom_rate: float = Field(0.04, description="slowest zoom: |ln scale| per second")
    shake_speed: float = Field(0.06, description="shake: mean shift speed (frame widths / s) at least this ...")
    shake_coherence: float = Field(0.5, description="... while the net velocity is below this fraction of it")
    smooth: int = Field(5, ge=1, description="pairs in the smoothing window (odd)")
    min_interval_s: float = Field(0.8, description="shorter runs join their neighbours")


def _gray(img: np.ndarray, cv2) -> np.ndarray:
    h, w = img.shape[:2]
    s = FLOW_SIDE / max(h, w)
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    return cv2.resize(g, (max(8, int(round(w * s))), max(8, int(round(h * s)))), interpolation=cv2.INTER_AREA) \
        if s < 1 else g


def _corners(g: np.ndarray, p: CameraParams, cv2) -> np.ndarray | None:
    """Corners found cell by cell on a grid, each cell against its own strongest corner, so faint
    background texture (a wall's stains, a table's grain) gets points beside a strong foreground."""
    h, w = g.shape
    n = p.grid
    per = max(4, p.max_points // (n * n))
    out = []
    for a in range(n):
        for b in range(n):
            y0, y1, x0, x1 = a * h // n, (a + 1) * h // n, b * w // n, (b + 1) * w // n
            cell = g[y0:y1, x0:x1]
            if cell.size < 64 or float(cell.std()) < p.min_cell_std:
                continue  # flat: its "corners" would be coding noise
            c = cv2.goodFeaturesToTrack(cell, maxCorners=per, qualityLevel=0.05, minDistance=5, blockSize=5)
            if c is not None:
                out.append(c.reshape(-1, 2) + np.array([x0, y0], np.float32))
    return np.concatenate(out).astype(np.float32) if out else None


def pair_motion(g0: np.ndarray, g1: np.ndarray, p: CameraParams) -> dict | None:
    """Global motion from g0 to g1: shift of the frame centre (px), ln zoom, roll, cell votes; None = unknown."""
    import cv2  # noqa: PLC0415 - heavy, optional

    pts = _corners(g0, p, cv2)
    if pts is None or len(pts) < p.min_points:
        return None
    crit = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01)
    p0 = pts.reshape(-1, 1, 2)
    nxt, st, _ = cv2.calcOpticalFlowPyrLK(g0, g1, p0, None, winSize=(21, 21), maxLevel=4, criteria=crit)
    back, st2, _ = cv2.calcOpticalFlowPyrLK(g1, g0, nxt, None, winSize=(21, 21), maxLevel=4, criteria=crit)
    ok = (st.reshape(-1) == 1) & (st2.reshape(-1) == 1) & (np.linalg.norm((back - p0).reshape(-1, 2), axis=1) < 1.0)
    a, b = pts[ok], nxt.reshape(-1, 2)[ok]
    if len(a) < p.min_points:
        return None
    m, inl = cv2.estimateAffinePartial2D(a, b, method=cv2.RANSAC, ransacReprojThreshold=p.ransac_px,
                                         maxIters=500, confidence=0.99)
    if m is None:
        return None
    h, w = g0.shape
    still_pt = np.linalg.norm(b - a, axis=1) < p.still_px
    inl = inl.reshape(-1).astype(bool) & ~still_pt
    # each grid cell votes: its points stood still, or moved with the global model
    cell = (np.clip(a[:, 1] * p.grid // h, 0, p.grid - 1) * p.grid + np.clip(a[:, 0] * p.grid // w, 0, p.grid - 1)).astype(int)
    still_cells = moving_cells = voting = 0
    for c in np.unique(cell):
        sel = cell == c
        if sel.sum() < 2:
            continue
        voting += 1
        if still_pt[sel].mean() >= 0.5:
            still_cells += 1
        elif inl[sel].mean() >= 0.5:
            moving_cells += 1
    c = np.array([w / 2, h / 2])
    shift = m[:, :2] @ c + m[:, 2] - c
    scale = math.hypot(m[0, 0], m[1, 0])
    roll = math.degrees(math.atan2(m[1, 0], m[0, 0]))
    camera_moved = voting > 0 and moving_cells >= p.moving_margin * still_cells and moving_cells >= 0.4 * voting
    if not camera_moved:
        shift, scale, roll = np.zeros(2), 1.0, 0.0
        m = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    # model, tracked points (at FLOW_SIDE px): the `subjects` expert reads foreground motion from them
    return {"shift": shift / w, "lnzoom": math.log(max(scale, 1e-6)), "roll": roll,
            "still": still_cells / max(voting, 1), "moving": moving_cells / max(voting, 1), "points": int(len(a)),
            "model": m, "a": a, "b": b}


def pair_models(stream, ctx, p: CameraParams):
    """Grey frames, the global model of each consecutive sample pair (None: cut, no texture, bad
    frame) and the shot bounds: computed once per run (memoised), shared by `camera` and `subjects`."""
    import cv2  # noqa: PLC0415

    def build():
        s = sampled_frames(stream, ctx, p.sampling)
        try:
            bounds = sorted(a.t0 for a in ctx.anchors("shots") if a.kind == "shot" and a.t0 > 0)
        except KeyError:
            bounds = []
        usable = s.usable()
        grays = [_gray(im, cv2) if usable[i] else None for i, im in enumerate(s.images)]
        segs = []
        for i in range(1, len(s)):
            dt = float(s.t[i] - s.t[i - 1])
            cut = any(s.t[i - 1] < b <= s.t[i] + 1e-6 for b in bounds)
            m = None if (cut or grays[i] is None or grays[i - 1] is None or dt <= 0) else \
                pair_motion(grays[i - 1], grays[i], p)
            segs.append((m, dt))
        return s, grays, segs, bounds

    return ctx.memo(f"camera.pairs:{p.model_dump_json()}", build)


def classify(v: np.ndarray, z: float, p: CameraParams) -> str:
    """Motion class from centre velocity v (widths/s, content motion) and zoom rate z (ln/s)."""
    speed = float(np.linalg.norm(v))
    if abs(z) >= p.zoom_rate and abs(z) * 0.5 >= speed:
        return "zoom_in" if z > 0 else "zoom_out"
    if speed < p.pan_speed:
        return "static"
    if abs(v[0]) >= abs(v[1]):
        return "pan_right" if v[0] < 0 else "pan_left"
    return "tilt_down" if v[1] < 0 else "tilt_up"


def _runs(labels: list[str], t0s: list[float], t1s: list[float], min_len: float) -> list[list]:
    runs: list[list] = []  # [label, t0, t1, first idx, last idx excl]
    for i, lab in enumerate(labels):
        if runs and runs[-1][0] == lab:
            runs[-1][2], runs[-1][4] = t1s[i], i + 1
        else:
            runs.append([lab, t0s[i], t1s[i], i, i + 1])
    while len(runs) > 1:
        lens = [r[2] - r[1] for r in runs]
        k = int(np.argmin(lens))
        if lens[k] >= min_len:
            break
        j = 1 if k == 0 else k - 1 if k == len(runs) - 1 or lens[k - 1] >= lens[k + 1] else k + 1
        lo, hi = sorted((k, j))
        runs[lo] = [runs[j][0], runs[lo][1], runs[hi][2], runs[lo][3], runs[hi][4]]
        runs.pop(hi)
        m = 0
        while m < len(runs) - 1:
            if runs[m][0] == runs[m + 1][0]:
                runs[m][2], runs[m][4] = runs[m + 1][2], runs[m + 1][4]
                runs.pop(m + 1)
            else:
                m += 1
    return runs


@register_expert
class CameraMotionExpert(Expert):
    name = "camera"
    version = "1"
    kinds = ("video",)
    default = False  # opt-in until the tasks use it (see issue 12 notes)
    description = ("Camera motion intervals (`camera_motion`: static, pan_left/right, tilt_up/down, zoom_in/out, "
                   "shake, with magnitude) from sparse optical flow + RANSAC on the sampled frames")
    Params = CameraParams

    def sampling(self):
        return self.params.sampling

    def run(self, stream, ctx):
        p: CameraParams = self.params
        s = sampled_frames(stream, ctx, p.sampling)
        if len(s) < 2:
            return []
        s, _grays, segs, bounds = pair_models(stream, ctx, p)
        # one entry per segment between consecutive samples (midpoint edges tile the timeline)
        edges = np.concatenate([[0.0], (s.t[1:] + s.t[:-1]) / 2, [s.duration]])
        out = []
        # pair j (samples j -> j+1) stands for sample j's time cell and belongs to sample j's shot
        shot_of = np.searchsorted(np.asarray(bounds), s.t[:-1], side="right") if bounds else np.zeros(len(segs), int)
        for shot in np.unique(shot_of):
            idx = np.nonzero(shot_of == shot)[0]
            out += self._shot_anchors(ctx, p, s, segs, idx, edges)
        return out

    def _shot_anchors(self, ctx, p: CameraParams, s, segs, idx, edges) -> list:
        vel = np.full((len(idx), 2), np.nan)
        zr = np.full(len(idx), np.nan)
        for k, i in enumerate(idx):
            m, dt = segs[i]
            if m is not None:
                vel[k] = m["shift"] / dt
                zr[k] = m["lnzoom"] / dt
        known = ~np.isnan(zr)
        t0s = [float(edges[i]) for i in idx]
        t1s = [float(edges[i + 1]) for i in idx]
        if idx[-1] == len(segs) - 1:  # the last pair also covers the last sample's cell
            t1s[-1] = float(s.duration)
        if not known.any():
            return [self.anchor(ctx, "camera_motion", t0s[0], t1s[-1],
                                {"motion": None, "magnitude": None, "note": "no trackable texture"}, 0.3)]
        half = p.smooth // 2
        labels = []
        for k in range(len(idx)):
            lo, hi = max(0, k - half), min(len(idx), k + half + 1)
            w = known[lo:hi]
            if not w.any():
                labels.append("unknown")
                continue
            v, z = vel[lo:hi][w], zr[lo:hi][w]
            mean_v = np.median(v, axis=0) if len(v) > 2 else v.mean(0)
            mag = float(np.linalg.norm(v, axis=1).mean())
            if len(v) >= 3 and mag >= p.shake_speed and np.linalg.norm(v.mean(0)) < p.shake_coherence * mag:
                labels.append("shake")
            else:
                labels.append(classify(mean_v, float(np.median(z)), p))
        # "unknown" pairs (cut, no texture) take their neighbours' label
        for k in range(len(labels)):
            if labels[k] == "unknown":
                near = [labels[j] for j in (k - 1, k + 1) if 0 <= j < len(labels) and labels[j] != "unknown"]
                labels[k] = near[0] if near else "static"
        out = []
        for lab, t0, t1, a, b in _runs(labels, t0s, t1s, p.min_interval_s):
            v, z = vel[a:b][known[a:b]], zr[a:b][known[a:b]]
            if len(v):
                mv = v.mean(0)
                speed = float(np.linalg.norm(v, axis=1).mean()) if lab == "shake" else float(np.linalg.norm(mv))
                zoom = float(np.exp(np.mean(z)))
            else:
                mv, speed, zoom = np.zeros(2), 0.0, 1.0
            mag = round(zoom, 4) if lab.startswith("zoom") else round(speed, 4)
            frac = float(known[a:b].mean())
            support = [segs[idx[k]][0] for k in range(a, b) if segs[idx[k]][0] is not None]
            out.append(self.anchor(ctx, "camera_motion", t0, t1, {
                "motion": lab, "magnitude": mag,
                "units": "zoom factor per second" if lab.startswith("zoom") else "frame widths per second",
                "velocity": [round(float(mv[0]), 4), round(float(mv[1]), 4)],
                "zoom_per_s": round(zoom, 4),
                "still_fraction": round(float(np.mean([m["still"] for m in support])), 3) if support else None,
                "points": int(np.median([m["points"] for m in support])) if support else 0,
            }, confidence=round(0.5 + 0.5 * frac, 3)))
        return out
