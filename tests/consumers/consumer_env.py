"""Running code inside the consumers' environment: a venv made by `scripts/install.sh test` on top of
the shared one (`--system-site-packages`) holding verl, LLaMA-Factory and LeRobot installed with
`--no-deps` (their pinned torch / transformers / datasets would replace ours). Checks run there in a
subprocess, with our versions of everything else."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"


def consumers_python() -> Path:
    root = os.environ.get("DATACLAW_CONSUMERS") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") \
        / "dataclaw" / "consumers"
    return Path(root) / "bin" / "python"


def run_consumer(script: str, *args: str, timeout: int = 600) -> dict:
    """Runs tests/consumers/<script> with the consumers' python; returns the JSON its last line prints."""
    py = consumers_python()
    if not py.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{py} missing: `bash scripts/install.sh test` makes the consumers' venv")
        pytest.skip(f"no consumers' venv at {py} (bash scripts/install.sh test makes it)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE)]), "HF_HUB_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run([str(py), str(HERE / script), *args], capture_output=True, text=True, env=env,
                          timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"{script} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


__all__ = ["run_consumer", "consumers_python", "sys"]
