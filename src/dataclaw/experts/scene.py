"""`scene` expert: the named colours that fill each shot and how bright it is (`scene` anchors).

Every pixel of the sampled frames (at 64 px) is named from a fixed table by its HSV value: black,
white, grey by brightness and saturation, the others by hue band (brown = dark orange/red). A shot's
palette is the names covering at least `min_share` of its pixels, largest first; light is its mean
luma: dark / dim / bright. Only facts that a check can hold against the pixels.
"""
from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .base import Expert, register_expert
from .visual import SamplingParams, sampled_frames

# The fixed colour vocabulary (verify.py checks captions against these names).
COLOURS = ("black", "white", "grey", "red", "orange", "brown", "yellow", "green", "cyan", "blue", "purple", "pink")
_HUES = [(0, 15, "red"), (15, 40, "orange"), (40, 70, "yellow"), (70, 165, "green"), (165, 195, "cyan"),
         (195, 255, "blue"), (255, 290, "purple"), (290, 345, "pink"), (345, 361, "red")]
LIGHT = ("dark", "dim", "bright")


class SceneParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sampling: SamplingParams = Field(default_factory=SamplingParams)
    min_share: float = Field(0.12, gt=0, lt=1, description="a colour enters the palette above this pixel share")
    max_colours: int = Field(3, ge=1, description="most colours in a palette")
    black_v: float = Field(0.18, description="value (0..1) under which a pixel is black")
    grey_s: float = Field(0.18, description="saturation (0..1) under which a pixel is white / grey")
    white_v: float = Field(0.8, description="value above which an unsaturated pixel is white")
    dark_luma: float = Field(50.0, description="mean luma (0..255) under which the shot is dark")
    dim_luma: float = Field(100.0, description="... under which it is dim (else bright)")


def colour_names(rgb: np.ndarray, p: SceneParams) -> np.ndarray:
    """Index into COLOURS for every pixel of an RGB uint8 image."""
    import cv2  # noqa: PLC0415

    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV_FULL).astype(np.float32)
    h, s, v = hsv[..., 0] * (360.0 / 256.0), hsv[..., 1] / 255.0, hsv[..., 2] / 255.0
    out = np.full(h.shape, COLOURS.index("grey"), np.int8)
    for lo, hi, name in _HUES:
        out[(h >= lo) & (h < hi)] = COLOURS.index(name)
    brownish = ((out == COLOURS.index("orange")) | (out == COLOURS.index("red"))) & (v < 0.55) & (s > 0.3)
    out[brownish] = COLOURS.index("brown")
    grey = s < p.grey_s
    out[grey] = COLOURS.index("grey")
    out[grey & (v >= p.white_v)] = COLOURS.index("white")
    out[v < p.black_v] = COLOURS.index("black")
    return out


def palette(images: list[np.ndarray], p: SceneParams) -> tuple[list[str], dict[str, float], float]:
    import cv2  # noqa: PLC0415

    counts = np.zeros(len(COLOURS))
    luma = []
    for im in images:
        h, w = im.shape[:2]
        s = 64 / max(h, w)
        small = cv2.resize(im, (max(1, int(w * s)), max(1, int(h * s))), interpolation=cv2.INTER_AREA) if s < 1 else im
        counts += np.bincount(colour_names(small, p).reshape(-1), minlength=len(COLOURS))
        luma.append(float(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).mean()))
    share = counts / max(1.0, counts.sum())
    order = [i for i in np.argsort(-share) if share[i] >= p.min_share][: p.max_colours]
    return [COLOURS[i] for i in order], {COLOURS[i]: round(float(share[i]), 3) for i in np.argsort(-share)[:6]
                                         if share[i] > 0}, float(np.mean(luma)) if luma else 0.0


@register_expert
class SceneExpert(Expert):
    name = "scene"
    version = "1"
    kinds = ("video",)
    default = False  # opt-in until the tasks use it (see issue 12 notes)
    description = "Named colour palette and light level (dark / dim / bright) per shot (`scene` anchors)"
    Params = SceneParams

    def sampling(self):
        return self.params.sampling

    def run(self, stream, ctx):
        p: SceneParams = self.params
        s = sampled_frames(stream, ctx, p.sampling)
        if len(s) == 0:
            return []
        try:
            shots = [(a.t0, a.t1) for a in ctx.anchors("shots") if a.kind == "shot"]
        except KeyError:
            shots = []
        shots = shots or [(0.0, s.duration)]
        out = []
        for t0, t1 in shots:
            idx = [i for i, t in enumerate(s.t) if t0 - 1e-6 <= t < t1]
            if not idx:
                continue
            names, shares, luma = palette([s.images[i] for i in idx], p)
            light = "dark" if luma < p.dark_luma else "dim" if luma < p.dim_luma else "bright"
            out.append(self.anchor(ctx, "scene", t0, t1, {"palette": names, "shares": shares, "light": light,
                                                          "luma": round(luma, 1), "frames": len(idx)}))
        return out
