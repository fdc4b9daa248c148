"""Chinese output: the rules backend writes tutorial and temporal_qa samples in Chinese (spec.language
"zh"), quotes stay as the source has them, and whatever Chinese the slides and narration say
(numerals, times, full-width punctuation, no word spaces) the rules output passes its verifier."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataclaw import lang
from dataclaw.model import TaskSpec
from dataclaw.verify import verify_sample

from tailor_truth import make_anchorset, with_slide_texts

pytest.importorskip("jieba")
ZH_TASKS = ("tutorial", "temporal_qa")

_ZH = st.sampled_from("第一步 第二步 移项 两边 同时 减去 五 三十秒 一分二十秒 等于 方程 解得 检验 红色 左边 "
                      "两个人 先 然后 之前 之后 约 12.5 秒 x=5 ， 。 ： “ ” 「 」 （ ） 3 + 8 Step 1: 的 了 和".split())
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
