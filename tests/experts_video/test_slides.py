"""Shot boundaries between slides whose colours barely change (lectures, screencasts): the shipped
example lecture and a generated text-slide video, checked against their ground truth."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

FPS = 25
FRAME = 1.0 / FPS
LECTURE = Path(__file__).resolve().parents[2] / "examples" / "lecture"


def _check(path, cuts: list[float], gradual: list[tuple[float, float]]) -> None:
    from dataclaw.anchors import run_experts

    res = run_experts(path, ["shots"], use_cache=False)
    assert not res.errors
    starts = sorted(a.t0 for a in res.by_expert["shots"] if a.kind == "shot")[1:]
    trans = [a for a in res.by_expert["shots"] if a.kind == "transition"]
    matched = set()
    for c in cuts:
        near = [s for s in starts if abs(s - c) <= FRAME + 1e-6]
        assert len(near) == 1, f"cut at {c}s: boundaries {starts}"
        matched.add(near[0])
    for t0, t1 in gradual:
        inside = [s for s in starts if t0 - FRAME <= s <= t1 + FRAME]
        assert len(inside) == 1, f"transition {t0}..{t1}s: boundaries {starts}"
        matched.add(inside[0])
        ext = [a for a in trans if a.t0 <= inside[0] <= a.t1]
        # the reported extent covers the real blend (to within a frame)
        assert ext and ext[0].t0 <= t0 + FRAME + 1e-6 and ext[0].t1 >= t1 - FRAME - 1e-6, (t0, t1, ext)
    assert set(starts) == matched, f"false boundaries: {sorted(set(starts) - matched)}"


@pytest.mark.skipif(not (LECTURE / "lecture.mp4").exists(), reason="examples/lecture not rendered")
def test_shipped_lecture_every_slide_change():
    truth = json.loads((LECTURE / "truth.json").read_text())
    cuts = [t["t0"] for t in truth["transitions"] if t["type"] == "cut"]
    grad = [(t["t0"], t["t1"]) for t in truth["transitions"] if t["type"] == "dissolve"]
    assert len(cuts) == 2 and len(grad) == 2
    # (the closing fade to black separates no shots: no boundary in it)
    _check(LECTURE / "lecture.mp4", cuts, grad)


def test_generated_slides_cuts_and_dissolves(slides):
    path, truth = slides
    assert len(truth.cuts) == 4 and len(truth.gradual) == 2
    _check(path, truth.cuts, [(g["t0"], g["t1"]) for g in truth.gradual])
