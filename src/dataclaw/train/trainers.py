"""`dataclaw train sft` / `dataclaw train grpo` on TRL, optional LoRA (PEFT); one code path for a CPU
run and a multi-GPU one (launch the same command under `accelerate launch --config_file ...`).

A run config (YAML, see `configs/`) holds:
    model       a transformers folder, a .gguf file, "smollm2" (the bundled SmolLM2-135M-Instruct),
                or for GRPO the SFT output (a plain checkpoint or an Expert set)
    data        a corpus folder (`dataclaw corpus build`)
    output_dir  where the checkpoint goes
    mode        omni (one model, all domains) | expert (one model per domain + router.json)
    lora        null, or PEFT LoraConfig kwargs; merged into the saved weights unless merge_lora: false
    args        SFTConfig / GRPOConfig kwargs (steps, batch, lengths, learning rate, deepspeed, ...)
    reward_weights  GRPO: weight per reward component (format, grounding, efficiency)
The saved folder (or each expert's) is a transformers model folder with its tokenizer and chat
template, so `--backend hf --model OUTPUT_DIR` serves it in the agent loop. `log_history.json` keeps
the trainer's logged losses / rewards per step.
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from ..backends.expert import load_router, write_router
from ..errors import ConfigError
from ..models_llm import resolve_model

log = logging.getLogger(__name__)

CONFIG_DIR = Path(__file__).with_name("configs")


def load_config(path: str | Path | None, **overrides: Any) -> dict[str, Any]:
    """A run config from YAML (a bare name looks in `configs/`), with CLI overrides on top
    (`args.*` keys go under `args`)."""
    import yaml  # noqa: PLC0415

    cfg: dict[str, Any] = {}
    if path:
        p = Path(path)
        if not p.is_file() and (CONFIG_DIR / f"{path}.yaml").is_file():
            p = CONFIG_DIR / f"{path}.yaml"
        if not p.is_file():
            raise ConfigError(f"{path}: training config not found (nor in {CONFIG_DIR})")
        cfg = yaml.safe_load(p.read_text()) or {}
    cfg.setdefault("args", {})
    for k, v in overrides.items():
        if v is None:
            continue
        if k.startswith("args."):
            cfg["args"][k[5:]] = v
        else:
            cfg[k] = v
    for key in ("data", "output_dir"):
        if not cfg.get(key):
            raise ConfigError(f"training config needs `{key}`")
    cfg.setdefault("model", "smollm2")
    cfg.setdefault("mode", "omni")
    return cfg


def _resolve(model: str | Path) -> Path:
    return resolve_model(model)


def _rows(data: str | Path, prefix: str, split: str = "train", domain: str | None = None) -> list[dict[str, Any]]:
    path = Path(data) / f"{prefix}_{split}.jsonl"
    if not path.is_file():
        raise ConfigError(f"{path}: not found (build the corpus first: dataclaw corpus build)")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in rows if domain is None or r.get("domain") == domain]


def _domains(data: str | Path, prefix: str) -> list[str]:
    return sorted({r.get("domain", "") for r in _rows(data, prefix)})


def _peft_config(lora: dict[str, Any] | None) -> Any:
    if not lora:
        return None
    from peft import LoraConfig  # noqa: PLC0415

    return LoraConfig(**{"task_type": "CAUSAL_LM", **lora})


def _save(trainer: Any, tokenizer: Any, out: Path, merge: bool) -> None:
    model = trainer.model
    model = getattr(trainer.accelerator, "unwrap_model", lambda m: m)(model)
    if hasattr(model, "peft_config"):
        if merge:
            model = model.merge_and_unload()
        else:  # an adapter folder: save it, the base stays where it is
            model.save_pretrained(out)
            tokenizer.save_pretrained(out)
            return
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def _init_model(model: str | Path, domain: str | None) -> Path:
    """The starting checkpoint for one domain (an Expert set's own expert when there is one)."""
    p = Path(str(model))
    if p.is_dir() and (p / "router.json").is_file():
        r = load_router(p)
        return r.path_for(domain)
    return _resolve(model)


def _threads(cfg: dict[str, Any]) -> None:
    if cfg.get("threads"):
        import torch  # noqa: PLC0415

        torch.set_num_threads(int(cfg["threads"]))


def _train_one(kind: str, cfg: dict[str, Any], out: Path, domain: str | None) -> dict[str, Any]:
    from datasets import Dataset  # noqa: PLC0415
    from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: PLC0415

    init = _init_model(cfg["model"], domain)
    tok = AutoTokenizer.from_pretrained(init)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    model = AutoModelForCausalLM.from_pretrained(init)
    args = {"output_dir": str(out), "report_to": [], "save_strategy": "no", "logging_steps": 1,
            "use_cpu": _no_gpu(), "seed": int(cfg.get("seed", 0)), **cfg.get("args", {})}
    peft_config = _peft_config(cfg.get("lora"))
    t = time.perf_counter()
    if kind == "sft":
        from trl import SFTConfig, SFTTrainer  # noqa: PLC0415

        rows = _rows(cfg["data"], "sft", "train", domain)
        if not rows:
            raise ConfigError(f"{cfg['data']}: no SFT rows{f' for domain {domain}' if domain else ''}")
        ds = Dataset.from_list([{"prompt": r["prompt"], "completion": r["completion"]} for r in rows])
        trainer = SFTTrainer(model=model, args=SFTConfig(**args), train_dataset=ds, processing_class=tok,
                             peft_config=peft_config)
    else:
        from trl import GRPOConfig, GRPOTrainer  # noqa: PLC0415

        from .rewards import COMPONENTS, trl_reward_funcs  # noqa: PLC0415

        rows = _rows(cfg["data"], "rl", "train", domain)
        if not rows:
            raise ConfigError(f"{cfg['data']}: no RL rows{f' for domain {domain}' if domain else ''}")
        ds = Dataset.from_list([{"prompt": r["prompt"], "ground_truth": r["ground_truth"], "task": r["task"]}
                                for r in rows])
        weights = {"format": 1.0, "grounding": 1.0, "efficiency": 1.0, **(cfg.get("reward_weights") or {})}
        args.setdefault("reward_weights", [float(weights[c]) for c in COMPONENTS])
        trainer = GRPOTrainer(model=model, reward_funcs=trl_reward_funcs(), args=GRPOConfig(**args),
                              train_dataset=ds, processing_class=tok, peft_config=peft_config)
    result = trainer.train()
    out.mkdir(parents=True, exist_ok=True)
    _save(trainer, tok, out, merge=bool(cfg.get("merge_lora", True)))
    history = trainer.state.log_history
    (out / "log_history.json").write_text(json.dumps(history, indent=1, default=str) + "\n")
    info = {"kind": kind, "domain": domain, "init": str(init), "rows": len(rows), "steps": trainer.state.global_step,
            "train_loss": getattr(result, "training_loss", None), "wall_s": round(time.perf_counter() - t, 1),
            "lora": cfg.get("lora")}
    (out / "dataclaw_train.json").write_text(json.dumps({**info, "config": cfg}, indent=1, default=str) + "\n")
    return info


def _no_gpu() -> bool:
    import torch  # noqa: PLC0415

    return not torch.cuda.is_available()


def train(kind: str, cfg: dict[str, Any]) -> dict[str, Any]:
    """Runs SFT or GRPO per the config; Omni writes one model, Expert one per domain + router.json."""
    if kind not in ("sft", "grpo"):
        raise ConfigError(f"training kind must be sft or grpo, not {kind!r}")
    _threads(cfg)
    out = Path(cfg["output_dir"])
    if cfg.get("mode", "omni") == "omni":
        return {"mode": "omni", "runs": [_train_one(kind, cfg, out, None)], "output_dir": str(out)}
    if cfg["mode"] != "expert":
        raise ConfigError(f"mode must be omni or expert, not {cfg['mode']!r}")
    domains = cfg.get("domains") or _domains(cfg["data"], "sft" if kind == "sft" else "rl")
    runs = [_train_one(kind, cfg, out / d, d) for d in domains]
    write_router(out, {d: d for d in domains}, default=cfg.get("default_domain") or domains[0])
    return {"mode": "expert", "runs": runs, "output_dir": str(out)}
