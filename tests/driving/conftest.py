"""Real driving for the tests: highway-env episodes driven headless by the policy with intent in
dataclaw.sim.highway, recorded once per session with the simulator's states as truth."""
from __future__ import annotations

import pytest

SEEDS = ((0, 12.0), (1, 12.0))


@pytest.fixture(scope="session")
def drive_dirs(tmp_path_factory):
    pytest.importorskip("highway_env")  # extra [driving]
    pytest.importorskip("av")
    from dataclaw.sim.highway import record_highway

    root = tmp_path_factory.mktemp("drives")
    return [record_highway(root / f"highway-{s}", seed=s, seconds=sec) for s, sec in SEEDS]


@pytest.fixture(scope="session")
def drive_dataset(drive_dirs, tmp_path_factory):
    """driving_plan over both recordings plus one as a plain video (no log: the plan is unknown)."""
    import shutil

    from dataclaw.export.native import read_samples
    from dataclaw.model import Plan, TaskSpec
    from dataclaw.pipeline import tailor

    plain = tmp_path_factory.mktemp("plain_drive") / "highway.mp4"
    shutil.copyfile(drive_dirs[1] / "video.mp4", plain)
    out = tmp_path_factory.mktemp("drive_ds")
    plan = Plan(intent="driving plans", tasks=[TaskSpec(task="driving_plan", domain="embodied",
                                                        instruction="what the ego car does next")])
    res = tailor([str(p) for p in drive_dirs] + [str(plain)], plan=plan, out=out, quiet=True, formats=["native"])
    return res, [s.model_dump() for s in read_samples(out)], out
