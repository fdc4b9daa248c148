"""Motion and static intervals tiling the timeline, from the shared per-frame differences.

The per-frame magnitude is the fraction of pixels whose grey level changed between consecutive
small frames (0..1; a moving object covering a tenth of the frame gives ~0.1, a camera pan ~0.5+). A running median over `smooth_s` removes cut and flash spikes; frames above `threshold`
are moving. Runs shorter than `min_interval_s` are absorbed by their neighbours.
"""
from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from . import features as F
from .base import Expert, register_expert


class MotionParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    threshold: float = Field(0.02, description="fraction of changed pixels per frame above which a frame moves")
    smooth_s: float = Field(0.4, description="running-median window (s)")
    min_interval_s: float = Field(0.8, description="shorter motion/static runs merge into their neighbours")


def intervals(t: np.ndarray, moving: np.ndarray, mag: np.ndarray, duration: float,
              min_len: float) -> list[tuple[float, float, bool, float]]:
    """(t0, t1, moving, mean magnitude) runs tiling [0, duration]."""
    n = len(t)
    if n == 0:
        return []
    edges = np.concatenate([[0.0], (t[1:] + t[:-1]) / 2, [duration]])
    edges[0] = 0.0
    runs: list[list] = []  # [start frame, end frame (excl), moving]
    s = 0
    for i in range(1, n + 1):
        if i == n or moving[i] != moving[s]:
            runs.append([s, i, bool(moving[s])])
            s = i
    # Absorb short runs (shortest first) into the longer neighbour until none is left.
    while len(runs) > 1:
        lens = [edges[r[1]] - edges[r[0]] for r in runs]
        k = int(np.argmin(lens))
        if lens[k] >= min_len:
            break
        if k == 0:
            j = 1
        elif k == len(runs) - 1:
            j = k - 1
        else:
            j = k - 1 if lens[k - 1] >= lens[k + 1] else k + 1
        a, b = sorted((k, j))
        runs[a] = [runs[a][0], runs[b][1], runs[j][2]]
        runs.pop(b)
        # neighbours with equal labels fuse
        m = 0
        while m < len(runs) - 1:
            if runs[m][2] == runs[m + 1][2]:
                runs[m][1] = runs[m + 1][1]
                runs.pop(m + 1)
            else:
                m += 1
    return [(float(edges[a]), float(edges[b]), mv, float(mag[a:b].mean())) for a, b, mv in runs]


@register_expert
class MotionExpert(Expert):
    name = "motion"
    version = "1"
    kinds = ("video",)
    description = "Motion and static intervals tiling the timeline (`motion` / `static` anchors with magnitude)"
    Params = MotionParams

    def run(self, stream, ctx):
        p: MotionParams = self.params
        ff = F.frame_features(stream, ctx)
        if len(ff) == 0:
            return []
        raw = ff.motion.astype(np.float64)
        if len(raw) > 1:
            raw[0] = raw[1]
        w = max(1, int(round(p.smooth_s * ff.fps)) | 1)
        mag = F.running_median(raw, w)
        runs = intervals(ff.t, mag > p.threshold, mag, ff.duration, p.min_interval_s)
        return [self.anchor(ctx, "motion" if mv else "static", t0, t1, {"magnitude": round(m, 5)})
                for t0, t1, mv, m in runs]
