"""`dataclaw tailor`: sources + intent -> a verified dataset folder (thin over `dataclaw.tailor`)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from . import app, key_values


@app.command("tailor")
def tailor_cmd(
    sources: list[str] = typer.Argument(..., help="Sources: files, folders, globs, or a CSV/JSONL manifest "
                                        "(a 'path' column, optional 'intent' / 'recipe' per source)."),
    intent: Optional[str] = typer.Option(None, "--intent", "-i", help="What data to make, in plain words."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Dataset folder to write (resumes if it exists)."),
    backend: str = typer.Option("rules", "--backend", "-b", help="rules (default, no model), openai, llamacpp (GGUF) or hf (transformers)."),
    fmt: list[str] = typer.Option(["native"], "--format", "-f", help="Comma-separated or repeated: native, "
                                  "llamafactory, trl, verl, webdataset, lerobot, parquet, agentnet."),
    experts: Optional[str] = typer.Option(None, "--experts", "-e", help="Comma-separated expert names."),
    param: list[str] = typer.Option([], "--param", "-p", help="Expert parameter, EXPERT.PARAM=VALUE (repeatable), "
                                    "e.g. speech.language=zh."),
    recipe: Optional[Path] = typer.Option(None, "--recipe", "-r", help="A saved plan (YAML) to replay."),
    max_samples: Optional[int] = typer.Option(None, "--max-samples", "-n", help="At most N accepted samples per task."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="openai backend: server URL."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model name (openai) or path (llamacpp: GGUF, checkpoint folder or Expert set with router.json; hf: folder, GGUF or Expert set)."),
    api_key_env: Optional[str] = typer.Option(None, "--api-key-env",
                                              help="openai backend: env variable holding the API key "
                                                   "(default OPENAI_API_KEY; the key is never written)."),
    backend_option: list[str] = typer.Option([], "--backend-option", help="Backend option KEY=VALUE (repeatable)."),
    max_repairs: int = typer.Option(2, "--max-repairs", help="Repair rounds per sample for model backends."),
    concurrency: int = typer.Option(1, "--concurrency", "-j", help="Requests in flight (model backends)."),
    no_raw: bool = typer.Option(False, "--no-raw", help="Do not keep raw model input/output per sample."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    as_json: bool = typer.Option(False, "--json", help="Print the result summary as JSON."),
    engine: str = typer.Option("local", "--engine", help="local (parallel processes) or ray (Ray Data)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="Sources in parallel (Ray: CPUs)."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="Join this Ray cluster, not a local one."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Retry sources an earlier run skipped."),
    language: Optional[str] = typer.Option(None, "--language", "-l", help="Language the samples are written in: "
                                           "en or zh (default: the intent's; quotes keep the source's)."),
) -> None:
    """Turn raw sources and an intent into a verified, trainable dataset folder."""
    from ..errors import ConfigError
    from ..pipeline import TailorOptions, tailor
    from .anchors import parse_params
    from .dataset import parse_formats

    if not intent and not recipe:
        raise typer.BadParameter("give --intent TEXT or --recipe PLAN.yaml")
    formats = parse_formats(fmt)  # before any work: a typo must not cost a whole run
    options = key_values(backend_option, "--backend-option")
    if base_url:
        options["base_url"] = base_url
    if model:
        options["model"] = model
    if api_key_env:
        options["api_key_env"] = api_key_env
    if engine not in ("local", "ray"):
        raise ConfigError(f"unknown engine {engine!r}; known: local, ray")
    opts = TailorOptions(formats=formats,
                         experts=[e.strip() for e in experts.split(",")] if experts else None,
                         expert_params=parse_params(param) or None,
                         max_samples_per_task=max_samples, backend_options=options, quiet=quiet or as_json,
                         max_repairs=max_repairs, keep_raw=not no_raw, concurrency=concurrency,
                         engine=engine, workers=workers, ray_address=ray_address, retry_failed=retry_failed,
                         language=language)
    res = tailor(list(sources), intent, backend=backend, out=out, recipe=recipe, options=opts)
    from ..redact import redact, redact_text

    why_nothing = nothing_made(res)
    if as_json:
        typer.echo(json.dumps(redact({**res.to_json(), "nothing_made": why_nothing}), indent=1))
        if why_nothing:
            raise typer.Exit(1)
        return
    c = res.counts
    kept = c.get("resumed_samples", 0)
    new = "new samples" if kept else "samples"  # a resumed run counts only what it made itself
    typer.echo(f"{res.out}: {c['samples']} {new} accepted, {c['rejected']} rejected "
               f"from {c['sources_done']} source(s) ({c['sources_resumed']} already done, "
               f"{c['sources_skipped']} skipped) in {res.timings.get('total', 0):.1f}s")
    if kept:
        typer.echo(f"  resumed: {kept} sample(s) from earlier runs kept; {kept + c['samples']} in the folder")
    for task, n in c["per_task"].items():
        typer.echo(f"  {task}: {n['accepted']} accepted, {n['rejected']} rejected")
    for s in res.skipped:
        typer.secho(f"  skipped {s['path']} ({s['step']}): {redact_text(s['reason'])}", fg="yellow")
    for note in getattr(res, "notes", []):
        typer.secho(f"  note: {note['source']}: {redact_text(note['note'])}", fg="yellow")
    for ns in res.not_served:
        typer.secho(f"  not made: {ns['task']} for {ns['source']}: {redact_text(ns['reason'])}", fg="yellow")
    for name, p in (res.paths or {}).items():
        typer.echo(f"  {name}: {', '.join(map(str, p)) if isinstance(p, (list, tuple)) else p}")
    if why_nothing:
        typer.secho(f"error: nothing made: {redact_text(why_nothing)}", fg="red", err=True)
        raise typer.Exit(1)


def nothing_made(res: Any) -> str | None:
    """Why a run made nothing and the folder holds nothing (exit 1), or None (exit 0): a run that only
    resumed finished work made nothing new but failed at nothing."""
    c = res.counts
    if c.get("samples", 0) or c.get("resumed_samples", 0) or c.get("sources_resumed", 0):
        return None
    if not c.get("sources"):
        return "no source found in the inputs (no video, GUI recording, robot episode or image folder)"
    if c.get("sources_skipped") and not c.get("sources_done"):
        first = res.skipped[0] if res.skipped else {}
        return (f"every source was skipped ({c['sources_skipped']}); first: {first.get('path')}: "
                f"{first.get('reason')}")
    if c.get("rejected"):
        from ..export.native import REJECTED, repair_jsonl

        rows = repair_jsonl(Path(res.out) / REJECTED)
        first = next((r["reasons"][0] for r in reversed(rows) if r.get("reasons")), "see rejected.jsonl")
        return f"all {c['rejected']} candidate sample(s) were rejected; last: {first}"
    if res.not_served:
        ns = res.not_served[0]
        return f"no planned task could be served; first: {ns['task']} for {ns['source']}: {ns['reason']}"
    return "no sample could be made from these sources"
