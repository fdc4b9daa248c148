"""Real footage (cup/box from Debian's opencv-doc), generated camera moves with exact parameters,
and bad-input clips for the visual experts. Everything is built once per session."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import synth_videos as sv  # noqa: E402

DATA = Path(__file__).parent / "data"
LABELS = json.loads((Path(__file__).parent / "labels.json").read_text())


def needs_litert():
    pytest.importorskip("ai_edge_litert", reason="the hands/people experts need ai-edge-litert (extra `vision`)")


@pytest.fixture(scope="session")
def real_clips() -> dict[str, Path]:
    return {"cup": DATA / "cup.mp4", "box": DATA / "box.mp4"}


@pytest.fixture(scope="session")
def visual_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("visual")


# (motion, rate, movers): rates as in sv.camera_frames (pans widths/s, zooms factor/s, shake amplitude)
CAMERA_CASES = [("static", 0.0, 0), ("static", 0.0, 2), ("pan_left", 0.12, 0), ("pan_right", 0.25, 1),
                ("tilt_up", 0.15, 0), ("tilt_down", 0.1, 1), ("zoom_in", 1.2, 0), ("zoom_out", 1.25, 0),
                ("shake", 0.015, 0)]


@pytest.fixture(scope="session")
def camera_clips(visual_dir) -> list[tuple[Path, dict]]:
    out = []
    for i, (m, r, mv) in enumerate(CAMERA_CASES):
        p = visual_dir / f"cam_{i}_{m}.mp4"
        out.append((p, sv.write_camera_video(p, m, r, seconds=3.0, seed=100 + i, movers=mv)))
    return out


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


@pytest.fixture(scope="session")
def bad_clips(visual_dir) -> dict[str, Path]:
    rng = np.random.default_rng(5)
    d = visual_dir
    return {
        "black": write_frames(d / "black.mp4", [np.zeros((180, 320, 3), np.uint8)] * 40),
        "grey": write_frames(d / "grey.mp4", [np.full((180, 320, 3), 128, np.uint8)] * 40),
        "tiny": write_frames(d / "tiny.mp4", [rng.integers(0, 255, (16, 16, 3), dtype=np.uint8) for _ in range(40)]),
        "noise": write_frames(d / "noise.mp4", [rng.integers(0, 255, (180, 320, 3), dtype=np.uint8) for _ in range(40)]),
    }
