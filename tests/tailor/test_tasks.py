"""Rules synthesizers of tutorial / temporal_qa / t2v on hand-built anchors with known truth.

The anchors are written by hand (so the truth is exact); frames and clips are cut from a real
generated video through the real MediaStore, and every sample goes through the real verifier.
"""
from __future__ import annotations



from dataclaw.model import TaskSpec
from dataclaw.tasks import get_task
from dataclaw.verify import verify_sample

from tailor_truth import DISSOLVE, SLIDES, make_anchorset


def _samples(task, spec, aset, media):
    out = []
    for ev in task.select(aset, spec):
        draft = task.rules(ev, spec)
        sample = task.build(draft, ev, spec, media)
        verdict = verify_sample(sample, aset, dataset_dir=media.root, task=task, evidence=ev)
        assert verdict.ok, (ev.key, verdict.errors)
        out.append((ev, sample, verdict))
    return out


def test_tutorial_full_steps_follow_the_slides(anchorset, media):
    task = get_task("tutorial")
    spec = TaskSpec(task="tutorial", domain="daily_life", instruction="make a tea tutorial")
    got = _samples(task, spec, anchorset, media)
    variants = [s.meta["variant"] for _, s, _ in got]
    assert variants.count("full") == 1 and variants.count("next") == 2 and "stuck" not in variants
    full = next(s for _, s, _ in got if s.meta["variant"] == "full")
    texts = [seg for seg in full.solution if seg.type == "text"]
    images = [seg for seg in full.solution if seg.type == "image"]
    assert [(t.t0, t.t1) for t in texts] == [(t0, t1) for t0, t1, *_ in SLIDES]
    for seg, (_, _, head, _, said) in zip(texts, SLIDES):
        assert seg.text.startswith(head) and said in seg.text
    assert [im.t0 for im in images] == [2.0, 6.0, 10.0]
    assert all((media.root / im.path).is_file() for im in images)
    assert '"Making tea"' in full.query.text
    # the request carries the video it is about: a clip over the tutorial's span
    assert [(m.type, m.t0, m.t1) for m in full.query.media] == [("clip", SLIDES[0][0], SLIDES[-1][1])]
    assert (media.root / full.query.media[0].path).stat().st_size > 0
    # interleaved: text, image, text, image ...
    assert [s.type for s in full.solution] == ["text", "image"] * 3


def test_a_tutorial_missing_a_step_is_rejected(anchorset, media):
    """"Walk me through it step by step" answered with the first and last of three steps is not a tutorial:
    rejected naming the step left out; merging two steps into one (citing both) is still fine."""
    task = get_task("tutorial")
    spec = TaskSpec(task="tutorial", domain="daily_life", instruction="make a tea tutorial")
    ev = next(e for e in task.select(anchorset, spec) if e.meta["variant"] == "full")
    draft = task.rules(ev, spec)
    assert len(draft["steps"]) == 3
    gap = task.build(dict(draft, steps=[draft["steps"][0], draft["steps"][2]]), ev, spec, media)
    v = verify_sample(gap, anchorset, dataset_dir=media.root, task=task, evidence=ev)
    assert not v.ok and any("step 2 of the evidence" in e and "is not in the tutorial" in e for e in v.errors), v.errors
    a, b = draft["steps"][:2]
    both = dict(a, t1=b["t1"], text=a["text"] + " " + b["text"], anchors=a["anchors"] + b["anchors"])
    merged = task.build(dict(draft, steps=[both, draft["steps"][2]]), ev, spec, media)
    assert not task._missing_steps(merged, ev)


def test_tutorial_next_and_stuck_variants(anchorset, media):
    task = get_task("tutorial")
    spec = TaskSpec(task="tutorial", domain="education", instruction="lesson to tutorial")
    got = {s.meta["variant"] + ":" + ev.key: s for ev, s, _ in _samples(task, spec, anchorset, media)}
    nxt = got["next:next:0.000"]
    assert nxt.query.media[0].type == "image" and nxt.query.media[0].t0 == 2.0
    assert [s.t0 for s in nxt.solution if s.type == "text"] == [4.0, 8.0]
    # the hardest step is the last slide (most new text, longest narration): frame just before it
    stuck = [s for k, s in got.items() if k.startswith("stuck")]
    assert stuck
    hard = next(s for s in stuck if s.solution[0].t0 == 8.0)
    assert hard.query.media[0].t0 == 7.5 < DISSOLVE[0]  # just before the hard step and its dissolve
    assert "Steep the tea" in hard.query.text


def test_sample_ids_are_deterministic(tiny_video, tmp_path):
    task = get_task("tutorial")
    spec = TaskSpec(task="tutorial", domain="education", instruction="x")
    keys1 = [ev.key for ev in task.select(make_anchorset(tiny_video), spec)]
    keys2 = [ev.key for ev in task.select(make_anchorset(tiny_video), spec)]
    assert keys1 == keys2 and len(set(keys1)) == len(keys1)
    from dataclaw.agent import sample_id_for

    ids1 = [sample_id_for(task, ev) for ev in task.select(make_anchorset(tiny_video), spec)]
    ids2 = [sample_id_for(task, ev) for ev in task.select(make_anchorset(tiny_video), spec)]
    other = [sample_id_for(task, ev) for ev in task.select(make_anchorset(tiny_video, "othersrc"), spec)]
    assert ids1 == ids2 and len(set(ids1)) == len(ids1) and not set(ids1) & set(other)


def test_temporal_qa_types_difficulties_and_spans(anchorset, media):
    task = get_task("temporal_qa")
    spec = TaskSpec(task="temporal_qa", domain="education", instruction="temporal questions")
    got = _samples(task, spec, anchorset, media)
    qtypes = {s.meta["qtype"] for _, s, _ in got}
    assert qtypes == {"localize_text", "localize_speech", "order", "state_change", "multi_event"}
    assert {s.meta["difficulty"] for _, s, _ in got} == {"easy", "medium", "hard"}
    by = {}
    for ev, s, _ in got:
        by.setdefault(s.meta["qtype"], []).append(s)
    loc = by["localize_text"][0]
    assert '"Making tea"' in loc.query.text
    assert [(x.t0, x.t1) for x in loc.solution if x.type == "span"] == [(0.0, 4.0)]
    speech = by["localize_speech"][0]
    span = next(x for x in speech.solution if x.type == "span")
    assert 0.5 <= span.t0 < span.t1 <= 3.5 and span.t1 - span.t0 < 3.0  # word-level, not the whole sentence
    change = next(s for s in by["state_change"] if "dissolve" in s.solution[0].text)
    assert change.meta["difficulty"] == "hard"
    multi = by["multi_event"][0]
    assert [x.t0 for x in multi.solution if x.type == "span"] == [0.0, 4.0, DISSOLVE[0]]
    # the query carries the video itself
    assert loc.query.media[0].type == "clip" and (media.root / loc.query.media[0].path).is_file()


def test_t2v_clips_trim_transitions_and_captions_come_from_anchors(anchorset, media):
    import av

    task = get_task("t2v")
    spec = TaskSpec(task="t2v", domain="aigc", instruction="t2v pairs")
    got = _samples(task, spec, anchorset, media)
    spans = [(s.solution[0].t0, s.solution[0].t1) for _, s, _ in got]
    assert spans == [(0.0, 4.0), (4.0, DISSOLVE[0]), (DISSOLVE[1], 12.0)]
    for _, s, _ in got:
        clip, caption = s.solution
        with av.open(str(media.root / clip.path)) as c:
            dur = c.streams.video[0].frames / 10.0
        assert abs(dur - (clip.t1 - clip.t0)) <= 0.15
        assert s.query.text and len(caption.text) > len(s.query.text)
    first = got[0][1].solution[1].text
    assert "static" in first and '"Making tea"' in first and "make a good cup of tea" in first
    assert "dissolve" in got[2][1].solution[1].text


def test_long_shots_are_split(tiny_video, media):
    from dataclaw.anchors import AnchorSet
    from dataclaw.model import Anchor

    aset = make_anchorset(tiny_video)
    one = [a for a in aset.anchors if a.kind not in ("shot", "transition")]
    one.append(Anchor(source=aset.source.id, kind="shot", t0=0.0, t1=12.0, data={"index": 0}))
    aset = AnchorSet(source=aset.source, anchors=one, meta=aset.meta)
    task = get_task("t2v")
    spec = TaskSpec(task="t2v", domain="aigc", instruction="x", params={"max_clip": 5.0})
    evs = task.select(aset, spec)
    spans = [ev.meta["span"] for ev in evs]
    assert len(spans) == 3 and all(b - a <= 5.0 for a, b in spans)
    assert 4.0 in [b for _, b in spans]  # snapped to the static/motion boundary


def test_cannot_serve_without_text(anchorset):
    task = get_task("tutorial")
    assert task.can_serve("video", {"shot", "keyframe"}) is not None
    assert task.can_serve("video", {a.kind for a in anchorset.anchors}) is None
    assert "gui" in (task.can_serve("gui", {"shot", "ocr_text"}) or "")


def test_difficulty_mix_survives_a_cap(anchorset):
    task = get_task("temporal_qa")
    spec = TaskSpec(task="temporal_qa", domain="education", instruction="x",
                    params={"difficulty": {"easy": 0.2, "medium": 0.3, "hard": 0.5}})
    evs = task.select(anchorset, spec)
    first = [ev.meta["difficulty"] for ev in evs[:6]]
    assert first.count("hard") == 3 and first.count("medium") in (1, 2) and first.count("easy") in (1, 2)
    assert sorted(ev.key for ev in evs) == sorted(ev.key for ev in task.select(anchorset, TaskSpec(
        task="temporal_qa", domain="education", instruction="x")))  # same questions, other order


def test_steps_split_where_the_heading_changes_inside_one_shot(tiny_video, media):
    """A missed shot boundary (one shot over two slides) still gives one step per slide."""
    from dataclaw.anchors import AnchorSet
    from dataclaw.model import Anchor

    aset = make_anchorset(tiny_video)
    keep = [a for a in aset.anchors if not (a.kind == "shot" and a.t0 >= 4.0) and a.kind != "transition"]
    keep.append(Anchor(source=aset.source.id, kind="shot", t0=4.0, t1=12.0, data={"index": 1}))
    aset = AnchorSet(source=aset.source, anchors=keep, meta=aset.meta)
    task = get_task("tutorial")
    spec = TaskSpec(task="tutorial", domain="daily_life", instruction="x", params={"variants": ["full"]})
    [(_, full, _)] = _samples(task, spec, aset, media)
    spans = [(s.t0, s.t1) for s in full.solution if s.type == "text"]
    assert spans == [(0.0, 4.0), (4.0, DISSOLVE[0]), (DISSOLVE[0], 12.0)]


def test_stuck_frame_avoids_the_transition_into_the_hard_step(anchorset):
    from dataclaw.tasks.shared.common import units
    from dataclaw.tasks.tutorial import just_before

    us = units(anchorset)
    anchor, t = just_before(us[1], DISSOLVE[1], anchorset.of_kind("transition"))
    assert t == round(DISSOLVE[0] - 0.5, 3) and anchor.id == us[1].shot.id


def test_frames_are_keyframes_or_uniform_at_the_same_budget(anchorset):
    task = get_task("tutorial")
    spec = TaskSpec(task="tutorial", domain="daily_life", instruction="x", params={"variants": ["full"]})
    [ev] = task.select(anchorset, spec)
    assert ev.frames == [2.0, 6.0, 10.0]  # the keyframe anchors
    spec.params["max_frames"] = 2
    [ev] = task.select(anchorset, spec)
    assert ev.frames == [2.0, 10.0]  # spread over the keyframes
    spec.params["frame_selection"] = "uniform"
    [ev] = task.select(anchorset, spec)
    assert ev.frames == [3.0, 9.0]  # same budget, uniform over the span


def test_one_slide_split_by_a_false_cut_is_one_step(tiny_video, media):
    from dataclaw.anchors import AnchorSet
    from dataclaw.model import Anchor

    aset = make_anchorset(tiny_video)
    keep = [a for a in aset.anchors if not (a.kind == "shot" and a.t0 == 4.0)]
    halves = [Anchor(source=aset.source.id, kind="shot", t0=t0, t1=t1, data={"index": i})
              for i, (t0, t1) in enumerate([(4.0, 6.0), (6.0, 8.0)])]
    aset = AnchorSet(source=aset.source, anchors=keep + halves, meta=aset.meta)
    task = get_task("tutorial")
    spec = TaskSpec(task="tutorial", domain="daily_life", instruction="x", params={"variants": ["full"]})
    [(_, full, _)] = _samples(task, spec, aset, media)
    steps = [s for s in full.solution if s.type == "text"]
    assert [(s.t0, s.t1) for s in steps] == [(0.0, 4.0), (4.0, 8.0), (8.0, 12.0)]
    assert {h.id for h in halves} <= set(steps[1].anchors)
