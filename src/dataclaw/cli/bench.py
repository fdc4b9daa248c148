"""`dataclaw bench build|run|report`: the dataclaw-val benchmark (thin over dataclaw.bench)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from . import app, key_values

bench_app = typer.Typer(help="dataclaw-val: build the benchmark, run a backend on it, report runs side by side.",
                        no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("build")
def build_cmd(
    out: Path = typer.Option(..., "--out", "-o", help="Benchmark folder to write."),
    seed: int = typer.Option(0, "--seed", help="Seed for intents, clips and robot episodes (same seed, same cases)."),
    size: str = typer.Option("full", "--size", help="small (tests, < 2 min) or full."),
    zh: bool = typer.Option(False, "--zh", help="Add the Chinese lecture's cases (Chinese and mixed Chinese-English intents)."),
) -> None:
    """Generate the sources with known truth and write cases.jsonl + manifest.json."""
    from ..bench.build import build

    if size not in ("small", "full"):
        raise typer.BadParameter("--size must be small or full")
    manifest = build(out, seed=seed, size=size, progress=lambda m: typer.echo(m, err=True), zh=zh)
    typer.echo(f"{manifest['cases']} cases ({manifest['clear']} clear, {manifest['fuzzy']} fuzzy) in "
               f"{manifest['build_seconds']} s: {json.dumps(manifest['domains'])} -> {out}")
    for t in manifest["todo"]:
        typer.secho(f"todo: {t}", fg="yellow", err=True)


@bench_app.command("run")
def run_cmd(
    bench: Path = typer.Argument(..., help="Benchmark folder (from bench build)."),
    backend: str = typer.Option("rules", "--backend", "-b", help="rules, naive (passive baseline), llamacpp, hf or openai."),
    out: Path = typer.Option(..., "--out", "-o", help="Results folder (a rerun resumes case by case)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model name (openai) or path (llamacpp: GGUF, checkpoint folder or Expert set with router.json; hf: folder, GGUF or Expert set)."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="openai backend: server URL."),
    backend_option: list[str] = typer.Option([], "--backend-option", help="Backend option KEY=VALUE (repeatable)."),
    cases: Optional[str] = typer.Option(None, "--cases", help="Comma-separated substrings of case ids to run."),
    max_samples: int = typer.Option(12, "--max-samples", "-n", help="At most N accepted samples per case."),
    max_repairs: int = typer.Option(2, "--max-repairs", help="Repair rounds per sample (model backends)."),
    max_attempts: Optional[int] = typer.Option(None, "--max-attempts", help="At most N drafts per case, accepted "
                                               "or not (a cost cap for model backends; default: no cap)."),
    planned: bool = typer.Option(False, "--planned", help="Tailor what the planner picks from the intent (end to "
                                 "end) instead of the case's task; a missed task scores as no output."),
    label: Optional[str] = typer.Option(None, "--label", help="Name of this run in reports."),
    seed: int = typer.Option(0, "--seed", help="Bootstrap seed."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines (the summary line only)."),
) -> None:
    """Tailor every case with one backend and score it (results.jsonl, summary.json)."""
    from ..bench.run import run

    options = key_values(backend_option, "--backend-option")
    if model:
        options["model"] = model
    if base_url:
        options["base_url"] = base_url
    summary = run(bench, backend, out, backend_options=options, max_samples=max_samples, max_repairs=max_repairs,
                  planned=planned, seed=seed, label=label, max_attempts=max_attempts,
                  cases=[c for c in (cases or "").split(",") if c] or None,
                  progress=(lambda m: None) if quiet else (lambda m: typer.echo(m, err=True)))
    o = summary["overall"]
    cells = [f"{k}={o[k]['mean']:.3f}" for k in ("validity", "field", "semantic", "sequence", "grounding", "intent_top1")
             if o[k]["mean"] is not None]
    typer.echo(f"{o['cases']} cases, {summary['errors']} errors: " + " ".join(cells) + f" -> {out}")
    f = (summary.get("focus") or {}).get("all")
    if f:  # focused cases are scored apart (on-focus precision / recall vs the unfocused baseline)
        fc = [f"{k}={f[k]['mean']:.3f}" for k in ("focus_precision", "focus_recall", "baseline_precision")
              if f[k]["mean"] is not None]
        typer.echo(f"{f['cases']} focused cases ({f['no_output']} without output): " + " ".join(fc))


@bench_app.command("report")
def report_cmd(
    runs: list[Path] = typer.Argument(..., help="Results folders to compare."),
    out: Path = typer.Option(Path("report"), "--out", "-o", help="Report folder (report.md + PNG charts)."),
) -> None:
    """Markdown tables and PNG charts comparing runs side by side."""
    from ..bench.report import report

    typer.echo(str(report(list(runs), out)))
