"""Real browser sessions recorded once per test session (headless Chromium through Playwright).

Skipped, with the reason, where Chromium or Playwright is not installed
(apt-get install chromium; pip install 'dataclaw0[gui]').
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import recorder  # noqa: E402

from shop_fragments import FRAGMENT_NAMES  # noqa: E402


@pytest.fixture(scope="session")
def recordings(tmp_path_factory) -> dict[str, Path]:
    if not Path(recorder.CHROMIUM).exists():
        pytest.skip(f"{recorder.CHROMIUM} not installed (apt-get install chromium)")
    pytest.importorskip("playwright", reason="pip install playwright")
    return recorder.record_all(tmp_path_factory.mktemp("gui_rec"))


@pytest.fixture(scope="session")
def fragment_set(recordings, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fragments") / "shop_fragments"
    root.mkdir()
    for name, new in FRAGMENT_NAMES.items():
        shutil.copytree(recordings[name] / "gui", root / new)
    return root
