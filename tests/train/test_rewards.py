"""Rewards on hand-made completions: valid, fenced, invalid, wrong schema, hallucinated, bloated."""
from __future__ import annotations

import json
import math

import pytest

from dataclaw.train import rewards
from dataclaw.train.corpus import dedupe, split_sources


def _rows(corpus, task):
    out, _ = corpus
    sft = [json.loads(x) for x in (out / "sft_train.jsonl").read_text().splitlines()]
    rl = [json.loads(x) for x in (out / "rl_train.jsonl").read_text().splitlines()]
    sft += [json.loads(x) for x in (out / "sft_val.jsonl").read_text().splitlines()]
    rl += [json.loads(x) for x in (out / "rl_val.jsonl").read_text().splitlines()]
    pairs = [(s, r) for s, r in zip(sft, rl) if s["task"] == task]
    assert pairs, f"no {task} rows in the corpus"
    s, r = pairs[0]
    return json.loads(s["completion"][0]["content"]), r["ground_truth"]


def test_t2v_completions(corpus):
    good, gt = _rows(corpus, "t2v")
    valid = rewards.score(json.dumps(good), gt)
    assert valid["ok"] and valid["format"] == 1.0 and valid["grounding"] == 1.0 and valid["efficiency"] > 0.5
    fenced = rewards.score("Here you go:\n```json\n" + json.dumps(good) + "\n```", gt)
    assert fenced["format"] == pytest.approx(0.8) and fenced["overall"] < valid["overall"]
    broken = rewards.score('{"prompt": "a shot", "caption": ', gt)
    assert broken["overall"] == 0.0 and broken["errors"] == ["format: no JSON object found"]
    wrong = rewards.score(json.dumps({"clips": [{"caption": "a clip"}]}), gt)
    assert wrong["format"] < 0.5 and any(e.startswith("schema:") for e in wrong["errors"])
    halluc = dict(good, anchors=["shot-0000000000"], t0=good["t0"] + 100.0, t1=good["t1"] + 101.0)
    h = rewards.score(json.dumps(halluc), gt)
    assert h["grounding"] < 0.7 and any("does not exist" in e for e in h["errors"])
    bloated = dict(good, caption=" ".join([good["caption"]] * 12))
    b = rewards.score(json.dumps(bloated), gt)
    assert b["efficiency"] < 0.2 < valid["efficiency"] and b["grounding"] == 1.0
    for s in (valid, fenced, broken, wrong, h, b):
        assert all(0.0 <= s[k] <= 1.0 and math.isfinite(s[k]) for k in ("format", "grounding", "efficiency", "overall"))


def test_temporal_qa_out_of_evidence_time(corpus):
    good, gt = _rows(corpus, "temporal_qa")
    span = dict(good["spans"][0], t0=good["spans"][0]["t0"] + 30.0, t1=good["spans"][0]["t1"] + 30.0)
    bad = dict(good, spans=[span])
    assert rewards.score(json.dumps(good), gt)["grounding"] == 1.0
    assert rewards.score(json.dumps(bad), gt)["grounding"] < 1.0


def test_adapters(corpus):
    good, gt = _rows(corpus, "t2v")
    funcs = rewards.trl_reward_funcs()
    conv = [[{"role": "assistant", "content": json.dumps(good)}], [{"role": "assistant", "content": "no idea"}]]
    vals = {f.__name__: f(completions=conv, ground_truth=[gt, gt], task=["t2v", "t2v"]) for f in funcs}
    assert vals["format_reward"] == [1.0, 0.0] and vals["grounding_reward"] == [1.0, 0.0]
    assert 0.5 < vals["efficiency_reward"][0] <= 1.0 and vals["efficiency_reward"][1] == 0.0
    verl = rewards.compute_score("dataclaw/t2v", json.dumps(good), gt, {"index": 0})
    assert verl["score"] == pytest.approx(rewards.overall_reward(json.dumps(good), gt))
    assert rewards.compute_score("dataclaw/t2v", "", gt)["score"] == 0.0
    weighted = rewards.compute_score("dataclaw/t2v", json.dumps(good), gt,
                                     {"reward_weights": {"efficiency": 0.0}})
    assert weighted["score"] == pytest.approx(1.0)


def test_split_and_dedupe_helpers():
    split = split_sources([f"s{i}" for i in range(8)], 0.25)
    assert sorted(split.values()).count("val") == 2 and split == split_sources([f"s{i}" for i in range(8)][::-1], 0.25)
    assert set(split_sources(["only"], 0.5).values()) == {"train"}
    from dataclaw.model import Source
    from dataclaw.train.corpus import CorpusRow

    src = Source(id="a", path="a.mp4", kind="video")
    mk = lambda t, intent="x": CorpusRow(src, "t2v", "aigc", intent, False, [], t, {})  # noqa: E731
    base = "a static shot of a blue screen with the title solving a linear equation in white letters"
    rows, dropped = dedupe([mk(base), mk(base + " ."), mk("a pan over a red field with moving circles"),
                            mk(base, intent="other phrasing")])
    assert dropped == 1 and len(rows) == 3
