"""`dataclaw anchors`, `dataclaw experts`, `dataclaw tasks`: run stage one on its own; list the plug-ins."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from . import app, key_values


def parse_params(items: list[str]) -> dict[str, dict]:
    """`shots.threshold=0.3` -> {"shots": {"threshold": 0.3}} (values parsed as JSON when possible)."""
    out: dict[str, dict] = {}
    for key, value in key_values(items, "--param").items():
        expert, dot, param = key.partition(".")
        if not dot or not expert or not param:
            raise typer.BadParameter(f"expected EXPERT.PARAM=VALUE, got {key}={value!r}")
        out.setdefault(expert, {})[param] = value
    return out


@app.command("anchors")
def anchors_cmd(
    source: Path = typer.Argument(..., help="A video file (or other source)."),
    experts: Optional[str] = typer.Option(None, "--experts", "-e",
                                          help="Comma-separated expert names (default: the source kind's default set)."),
    param: list[str] = typer.Option([], "--param", "-p", help="Expert parameter, EXPERT.PARAM=VALUE (repeatable)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write anchors JSON here (default: <source>.anchors.json)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Recompute even if cached."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Do not print the table."),
    as_json: bool = typer.Option(False, "--json", help="Print the anchors JSON to stdout instead of a table."),
) -> None:
    """Extract factual anchors from one source, show them as a table and write them as JSON."""
    from ..anchors import run_experts

    names = [e.strip() for e in experts.split(",")] if experts else None
    result = run_experts(source, names, parse_params(param), use_cache=not no_cache)
    payload = result.to_json()
    out = out or source.with_name(source.name + ".anchors.json")
    out.write_text(json.dumps(payload, indent=1, default=str))
    if as_json:
        typer.echo(json.dumps(payload, default=str))
        return
    if quiet:
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{source.name}: {len(result.anchors)} anchors")
    for col in ("kind", "t0", "t1", "expert", "conf", "data"):
        table.add_column(col)
    for a in result.anchors:
        data = a.data.get("text") or ", ".join(f"{k}={v}" for k, v in list(a.data.items())[:3]
                                              if not isinstance(v, (list, dict)))
        table.add_row(a.kind, f"{a.t0:.2f}", f"{a.t1:.2f}", a.expert, f"{a.confidence:.2f}", str(data)[:60])
    console.print(table)
    for name, err in result.errors.items():
        console.print(f"[yellow]expert {name} did not run: {err}[/yellow]")
    timing = ", ".join(f"{k} {'cached' if result.cached.get(k) else f'{v:.2f}s'}" for k, v in result.timings.items())
    console.print(f"timings: {timing}")
    console.print(f"wrote {out}")


@app.command("experts")
def experts_cmd(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """List the registered experts, their source kinds and parameters (docs/parameters.md says more)."""
    from ..experts import load_all
    from ..reference import describe

    rows = []
    for name, cls in sorted(load_all().items()):
        rows.append({"name": name, "kinds": list(cls.kinds), "default": cls.default, "requires": list(cls.requires),
                     "version": cls.version, "description": cls.description,
                     "params": cls.Params.model_json_schema().get("properties", {}),
                     "reference": [vars(d) for d in describe(cls.Params)]})
    if as_json:
        typer.echo(json.dumps(rows, indent=1))
        return
    for r in rows:
        typer.echo(f"{r['name']:<12} [{','.join(r['kinds'])}]{' default' if r['default'] else ''}  {r['description']}")
        _echo_params(r["reference"])


@app.command("tasks")
def tasks_cmd(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """List the task types, the sources and anchors each needs, and their parameters (set in a recipe)."""
    from ..reference import describe
    from ..tasks import load_all

    rows = [{"name": name, "source_kinds": list(cls.source_kinds), "needs": list(cls.needs),
             "domains": list(cls.domains), "description": cls.description,
             "reference": [vars(d) for d in describe(cls.Params)]}
            for name, cls in sorted(load_all().items())]
    if as_json:
        typer.echo(json.dumps(rows, indent=1))
        return
    for r in rows:
        needs = f" needs {','.join(r['needs'])}" if r["needs"] else ""
        typer.echo(f"{r['name']:<14} [{','.join(r['source_kinds'])}]{needs}  {r['description']}")
        _echo_params(r["reference"])


def _echo_params(docs: list[dict]) -> None:
    for d in docs:
        meaning = f"  {d['description']}" if d["description"] else ""
        typer.echo(f"{'':<4}{d['name']}={d['default']}{meaning}")
