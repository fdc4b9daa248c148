"""SFT and GRPO a few steps on the tiny model; the checkpoints serve in the agent loop (Omni and Expert)."""
from __future__ import annotations

import json
import math

import pytest

from dataclaw.train.trainers import load_config, train

SFT_ARGS = {"max_steps": 3, "per_device_train_batch_size": 2, "learning_rate": 1e-3, "max_length": 1024}
GRPO_ARGS = {"max_steps": 2, "per_device_train_batch_size": 2, "num_generations": 2, "max_completion_length": 24,
             "learning_rate": 1e-4}


@pytest.fixture(scope="module")
def sft_model(corpus, tiny_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("sft")
    cfg = load_config("sft_cpu", data=str(corpus[0]), output_dir=str(out), model=str(tiny_model), threads=2)
    cfg["args"] = SFT_ARGS
    return out, train("sft", cfg)


def _finite(history, key):
    vals = [h[key] for h in history if key in h]
    assert vals, f"{key} never logged"
    assert all(math.isfinite(v) for v in vals)
    return vals


def test_sft_runs_and_saves(sft_model):
    out, info = sft_model
    run = info["runs"][0]
    assert run["steps"] == 3 and math.isfinite(run["train_loss"])
    _finite(json.loads((out / "log_history.json").read_text()), "loss")
    assert (out / "config.json").is_file() and (out / "tokenizer_config.json").is_file()


def test_grpo_from_sft_with_lora(sft_model, corpus, tmp_path):
    sft_dir, _ = sft_model
    cfg = load_config("grpo_cpu", data=str(corpus[0]), output_dir=str(tmp_path / "grpo"), model=str(sft_dir))
    cfg["args"] = GRPO_ARGS
    cfg["lora"] = {"r": 4, "lora_alpha": 8, "target_modules": "all-linear"}
    info = train("grpo", cfg)
    hist = json.loads((tmp_path / "grpo" / "log_history.json").read_text())
    assert info["runs"][0]["steps"] == 2
    for key in ("reward", "rewards/format_reward/mean", "rewards/grounding_reward/mean"):
        vals = _finite(hist, key)
        assert all(0.0 <= v <= 3.0 for v in vals)
    assert (tmp_path / "grpo" / "model.safetensors").is_file()  # LoRA merged: a plain model folder


def test_checkpoint_serves_in_agent_loop(sft_model, lecture):
    """The trained (tiny, so mostly wrong) model writes drafts; each is accepted or rejected with reasons."""
    from dataclaw.agent import run_task
    from dataclaw.anchors import run_experts
    from dataclaw.backends import get_backend
    from dataclaw.model import TaskSpec
    from dataclaw.tasks import get_task

    be = get_backend("hf", model=str(sft_model[0]), max_new_tokens=48)
    assert type(be).__name__ == "HFBackend"
    task = get_task("temporal_qa")
    spec = TaskSpec(task="temporal_qa", domain="daily_life", instruction="quiz me on this video")
    aset = run_experts(lecture)
    res = run_task(task, spec, aset, be, None, max_repairs=1, evidence=task.select(aset, spec)[:2])
    assert len(res) == 2
    for r in res:
        assert hasattr(r, "solution") or (r.reasons and r.attempts == 2)


def test_expert_set_routes_by_domain(corpus, tiny_model, tmp_path, lecture):
    from dataclaw.agent import run_task
    from dataclaw.anchors import run_experts
    from dataclaw.backends import get_backend
    from dataclaw.model import TaskSpec
    from dataclaw.tasks import get_task

    rows = [json.loads(x) for x in (corpus[0] / "sft_train.jsonl").read_text().splitlines()]
    task_of = {r["domain"]: r["task"] for r in rows}
    domains = sorted(task_of)[:2]
    assert len(domains) == 2, f"the test corpus' train split has domains {sorted(task_of)}"
    cfg = load_config("sft_cpu", data=str(corpus[0]), output_dir=str(tmp_path / "experts"), model=str(tiny_model),
                      mode="expert")
    cfg["args"] = {**SFT_ARGS, "max_steps": 1}
    cfg["domains"] = domains
    info = train("sft", cfg)
    assert sorted(r["domain"] for r in info["runs"]) == domains
    router = json.loads((tmp_path / "experts" / "router.json").read_text())
    assert sorted(router["experts"]) == domains and router["default"] == domains[0]
    be = get_backend("hf", model=str(tmp_path / "experts"), max_new_tokens=16)
    assert type(be).__name__ == "ExpertBackend"
    aset = run_experts(lecture)
    # the third request names a domain without an expert: the default one serves it
    for domain, task_name in ((domains[0], "temporal_qa"), (domains[1], "temporal_qa"), ("nowhere", "t2v")):
        spec = TaskSpec(task=task_name, domain=domain, instruction="make data")
        task = get_task(task_name)
        res = run_task(task, spec, aset, be, None, max_repairs=0, evidence=task.select(aset, spec)[:1])
        assert res and (hasattr(res[0], "solution") or res[0].reasons)
    assert be.routed == {domains[0]: 2, domains[1]: 1}
    # GRPO in Expert mode starts each domain from its own SFT expert
    g = load_config("grpo_cpu", data=str(corpus[0]), output_dir=str(tmp_path / "gexp"),
                    model=str(tmp_path / "experts"), mode="expert")
    g["args"] = {**GRPO_ARGS, "max_steps": 1}
    g["domains"] = domains[:1]
    gi = train("grpo", g)
    assert gi["runs"][0]["init"] == str(tmp_path / "experts" / domains[0])
