"""Chinese output: the rules backend writes tutorial and temporal_qa samples in Chinese (spec.language
"zh"), quotes stay as the source has them, and whatever Chinese the slides and narration say
(numerals, times, full-width punctuation, no word spaces) the rules output passes its verifier."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dataclaw import lang
from dataclaw.model import Anchor, TaskSpec
from dataclaw.verify import verify_sample

from tailor_truth import make_anchorset, with_slide_texts

pytest.importorskip("jieba")
ZH_TASKS = ("tutorial", "temporal_qa")

_ZH = st.sampled_from("第一步 第二步 移项 两边 同时 减去 五 三十秒 一分二十秒 等于 方程 解得 检验 红色 左边 "
                      "两个人 先 然后 之前 之后 约 12.5 秒 x=5 ， 。 ： “ ” 「 」 （ ） 3 + 8 Step 1: 的 了 和 "
                      # the visual clauses' glossed phrases, said or shown (lang.claim_text reads them as claims)
                      "右手 左手 一只 三张脸 灰色 画面以 为主 光线明亮 拿着一个物体 转动它 有人进入画面".split())
_ZH_TEXT = st.lists(_ZH, min_size=1, max_size=10).map("".join)


def _with_texts(aset, texts):
    # whisper's Chinese words: no spaces between them
    return with_slide_texts(aset, texts, words=lambda text: lang.segment(text) or [text])


def _samples(aset, media, language="zh"):
    from dataclaw.tasks import get_task

    for name in ZH_TASKS:
        task = get_task(name)
        spec = TaskSpec(task=name, domain="education", instruction="x", language=language)
        for ev in task.select(aset, spec):
            yield task, ev, task.build(task.rules(ev, spec), ev, spec, media)


CHINESE = [("解一元一次方程", None, "今天我们来解方程x加三等于八。"),
           ("第一步：两边同时减去三", "x+3-3=8-3", "首先把方程两边同时减去三，大约用三十秒。"),
           ("第二步：检验x=5", "5+3=8", "然后把五代回原方程检验，左边等于右边。")]


def test_chinese_samples_are_chinese_and_verified(tiny_video, tmp_path_factory):
    from dataclaw.media import MediaStore

    aset = _with_texts(make_anchorset(tiny_video), CHINESE)
    media = MediaStore(tmp_path_factory.getbasetemp() / "claims_zh")
    seen = set()
    try:
        for task, ev, s in _samples(aset, media):
            v = verify_sample(s, aset, task=task, evidence=ev)
            assert v.ok, (s.task, s.query.text, v.errors, v.unsupported_claims)
            assert lang.detect_language(s.query.text) == "zh", s.query.text
            seen.add((s.task, s.meta.get("variant")))
            if s.task == "temporal_qa" and s.meta["qtype"] == "localize_text":
                assert "秒" in s.solution[0].text and "“" in s.query.text
    finally:
        media.close()
    assert {("tutorial", "full"), ("temporal_qa", "localize_text"), ("temporal_qa", "order"),
            ("temporal_qa", "state_change"), ("temporal_qa", "multi_event")} <= seen, seen


def test_made_up_chinese_is_caught(tiny_video, tmp_path_factory):
    """The checks read Chinese: a word no anchor has, a quote nobody said and a wrong time are claims
    that fail (so a passing Chinese sample is not passing because nothing was read)."""
    from dataclaw.media import MediaStore

    aset = _with_texts(make_anchorset(tiny_video), CHINESE)
    media = MediaStore(tmp_path_factory.getbasetemp() / "claims_zh_bad")
    try:
        task, ev, s = next((t, e, s) for t, e, s in _samples(aset, media) if s.meta.get("qtype") == "localize_text")
        for bad in ("从 40.0 秒到 45.0 秒。", "从 0.0 秒到 4.0 秒，老师画了一只熊猫。"):
            s2 = s.model_copy(deep=True)
            s2.solution[0].text = bad
            v = verify_sample(s2, aset, task=task, evidence=ev)
            assert not v.ok, bad
        s3 = s.model_copy(deep=True)
        s3.query.text = "屏幕上的文字“熊猫吃竹子”是什么时候出现的？"
        assert not verify_sample(s3, aset, task=task, evidence=ev).ok
    finally:
        media.close()


@example(texts=[("第一步", "第一步", "第一步"), ("第一步", "第一步", "第一步"), ("第一步", "第一步", "1:12.5")])  # clock in narration
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(texts=st.lists(st.tuples(_ZH_TEXT, _ZH_TEXT, _ZH_TEXT), min_size=3, max_size=3))
def test_chinese_rules_output_passes_on_any_text(texts, tiny_video, tmp_path_factory):
    from dataclaw.media import MediaStore

    aset = _with_texts(make_anchorset(tiny_video), texts)
    media = MediaStore(tmp_path_factory.getbasetemp() / "claims_zh_property")
    try:
        for task, ev, s in _samples(aset, media):
            v = verify_sample(s, aset, task=task, evidence=ev)
            assert v.claims["unsupported"] == 0 and not v.claims.get("contradicted"), \
                (s.task, texts, s.query.text, [x.text for x in s.solution], v.unsupported_claims)
    finally:
        media.close()


def test_chinese_order_words_are_order_claims(tiny_video, tmp_path_factory):
    """"先…然后…", "之前", "之后" are read as order claims: the rules' order answer is one that holds,
    and the same items in the wrong order are contradicted."""
    from dataclaw.claims import parse
    from dataclaw.media import MediaStore

    assert parse("先是“甲”，然后是“乙”。", "a", "temporal_qa").has_seq
    assert parse("“甲”在“乙”之前出现。", "a", "temporal_qa").before_after[0][1] == "before"
    assert parse("在“甲”之后，屏幕上出现“乙”。", "a", "temporal_qa").before_after[0][1] == "before"
    assert parse("“甲”之前是“乙”。", "a", "temporal_qa").before_after[0][1] == "after"
    aset = _with_texts(make_anchorset(tiny_video), CHINESE)
    media = MediaStore(tmp_path_factory.getbasetemp() / "claims_zh_order")
    first, second = f"“{CHINESE[0][0]}”", f"“{CHINESE[1][0]}”"  # two slide titles, in time order
    try:  # the multi_event answer cites every on-screen text: both titles are located in time
        task, ev, s = next((t, e, s) for t, e, s in _samples(aset, media) if s.meta.get("qtype") == "multi_event")
        for bad in (f"先是{second}，然后是{first}。", f"{second}在{first}之前出现。", f"在{second}之后，出现{first}。"):
            s2 = s.model_copy(deep=True)
            s2.solution[0].text = bad
            v2 = verify_sample(s2, aset, task=task, evidence=ev)
            assert not v2.ok and "order" in str(v2.errors + v2.unsupported_claims), (bad, v2.errors, v2.claims)
        for good in (f"先是{first}，然后是{second}。", f"{first}在{second}之前出现。", f"在{first}之后，出现{second}。"):
            s2 = s.model_copy(deep=True)
            s2.solution[0].text = good
            v2 = verify_sample(s2, aset, task=task, evidence=ev)
            assert v2.ok, (good, v2.errors, v2.unsupported_claims)
    finally:
        media.close()


_VISUAL = ("hand_appear", "hand_action", "camera_move", "people_count", "visual_order", "subject_move")
_CAMS = ("static", "pan_left", "pan_right", "tilt_up", "tilt_down", "zoom_in", "zoom_out", "shake")


def _with_visual(aset, side, act, motion, direction, count):
    """Hand-built visual anchors (the hands / camera / people / subject experts' shapes) on the tiny video."""
    src = aset.source.id
    extra = [Anchor(source=src, kind="hand", t0=1.0, t1=4.0, data={"side": side}, expert="hands"),
             Anchor(source=src, kind="hand_object", t0=2.0, t1=4.0, data={"actions": ["hold", act]}, expert="hands"),
             Anchor(source=src, kind="camera_motion", t0=5.0, t1=7.0, data={"motion": motion}, expert="camera"),
             Anchor(source=src, kind="person", t0=8.0, t1=10.0, data={"count": count, "counts": [[9.0, count]]},
                    expert="people"),
             Anchor(source=src, kind="subject_motion", t0=3.0, t1=5.0,
                    data={"direction": direction, "box": [0.1, 0.6, 0.4, 0.9]}, expert="subjects")]
    aset.anchors = aset.anchors + extra
    return aset


@example(side="left", act="hold", motion=_CAMS[0], direction="left", count=1,  # a clock read on screen and said
         texts=[("1:12.5", "第一步", "第一步"), ("第一步", "第一步", "第一步"), ("第一步", "第一步", "1:12.5")])
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(side=st.sampled_from(["left", "right", None]), act=st.sampled_from(["hold", "move", "turn", "touch"]),
       motion=st.sampled_from(_CAMS), direction=st.sampled_from(["left", "right", "up", "down"]),
       count=st.integers(1, 4), texts=st.lists(st.tuples(_ZH_TEXT, _ZH_TEXT, _ZH_TEXT), min_size=3, max_size=3))
def test_chinese_visual_questions_and_captions_pass(side, act, motion, direction, count, texts, tiny_video,
                                                    tmp_path_factory):
    """temporal_qa's visual question types and t2v's captions in Chinese: the rules output passes its
    verifier, whatever the hands, camera, people, motion and slide text are."""
    from dataclaw.media import MediaStore
    from dataclaw.tasks import get_task

    aset = _with_visual(_with_texts(make_anchorset(tiny_video), texts), side, act, motion, direction, count)
    media = MediaStore(tmp_path_factory.getbasetemp() / "claims_zh_visual")
    seen = set()
    try:
        for name in ("temporal_qa", "t2v"):
            task = get_task(name)
            spec = TaskSpec(task=name, domain="aigc" if name == "t2v" else "daily_life", instruction="x", language="zh")
            for ev in task.select(aset, spec):
                s = task.build(task.rules(ev, spec), ev, spec, media)
                v = verify_sample(s, aset, task=task, evidence=ev)
                visual = name == "t2v" or s.meta.get("qtype") in _VISUAL
                # the visual templates: the whole verdict; the text questions (random slide text may
                # repeat itself): every claim supported, as test_chinese_rules_output_passes_on_any_text
                assert (v.ok or not visual) and v.claims["unsupported"] == 0, (
                    name, s.query.text, [x.text for x in s.solution], v.errors, v.unsupported_claims)
                seen.add(s.meta.get("qtype") or name)
                assert lang.detect_language(s.query.text) == "zh", s.query.text
    finally:
        media.close()
    assert {"hand_appear", "hand_action", "camera_move", "people_count", "subject_move", "t2v"} <= seen, seen


def test_a_wrong_chinese_camera_move_is_contradicted(tiny_video, tmp_path_factory):
    from dataclaw.media import MediaStore
    from dataclaw.tasks import get_task

    aset = _with_visual(_with_texts(make_anchorset(tiny_video), CHINESE), "left", "move", "pan_left", "right", 2)
    media = MediaStore(tmp_path_factory.getbasetemp() / "claims_zh_camera")
    try:
        task = get_task("temporal_qa")
        spec = TaskSpec(task="temporal_qa", domain="daily_life", instruction="x", language="zh")
        ev = next(e for e in task.select(aset, spec) if e.meta["qtype"] == "camera_move")
        s = task.build(task.rules(ev, spec), ev, spec, media)
        assert "镜头向左平移" in s.solution[0].text and verify_sample(s, aset, task=task, evidence=ev).ok
        s.solution[0].text = s.solution[0].text.replace("向左", "向右")
        v = verify_sample(s, aset, task=task, evidence=ev)
        assert not v.ok and "contradicted camera claim" in " ".join(v.unsupported_claims), (s.solution[0].text, v.claims)
    finally:
        media.close()
