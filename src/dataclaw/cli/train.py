"""`dataclaw train sft|grpo`: fine-tune a tailoring model on a corpus (thin over dataclaw.train.trainers)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from . import app

train_app = typer.Typer(help="Train a tailoring model: SFT then GRPO with rule-driven rewards (TRL, optional LoRA).",
                        no_args_is_help=True)
app.add_typer(train_app, name="train")


def _run(kind: str, config: Optional[str], data: Optional[Path], out: Optional[Path], model: Optional[str],
         mode: Optional[str], max_steps: Optional[int], lora_r: Optional[int]) -> None:
    from ..train.trainers import load_config, train

    over = {"data": str(data) if data else None, "output_dir": str(out) if out else None, "model": model,
            "mode": mode, "args.max_steps": max_steps}
    cfg = load_config(config or f"{kind}_cpu", **over)
    if lora_r is not None:
        cfg["lora"] = None if lora_r <= 0 else {**(cfg.get("lora") or {"lora_alpha": 2 * lora_r,
                                                                        "target_modules": "all-linear"}), "r": lora_r}
    typer.echo(json.dumps(train(kind, cfg), indent=1, default=str))


_CONFIG = typer.Option(None, "--config", "-c", help="YAML run config (a path, or a name in dataclaw/train/configs).")
_DATA = typer.Option(None, "--data", help="Corpus folder (dataclaw corpus build).")
_OUT = typer.Option(None, "--out", "-o", help="Checkpoint folder.")
_MODEL = typer.Option(None, "--model", help="Start model: folder, .gguf, smollm2, or an SFT output.")
_MODE = typer.Option(None, "--mode", help="omni (one model) or expert (one per domain + router.json).")
_STEPS = typer.Option(None, "--max-steps", help="Override args.max_steps.")
_LORA = typer.Option(None, "--lora-r", help="LoRA rank (0: full fine-tuning).")


@train_app.command("sft")
def sft_cmd(config: Optional[str] = _CONFIG, data: Optional[Path] = _DATA, out: Optional[Path] = _OUT,
            model: Optional[str] = _MODEL, mode: Optional[str] = _MODE, max_steps: Optional[int] = _STEPS,
            lora_r: Optional[int] = _LORA) -> None:
    """Supervised fine-tuning on the corpus' verified samples (prompt -> draft JSON)."""
    _run("sft", config, data, out, model, mode, max_steps, lora_r)


@train_app.command("grpo")
def grpo_cmd(config: Optional[str] = _CONFIG, data: Optional[Path] = _DATA, out: Optional[Path] = _OUT,
             model: Optional[str] = _MODEL, mode: Optional[str] = _MODE, max_steps: Optional[int] = _STEPS,
             lora_r: Optional[int] = _LORA) -> None:
    """GRPO with the format / grounding / efficiency rewards on the corpus' RL prompts."""
    _run("grpo", config, data, out, model, mode, max_steps, lora_r)
