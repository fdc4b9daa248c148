"""Generated videos with known truth (benchmarks/synth_videos.py), built once per session."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import synth_videos as sv  # noqa: E402

FPS = 25


@pytest.fixture(scope="session")
def vid_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("experts_video")


@pytest.fixture(scope="session")
def mixed(vid_dir):
    """Static, moving-object, fast-pan and zoom shots; cuts, a dissolve, a fade; 1- and 2-frame flashes."""
    shots = [
        sv.Shot(60, "static", seed=1),
        sv.Shot(70, "objects", seed=2, flashes=[(30, 2)]),
        sv.Shot(140, "pan", seed=3, flashes=[(40, 1), (100, 3)], pan_speed=0.05),
        sv.Shot(60, "objects", seed=4),
        sv.Shot(60, "static", seed=5),
        sv.Shot(60, "zoom", seed=6),
    ]
    trans = [sv.Transition("cut"), sv.Transition("dissolve", 12), sv.Transition("cut"),
             sv.Transition("fade", 8, 3), sv.Transition("dissolve", 20)]
    path = vid_dir / "mixed.mp4"
    truth = sv.write_video(path, shots, trans, size=(320, 180), fps=FPS)
    return path, truth


@pytest.fixture(scope="session")
def mixed_anchors(mixed):
    from dataclaw.anchors import run_experts

    path, _ = mixed
    return run_experts(path, ["shots", "keyframes", "motion"])


@pytest.fixture(scope="session")
def fast_motion(vid_dir):
    """Only two hard cuts; very fast pans and flashes everywhere else."""
    shots = [sv.Shot(75, "pan", 900, flashes=[(30, 2)], pan_speed=0.09),
             sv.Shot(75, "pan", 901, flashes=[(20, 1), (50, 3)], pan_speed=0.12),
             sv.Shot(75, "objects", 902, flashes=[(40, 2)])]
    path = vid_dir / "fast_motion.mp4"
    truth = sv.write_video(path, shots, [sv.Transition("cut"), sv.Transition("cut")], size=(320, 180), fps=FPS)
    return path, truth


@pytest.fixture(scope="session")
def short_cut(vid_dir):
    """3.2 s, one hard cut: short, so the (slow on CPU) TransNetV2 check stays quick."""
    shots = [sv.Shot(40, "objects", 920), sv.Shot(40, "pan", 921, pan_speed=0.05)]
    path = vid_dir / "short_cut.mp4"
    truth = sv.write_video(path, shots, [sv.Transition("cut")], size=(320, 180), fps=FPS)
    return path, truth


@pytest.fixture(scope="session")
def slides(vid_dir):
    """Text slides on one background (colour histograms barely change): cuts and dissolves."""
    path = vid_dir / "slides.mp4"
    truth = sv.write_video(path, *sv.slides_timeline(), size=(640, 360), fps=FPS)
    return path, truth
