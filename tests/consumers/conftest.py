"""A small dataset folder made by the DatasetWriter from hand-built samples of mixed tasks (real JPEGs
and MP4s), exported to each consumer's format by the tests."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "verify_export"))


@pytest.fixture()
def small_export(tmp_path):
    from test_export import mixed_samples
    from ve_data import build_anchorset, make_jpeg, make_mp4

    from dataclaw.export import DatasetWriter

    out = tmp_path / "out"
    make_jpeg(out / "media" / "kf_2000.jpg", 60)
    make_jpeg(out / "media" / "kf_6000.jpg", 200)
    make_mp4(out / "media" / "clip_4000_6000.mp4")
    aset = build_anchorset()
    with DatasetWriter(out) as w:
        w.add_anchors(aset)
        for s in mixed_samples(aset):
            w.add(s)
    return out
