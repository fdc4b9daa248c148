"""Fixtures for the focus tests: the shipped lecture, another rendered deck and a simulated robot
episode, each with its generator's truth (where every part really is)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LECTURE = REPO / "examples" / "lecture" / "lecture.mp4"


@pytest.fixture(scope="session")
def lecture() -> tuple[Path, dict]:
    if not LECTURE.exists():
        pytest.skip("examples/lecture/lecture.mp4 not shipped in this checkout")
    return LECTURE, json.loads(LECTURE.with_name("truth.json").read_text())


@pytest.fixture(scope="session")
def lecture_anchors(lecture):
    """The shipped lecture's anchors (default experts) and its truth."""
    from dataclaw.anchors import run_experts
    from dataclaw.sources import load_source

    path, truth = lecture
    return run_experts(load_source(str(path))), truth


@pytest.fixture(scope="session")
def plant_deck(tmp_path_factory) -> tuple[Path, dict]:
    """A deck the focus rules were not written against (bench deck `daily_plant`), rendered with
    examples/make_lecture.py: real espeak-ng narration, H.264, cuts and a fade."""
    from dataclaw.bench.build import DECKS, render_deck

    out = tmp_path_factory.mktemp("plant")
    truth = render_deck(DECKS["daily_plant"][2], out)
    return out / "lecture.mp4", truth


@pytest.fixture(scope="session")
def robot_episode(tmp_path_factory) -> tuple[Path, dict]:
    """A pybullet pick-and-place whose grasp closes on nothing (fault `missed_grasp`), with its truth."""
    pytest.importorskip("pybullet")
    from dataclaw.sim import simulate_episode, write_hdf5_episode

    ep = simulate_episode("missed_grasp", seed=0, fps=10.0, cameras=("front",))
    path = tmp_path_factory.mktemp("robot") / "missed_grasp.hdf5"
    write_hdf5_episode(path, ep)
    return path, ep.truth()


@pytest.fixture(scope="session")
def success_episode(tmp_path_factory):
    """A pybullet pick-and-place that succeeds (reach, grasp, transport, place, retreat): its anchors from
    the real phase and gripper experts, and its truth."""
    pytest.importorskip("pybullet")
    from dataclaw.anchors import run_experts
    from dataclaw.sim import simulate_episode, write_hdf5_episode
    from dataclaw.sources import load_source

    ep = simulate_episode("success", seed=5, fps=10.0, cameras=("front",))
    path = tmp_path_factory.mktemp("robot3") / "success.hdf5"
    write_hdf5_episode(path, ep)
    return run_experts(load_source(str(path))), ep.truth()
