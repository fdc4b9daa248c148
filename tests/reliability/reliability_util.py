"""Reliability fixtures: the CLI run as a real subprocess, on the shipped lecture."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LECTURE = ROOT / "examples" / "lecture" / "lecture.mp4"


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def cli_args(*args: str) -> list[str]:
    return [sys.executable, "-c", "from dataclaw.cli import main; main()", *args]


def run_cli(*args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cli_args(*args), env=cli_env(), capture_output=True, text=True, timeout=timeout, **kw)


@pytest.fixture(scope="session")
def lecture() -> Path:
    assert LECTURE.exists(), "examples/lecture/lecture.mp4 ships with the repo"
    return LECTURE
