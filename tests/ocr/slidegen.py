"""Slide videos with known on-screen text: which line is visible when, and where.

A timeline is a list of shots; each shot has a background and text lines, each line visible from
`t0` to `t1` (absolute seconds; a line may start mid-shot or run across a cut). Rendered with PIL
(DejaVu), encoded to H.264 with PyAV, so the OCR expert reads real compressed frames.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


@dataclass
class Line:
    text: str
    t0: float
    t1: float
    xy: tuple[int, int]  # top-left at the 960x540 design size
    size: int = 40
    bold: bool = False


@dataclass
class Shot:
    t0: float
    t1: float
    bg: tuple[int, int, int]
    fg: tuple[int, int, int] = (20, 20, 20)


LESSON_SHOTS = [
    Shot(0.0, 5.0, (245, 244, 235)),
    Shot(5.0, 10.0, (210, 230, 250)),
    Shot(10.0, 16.0, (40, 44, 52), fg=(240, 240, 240)),
]
LESSON_LINES = [
    Line("Lesson 1: Making Bread", 0.0, 5.0, (60, 60), 56, bold=True),
    Line("Mix flour and water", 2.5, 5.0, (60, 240)),  # appears mid-shot
    Line("dataclaw demo", 0.0, 10.0, (700, 480), 28),  # stays across the cut at 5 s
    Line("Knead for 10 minutes", 5.0, 10.0, (60, 120)),
    Line("Let the dough rest", 5.0, 10.0, (60, 260)),
    Line("Bake at 220 degrees", 10.0, 16.0, (120, 220), 48),
]


def render(t: float, shots: list[Shot], lines: list[Line], size: tuple[int, int]) -> np.ndarray:
    shot = next((s for s in shots if s.t0 <= t < s.t1), shots[-1])
    img = Image.new("RGB", (960, 540), shot.bg)
    d = ImageDraw.Draw(img)
    for ln in lines:
        if ln.t0 <= t < ln.t1:
            d.text(ln.xy, ln.text, fill=shot.fg, font=ImageFont.truetype(FONT_BOLD if ln.bold else FONT, ln.size))
    if size != (960, 540):
        img = img.resize(size, Image.BICUBIC)
    return np.asarray(img)


def make_video(path: Path, shots: list[Shot] = LESSON_SHOTS, lines: list[Line] = LESSON_LINES,
               fps: int = 10, size: tuple[int, int] = (960, 540), repeat: int = 1) -> Path:
    """Encodes the timeline (played `repeat` times back to back) as H.264 MP4."""
    import av

    dur = max(s.t1 for s in shots)
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = size[0], size[1], "yuv420p"
        vs.options = {"preset": "veryfast", "crf": "23", "g": str(fps * 4)}
        cache: dict[tuple, np.ndarray] = {}
        for i in range(int(round(dur * fps)) * repeat):
            t = (i / fps) % dur
            state = tuple(ln.t0 <= t < ln.t1 for ln in lines) + (next(k for k, s in enumerate(shots + [shots[-1]]) if s.t0 <= t < s.t1 or k == len(shots)),)
            if state not in cache:
                cache[state] = render(t, shots, lines, size)
            for pkt in vs.encode(av.VideoFrame.from_ndarray(cache[state], format="rgb24")):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
    return path


def expected_tracks(lines: list[Line] = LESSON_LINES, repeat: int = 1, dur: float = 16.0) -> list[Line]:
    return [Line(ln.text, ln.t0 + k * dur, ln.t1 + k * dur, ln.xy, ln.size) for k in range(repeat) for ln in lines]
