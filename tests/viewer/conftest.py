"""Viewer fixtures: a dataset made by the real pipeline (all default experts) on the shipped lecture,
built once per session; a private copy per test to curate; the viewer on a free loopback port."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

LECTURE = Path(__file__).resolve().parents[2] / "examples" / "lecture" / "lecture.mp4"
INTENT = "turn this lesson into step-by-step tutorial data, temporal questions with timestamps, and text-to-video clips"


@pytest.fixture(scope="session")
def lecture_dataset(tmp_path_factory) -> Path:
    import dataclaw

    out = tmp_path_factory.mktemp("viewer") / "lecture-ds"
    res = dataclaw.tailor([str(LECTURE)], INTENT, out=out, quiet=True, engine="local", workers=1,
                          formats=["native", "trl", "parquet"], max_samples_per_task=4)
    assert res.counts["samples"] > 0 and set(res.counts["per_task"]) >= {"tutorial", "t2v"}
    return out


@pytest.fixture()
def dataset(lecture_dataset, tmp_path) -> Path:
    """A private copy (curation marks written by one test never leak into another)."""
    dst = tmp_path / "ds"
    shutil.copytree(lecture_dataset, dst)
    return dst


@pytest.fixture()
def viewer(dataset):
    from dataclaw.viewer import serve_in_thread

    srv, url = serve_in_thread(dataset)
    yield url, dataset
    srv.shutdown()
    srv.server_close()
