"""Generated test videos with known truth: cuts, dissolves, fades, flashes, fast motion, static parts.

Each shot is textured, natural-looking content (smooth colour fields with film grain, textured moving
shapes, rendered text), so detectors are not tested on flat colours. `write_video(spec, path)` encodes
an MP4 with PyAV (libx264) and returns the ground truth as a `Truth`. Frame k is shown at time k/fps.

    python benchmarks/synth_videos.py OUT_DIR      # writes the benchmark set + truth JSON files
"""
from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class Shot:
    frames: int
    style: str = "objects"  # "static" | "objects" (moving shapes) | "pan" (fast camera pan) | "zoom" | "slide"
    seed: int = 0
    flashes: list[tuple[int, int]] = field(default_factory=list)  # (frame offset in shot, length)
    pan_speed: float = 0.06  # fraction of frame width per frame for "pan"


@dataclass
class Transition:
    kind: str = "cut"  # "cut" | "dissolve" | "fade"
    frames: int = 0  # dissolve length, or fade-out / fade-in length each
    hold: int = 0  # black frames between fade out and fade in


@dataclass
class Truth:
    fps: float
    n_frames: int
    duration: float
    width: int
    height: int
    cuts: list[float] = field(default_factory=list)  # time of the first frame of the new shot
    gradual: list[dict] = field(default_factory=list)  # {"type", "t0", "t1"} blended frames extent
    flashes: list[dict] = field(default_factory=list)  # {"t0", "t1"}
    shots: list[dict] = field(default_factory=list)  # {"t0", "t1", "style"} (transition frames excluded)
    static: list[tuple[float, float]] = field(default_factory=list)
    moving: list[tuple[float, float]] = field(default_factory=list)

    @property
    def boundaries(self) -> list[float]:
        """One time per shot change: cuts, and the middle of each gradual transition."""
        mids = [(g["t0"] + g["t1"]) / 2 for g in self.gradual]
        return sorted(self.cuts + mids)

    def to_json(self) -> dict:
        return asdict(self)


class _ShotRenderer:
    """Renders frame j of one shot. Content is deterministic in (seed, style, size)."""

    def __init__(self, shot: Shot, w: int, h: int) -> None:
        import cv2

        self.shot, self.w, self.h = shot, w, h
        rng = np.random.default_rng(shot.seed)
        self.cv2 = cv2
        pan = shot.style == "pan"
        tw = int(w * (1.2 + shot.pan_speed * (shot.frames + 80))) if pan else int(w * 1.3)
        th = int(h * 1.3)
        # Smooth colour field around a per-shot palette, plus fine grain (sharp texture).
        base = rng.uniform(30, 220, size=3)
        small = rng.normal(0, 45, size=(max(4, th // 24), max(4, tw // 24), 3)) + base
        field_ = cv2.resize(small.astype(np.float32), (tw, th), interpolation=cv2.INTER_CUBIC)
        grain = rng.normal(0, 14, size=(th, tw, 1)).astype(np.float32)
        tex = np.clip(field_ + grain, 0, 255).astype(np.uint8)
        # Stripes and rectangles so panning shows structure.
        for _ in range(int(tw / w * 6)):
            x, y = int(rng.integers(0, tw)), int(rng.integers(0, th))
            col = tuple(int(c) for c in rng.uniform(0, 255, 3))
            cv2.rectangle(tex, (x, y), (x + int(rng.integers(w // 20, w // 5)), y + int(rng.integers(h // 20, h // 4))),
                          col, -1)
        if shot.style == "slide":
            tex = _slide(w, h, rng)
        self.tex = tex
        self.scale = w / 320.0
        self.objects = []
        n_obj = 3 if shot.style in ("objects", "pan") else 0
        for _ in range(n_obj):
            r = int(rng.integers(h // 10, h // 5))
            patch = np.clip(rng.normal(rng.uniform(40, 220, 3), 40, size=(2 * r, 2 * r, 3)), 0, 255).astype(np.uint8)
            mask = np.zeros((2 * r, 2 * r), np.uint8)
            cv2.circle(mask, (r, r), r - 1, 255, -1)
            pos = rng.uniform([r, r], [w - r, h - r])
            vel = rng.uniform(-1, 1, 2) * w * 0.02
            self.objects.append((patch, mask, pos, vel, r))
        self.label = f"Scene {shot.seed}"
        self.text_pos = (int(rng.integers(5, w // 3)), int(rng.integers(h // 4, h - 10)))

    def frame(self, j: int) -> np.ndarray:
        cv2 = self.cv2
        w, h = self.w, self.h
        if self.shot.style == "pan":
            x0 = int(j * self.shot.pan_speed * w)
            img = self.tex[: h, x0: x0 + w].copy()
        elif self.shot.style == "zoom":
            s = 1.0 + 0.6 * j / max(1, self.shot.frames)
            cw, ch = int(w / s), int(h / s)
            x0, y0 = (self.tex.shape[1] - cw) // 2, (self.tex.shape[0] - ch) // 2
            img = cv2.resize(self.tex[y0: y0 + ch, x0: x0 + cw], (w, h), interpolation=cv2.INTER_LINEAR)
        else:
            img = self.tex[: h, : w].copy()
        for patch, mask, pos, vel, r in self.objects:
            p = pos + vel * j
            # bounce inside the frame
            for k, lim in ((0, w - 2 * r), (1, h - 2 * r)):
                q = (p[k] - r) % (2 * lim) if lim > 0 else 0
                p[k] = (q if q <= lim else 2 * lim - q) + r
            x, y = int(p[0] - r), int(p[1] - r)
            roi = img[y: y + 2 * r, x: x + 2 * r]
            if roi.shape[:2] == mask.shape:
                roi[mask > 0] = patch[mask > 0]
        if self.shot.style == "slide":
            return img
        cv2.putText(img, self.label, self.text_pos, cv2.FONT_HERSHEY_SIMPLEX, 0.8 * self.scale, (255, 255, 255),
                    max(1, int(2 * self.scale)), cv2.LINE_AA)
        return img


_WORDS = ("solve", "equation", "step", "divide", "both", "sides", "check", "answer", "value", "subtract",
          "graph", "slope", "area", "triangle", "sum", "proof", "lemma", "vector", "matrix", "limit")


def _slide(w: int, h: int, rng) -> np.ndarray:
    """A lecture slide: the SAME white background and dark header bar for every seed, only the text
    differs, so colour histograms barely change between slides (the hard case for shot detection)."""
    import cv2

    img = np.full((int(h * 1.3), int(w * 1.3), 3), 248, np.uint8)
    img[: h // 7] = (40, 60, 120)
    s = w / 640.0
    title = " ".join(rng.choice(_WORDS, 3)).title()
    cv2.putText(img, title, (int(20 * s), int(h / 7 * 0.7)), cv2.FONT_HERSHEY_SIMPLEX, 1.1 * s, (255, 255, 255),
                max(1, int(2 * s)), cv2.LINE_AA)
    for i in range(int(rng.integers(2, 5))):
        line = f"{rng.integers(1, 20)}x + {rng.integers(1, 20)} = " + " ".join(rng.choice(_WORDS, 2))
        cv2.putText(img, line, (int(40 * s), int(h / 7 + (i + 1) * 0.17 * h)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.9 * s, (20, 20, 20), max(1, int(2 * s)), cv2.LINE_AA)
    return img


def _frames(shots: list[Shot], transitions: list[Transition], w: int, h: int, fps: float, truth: Truth):
    """Yields RGB frames and fills `truth`. transitions[i] sits between shots[i] and shots[i+1]."""
    assert len(transitions) == len(shots) - 1
    k = 0  # global frame index
    carry: _ShotRenderer | None = None  # previous shot still visible in a dissolve
    carry_j = 0
    white = np.full((h, w, 3), 255, np.uint8)
    for si, shot in enumerate(shots):
        r = _ShotRenderer(shot, w, h)
        tin = transitions[si - 1] if si > 0 else None
        tout = transitions[si] if si < len(transitions) else None
        start_j = 0
        if tin is not None and tin.kind == "dissolve":
            # Blend the end of the previous shot into the start of this one.
            g0 = k
            for j in range(tin.frames):
                a = (j + 1) / (tin.frames + 1)
                img = (1 - a) * carry.frame(carry_j + j).astype(np.float32) + a * r.frame(j).astype(np.float32)
                yield img.astype(np.uint8)
                k += 1
            truth.gradual.append({"type": "dissolve", "t0": g0 / fps, "t1": (k - 1) / fps})
            start_j = tin.frames
        elif tin is not None and tin.kind == "fade":
            g0 = truth.gradual[-1]["t0"]  # opened by the fade-out of the previous shot
            for j in range(tin.frames):
                a = (j + 1) / (tin.frames + 1)
                yield (a * r.frame(j).astype(np.float32)).astype(np.uint8)
                k += 1
            truth.gradual[-1]["t1"] = (k - 1) / fps
            start_j = tin.frames
        elif tin is not None:
            truth.cuts.append(k / fps)
        body = shot.frames
        shot_t0 = k
        flash_at = {off: ln for off, ln in shot.flashes}
        j = start_j
        end_j = start_j + body
        while j < end_j:
            if j - start_j in flash_at:
                ln = flash_at[j - start_j]
                truth.flashes.append({"t0": k / fps, "t1": (k + ln - 1) / fps})
                for _ in range(ln):
                    yield white
                    k += 1
                    j += 1
                continue
            yield r.frame(j)
            k += 1
            j += 1
        shot_t1 = k
        truth.shots.append({"t0": shot_t0 / fps, "t1": shot_t1 / fps, "style": shot.style})
        span = (shot_t0 / fps, shot_t1 / fps)
        (truth.static if shot.style == "static" else truth.moving).append(span)
        if tout is not None and tout.kind == "fade":
            g0 = k
            for j2 in range(tout.frames):
                a = 1 - (j2 + 1) / (tout.frames + 1)
                yield (a * r.frame(end_j + j2).astype(np.float32)).astype(np.uint8)
                k += 1
            black = np.zeros((h, w, 3), np.uint8)
            for _ in range(tout.hold):
                yield black
                k += 1
            truth.gradual.append({"type": "fade", "t0": g0 / fps, "t1": (k - 1) / fps})
        carry, carry_j = r, end_j
    truth.n_frames = k
    truth.duration = k / fps


def write_video(path: str | Path, shots: list[Shot], transitions: list[Transition], size: tuple[int, int] = (320, 180),
                fps: int = 25, crf: int = 23) -> Truth:
    """Encodes the timeline to `path` (H.264 MP4) and returns its ground truth."""
    import av

    w, h = size
    truth = Truth(fps=fps, n_frames=0, duration=0.0, width=w, height=h)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"preset": "ultrafast", "crf": str(crf)}
        for img in _frames(shots, transitions, w, h, fps, truth):
            for pkt in vs.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
    return truth


# ---------------------------------------------------------------------------- ready-made timelines
def mixed_timeline(seed: int = 0, n_shots: int = 8, fps: int = 25) -> tuple[list[Shot], list[Transition]]:
    """Cuts, dissolves, fades, flashes, pans and static shots in a random but reproducible order."""
    rng = np.random.default_rng(seed)
    styles = ["static", "objects", "pan", "objects", "zoom", "pan", "static", "objects"]
    shots = []
    for i in range(n_shots):
        style = styles[(i + seed) % len(styles)]
        frames = int(rng.integers(int(2.0 * fps), int(4.0 * fps)))
        flashes = []
        if rng.random() < 0.35 and style != "static":
            flashes.append((int(rng.integers(fps // 2, frames - fps // 2)), int(rng.integers(1, 4))))
        shots.append(Shot(frames=frames, style=style, seed=seed * 100 + i, flashes=flashes,
                          pan_speed=float(rng.uniform(0.03, 0.08))))
    kinds = ["cut", "dissolve", "cut", "fade", "cut", "dissolve", "cut"]
    trans = []
    for i in range(n_shots - 1):
        k = kinds[(i + seed) % len(kinds)]
        if k == "dissolve":
            trans.append(Transition("dissolve", frames=int(rng.integers(8, 20))))
        elif k == "fade":
            trans.append(Transition("fade", frames=int(rng.integers(6, 12)), hold=int(rng.integers(0, 6))))
        else:
            trans.append(Transition("cut"))
    return shots, trans


def slides_timeline(seed: int = 30) -> tuple[list[Shot], list[Transition]]:
    """Text slides on one background, joined by cuts and 1 s / 0.6 s dissolves (a lecture screencast)."""
    shots = [Shot(frames=int(n), style="slide", seed=seed + i) for i, n in enumerate((90, 80, 100, 75, 90, 85, 80))]
    trans = [Transition("cut"), Transition("dissolve", 25), Transition("cut"), Transition("cut"),
             Transition("dissolve", 15), Transition("cut")]
    return shots, trans


def long_timeline(seconds: float, fps: int = 25, seed: int = 7) -> tuple[list[Shot], list[Transition]]:
    """A long video (memory benchmark): shots of 3-8 s joined by mixed transitions."""
    rng = np.random.default_rng(seed)
    shots: list[Shot] = []
    total = 0
    i = 0
    styles = ["static", "objects", "pan", "zoom"]
    while total < seconds * fps:
        n = int(rng.integers(3 * fps, 8 * fps))
        shots.append(Shot(frames=n, style=styles[i % 4], seed=seed * 1000 + i, pan_speed=0.01))
        total += n
        i += 1
    trans = [Transition("dissolve", frames=12) if j % 3 == 1 else Transition("cut") for j in range(len(shots) - 1)]
    return shots, trans


def benchmark_set(out_dir: str | Path, size: tuple[int, int] = (640, 360)) -> list[tuple[Path, Truth]]:
    """The shot-boundary benchmark files: mixed timelines plus dedicated hard cases."""
    out_dir = Path(out_dir)
    items: list[tuple[Path, Truth]] = []
    for seed in range(4):
        shots, trans = mixed_timeline(seed=seed)
        p = out_dir / f"mixed_{seed}.mp4"
        items.append((p, write_video(p, shots, trans, size=size)))
    # Hard case: fast pans and flashes only (every detection is a false positive except 2 cuts).
    shots = [Shot(75, "pan", 900, flashes=[(30, 2)], pan_speed=0.09), Shot(75, "pan", 901, flashes=[(20, 1), (50, 3)],
                                                                               pan_speed=0.12),
             Shot(75, "objects", 902, flashes=[(40, 2)])]
    p = out_dir / "hard_motion_flash.mp4"
    items.append((p, write_video(p, shots, [Transition("cut"), Transition("cut")], size=size)))
    # Hard case: slow dissolves and long fades.
    shots = [Shot(60, "objects", 910), Shot(60, "static", 911), Shot(60, "zoom", 912), Shot(60, "objects", 913)]
    p = out_dir / "hard_gradual.mp4"
    items.append((p, write_video(p, shots, [Transition("dissolve", 30), Transition("fade", 15, 5),
                                            Transition("dissolve", 24)], size=size)))
    # Hard case: text slides on the same background (colour histograms barely change).
    p = out_dir / "slides.mp4"
    items.append((p, write_video(p, *slides_timeline(), size=size)))
    return items


# ---------------------------------------------------------------------------- camera motion
CAMERA_MOTIONS = ("static", "pan_left", "pan_right", "tilt_up", "tilt_down", "zoom_in", "zoom_out", "shake")


def _world(w: int, h: int, rng, scale: float = 3.0) -> np.ndarray:
    """A large textured scene (smooth colour field, grain, rectangles, discs) a camera moves over."""
    import cv2

    tw, th = int(w * scale), int(h * scale)
    small = rng.normal(0, 45, size=(max(4, th // 20), max(4, tw // 20), 3)) + rng.uniform(40, 210, 3)
    tex = cv2.resize(small.astype(np.float32), (tw, th), interpolation=cv2.INTER_CUBIC)
    tex = np.clip(tex + rng.normal(0, 10, size=(th, tw, 1)), 0, 255).astype(np.uint8)
    for _ in range(int(scale * scale * 12)):
        x, y = int(rng.integers(0, tw)), int(rng.integers(0, th))
        col = tuple(int(c) for c in rng.uniform(0, 255, 3))
        if rng.random() < 0.5:
            cv2.rectangle(tex, (x, y), (x + int(rng.integers(w // 30, w // 6)), y + int(rng.integers(h // 30, h // 5))), col, -1)
        else:
            cv2.circle(tex, (x, y), int(rng.integers(h // 40, h // 8)), col, -1)
    return tex


def camera_frames(motion: str, rate: float, seconds: float, fps: int, size: tuple[int, int], seed: int = 0,
                  movers: int = 0, subject: dict | None = None):
    """Frames of a virtual camera over a textured world. `rate`: pans/tilts in frame widths per second,
    zooms as the zoom factor per second (>1), shake as the jitter amplitude in frame widths.
    `movers` large textured discs walk across the frame (subject motion, camera unaffected).
    `subject` {direction: left/right/up/down, speed (frame widths / s), radius (fraction of the height),
    across (where on the other axis, 0-1)}: one textured disc that passes the frame centre line at mid-time
    in that direction, without wrapping (exact truth: `subject_path`); under a pan or tilt it moves so in
    the world (what is left once the camera's motion is taken out), not on screen."""
    import cv2

    w, h = size
    rng = np.random.default_rng(seed)
    world = _world(w, h, rng)
    wh, ww = world.shape[:2]
    n = int(round(seconds * fps))
    jitter = rng.normal(0, 1, size=(n, 2)) if motion == "shake" else np.zeros((n, 2))
    subj = []
    for _ in range(movers):
        r = int(rng.integers(h // 5, h // 3))
        patch = np.clip(rng.normal(rng.uniform(40, 220, 3), 35, size=(2 * r, 2 * r, 3)), 0, 255).astype(np.uint8)
        mask = np.zeros((2 * r, 2 * r), np.uint8)
        cv2.circle(mask, (r, r), r - 1, 255, -1)
        y = float(rng.uniform(r, h - r))
        speed = float(rng.choice([-1, 1]) * rng.uniform(0.25, 0.5) * w)  # px/s: crosses the frame in 2-4 s
        subj.append((patch, mask, r, y, speed, float(rng.uniform(0, w))))
    for k in range(n):
        t = k / fps
        cx, cy, s = ww / 2, wh / 2, 1.0  # view centre in world px, zoom (world px per frame px)
        if motion in ("pan_left", "pan_right"):
            cx += (1 if motion == "pan_right" else -1) * rate * w * (t - seconds / 2)
        elif motion in ("tilt_up", "tilt_down"):
            cy += (1 if motion == "tilt_down" else -1) * rate * w * (t - seconds / 2)
        elif motion in ("zoom_in", "zoom_out"):
            s = rate ** ((-1 if motion == "zoom_in" else 1) * (t - seconds / 2))
        elif motion == "shake":
            cx += jitter[k, 0] * rate * w
            cy += jitter[k, 1] * rate * w
        m = np.array([[s, 0, cx - s * w / 2], [0, s, cy - s * h / 2]], np.float64)  # frame px -> world px
        img = cv2.warpAffine(world, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT)
        if subject is not None:
            sp, sm, sr = _subject_disc(subject, w, h, seed)
            cxs, cys = subject_path(subject, t, seconds, size)
            if motion in ("pan_left", "pan_right", "tilt_up", "tilt_down"):  # it moves in the world, not on screen
                cxs, cys = cxs - (cx - ww / 2), cys - (cy - wh / 2)
            _paste(img, sp, sm, int(round(cxs)) - sr, int(round(cys)) - sr)
        for patch, mask, r, y, speed, x0 in subj:
            x = int((x0 + speed * t) % (w + 2 * r) - r)
            y0 = int(y - r)
            xa, xb = max(0, x - r), min(w, x + r)
            if xb <= xa:
                continue
            sl = img[y0: y0 + 2 * r, xa:xb]
            pm = mask[: sl.shape[0], xa - (x - r): xb - (x - r)] > 0
            sl[pm] = patch[: sl.shape[0], xa - (x - r): xb - (x - r)][pm]
        yield img


_DISCS: dict = {}


def _subject_disc(subject: dict, w: int, h: int, seed: int):
    key = (seed, w, h, float(subject.get("radius", 0.15)))
    if key not in _DISCS:
        import cv2

        rng = np.random.default_rng(seed + 991)
        r = max(3, int(round(subject.get("radius", 0.15) * h)))
        patch = np.clip(rng.normal(rng.uniform(40, 220, 3), 45, size=(2 * r, 2 * r, 3)), 0, 255).astype(np.uint8)
        patch = cv2.GaussianBlur(patch, (3, 3), 0)
        mask = np.zeros((2 * r, 2 * r), np.uint8)
        cv2.circle(mask, (r, r), r - 1, 255, -1)
        _DISCS[key] = (patch, mask, r)
    return _DISCS[key]


def _paste(img: np.ndarray, patch: np.ndarray, mask: np.ndarray, x: int, y: int) -> None:
    h, w = img.shape[:2]
    ph, pw = mask.shape
    xa, xb, ya, yb = max(0, x), min(w, x + pw), max(0, y), min(h, y + ph)
    if xb <= xa or yb <= ya:
        return
    sl = img[ya:yb, xa:xb]
    pm = mask[ya - y: yb - y, xa - x: xb - x] > 0
    sl[pm] = patch[ya - y: yb - y, xa - x: xb - x][pm]


def subject_path(subject: dict, t: float, seconds: float, size: tuple[int, int]) -> tuple[float, float]:
    """Centre (px) of the `subject` disc at time t: speed in frame widths / s along its direction."""
    w, h = size
    d = subject["direction"]
    dist = subject["speed"] * w * (t - seconds / 2)
    across = float(subject.get("across", 0.5))
    if d in ("left", "right"):
        return w / 2 + (dist if d == "right" else -dist), across * h
    return across * w, h / 2 + (dist if d == "down" else -dist)


def write_camera_video(path: str | Path, motion: str, rate: float, seconds: float = 3.0, fps: int = 25,
                       size: tuple[int, int] = (320, 180), seed: int = 0, movers: int = 0, crf: int = 23,
                       subject: dict | None = None) -> dict:
    """Encodes one camera-motion clip; returns its truth {motion, rate, seconds, fps, movers}."""
    import av

    w, h = size
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"preset": "ultrafast", "crf": str(crf)}
        for img in camera_frames(motion, rate, seconds, fps, size, seed, movers, subject):
            for pkt in vs.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
    return {"motion": motion, "rate": rate, "seconds": seconds, "fps": fps, "movers": movers, "size": list(size),
            "subject": subject}


def save_truth(truth: Truth, path: str | Path) -> None:
    Path(path).write_text(json.dumps(truth.to_json(), indent=1))


if __name__ == "__main__":  # pragma: no cover
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "bench_videos")
    for p, t in benchmark_set(out):
        save_truth(t, p.with_suffix(".json"))
        print(p, f"{t.duration:.1f}s", len(t.boundaries), "boundaries")
