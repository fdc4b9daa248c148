"""Round 3 of the focus matcher: intros, title slides and summaries come after the steps; title words
weigh little; phrasal verbs ("take five away") and "a kind of" relations ("the block" for "the object")
from WordNet; words beat MiniLM meaning; robot phrasings without a phase word ("the moment the
gripper closes around the block", "just where it carries the cube across") find their phase.

The lecture checks run the real experts on the shipped lecture; the robot checks a pybullet episode
with the real phase and gripper experts."""
from __future__ import annotations

import pytest

from dataclaw.focus import FocusReading, conjuncts, coverage, locate, parse_focus
from testkit import slide_span, spans_within


def _wordnet():
    from dataclaw import synonyms

    if not synonyms.available():
        pytest.skip("WordNet (apt-get install wordnet-base; pip install nltk) not installed")
    return synonyms


# ---------------------------------------------------------------------------------- parsing
def test_just_where_and_bare_relative_clauses_are_read():
    f = parse_focus("label just where it carries the cube across")
    assert [r.kind for r in f.readings] == ["robot", "topic"]  # "carries" is the transport phase's verb
    assert f.readings[0].terms == "transport" and "where" not in f.readings[1].terms
    f = parse_focus("split up only the moment the gripper closes around the block")
    assert f.single and f.readings[0].terms == "the gripper closes around the block"
    f = parse_focus("video clips with captions, just heating the water and steeping the leaves")
    assert f.readings and "heating" in f.readings[0].terms
    assert parse_focus("I just want questions").readings == []  # "just" alone names no part


def test_and_joining_a_subject_is_one_thing():
    r = FocusReading(text="x", terms="the half and the third are turned into sixths", kind="topic")
    assert [c.terms for c in conjuncts(r)] == [r.terms]
    r = FocusReading(text="x", terms="heating the water and steeping the leaves", kind="topic")
    assert len(conjuncts(r)) == 2


# ---------------------------------------------------------------------------------- WordNet
def test_phrasal_verbs_and_kinds():
    wn = _wordnet()
    lemmas = [lemma for lemma, _, _ in wn.phrase_lemmas("they take five away from both sides".split())]
    assert "take away" in lemmas and "take five" not in lemmas  # a particle, not a number
    assert wn.related_phrase("take away", "subtract") == wn.GLOSS  # subtract: "take off or away"
    assert wn.kind_of("block", "object") == wn.KIND_OF and wn.kind_of("cube", "object") == wn.KIND_OF
    assert wn.kind_of("answer", "object") == 0.0 and wn.kind_of("block", "answer") == 0.0
    # the phrase counts for both of its words
    s, how = coverage("take five away", "First, subtract 5 from both sides", wordnet=True)
    assert how == "wordnet" and s == pytest.approx(wn.GLOSS * 2 / 3 + 1 / 3)
    assert coverage("take five away", "First, subtract 5 from both sides")[0] == pytest.approx(1 / 3)


# ---------------------------------------------------------------------------------- the lecture
def test_lecture_generic_parts(lecture_anchors):
    from dataclaw.focus import _generic, _title_words, parts_of

    aset, truth = lecture_anchors
    parts = parts_of(aset)
    gen = _generic(parts)
    first, last = truth["slides"][0], truth["slides"][-1]
    assert {i for i, p in enumerate(parts) if p.t0 < first["t1"] - 1 or p.t1 > last["t0"] + 1} == gen  # intro, summary
    assert "linear equation" in _title_words(parts, gen).lower()


def test_lecture_paraphrase_finds_the_step_not_the_summary(lecture_anchors):
    aset, truth = lecture_anchors
    m = locate(aset, parse_focus("make a tutorial only about the part where they take five away from both sides"))
    assert spans_within(m.spans, slide_span(truth, "subtract")), m.record()  # the summary also says "Subtract 5 from both sides"


def test_lecture_asking_for_the_summary_gets_it(lecture_anchors):
    aset, truth = lecture_anchors
    m = locate(aset, parse_focus("questions only about the summary"))
    assert spans_within(m.spans, slide_span(truth, "summary")), m.record()


def test_lecture_done_when_items_still_hold(lecture_anchors):
    aset, truth = lecture_anchors
    m = locate(aset, parse_focus("make timestamped questions only about the part where they check the answer"))
    assert spans_within(m.spans, slide_span(truth, "check the answer")), m.record()
    m = locate(aset, parse_focus("questions about dividing"))
    assert spans_within(m.spans, slide_span(truth, "divide")), m.record()


# ---------------------------------------------------------------------------------- a robot episode
def _phase(truth: dict, name: str) -> tuple[float, float]:
    ph = next(p for p in truth["phases"] if p["phase"] == name)
    return ph["t0"], ph["t1"]


@pytest.mark.parametrize("intent,phase", [
    ("split up only the moment the gripper closes around the block", "grasp"),
    ("label just where it carries the cube across", "transport"),
])
def test_robot_phrasings_find_their_phase(success_episode, intent, phase):
    _wordnet()
    aset, truth = success_episode
    m = locate(aset, parse_focus(intent))
    assert spans_within(m.spans, _phase(truth, phase), tol=0.3), (m.record(), truth["phases"])


def test_a_named_part_that_matches_nothing_is_not_the_task(lecture_anchors):
    """No part of the lecture matches "the bit where the dough comes out": the run says so
    rather than falling back to the whole video because the words resemble the task's own description."""
    from dataclaw.focus import focus_evidence
    from dataclaw.model import TaskSpec
    from dataclaw.tasks import get_task

    aset, _ = lecture_anchors
    task = get_task("temporal_qa")
    spec = TaskSpec(task="temporal_qa", domain="education", instruction="temporal QA")
    evs, match = focus_evidence(task, spec, aset, parse_focus(
        "quiz questions with times, only on the bit where the dough comes out"))
    assert evs == [] and match is not None and "no part of this video matches" in match.message


def test_only_where_is_one_stretch_and_limited_to_is_a_focus():
    assert parse_focus("segment just when the fingers close on the object").single
    assert parse_focus("segment only where it sets the object down").single
    assert not parse_focus("segment only the grasps").single
    f = parse_focus("a how-to limited to rewriting over six and then adding")
    assert f.readings and f.readings[0].terms == "rewriting over six and then adding"
