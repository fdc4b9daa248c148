"""dataclaw-val fixtures: the small benchmark built once, run once per backend (shared anchor cache).

The suite-wide conftest gives one anchor cache per test session, so the `naive` run reuses the
anchors of the `rules` run. Everything is real: rendered narrated slides, composed clips and a
pybullet episode; no mocks.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from bench_helpers import cli  # noqa: E402


@pytest.fixture(scope="session")
def bench_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "B"
    cli("bench", "build", "-o", str(out), "--size", "small", "--seed", "3")
    return out


@pytest.fixture(scope="session")
def rules_run(bench_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "rules"
    cli("bench", "run", str(bench_dir), "--backend", "rules", "-o", str(out))
    return out


@pytest.fixture(scope="session")
def naive_run(bench_dir, rules_run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "naive"
    cli("bench", "run", str(bench_dir), "--backend", "naive", "-o", str(out))
    return out
