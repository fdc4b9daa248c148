"""A Chinese web form (apps/form_zh.html) recorded headless with the bench recorder, through the GUI
experts and the README's tailor path with a Chinese intent: gui_trajectory and gui_grounding are written
in Chinese, every element name is quoted exactly as logged (‘姓名’), the samples verify, and a name the
log does not have is caught. The property: whatever Chinese or mixed names the page has, the rules
output in Chinese passes its verifier."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import recorder
from metrics import in_box

pytest.importorskip("jieba")
INTENT_ZH = "用录屏做电脑操作智能体的轨迹，并标注界面元素的位置和边界框"
NO_OCR = {"gui_screens": {"ocr": False, "ocr_elements": "never"}}
TASKS = ("gui_trajectory", "gui_grounding")


@pytest.fixture(scope="module")
def form_zh(tmp_path_factory) -> Path:
    if not Path(recorder.CHROMIUM).exists():
        pytest.skip(f"{recorder.CHROMIUM} not installed (apt-get install chromium)")
    pytest.importorskip("playwright", reason="pip install playwright")
    return recorder.record_form_zh(tmp_path_factory.mktemp("gui_zh"))


@pytest.fixture(scope="module")
def anchors_zh(form_zh):
    from dataclaw.anchors import run_experts

    return run_experts(form_zh / "gui", None, NO_OCR)


def test_chinese_intent_makes_verified_chinese_gui_samples(form_zh, tmp_path):
    import dataclaw
    from dataclaw import lang
    from dataclaw.intent import plan_intent
    from dataclaw.tasks.shared.gui_text import quoted_spans

    plan = plan_intent(INTENT_ZH)
    assert plan.language == "zh" and {t.task for t in plan.tasks} >= set(TASKS), plan
    out = tmp_path / "out"
    res = dataclaw.tailor(form_zh / "gui", INTENT_ZH, out=out, quiet=True, expert_params=NO_OCR)
    per = res.counts["per_task"]
    assert per["gui_trajectory"] == {"accepted": 1, "rejected": 0} and per["gui_grounding"]["rejected"] == 0, per
    rows = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
    truth = json.loads((form_zh / "truth.json").read_text())["actions"]
    clicks = [a for a in truth if a["type"] == "click"]
    names = {a["target"] for a in clicks} | {a["text"] for a in truth if a["type"] == "type"} | {"联系我们"}
    traj = next(r for r in rows if r["task"] == "gui_trajectory")
    texts = [traj["query"]["text"]] + [s["text"] for s in traj["solution"] if s["type"] == "text"]
    assert all(lang.detect_language(t) == "zh" for t in texts), texts
    quoted = {q for t in texts for q in quoted_spans(t)}
    assert quoted <= names and {"姓名", "提交留言", "订阅新闻通讯", "李明"} <= quoted, quoted  # exact, as logged
    assert texts[1].startswith("第1步（共10步）") and "这是最后一步" in texts[-1]
    ground = [r for r in rows if r["task"] == "gui_grounding"]
    assert len(ground) == len(clicks)
    for r, t in zip(ground, clicks):
        act = r["solution"][0]["action"]
        act = json.loads(act) if isinstance(act, str) else act
        assert in_box(act["x"], act["y"], t["bbox"]) and f"‘{t['target']}’" in r["query"]["text"], r["query"]


def test_a_name_the_log_does_not_have_is_caught(anchors_zh, tmp_path):
    from dataclaw.bench.adversarial import rules_samples
    from dataclaw.media import MediaStore
    from dataclaw.verify import verify_sample

    media = MediaStore(tmp_path / "ds")
    try:
        cases = rules_samples(anchors_zh, TASKS, media, domain="gui", intent=INTENT_ZH, language="zh")
        assert {c.task for c in cases} == set(TASKS)
        for c in cases:
            assert verify_sample(c.sample, c.anchors, task=c.task_obj, evidence=c.evidence).ok, c.sample.query.text
        g = next(c for c in cases if c.task == "gui_grounding")
        bad = g.sample.model_copy(deep=True)
        bad.query.text = bad.query.text.replace("‘", "‘发送", 1)  # ‘发送姓名’: not a logged name
        assert not verify_sample(bad, g.anchors, task=g.task_obj, evidence=g.evidence).ok
        t = next(c for c in cases if c.task == "gui_trajectory")
        bad = t.sample.model_copy(deep=True)
        i = next(k for k, s in enumerate(bad.solution) if s.type == "text")
        bad.solution[i].text = bad.solution[i].text.replace("‘姓名’", "‘用户名’")
        assert not verify_sample(bad, t.anchors, task=t.task_obj, evidence=t.evidence).ok
    finally:
        media.close()


_NAME = st.lists(st.sampled_from("提交 姓名 订单 设置 保存 第一步 二 10秒 ‘ ’ “ ” 「 」 ' OK 确定 · — ： 2分钟 Tab 从1到3 x".split()),
                 min_size=1, max_size=4).map("".join)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(names=st.lists(_NAME, min_size=4, max_size=4), title=_NAME)
def test_chinese_gui_rules_output_passes_on_any_names(names, title, anchors_zh, tmp_path_factory):
    """Element names, typed values and the page title replaced by any Chinese / mixed strings (quote
    marks, times, numerals included): what the rules write in Chinese passes its verifier (names that
    cannot be quoted are left out of the text with a note, never misquoted)."""
    from dataclaw.bench.adversarial import rules_samples
    from dataclaw.media import MediaStore
    from dataclaw.model import Anchor
    from dataclaw.verify import verify_sample

    els = [a for a in anchors_zh.anchors if a.kind == "gui_element"]
    new = {e.data["action"]: n for e, n in zip(els, names)}
    out = []
    for a in anchors_zh.anchors:
        d = dict(a.data)
        if a.kind == "gui_element" and a.data.get("action") in new:
            d["text"] = new[a.data["action"]]
        if a.kind == "gui_action":
            if a.id in new:
                d["element"] = {**(d.get("element") or {}), "name": new[a.id]}
            if d.get("title"):
                d["title"] = title
        out.append(Anchor(source=a.source, kind=a.kind, t0=a.t0, t1=a.t1, data=d, expert=a.expert, id=a.id,
                          confidence=a.confidence))
    aset = dataclasses.replace(anchors_zh, anchors=out)  # a new set (its id index is built anew)
    media = MediaStore(tmp_path_factory.getbasetemp() / "gui_zh_property")
    try:
        for c in rules_samples(aset, TASKS, media, domain="gui", intent=INTENT_ZH, language="zh"):
            v = verify_sample(c.sample, c.anchors, task=c.task_obj, evidence=c.evidence)
            assert v.ok and v.claims["unsupported"] == 0, (c.task, names, title, c.sample.query.text, v.errors)
    finally:
        media.close()
