"""`dataclaw downstream`: same sources and budget, different annotators -> fine-tuned students scored on held-out sources.

`dataclaw downstream SOURCES...` (the `sources` subcommand, the default) scores answers to held-out
prompts; `dataclaw downstream gui` is the closed loop on MiniWoB++ (step and task success)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
import typer.core

from . import app


class _DefaultSources(typer.core.TyperGroup):
    """`downstream SOURCES...` keeps working: a first word that is no subcommand means `sources`."""

    def parse_args(self, ctx, args):  # noqa: ANN001, ANN201 - click's signature
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["sources", *args]
        return super().parse_args(ctx, args)


downstream_app = typer.Typer(cls=_DefaultSources, no_args_is_help=True,
                             help="Does better-tailored data make a better downstream model? (sources | gui)")
app.add_typer(downstream_app, name="downstream")


@downstream_app.command("sources")
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


@downstream_app.command("gui")
def downstream_gui_cmd(
    corpus: Path = typer.Option(..., "--corpus", help="MiniWoB++ corpus folder (recorded there when empty)."),
    out: Path = typer.Option(..., "--out", "-o", help="Result folder."),
    annotator: List[str] = typer.Option(["naive", "rules"], "--annotator",
                                        help="naive | rules | LABEL=BACKEND[:MODEL] (repeatable)."),
    task: List[str] = typer.Option([], "--task", help="Task types to record (default: what the corpus holds)."),
    held_type: List[str] = typer.Option([], "--held-type", help="Task types held out entirely (default: 8 of them)."),
    train_seed_: List[str] = typer.Option(["0", "1"], "--train-seeds", help="MiniWoB seeds whose episodes label training data."),
    budget: int = typer.Option(400, "--budget", help="Training rows per annotator (the same for all)."),
    steps: int = typer.Option(150, "--steps", help="SFT steps per student."),
    batch: int = typer.Option(4, "--batch"),
    lr: float = typer.Option(1e-4, "--lr"),
    student: str = typer.Option("smollm2", "--student", help="Student model (folder, .gguf, smollm2)."),
    online_seed: List[str] = typer.Option(["100"], "--online-seed", help="Fresh MiniWoB seeds for the online episodes."),
    online_task: List[str] = typer.Option([], "--online-task", help="Task types run online (default: held-out + seen)."),
    max_steps: int = typer.Option(6, "--max-steps", help="Student actions per online episode."),
    max_eval_steps: Optional[int] = typer.Option(None, "--max-eval-steps", help="Cap on held-out steps scored offline."),
    threads: int = typer.Option(2, "--threads"),
    seed: int = typer.Option(0, "--seed", help="Training / sampling seed."),
) -> None:
    """Closed loop on MiniWoB++: each annotator labels the same recordings, a student per dataset, step SR + task SR."""
    from ..train.gui_downstream import run_gui_downstream

    run_gui_downstream(corpus, out, annotator, tasks=task or None, train_seeds=train_seed_,
                       held_types=held_type or None, budget=budget, steps=steps, batch=batch, lr=lr, student=student,
                       train_seed=seed, online_seeds=online_seed, online_tasks=online_task or None,
                       max_steps=max_steps, max_eval_steps=max_eval_steps, threads=threads,
                       progress=lambda m: typer.echo(m, err=True))
    typer.echo((out / "gui_downstream.md").read_text())
