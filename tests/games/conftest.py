"""Real gameplay for the tests: Atari episodes played headless in the Arcade Learning Environment
(ale-py; ROMs in its wheel), recorded once per session with the engine's own log as truth."""
from __future__ import annotations

import pytest

RECORDINGS = (("breakout", 0, 10.0), ("breakout", 3, 10.0), ("pong", 1, 8.0), ("freeway", 2, 6.0))


@pytest.fixture(scope="session")
def game_dirs(tmp_path_factory):
    pytest.importorskip("ale_py")  # extra [games]
    pytest.importorskip("av")
    from dataclaw.sim.ale import record_ale

    root = tmp_path_factory.mktemp("games")
    return [record_ale(root / f"{g}-{s}", g, seed=s, seconds=sec) for g, s, sec in RECORDINGS]


@pytest.fixture(scope="session")
def plain_video(game_dirs, tmp_path_factory):
    """The same gameplay as a plain video: no log, so actions are unknown."""
    import shutil

    out = tmp_path_factory.mktemp("plain") / "breakout.mp4"
    shutil.copyfile(game_dirs[0] / "video.mp4", out)
    return out


@pytest.fixture(scope="session")
def game_dataset(game_dirs, plain_video, tmp_path_factory):
    from dataclaw.export.native import read_samples
    from dataclaw.model import Plan, TaskSpec
    from dataclaw.pipeline import tailor

    out = tmp_path_factory.mktemp("game_ds")
    plan = Plan(intent="gameplay", tasks=[TaskSpec(task="game_frames", domain="aigc", instruction="gameplay frames")])
    res = tailor([str(p) for p in game_dirs] + [str(plain_video)], plan=plan, out=out, quiet=True,
                 formats=["native", "game", "lerobot"])
    return res, [s.model_dump() for s in read_samples(out)], out


@pytest.fixture(scope="session")
def doom_dirs(tmp_path_factory):
    """ViZDoom episodes (Freedoom ships in the vizdoom wheel), a few seconds each."""
    pytest.importorskip("vizdoom")  # extra [games]
    pytest.importorskip("av")
    from dataclaw.sim.vizdoom import record_vizdoom

    root = tmp_path_factory.mktemp("doom")
    return [record_vizdoom(root / f"{sc}-{s}", sc, seed=s, seconds=10.0)
            for sc, s in (("defend_the_center", 0), ("defend_the_line", 1))]
