"""A small dataset folder made by the DatasetWriter from hand-built samples of mixed tasks (real JPEGs
and MP4s), exported to each consumer's format by the tests."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "verify_export"))


@pytest.fixture()
def small_export(tmp_path):
    from test_export import write_mixed

    return write_mixed(tmp_path / "out")
