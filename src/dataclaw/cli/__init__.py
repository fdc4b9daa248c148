"""`dataclaw` command line: a thin layer over the Python API.

Each command group lives in its own module here and registers on `app` when imported.
"""
from __future__ import annotations

import json
import logging
import sys
from typing import Any

import typer

from ..errors import DataclawError
from ..registry import import_present

app = typer.Typer(
    name="dataclaw",
    help="Agentic data tailoring: raw videos, GUI recordings and robot episodes + an intent -> a verified dataset.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command modules; a missing one (feature not built yet) is skipped.
_COMMANDS = ["anchors", "tailor", "plan", "bench", "train", "view", "corpus", "downstream", "dataset"]


def _load_commands() -> None:
    import_present(__name__, _COMMANDS)


def _print_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"dataclaw {__version__}")
        raise typer.Exit()


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
          version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    for h in logging.getLogger().handlers:
        h.setFormatter(_RedactingFormatter("%(levelname)s %(name)s: %(message)s"))


class _RedactingFormatter(logging.Formatter):
    """Log lines without URL credentials or API keys (a backend error can quote its URL)."""

    def format(self, record: logging.LogRecord) -> str:
        from ..redact import redact_text  # noqa: PLC0415

        return redact_text(super().format(record))


def key_values(items: list[str], option: str) -> dict[str, Any]:
    """Repeated `KEY=VALUE` options -> {KEY: VALUE}; a value that parses as JSON (`3`, `true`, `[1, 2]`)
    is that value, anything else is the text."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{option} {item!r}: expected KEY=VALUE")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


def main(argv: list[str] | None = None) -> None:
    _load_commands()
    try:
        app(args=argv, standalone_mode=True)
    except DataclawError as exc:
        from ..redact import redact_text

        typer.secho(f"error: {redact_text(str(exc))}", fg="red", err=True)
        sys.exit(getattr(exc, "exit_code", 2))  # 2: bad usage; 1: a run that could not make anything
