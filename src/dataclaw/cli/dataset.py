"""`dataclaw export` and `dataclaw verify`: work on an existing dataset folder."""
from __future__ import annotations

import json
from pathlib import Path

import typer

from . import app


@app.command("export")
def export_cmd(
    dataset: Path = typer.Argument(..., help="A dataset folder (with samples.jsonl)."),
    fmt: list[str] = typer.Option(..., "--format", "-f",
                                  help="llamafactory, trl, verl or webdataset (repeatable)."),
) -> None:
    """Write extra training formats for a dataset folder made by `dataclaw tailor`."""
    from ..errors import ConfigError
    from ..export import EXPORTERS

    if not (dataset / "samples.jsonl").exists():
        raise ConfigError(f"{dataset}: no samples.jsonl (not a dataset folder)")
    for f in fmt:
        if f not in EXPORTERS:
            raise ConfigError(f"unknown export format {f!r}; known: {', '.join(EXPORTERS)}")
        for p in EXPORTERS[f](dataset):
            typer.echo(f"{f}: {p}")


@app.command("verify")
def verify_cmd(
    dataset: Path = typer.Argument(..., help="A dataset folder (with samples.jsonl and anchors/)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Verify every sample of a dataset folder again (anchors, times, quotes, media); exit 1 on failures."""
    from ..errors import ConfigError
    from ..export.native import reverify

    if not (dataset / "samples.jsonl").exists():
        raise ConfigError(f"{dataset}: no samples.jsonl (not a dataset folder)")
    res = reverify(dataset)
    if as_json:
        typer.echo(json.dumps(res, indent=2))
    else:
        typer.echo(f"{res['passed']}/{res['samples']} samples pass verification")
        for f in res["failed"][:20]:
            typer.echo(f"  {f['id']}: {'; '.join(f['errors'][:3])}")
    if res["failed"]:
        raise typer.Exit(1)
