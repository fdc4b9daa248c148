"""Core records, registry and anchor cache, on a small ffmpeg-free synthetic video."""
from __future__ import annotations

import subprocess
import sys

import pytest

from dataclaw.anchors import resolve_order
from dataclaw.errors import ConfigError
from dataclaw.model import Anchor


def test_anchor_ids_are_stable_and_content_based():
    a = Anchor(source="s", kind="shot", t0=0.0, t1=1.5, data={"index": 0})
    b = Anchor(source="s", kind="shot", t0=0.0, t1=1.5, data={"index": 0})
    c = Anchor(source="s", kind="shot", t0=0.0, t1=1.6, data={"index": 0})
    assert a.id == b.id != c.id
    assert a.id.startswith("shot-")


def test_unknown_expert_is_a_clear_error():
    with pytest.raises(ConfigError, match="unknown expert 'nope'"):
        resolve_order(["nope"])


def test_import_is_light():
    code = "import sys, dataclaw; bad=[m for m in ('torch','onnxruntime','ray','av','cv2') if m in sys.modules]; print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
