"""`dataclaw corpus build`: anchors + a teacher backend -> verified SFT / RL training data (thin over dataclaw.train.corpus)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from . import app, key_values

corpus_app = typer.Typer(help="Training corpora for a tailoring model.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")


@corpus_app.command("build")
def build_cmd(
    sources: List[Path] = typer.Argument(..., help="Videos, GUI recordings, robot episodes."),
    out: Path = typer.Option(..., "--out", "-o", help="Corpus folder to write."),
    teacher: str = typer.Option("rules", "--teacher", help="Teacher backend: rules, openai, hf (or naive: unverified captions)."),
    teacher_option: List[str] = typer.Option([], "--teacher-option", help="KEY=VALUE for the teacher backend (repeatable)."),
    model: Optional[str] = typer.Option(None, "--model", help="Teacher model (hf path / openai name)."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="OpenAI-compatible server for --teacher openai."),
    intents: int = typer.Option(2, "--intents", help="Intents per task and domain (clear and fuzzy phrasings)."),
    max_samples: int = typer.Option(8, "--max-samples", help="Accepted samples per task, intent and source."),
    task: List[str] = typer.Option([], "--task", help="Only these task types (repeatable)."),
    val_fraction: float = typer.Option(0.25, "--val-fraction", help="Share of sources held out (whole sources)."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Build SFT data (TRL) and RL prompts with ground truth (TRL jsonl + verl/EasyR1 parquet), split by source."""
    from ..train.corpus import build_corpus

    opts = key_values(teacher_option, "--teacher-option")
    if model:
        opts["model"] = model
    if base_url:
        opts["base_url"] = base_url
    info = build_corpus(sources, out, teacher=teacher, teacher_options=opts, intents_per_task=intents,
                        max_samples=max_samples, tasks=task or None, val_fraction=val_fraction, seed=seed,
                        progress=lambda m: typer.echo(m, err=True))
    typer.echo(json.dumps({"out": str(out), **{k: info[k] for k in ("teacher", "counts", "per_task", "split")}}, indent=1))
