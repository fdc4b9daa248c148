"""`dataclaw plan`: an intent -> a Plan of task types, shown, saved as a YAML recipe (thin over intent.py)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from . import app


def _source_kinds(sources: list[Path]) -> tuple[list[str], list[str]]:
    """Kinds of the given sources, and warnings for the ones that cannot be read."""
    from ..errors import DataclawError
    from ..sources import load_source

    kinds, warnings = [], []
    for s in sources:
        try:
            kinds.append(load_source(str(s)).kind)
        except DataclawError as exc:
            warnings.append(f"{s}: {exc}")
    return sorted(set(kinds)), warnings


@app.command("plan")
def plan_cmd(
    sources: list[Path] = typer.Argument(None, help="Sources the data is for (their kinds rule out task types)."),
    intent: str = typer.Option(..., "--intent", "-i", help="What data to make, in plain words."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Save the plan as a YAML recipe here."),
    max_tasks: int = typer.Option(3, "--max-tasks", help="At most this many task types."),
    backend: Optional[str] = typer.Option(None, "--backend", "-b", help="Ask a model backend (openai, llamacpp or hf) too."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="openai backend: server URL."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model name (openai) or path (hf)."),
    as_json: bool = typer.Option(False, "--json", help='Print {"tasks": [...]} ranked by confidence.'),
    focus_model: bool = typer.Option(False, "--focus-model", help="Let the --backend model parse the focus too "
                                     "(constrained to the Focus schema; the rules parse is kept when unusable)."),
) -> None:
    """Turn an intent into a plan of task types (ranked, with confidences) and save it as a recipe."""
    from ..intent import plan_intent, plan_json
    from ..recipe import save_recipe

    kinds, warnings = _source_kinds(list(sources or []))
    be = None
    if backend and backend != "rules":
        from ..backends import get_backend

        opts = {k: v for k, v in {"base_url": base_url, "model": model}.items() if v}
        be = get_backend(backend, **opts)
    try:
        plan = plan_intent(intent, kinds or None, max_tasks=max_tasks, backend=be,
                           focus_backend=be if focus_model else None)
    finally:
        if be is not None:
            be.close()
    plan.notes.extend(warnings)
    saved = save_recipe(plan, out, [str(s) for s in sources or []]) if out else None
    if as_json:
        data = plan_json(plan)
        data["source_kinds"] = kinds
        if saved:
            data["recipe"] = str(saved)
        typer.echo(json.dumps(data, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"plan{' (fuzzy: several candidates)' if plan.fuzzy else ''}")
    for col in ("task", "domain", "confidence", "instruction"):
        table.add_column(col)
    for s in plan.tasks:
        table.add_row(s.task, s.domain, f"{s.confidence:.2f}", s.instruction)
    console = Console()
    console.print(table)
    from ..focus import describe_focus

    lines = describe_focus(plan.focus)
    console.print("focus: " + ("; ".join(lines) if lines else "none (the whole of every source)"))
    for n in plan.notes:
        console.print(f"  note: {n}")
    if saved:
        console.print(f"recipe: {saved}  (replay: dataclaw tailor --recipe {saved} SOURCES)")
