"""`dataclaw downstream`: same sources and budget, different annotators -> fine-tuned students scored on held-out sources."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from . import app


@app.command("downstream")
def downstream_cmd(
    sources: List[Path] = typer.Argument(..., help="Sources (at least two: some are held out)."),
    out: Path = typer.Option(..., "--out", "-o", help="Result folder."),
    annotator: List[str] = typer.Option(["naive", "rules"], "--annotator",
                                        help="naive | rules | LABEL=BACKEND[:MODEL], e.g. ours=hf:runs/grpo (repeatable)."),
    budget: int = typer.Option(16, "--budget", help="Training samples per annotator (same for all)."),
    student: str = typer.Option("smollm2", "--student", help="Downstream model to fine-tune (folder, .gguf, smollm2)."),
    steps: int = typer.Option(8, "--steps", help="SFT steps per student."),
    max_eval: int = typer.Option(12, "--max-eval", help="Held-out prompts scored per student."),
    max_new_tokens: int = typer.Option(256, "--max-new-tokens"),
    val_fraction: float = typer.Option(0.34, "--heldout-fraction", help="Share of sources held out."),
    threads: Optional[int] = typer.Option(None, "--threads"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Label the training sources with each annotator, fine-tune a student per dataset, score each on held-out sources."""
    from ..train.downstream import run_downstream

    rep = run_downstream(sources, out, annotator, budget=budget, student=student,
                         sft_args={"max_steps": steps, "per_device_train_batch_size": 2}, val_fraction=val_fraction,
                         max_eval=max_eval, max_new_tokens=max_new_tokens, seed=seed, threads=threads,
                         progress=lambda m: typer.echo(m, err=True))
    typer.echo((out / "downstream.md").read_text())
    typer.echo(json.dumps({k: {kk: v for kk, v in r.items()} for k, r in rep["results"].items()}, default=str))
