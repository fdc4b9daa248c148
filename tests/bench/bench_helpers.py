"""Helpers shared by the bench tests (a module of its own: every test folder has a `conftest`)."""
from __future__ import annotations

import json
from pathlib import Path


def cli(*args: str):
    from typer.testing import CliRunner

    from dataclaw.cli import _load_commands, app

    _load_commands()
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, (res.output, res.exception)
    return res


def results(run: Path) -> dict[str, dict]:
    return {r["case"]: r for r in map(json.loads, (run / "results.jsonl").read_text().splitlines())}
