"""The verifier on hand-made samples: each kind of fault is caught with its own error and score."""
from __future__ import annotations

import pytest

from dataclaw.model import Segment
from dataclaw.tasks.base import Evidence
from dataclaw.verify import score_draft, text_times, verify_sample

from ve_data import build_anchorset, ids, tutorial_sample


def _scores_in_range(v):
    for name in ("format", "grounding", "efficiency"):
        assert 0.0 <= getattr(v.scores, name) <= 1.0


def test_valid_sample_passes(anchorset, media_dir):
    v = verify_sample(tutorial_sample(anchorset), anchorset, media_dir)
    assert v.ok, v.errors
    assert v.scores.format == 1.0 and v.scores.grounding == 1.0
    assert v.scores.efficiency > 0.9
    assert all(v.checks.values()) and {"anchor_ids", "times_in_video", "times_in_anchors", "media", "quotes",
                                        "order", "duplicates"} <= set(v.checks)


def test_hallucinated_anchor_id(anchorset, media_dir):
    s = tutorial_sample(anchorset)
    s.solution[0].anchors.append("shot-deadbeef00")
    v = verify_sample(s, anchorset, media_dir)
    assert not v.ok and not v.checks["anchor_ids"]
    assert any("cites anchor 'shot-deadbeef00', which does not exist" in e for e in v.errors)
    assert v.scores.grounding < 1.0
    _scores_in_range(v)


def test_time_outside_video(anchorset, media_dir):
    s = tutorial_sample(anchorset)
    s.solution[2].t1 = 12.5
    s.solution[2].anchors = []  # no cited anchor either: only the duration can catch it
    v = verify_sample(s, anchorset, media_dir)
    assert not v.checks["times_in_video"]
    assert any("time 12.500s is outside the video (0 to 10.000s)" in e for e in v.errors)


def test_time_outside_cited_anchor(anchorset, media_dir):
    s = tutorial_sample(anchorset)
    s.solution[0].t1 = 5.0  # cites shot0 (0-4) and the OCR track (0.5-3.5): 5.0 is past them
    v = verify_sample(s, anchorset, media_dir)
    assert not v.ok and not v.checks["times_in_anchors"]
    assert any("solution[0]" in e and "time 5.000s is outside its cited anchors" in e for e in v.errors)


def test_one_frame_tolerance(anchorset, media_dir):
    s = tutorial_sample(anchorset)
    s.solution[0].t1 = 4.0 + 0.5 / 25  # half a frame past the shot: accepted
    assert verify_sample(s, anchorset, media_dir).ok
    s.solution[0].t1 = 4.0 + 3 / 25  # three frames past: rejected
    assert not verify_sample(s, anchorset, media_dir).ok


def test_missing_media(anchorset, media_dir):
    s = tutorial_sample(anchorset)
    s.solution[1].path = "media/kf_9999.jpg"
    v = verify_sample(s, anchorset, media_dir)
    assert not v.checks["media"]
    assert any("media file 'media/kf_9999.jpg' does not exist" in e for e in v.errors)


@pytest.mark.parametrize("path, msg", [
    ("../outside.jpg", "leaves the dataset folder"),
    ("media/../../etc/passwd.jpg", "leaves the dataset folder"),
    ("/etc/hosts.jpg", "is absolute"),
    ("media/fake.jpg", "is not a readable image"),
    ("media/notes.txt", "unsupported type .txt"),
])
def test_bad_media_paths(anchorset, media_dir, path, msg):
    s = tutorial_sample(anchorset)
    s.solution[1].path = path
    v = verify_sample(s, anchorset, media_dir)
    assert not v.ok
    assert any(msg in e for e in v.errors), v.errors


def test_corrupt_clip(anchorset, media_dir, tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "bad.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    s = tutorial_sample(anchorset)
    s.query.media = []
    s.solution = [s.solution[0], Segment(type="clip", path="media/bad.mp4", t0=0.0, t1=2.0,
                                         anchors=s.solution[0].anchors[:1])]
    v = verify_sample(s, anchorset, tmp_path)
    assert any("not a readable MP4" in e or "no video stream" in e for e in v.errors), v.errors


def test_out_of_order_steps(anchorset, media_dir):
    s = tutorial_sample(anchorset)
    s.solution = [s.solution[2], s.solution[0]]
    v = verify_sample(s, anchorset, media_dir)
    assert not v.checks["order"]
    assert any("before the previous step" in e and "time order" in e for e in v.errors)
    # order is not required for an unordered task
    s.task = "temporal_qa"
    assert verify_sample(s, anchorset, media_dir).ok


def test_duplicate_steps(anchorset, media_dir):
    s = tutorial_sample(anchorset)
    s.solution.append(s.solution[2].model_copy())
    v = verify_sample(s, anchorset, media_dir)
    assert not v.checks["duplicates"]
    assert any("duplicate step (same text as solution[2])" in e for e in v.errors)
    s = tutorial_sample(anchorset)
    dup = s.solution[2].model_copy(update={"text": "Then write the formula F = m a."})
    s.solution.append(dup)
    v = verify_sample(s, anchorset, media_dir)
    assert any("duplicate step (same span 4.000s-10.000s as solution[2])" in e for e in v.errors)


def test_misquoted_ocr_text(anchorset, media_dir):
    s = tutorial_sample(anchorset)
    s.solution[0].text = 'The title "Einstein\'s Relativity Theory" is on the slide.'
    v = verify_sample(s, anchorset, media_dir)
    assert not v.checks["quotes"]
    assert any("quoted text \"Einstein's Relativity Theory\" matches no on-screen text or speech" in e
               for e in v.errors)
    assert v.scores.grounding < 1.0
    # small OCR-like differences still match (fuzzy)
    s.solution[0].text = 'The title "Newtons Second Lavv".'
    assert verify_sample(s, anchorset, media_dir).ok


def test_invented_text_is_rejected_with_its_claims(anchorset, media_dir):
    s = tutorial_sample(anchorset)
    s.solution[0].text = "Paint the fence green quickly."  # cites the OCR track "Newton's Second Law"
    v = verify_sample(s, anchorset, media_dir)
    assert not v.ok and not v.checks["claims"] and v.scores.grounding < 1.0
    named = " ".join(v.unsupported_claims)
    assert all(f"'{w}'" in named for w in ("Paint", "fence", "green", "quickly")), named
    assert any("shares few words with the on-screen text or speech it cites" in w for w in v.warnings)


def test_quote_across_two_transcript_segments(anchorset, media_dir):
    from dataclaw.model import Anchor

    extra = Anchor(source=anchorset.source.id, kind="transcript", t0=8.0, t1=9.5,
                   data={"text": "and that is all", "words": []}, expert="speech")
    anchorset.anchors.append(extra)
    s = tutorial_sample(anchorset)
    s.solution[2].text = 'The narrator: "force equals mass times acceleration and that is all".'
    s.solution[2].anchors.append(extra.id)
    assert verify_sample(s, anchorset, media_dir).ok


def test_quote_checked_against_the_span_not_the_whole_video(anchorset, media_dir):
    s = tutorial_sample(anchorset)
    # the speech is real but said at 4.2-8.0 s, not in shot 0 where this step claims it
    s.solution[0].text = 'The narrator says "force equals mass times acceleration".'
    s.solution[0].anchors = s.solution[0].anchors[:1]
    v = verify_sample(s, anchorset, media_dir)
    assert not v.checks["quotes"]


def test_claim_outside_evidence(anchorset, media_dir):
    a = ids(anchorset)
    ev = Evidence(sources=[anchorset.source], anchors=[x for x in anchorset.anchors if x.t1 <= 4.0])
    s = tutorial_sample(anchorset)
    s.solution = s.solution[:2]
    s.solution[0].text += " At 7.5 s the formula appears."
    v = verify_sample(s, anchorset, media_dir, evidence=ev)
    assert not v.checks["evidence_times"]
    assert any("text mentions 7.5s, a time outside the evidence" in e for e in v.errors)
    s = tutorial_sample(anchorset)
    v = verify_sample(s, anchorset, media_dir, evidence=ev)  # steps 2-3 cite shot1, not in this evidence
    assert any(f"cites anchor {a['shot1']!r}, which is not in its evidence" in e for e in v.errors)


def test_query_media_may_show_more_than_the_evidence(anchorset, media_dir):
    """The query's clip is context (e.g. the whole video for a temporal question), not a claim."""
    a = ids(anchorset)
    ev = Evidence(sources=[anchorset.source], anchors=[x for x in anchorset.anchors if x.kind == "transcript"])
    s = tutorial_sample(anchorset)
    s.task = "temporal_qa"
    s.query.media = [Segment(type="clip", path="media/clip_4000_6000.mp4", t0=0.0, t1=10.0)]
    s.solution = [Segment(type="span", text="From 4.2 s to 8.0 s.", t0=4.2, t1=8.0, anchors=[a["asr"]])]
    assert verify_sample(s, anchorset, media_dir, evidence=ev).ok
    s.query.media[0].t1 = 11.0  # but still inside the video
    assert not verify_sample(s, anchorset, media_dir, evidence=ev).checks["times_in_video"]


def test_prose_durations_are_not_time_claims():
    assert text_times("wait 30 seconds, then at 12 s press play; see 01:05") == [12.0, 65.0]


def test_bloated_sample_has_low_efficiency(anchorset, media_dir):
    good = verify_sample(tutorial_sample(anchorset), anchorset, media_dir)
    s = tutorial_sample(anchorset)
    s.solution[0].text += " " + " ".join(["The title is on the slide."] * 25)
    s.solution[2].text += " " + " ".join(["The narrator says force equals mass times acceleration."] * 25)
    s.solution += [Segment(type="image", path="media/kf_6000.jpg", t0=6.0, t1=6.0, anchors=[ids(anchorset)["kf6"]])] * 8
    v = verify_sample(s, anchorset, media_dir)
    assert v.ok, v.errors  # bloat is not wrong, just costly
    assert v.scores.efficiency < 0.25 < good.scores.efficiency
    _scores_in_range(v)


def test_near_duplicate_steps_cost_efficiency(anchorset, media_dir):
    s = tutorial_sample(anchorset)
    s.solution.append(s.solution[2].model_copy(update={
        "text": 'The narrator says it: "force equals mass times acceleration".', "t0": 8.0, "t1": 10.0}))
    v = verify_sample(s, anchorset, media_dir)
    assert v.ok, v.errors  # near-duplicates are not wrong, they cost efficiency
    assert v.scores.efficiency <= 0.75


def test_invalid_schema_and_structure(anchorset, media_dir):
    v = verify_sample({"id": "x", "task": "tutorial"}, anchorset, media_dir)
    assert not v.ok and v.scores.format == 0.0 and v.errors[0].startswith("schema: not a valid Sample")
    s = tutorial_sample(anchorset)
    s.solution.append(Segment(type="clip", path="media/clip_4000_6000.mp4"))
    v = verify_sample(s, anchorset, media_dir)
    assert not v.checks["structure"] and 0 < v.scores.format < 1
    assert any("a clip segment needs path, t0 and t1" in e for e in v.errors)


class _Task:
    name = "tutorial"
    ordered = True

    def draft_schema(self):
        return {"type": "object", "required": ["steps"],
                "properties": {"steps": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "required": ["text", "t0", "t1"],
                    "properties": {"text": {"type": "string"}, "t0": {"type": "number"}, "t1": {"type": "number"},
                                   "anchors": {"type": "array", "items": {"type": "string"}}}}}}}

    def check(self, sample, ev):
        return [] if len(sample.solution) >= 2 else ["needs at least two segments"]


def test_task_check_and_draft_schema(anchorset, media_dir):
    s = tutorial_sample(anchorset)
    s.solution = s.solution[:1]
    v = verify_sample(s, anchorset, media_dir, task=_Task(), draft={"steps": [{"text": "x"}]})
    assert "task tutorial: needs at least two segments" in v.errors
    assert any(e.startswith("schema: steps/0: 't0' is a required property") for e in v.errors)
    assert v.scores.format == 0.0 and not v.checks["schema"] and not v.checks["task"]


def test_multiple_anchorsets():
    a1, a2 = build_anchorset("a" * 40), build_anchorset("b" * 40)
    s = tutorial_sample(a1)
    s.query.media = []
    s.solution = [s.solution[0], s.solution[2].model_copy(update={"anchors": [ids(a2)["shot1"]]})]
    v = verify_sample(s, [a1, a2])
    assert v.ok, v.errors
    assert "media not checked on disk (no dataset_dir given)" not in v.warnings


def test_score_draft_components(anchorset):
    a = ids(anchorset)
    ev = Evidence(sources=[anchorset.source], anchors=anchorset.anchors)
    good = {"steps": [{"text": 'The title "Newton\'s Second Law".', "t0": 0.0, "t1": 4.0, "anchors": [a["shot0"], a["ocr"]]},
                      {"text": "The narrator says force equals mass times acceleration.", "t0": 4.0, "t1": 10.0,
                       "anchors": [a["shot1"], a["asr"]]}]}
    r = score_draft(good, anchorset, _Task(), ev)
    assert r["format"] == 1.0 and r["grounding"] == 1.0 and r["overall"] > 0.9
    fenced = score_draft("Sure!\n```json\n" + __import__("json").dumps(good) + "\n```", anchorset, _Task(), ev)
    assert fenced["format"] == 0.8
    halluc = {"steps": [{"text": "Step", "t0": 30.0, "t1": 40.0, "anchors": ["shot-0000000000"]}]}
    r = score_draft(halluc, anchorset, _Task(), ev)
    assert r["grounding"] == 0.0 and any("does not exist" in e for e in r["errors"])
    assert score_draft("not json", anchorset, _Task(), ev)["overall"] == 0.0
    # a frame outside the steps list is not a step; steps out of order halve the format credit
    framed = {**good, "query_frame": {"t": 2.0, "anchor": a["kf2"]}}
    r = score_draft(framed, anchorset, _Task(), ev)
    assert r["ok"] and r["format"] == 1.0, r["errors"]
    swapped = {"steps": good["steps"][::-1]}
    r = score_draft(swapped, anchorset, _Task(), ev)
    assert not r["ok"] and r["format"] == 0.5 and any("time order" in e for e in r["errors"])
    for res in (r, fenced):
        assert all(0.0 <= res[k] <= 1.0 for k in ("format", "grounding", "efficiency", "overall"))
