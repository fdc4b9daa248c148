"""Engine fixtures: three short, distinct real videos cut from the shipped lecture and one uninterrupted
reference run to compare against (tests/conftest.py gives the session a fresh anchor cache, so the
first run really extracts; subprocess runs inherit it)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from engine_helpers import EXPERTS, INTENT, LECTURE, SPANS


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("clips")
    out = []
    for i, (t0, dur) in enumerate(SPANS):
        p = folder / f"part{i}.mp4"
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-ss", str(t0), "-i", str(LECTURE), "-t", str(dur),
                        "-vf", "scale=320:-2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(p)],
                       check=True)
        out.append(p)
    return out


@pytest.fixture(scope="session")
def recipe(tmp_path_factory) -> Path:
    """A saved t2v plan that every run replays (no planner model load per run)."""
    from dataclaw.model import Plan, TaskSpec
    from dataclaw.recipe import save_recipe

    spec = TaskSpec(task="t2v", domain="aigc", instruction=f"Clips with dense captions. {INTENT}")
    plan = Plan(intent=INTENT, tasks=[spec])
    return save_recipe(plan, tmp_path_factory.mktemp("recipe") / "t2v.yaml")


@pytest.fixture(scope="session")
def reference(clips, recipe, tmp_path_factory) -> tuple[Path, object]:
    """One uninterrupted local run (2 workers) with sharded outputs."""
    import dataclaw

    out = tmp_path_factory.mktemp("reference") / "ds"
    res = dataclaw.tailor([str(c) for c in clips], None, recipe=recipe, out=out, experts=EXPERTS, quiet=True,
                          formats=["native", "parquet", "webdataset"], engine="local", workers=2)
    return out, res
