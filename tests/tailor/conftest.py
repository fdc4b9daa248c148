"""Fixtures for the tailoring tests: a small real video with hand-built anchors (known truth)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dataclaw.anchors import AnchorSet
from tailor_truth import DURATION, make_anchorset


@pytest.fixture(scope="session")
def tiny_video(tmp_path_factory) -> Path:
    """12 s, 10 fps, 160x120 test pattern with a tone: real frames and audio for MediaStore."""
    path = tmp_path_factory.mktemp("video") / "tiny.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size=160x120:rate=10:duration={DURATION}", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={DURATION}", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-shortest", str(path)], check=True)
    return path


@pytest.fixture()
def anchorset(tiny_video) -> AnchorSet:
    return make_anchorset(tiny_video)


@pytest.fixture()
def media(tmp_path):
    from dataclaw.media import MediaStore

    store = MediaStore(tmp_path / "ds")
    yield store
    store.close()


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lecture" / "lecture.mp4"


@pytest.fixture(scope="session")
def lecture(tmp_path_factory) -> Path:
    """The shipped example lecture (rendered here with the repo's script when not shipped yet)."""
    if EXAMPLE.exists() and EXAMPLE.with_name("truth.json").exists():
        return EXAMPLE
    import sys

    out = tmp_path_factory.mktemp("lecture")
    subprocess.run([sys.executable, str(EXAMPLE.parents[1] / "make_lecture.py"), "--out", str(out),
                    "--preset", "ultrafast"], check=True, capture_output=True)
    return out / "lecture.mp4"


@pytest.fixture(scope="session")
def lecture_anchors(lecture):
    """One real expert run per session (default experts); tailor() calls later hit the anchor cache."""
    from dataclaw.anchors import run_experts

    return run_experts(lecture)
