"""Real footage (cup/box from Debian's opencv-doc), generated camera moves with exact parameters,
and bad-input clips for the visual experts. Everything is built once per session."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth_videos as sv  # noqa: E402
from visual_data import CAMERA_CASES, DATA, SUBJECT_CASES, write_frames  # noqa: E402


@pytest.fixture(scope="session")
def real_clips() -> dict[str, Path]:
    return {"cup": DATA / "cup.mp4", "box": DATA / "box.mp4"}


@pytest.fixture(scope="session")
def visual_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("visual")


@pytest.fixture(scope="session")
def camera_clips(visual_dir) -> list[tuple[Path, dict]]:
    out = []
    for i, (m, r, mv) in enumerate(CAMERA_CASES):
        p = visual_dir / f"cam_{i}_{m}.mp4"
        out.append((p, sv.write_camera_video(p, m, r, seconds=3.0, seed=100 + i, movers=mv)))
    return out


@pytest.fixture(scope="session")
def subject_clips(visual_dir) -> list[tuple[Path, dict]]:
    out = []
    for i, (m, r, sub) in enumerate(SUBJECT_CASES):
        p = visual_dir / f"subj_{i}_{m}_{sub['direction']}.mp4"
        out.append((p, sv.write_camera_video(p, m, r, seconds=3.0, seed=300 + i, subject=sub)))
    return out


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


@pytest.fixture(scope="session")
def odd_clips(visual_dir, real_clips) -> dict[str, Path]:
    """The first 2 s of cup.mp4 as 4K, as portrait (transposed pixels) and with a rotation tag."""
    import subprocess

    src = str(real_clips["cup"])
    d = visual_dir
    base = ["ffmpeg", "-loglevel", "error", "-y", "-t", "2", "-i", src, "-an"]
    enc = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    out = {"4k": d / "cup_4k.mp4", "portrait": d / "cup_portrait.mp4", "rotated": d / "cup_rot90.mp4"}
    subprocess.run(base + ["-vf", "scale=3840:2160"] + enc + [str(out["4k"])], check=True)
    subprocess.run(base + ["-vf", "transpose=1"] + enc + [str(out["portrait"])], check=True)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-t", "2", "-i", src, "-an", "-c", "copy",
                    "-metadata:s:v:0", "rotate=90", str(out["rotated"])], check=True)
    return out
