"""`dataclaw export` and `dataclaw verify`: work on an existing dataset folder."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from . import app


def parse_formats(values: list[str] | str) -> list[str]:
    """`-f trl,verl -f lerobot` -> ["trl", "verl", "lerobot"]; an unknown name is a usage error that
    lists every format (checked before any work starts)."""
    from ..export import EXPORTERS

    items = [values] if isinstance(values, str) else list(values)
    out = list(dict.fromkeys(f.strip() for v in items for f in v.split(",") if f.strip()))
    unknown = [f for f in out if f not in EXPORTERS]
    if unknown:
        raise typer.BadParameter(f"unknown format(s) {', '.join(unknown)}; known: {', '.join(EXPORTERS)}",
                                 param_hint="--format")
    return out


FORMATS_HELP = ("Comma-separated or repeated: native, llamafactory, trl, verl, webdataset, lerobot, parquet, "
                "agentnet.")


@app.command("export")
def export_cmd(
    dataset: Path = typer.Argument(..., help="A dataset folder (with samples.jsonl)."),
    fmt: list[str] = typer.Option(..., "--format", "-f", help=FORMATS_HELP),
    video_frames: Optional[int] = typer.Option(None, "--video-frames", help="Question videos as N sampled "
                                               "frames (trl: default 8; llamafactory, verl: default 0 = video)."),
    answer_media: str = typer.Option("mark", "--answer-media", help="llamafactory: `mark` answer images and clips "
                                     "as text (default, not trained as labels) or `keep` them in place."),
) -> None:
    """Write extra training formats for a dataset folder made by `dataclaw tailor`."""
    import inspect

    from ..errors import ConfigError
    from ..export import EXPORTERS

    formats = parse_formats(fmt)
    if not (dataset / "samples.jsonl").exists():
        raise ConfigError(f"{dataset}: no samples.jsonl (not a dataset folder)")
    if answer_media not in ("mark", "keep"):
        raise typer.BadParameter("--answer-media must be mark or keep")
    for f in formats:
        params = inspect.signature(EXPORTERS[f]).parameters
        kwargs = {}
        if video_frames is not None and "video_frames" in params:
            kwargs["video_frames"] = video_frames
        if "answer_media" in params:
            kwargs["answer_media"] = answer_media
        for p in EXPORTERS[f](dataset, **kwargs):
            typer.echo(f"{f}: {p}")


@app.command("verify")
def verify_cmd(
    dataset: Path = typer.Argument(..., help="A dataset folder (with samples.jsonl and anchors/)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Verify every sample of a dataset folder again (anchors, times, quotes, media); exit 1 on failures,
    repeated sample ids or lines of samples.jsonl that are not JSON."""
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
        dups = res["duplicates"]
        if dups:
            typer.echo(f"{len(dups)} sample id(s) repeated in samples.jsonl ({sum(dups.values()) - len(dups)} extra "
                       "line(s); readers and exporters keep the first):")
            for sid, k in list(dups.items())[:20]:
                typer.echo(f"  {sid}: {k} times")
        bad = res.get("bad_lines") or []
        if bad:
            typer.echo(f"{len(bad)} line(s) of samples.jsonl are not JSON objects (readers and exporters skip them): "
                       f"line {', '.join(map(str, bad[:20]))}")
    if res["failed"] or res["duplicates"] or res.get("bad_lines"):
        raise typer.Exit(1)
