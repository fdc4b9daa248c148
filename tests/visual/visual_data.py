"""Shared data of the visual tests: labels of the real clips, the camera cases, a frame writer."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data"
LABELS = json.loads((Path(__file__).parent / "labels.json").read_text())

# (motion, rate, movers): rates as in sv.camera_frames (pans widths/s, zooms factor/s, shake amplitude)
CAMERA_CASES = [("static", 0.0, 0), ("static", 0.0, 2), ("pan_left", 0.12, 0), ("pan_right", 0.25, 1),
                ("tilt_up", 0.15, 0), ("tilt_down", 0.1, 1), ("zoom_in", 1.2, 0), ("zoom_out", 1.25, 0),
                ("shake", 0.015, 0)]

# (camera motion, rate, subject): subject speeds in frame widths / s, moving so in the world (under a pan the
# camera's motion is added on screen); radius a fraction of the frame height
SUBJECT_CASES = [("static", 0.0, {"direction": "right", "speed": 0.2, "radius": 0.15, "across": 0.7}),
                 ("static", 0.0, {"direction": "up", "speed": 0.12, "radius": 0.12, "across": 0.3}),
                 ("pan_left", 0.12, {"direction": "right", "speed": 0.2, "radius": 0.15, "across": 0.6}),
                 ("pan_right", 0.2, {"direction": "down", "speed": 0.12, "radius": 0.15, "across": 0.4})]


def needs_litert():
    pytest.importorskip("ai_edge_litert", reason="the hands/people experts need ai-edge-litert (extra `vision`)")


def write_frames(path: Path, frames, fps: int = 25) -> Path:
    import av

    frames = list(frames)
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"preset": "ultrafast"}
        for img in frames:
            for pkt in vs.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
    return path
