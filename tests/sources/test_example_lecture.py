"""The shipped example (examples/lecture/): the script reproduces its truth, and the video matches it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dataclaw.sources.video import VideoStream

ROOT = Path(__file__).resolve().parents[2]
LECTURE = ROOT / "examples" / "lecture"


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((LECTURE / "truth.json").read_text())


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """Re-runs the script (truth + slide images; the x264 encode is skipped: too slow for a unit test)."""
    out = tmp_path_factory.mktemp("lecture")
    subprocess.run([sys.executable, str(ROOT / "examples" / "make_lecture.py"), "--out", str(out),
                    "--no-video", "--keep-slides"], check=True, capture_output=True)
    return out


def test_script_reproduces_the_committed_truth(truth, regenerated):
    assert json.loads((regenerated / "truth.json").read_text()) == truth


def test_truth_is_consistent(truth):
    assert 45 <= truth["duration"] <= 60 and truth["n_frames"] == round(truth["duration"] * 25)
    kinds = [x["type"] for x in truth["transitions"]]
    assert "cut" in kinds and "dissolve" in kinds and kinds[-1] == "fade_out"
    for x in truth["transitions"]:
        assert x["t0"] * 25 == pytest.approx(round(x["t0"] * 25))  # boundaries are frame times
    for a, b in zip(truth["narration"], truth["narration"][1:]):
        assert a["t0"] < a["t1"] < b["t0"]
    for n in truth["narration"]:
        s = truth["slides"][n["slide"]]
        assert s["solo"][0] <= n["t0"] < n["t1"] <= s["solo"][1]
    assert (LECTURE / "lecture.mp4").stat().st_size < 2_000_000


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean())


def test_committed_video_matches_the_truth(truth, regenerated):
    slides = [np.asarray(Image.open(regenerated / f"slide_{i}.png")) for i in range(len(truth["slides"]))]
    with VideoStream(LECTURE / "lecture.mp4") as vs:
        m = vs.meta
        assert (m.width, m.height, m.rotation) == (1280, 720, 0) and m.fps == pytest.approx(25)
        assert m.duration == pytest.approx(truth["duration"], abs=0.05) and m.has_audio
        for i, s in enumerate(truth["slides"]):  # each slide alone on screen mid-way
            mid = vs.frame_at(sum(s["solo"]) / 2).image
            crop = slice(0, 480)  # above the animated dot's track
            assert _diff(mid[crop], slides[i][crop]) < 3, f"slide {i}"
            others = [_diff(mid[crop], o[crop]) for j, o in enumerate(slides) if j != i]
            assert min(others) > 10
        for x in truth["transitions"]:
            before = vs.frame_at(x["t0"] - 0.04).image[:480]
            assert _diff(before, slides[x["from"]][:480]) < 3
            if x["type"] == "cut":
                assert _diff(vs.frame_at(x["t0"]).image[:480], slides[x["to"]][:480]) < 3
            elif x["type"] == "dissolve":
                half = vs.frame_at((x["t0"] + x["t1"]) / 2).image[:480]
                blend = (slides[x["from"]][:480].astype(np.float32) + slides[x["to"]][:480]) / 2
                assert _diff(half, blend) < 6
            else:
                assert vs.frame_at(truth["duration"] - 0.01).image.mean() < 4  # faded to black
        audio = vs.audio(16000)
    speech = [np.sqrt(np.mean(audio[int(n["t0"] * 16000):int(n["t1"] * 16000)] ** 2)) for n in truth["narration"]]
    gaps = [np.sqrt(np.mean(audio[int(a["t1"] * 16000) + 800:int(b["t0"] * 16000) - 800] ** 2))
            for a, b in zip(truth["narration"], truth["narration"][1:])]
    assert min(speech) > 20 * max(gaps)  # narration is where the truth says, silence between
