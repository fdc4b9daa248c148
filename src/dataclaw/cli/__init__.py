"""`dataclaw` command line: a thin layer over the Python API.

Each command group lives in its own module here and registers on `app` when imported.
"""
from __future__ import annotations

import importlib
import logging
import sys

import typer

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
    for mod in _COMMANDS:
        try:
            importlib.import_module(f"{__name__}.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{mod}":
                raise


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


def main(argv: list[str] | None = None) -> None:
    _load_commands()
    from ..errors import DataclawError

    try:
        app(args=argv, standalone_mode=True)
    except DataclawError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(2)
