"""Keyframes: the most representative sharp frame(s) of each shot, near-duplicates removed.

Per shot (from the `shots` expert), on the shared per-frame features (no extra decoding):
frames inside transitions, black or blown-out (flash) frames are left out; the shot is split into
runs of similar content (a new run starts when the thumbnail drifts away from the run's first frame),
so longer shots whose content changes get more keyframes; in each run, among the sharpest frames,
the one closest to the run's mean content is chosen. Keyframes whose perceptual hashes are within
`dedup_hamming` bits of an already kept one in the same shot are dropped.
"""
from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from . import features as F
from .base import Expert, register_expert


class KeyframeParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_per_shot: int = Field(5, ge=1, description="most keyframes kept for one shot")
    change: float = Field(28.0, description="thumbnail distance (0..255) that starts a new content run")
    min_run_s: float = Field(1.5, description="a content run shorter than this gets no keyframe of its own")
    sharp_quantile: float = Field(0.7, ge=0, le=1, description="candidates: sharpness at least this fraction "
                                                                  "of the run's sharpest frame")
    dedup_hamming: int = Field(10, description="perceptual-hash distance (bits of 64) under which frames are "
                                               "near-duplicates")
    edge_s: float = Field(0.08, description="frames this close to a shot boundary are left out")
    black_luma: float = 20.0  # a candidate darker than this mean luma is a black (fade) frame, never a keyframe
    white_luma: float = 240.0  # ... brighter than this, a white flash


@register_expert
class KeyframesExpert(Expert):
    name = "keyframes"
    version = "1"
    kinds = ("video",)
    requires = ("shots",)
    description = "Representative sharp frames per shot (point `keyframe` anchors), deduplicated by perceptual hash"
    Params = KeyframeParams

    def run(self, stream, ctx):
        p: KeyframeParams = self.params
        ff = F.frame_features(stream, ctx)
        if len(ff) == 0:
            return []
        shot_anchors = [a for a in ctx.anchors("shots") if a.kind == "shot"]
        trans = [(a.t0, a.t1) for a in ctx.anchors("shots") if a.kind == "transition" and a.t1 > a.t0]
        usable = (ff.luma >= p.black_luma) & (ff.luma <= p.white_luma)
        for a0, a1 in trans:
            usable &= ~((ff.t >= a0 - 1e-6) & (ff.t <= a1 + 1e-6))
        out = []
        for shot in shot_anchors:
            idx = np.nonzero((ff.t >= shot.t0 + p.edge_s) & (ff.t < shot.t1 - p.edge_s) & usable)[0]
            if len(idx) == 0:  # very short shot: relax the filters rather than leave it without a keyframe
                idx = np.nonzero((ff.t >= shot.t0) & (ff.t < shot.t1))[0]
            if len(idx) == 0:
                continue
            for rank, i in enumerate(choose(ff, idx, p)):
                out.append(self.anchor(ctx, "keyframe", ff.t[i], ff.t[i], {
                    "shot": shot.id, "shot_index": shot.data.get("index"), "sharpness": round(float(ff.sharpness[i]), 2),
                    "phash": F.phash_hex(int(ff.phash[i])), "rank": rank,
                }))
        return out


def content_runs(ff: F.FrameFeatures, idx: np.ndarray, p: KeyframeParams) -> list[np.ndarray]:
    """Splits a shot's frames into runs of similar content."""
    thumbs = ff.thumb[idx].astype(np.float32)
    min_n = max(1, int(p.min_run_s * ff.fps))
    runs: list[list[int]] = [[0]]
    ref = thumbs[0]
    for k in range(1, len(idx)):
        # a new run needs changed content AND a current run long enough to stand on its own
        if len(runs[-1]) >= min_n and float(np.abs(thumbs[k] - ref).mean()) > p.change:
            runs.append([k])
            ref = thumbs[k]
        else:
            runs[-1].append(k)
    merged = runs
    if len(merged) > 1 and len(merged[-1]) < min_n:  # a short tail joins the run before it
        merged[-2].extend(merged.pop())
    return [idx[np.asarray(r)] for r in merged]


def _pick(ff: F.FrameFeatures, frames: np.ndarray, p: KeyframeParams) -> tuple[int, float]:
    """The sharp frame closest to the mean content of `frames`, and that distance."""
    thumbs = ff.thumb[frames].astype(np.float32)
    mean = thumbs.mean(axis=0)
    dist = np.abs(thumbs - mean).reshape(len(frames), -1).mean(axis=1)
    sharp = ff.sharpness[frames]
    cand = np.nonzero(sharp >= p.sharp_quantile * sharp.max())[0]
    best = cand[int(np.argmin(dist[cand]))]
    return int(frames[best]), float(dist[best])


def choose(ff: F.FrameFeatures, idx: np.ndarray, p: KeyframeParams) -> list[int]:
    """Keyframe frame indices of one shot, most representative first."""
    runs = content_runs(ff, idx, p)
    runs = sorted(runs, key=len, reverse=True)[: p.max_per_shot]
    picks = [_pick(ff, r, p)[0] for r in runs]
    # Rank: closest to the whole shot's mean content first.
    shot_mean = ff.thumb[idx].astype(np.float32).mean(axis=0)
    picks.sort(key=lambda i: float(np.abs(ff.thumb[i].astype(np.float32) - shot_mean).mean()))
    kept: list[int] = []
    for i in picks:
        if all(int(F.hamming(ff.phash[i], ff.phash[j])) > p.dedup_hamming for j in kept):
            kept.append(i)
    return kept
