"""Paraphrase matching (WordNet from Debian's wordnet-base, read by nltk), idf weighting, several-part
readings, the overview tier, and temporal_qa's per-line questions about the focused part.

The lecture checks run the real experts on the shipped lecture (tests/focus/conftest.py)."""
from __future__ import annotations

import pytest

from dataclaw.focus import FocusReading, conjuncts, coverage, locate, parse_focus
from dataclaw.model import TaskSpec
from testkit import slide_span, spans_within


def _wordnet():
    from dataclaw import synonyms

    if not synonyms.available():
        pytest.skip("WordNet (apt-get install wordnet-base; pip install nltk) not installed")
    return synonyms


def test_wordnet_relations():
    wn = _wordnet()
    assert wn.related("result", "answer") == wn.SYNONYM  # one synset: answer, result, solution
    assert wn.related("sits", "steep") == wn.GLOSS  # steep: "let sit in a liquid ..."
    assert wn.related("dough", "divide") == 0.0
    assert wn.related("split", "divide") == wn.SYNONYM


def test_coverage_idf_and_wordnet():
    assert coverage("the dough", "Step 3: Check the answer") == (0.0, "words")
    # a word every part has weighs little; the rare one decides
    s, _ = coverage("tea leaves", "green tea", idf={"tea": 0.1, "leav": 1.0})
    assert s == pytest.approx(0.1 / 1.1)
    _wordnet()
    s, how = coverage("work out the result", "Answer", wordnet=True)
    assert how == "wordnet" and s == pytest.approx(0.5)
    assert coverage("work out the result", "Answer")[0] == 0.0  # words only


def test_conjuncts():
    r = FocusReading(text="x", terms="the subtracting and the dividing", kind="topic")
    assert [c.terms for c in conjuncts(r)] == ["subtracting", "dividing"]
    assert conjuncts(FocusReading(text="x", terms="grasp", kind="robot"))[0].terms == "grasp"


def test_right_is_not_a_side_by_itself():
    f = parse_focus("make timestamped questions only about the part where they make sure x = 5 is right")
    assert f.position is None and "right" in f.readings[0].terms
    assert parse_focus("questions about the person on the right").position == "right"


def test_put_on_a_video_keeps_its_words():
    f = parse_focus("make a tutorial only about the part where they put the tops together")
    topic = next(r for r in f.readings if r.kind == "topic")
    assert topic.terms == "put tops together"  # not the robot phase name "place"


def test_lecture_several_parts_and_no_overview(lecture_anchors):
    aset, truth = lecture_anchors
    m = locate(aset, parse_focus("questions about subtracting and dividing"))
    sub, div = slide_span(truth, "subtract"), slide_span(truth, "divide")
    assert m.matched and spans_within(m.spans, (sub[0], div[1])), m.record()
    # both steps, not the summary that lists them again
    assert any(a < sub[1] for a, _ in m.spans) and any(b > div[0] + 1 for _, b in m.spans)


def test_lecture_no_match_still_says_so(lecture_anchors):
    aset, _ = lecture_anchors
    m = locate(aset, parse_focus("questions about the dough"))
    assert not m.matched and "dough" in m.message


def test_temporal_qa_asks_about_every_line_of_the_part(lecture_anchors):
    from dataclaw.focus import focus_evidence, footprint, inside_share
    from dataclaw.tasks import get_task

    aset, truth = lecture_anchors
    task = get_task("temporal_qa")
    spec = TaskSpec(task="temporal_qa", domain="education", instruction="temporal QA")
    focus = parse_focus("make timestamped questions only about the part where they check the answer")
    evs, match = focus_evidence(task, spec, aset, focus)
    span = slide_span(truth, "check the answer")
    assert len(evs) >= 4, [e.meta["qtype"] for e in evs]  # the title, the lines on screen, the narration
    assert all(inside_share(footprint(e), [span]) >= 0.9 for e in evs)
    assert len({e.key for e in evs}) == len(evs)
    for e in evs:  # the rules draft of each passes the task's own checks
        draft = task.rules(e, spec)
        assert draft["spans"] and all(span[0] - 1 <= s["t0"] and s["t1"] <= span[1] + 1 for s in draft["spans"])


def test_position_needs_a_box_and_relations_skip_kind_words():
    from dataclaw.focus import Scorer, _position_ok
    from dataclaw.model import Anchor

    hand = Anchor(id="hand-1", kind="hand", t0=0.0, t1=8.0, expert="hands",
                  data={"side": "right", "boxes": [[0.0, 0.57, 0.40, 0.86, 0.59], [0.3, 0.58, 0.40, 0.86, 0.59]]})
    held = Anchor(id="ho-1", kind="hand_object", t0=0.0, t1=3.0, expert="hands", data={"side": "right", "actions": ["hold"]})
    assert _position_ok(hand, "right", 640, 480) and not _position_ok(hand, "left", 640, 480)
    assert not _position_ok(held, "left", 640, 480)  # no box: it cannot show where it is
    assert _position_ok(held, None, 640, 480)
    _wordnet()
    from dataclaw.focus import anchor_words

    cam = Anchor(id="cam-1", kind="camera_motion", t0=0.0, t1=8.0, expert="camera", data={"motion": "static"})
    box = FocusReading(text="the box", terms="the box", kind="topic")
    assert Scorer(embed=False).score(box, anchor_words(cam), anchor_words(cam, with_kind=False))[0] == 0.0
