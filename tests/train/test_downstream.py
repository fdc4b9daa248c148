"""The downstream harness at toy size: two annotators, same budget, tiny student, held-out source scored."""
from __future__ import annotations

import json
import math

from dataclaw.train.downstream import parse_annotator, run_downstream


def test_parse_annotator():
    assert parse_annotator("rules") == ("rules", "rules", {})
    assert parse_annotator("ours=hf:runs/grpo") == ("ours", "hf", {"model": "runs/grpo"})


def test_downstream_toy(lecture, clip, tiny_model, tmp_path):
    rep = run_downstream([lecture, clip], tmp_path, ["naive", "rules"], budget=4, student=str(tiny_model),
                         sft_args={"max_steps": 2, "per_device_train_batch_size": 2, "max_length": 1024},
                         val_fraction=0.5, max_eval=2, max_new_tokens=12, max_samples=2)
    assert len(rep["train_sources"]) == 1 and len(rep["heldout_sources"]) == 1
    assert set(rep["train_sources"]).isdisjoint(rep["heldout_sources"])
    for label in ("naive", "rules"):
        r = rep["results"][label]
        assert r["used"] == 4 and math.isfinite(r["train_loss"]) and r["n"] == 2
        assert all(0.0 <= r[k] <= 1.0 for k in ("valid", "format", "grounding", "efficiency", "overall"))
    # the naive data is captions whatever the task: its targets never match the task schema
    naive_rows = [json.loads(x) for x in (tmp_path / "data" / "naive" / "sft_budget.jsonl").read_text().splitlines()]
    assert all(list(json.loads(r["completion"][0]["content"])) == ["clips"] for r in naive_rows)
    md = (tmp_path / "downstream.md").read_text()
    assert "| naive |" in md and "| rules |" in md
