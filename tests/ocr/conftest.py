"""OCR fixtures: a generated slide video with known text and visibility times (built once)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import slidegen


@pytest.fixture(scope="session")
def lesson_video(tmp_path_factory) -> Path:
    return slidegen.make_video(tmp_path_factory.mktemp("ocr") / "lesson.mp4")


@pytest.fixture(scope="session")
def lesson_tracks(lesson_video):
    """The OCR core run on the lesson video with the true shots and one keyframe per shot middle
    (independent of the shots/keyframes experts, so a failure here is OCR's own)."""
    from dataclaw.experts import features as F
    from dataclaw.experts.ocr import (
        OcrParams,
        load_engine,
        merge_tracks,
        plan_views,
        read_frame,
    )
    from dataclaw.sources.video import VideoStream

    p = OcrParams()
    shots = [(s.t0, s.t1) for s in slidegen.LESSON_SHOTS]
    with VideoStream(lesson_video) as s:
        views = plan_views(shots, [(a + b) / 2 for a, b in shots], F.compute(s), p)
        engine = load_engine(p)
        for v in views:
            v.dets = read_frame(engine, s.frame_at(v.t, max_side=p.max_side).image,
                                (s.meta.width, s.meta.height), p)
    return views, merge_tracks(views, p)
