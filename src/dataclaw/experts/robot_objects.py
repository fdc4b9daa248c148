"""Object state changes visible in a robot episode's camera: regions whose appearance changed for good.

Frames of the main camera are compared with the first one. A pixel changed for good when it
differs from the first frame in every one of the last `tail` sampled frames; connected regions of
such pixels (not too small, not most of the frame) are the places where the scene changed: an
object taken from here, an object put there. Each region's onset is the time from which it stays
different. The arm itself moves everywhere but returns, so it does not leave a lasting change
unless it stops elsewhere (then that region is reported too, with its bbox).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .base import Expert, ExpertContext, register_expert


class ObjectChangeParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fps: float = Field(5.0, description="frames sampled per second")
    max_side: int = Field(160, description="analysis size (long side, px)")
    threshold: float = Field(30.0, description="grey-level difference that counts as changed")
    tail: int = Field(3, description="last sampled frames a pixel must differ in")
    min_area: int = Field(6, description="smallest region (px at analysis size)")
    max_area: float = Field(0.3, description="largest region, fraction of the frame")
    camera: str | None = Field(None, description="camera to watch (default: the first)")


def changed_regions(times: np.ndarray, frames: np.ndarray, p: ObjectChangeParams) -> list[dict[str, Any]]:
    from scipy import ndimage  # noqa: PLC0415

    diff = np.abs(frames.astype(np.int16) - frames[0].astype(np.int16)) > p.threshold  # [T, H, W]
    lasting = diff[-p.tail:].all(axis=0)
    # onset: first sampled frame from which the pixel differs in every later frame
    stays = np.flip(np.logical_and.accumulate(np.flip(diff, axis=0), axis=0), axis=0)
    onset_idx = np.argmax(stays, axis=0)
    labels, n = ndimage.label(lasting)
    h, w = lasting.shape
    out = []
    for k in range(1, n + 1):
        ys, xs = np.nonzero(labels == k)
        if len(ys) < p.min_area or len(ys) > p.max_area * h * w:
            continue
        onset = float(times[int(np.median(onset_idx[ys, xs]))])
        out.append({"t": onset, "bbox": [round(float(xs.min()) / w, 4), round(float(ys.min()) / h, 4),
                                         round(float(xs.max() + 1) / w, 4), round(float(ys.max() + 1) / h, 4)],
                    "area": int(len(ys))})
    return sorted(out, key=lambda r: r["t"])


@register_expert
class RobotObjectChange(Expert):
    name = "robot_object_change"
    kinds = ("robot",)
    description = "lasting appearance changes in the camera view (objects taken or put down), with bbox and onset"
    Params = ObjectChangeParams

    def run(self, stream: Any, ctx: ExpertContext) -> list:
        if not stream.meta.cameras:
            ctx.warn("robot_object_change: no camera")
            return []
        cam = self.params.camera or stream.meta.cameras[0]
        got = [(f.t, f.image) for f in stream.frames(fps=self.params.fps, max_side=self.params.max_side, gray=True,
                                                     camera=cam)]
        if len(got) <= self.params.tail + 1:
            return []
        times = np.array([t for t, _ in got])
        frames = np.stack([img if img.ndim == 2 else img[..., 0] for _, img in got])
        end = float(stream.duration)
        return [self.anchor(ctx, "object_state", r["t"], end, {"camera": cam, "bbox": r["bbox"], "area": r["area"],
                                                               "change": "lasting appearance change"},
                            confidence=0.6) for r in changed_regions(times, frames, self.params)]
