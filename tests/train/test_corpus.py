"""Corpus build: verified samples only, split by source without leakage, TRL and verl/EasyR1 forms."""
from __future__ import annotations

import json

import pandas as pd

from dataclaw.train import rewards


def test_corpus_counts_and_split(corpus):
    out, info = corpus
    assert info["counts"]["train"] > 0 and info["counts"]["val"] > 0
    assert set(info["split"].values()) == {"train", "val"}  # two sources: one each
    srcs = {}
    for part in ("train", "val"):
        for line in (out / f"sft_{part}.jsonl").read_text().splitlines():
            srcs.setdefault(part, set()).add(json.loads(line)["source"])
    assert not (srcs["train"] & srcs["val"]), "a source leaked across the split"
    assert {"tutorial", "temporal_qa", "t2v"} <= set(info["per_task"])  # lecture serves all three
    fuzzy = [json.loads(x)["fuzzy"] for x in (out / "sft_train.jsonl").read_text().splitlines()]
    fuzzy += [json.loads(x)["fuzzy"] for x in (out / "sft_val.jsonl").read_text().splitlines()]
    assert any(fuzzy) and not all(fuzzy)


def test_rows_are_prompts_with_anchor_text_and_verified_targets(corpus):
    out, _ = corpus
    sft = [json.loads(x) for x in (out / "sft_train.jsonl").read_text().splitlines()]
    rl = [json.loads(x) for x in (out / "rl_train.jsonl").read_text().splitlines()]
    assert len(sft) == len(rl)
    for s, r in zip(sft, rl):
        user = s["prompt"][-1]["content"]
        assert isinstance(user, str) and "Anchors (one per line" in user and s["intent"] in user
        assert s["messages"][-1]["role"] == "assistant" and s["messages"][:-1] == s["prompt"]
        gt = json.loads(r["ground_truth"])
        assert gt["task"] == s["task"] and gt["source"]["id"] == s["source"] and gt["anchors"]
        for a in gt["anchors"]:
            assert f"[{a['id']}]" in user  # every ground-truth anchor is citable in the prompt
        sc = rewards.score(s["completion"], r["ground_truth"])
        assert sc["ok"] and sc["grounding"] == 1.0, sc["errors"]


def test_verl_parquet(corpus):
    out, info = corpus
    df = pd.read_parquet(out / "rl_train.parquet")
    assert list(df.columns) == ["data_source", "prompt", "ability", "reward_model", "extra_info"]
    assert len(df) == info["counts"]["train"]
    row = df.iloc[0]
    assert row["data_source"].startswith("dataclaw/") and row["reward_model"]["style"] == "rule"
    s = rewards.compute_score(row["data_source"], "{}", row["reward_model"]["ground_truth"], dict(row["extra_info"]))
    assert s["score"] < 0.5
