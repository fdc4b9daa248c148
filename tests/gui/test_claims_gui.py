"""Claim-level grounding on the recorded browser sessions: every GUI task's own rules output passes
(no false rejection), and the adversarial corpus made from it is caught (real recordings, real
experts, the real verifier; the perturbations are dataclaw.bench.adversarial's)."""
from __future__ import annotations

import pytest

TASKS = ("gui_trajectory", "gui_grounding", "gui_stitch")


@pytest.fixture(scope="module")
def gui_cases(recordings, fragment_set, tmp_path_factory):
    from dataclaw.anchors import run_experts
    from dataclaw.bench.adversarial import rules_samples
    from dataclaw.media import MediaStore

    from shop_fragments import STITCH_INTENT

    media = MediaStore(tmp_path_factory.mktemp("claims_gui") / "ds")
    cases = []
    for name in ("form", "settings", "shop1"):
        cases += rules_samples(run_experts(recordings[name] / "gui"), TASKS[:2], media, name=name, domain="gui",
                               max_per_task=8)
    cases += rules_samples(run_experts(fragment_set), ("gui_stitch",), media, name="fragments", domain="gui",
                           intent=STITCH_INTENT)
    yield cases
    media.close()


def test_rules_output_of_every_gui_task_passes(gui_cases):
    from dataclaw.verify import verify_sample

    assert {c.task for c in gui_cases} == set(TASKS)
    for c in gui_cases:
        v = verify_sample(c.sample, c.anchors, dataset_dir=c.dataset_dir, task=c.task_obj, evidence=c.evidence)
        assert v.ok and v.claims["unsupported"] == 0, (c.task, c.source, v.errors)


def test_adversarial_gui_corpus_is_caught(gui_cases):
    from dataclaw.bench.adversarial import run_corpus

    res = run_corpus(gui_cases, seed=2)
    assert all(r == 0 for r, _ in res.untouched.values()), res.false_rejections
    assert res.rate() >= 0.95, (res.as_dict()["detection"], res.missed[:10])


def test_arrow_keys_are_named_by_the_key_records():
    """MiniWoB enter-date presses ArrowLeft: 'the left arrow' is the key's name, not a direction
    claim (the rules trajectory was rejected for 'left' and 'arrow' before)."""
    from dataclaw.claims import DEFAULT_POLICY, _judge, _Pool, anchor_support, parse
    from dataclaw.model import Anchor

    for keys, text in ((["left"], "I press the left arrow to move the cursor."),
                       (["shift", "right"], "I press Shift+Right to select.")):
        a = Anchor(source="s", kind="gui_action", t0=1.0, t1=1.1, data={"type": "key", "keys": keys}, expert="gui")
        pool = _Pool(anchor_support(a))
        found = [f for c in parse(text, "solution[0]", task="gui_trajectory").claims
                 if c.kind in ("direction", "word") and c.text.lower() in ("left", "right", "arrow")
                 and (f := _judge(c, pool, DEFAULT_POLICY))]
        assert not found, [f.message for f in found]
    other = Anchor(source="s", kind="gui_action", t0=1.0, t1=1.1, data={"type": "key", "keys": ["enter"]}, expert="gui")
    pool = _Pool(anchor_support(other))
    wrong = [c for c in parse("I press the left arrow.", "solution[0]", task="gui_trajectory").claims
             if c.text.lower() == "left"]
    assert wrong and _judge(wrong[0], pool, DEFAULT_POLICY) is not None
