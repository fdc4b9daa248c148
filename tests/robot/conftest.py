"""Real robot episodes for the tests: pybullet Franka Panda pick-and-place, simulated once per session.

One episode per simulator mode (success, hesitation, missed grasp, drop, slip, regrasp, collision,
early stall; object shape and size, speed drawn per seed), rendered on CPU, written as
a LeRobot v2.1 dataset (with finger effort), ALOHA and robomimic HDF5 and video + CSV. The
simulator's contacts, phases and faults are the truth the anchors are checked against.
"""
from __future__ import annotations

import pytest

MODES = ("success", "hesitation", "missed_grasp", "drop", "slip", "regrasp", "collision", "early_stall")


@pytest.fixture(scope="session")
def sim_episodes():
    for mod in ("pybullet", "h5py", "pyarrow", "av", "scipy", "pandas"):  # extras [robot], [sim]
        pytest.importorskip(mod)
    from dataclaw.sim import simulate_episode

    return [simulate_episode(m, seed=i, fps=10.0) for i, m in enumerate(MODES)]


@pytest.fixture(scope="session")
def robot_data(sim_episodes, tmp_path_factory):
    from dataclaw.sim import write_hdf5_episode, write_lerobot_dataset, write_plain_episode

    root = tmp_path_factory.mktemp("robot")
    out = {"episodes": sim_episodes,
           "lerobot": write_lerobot_dataset(root / "lerobot", sim_episodes, effort=True),
           "aloha": [write_hdf5_episode(root / "aloha" / f"episode_{i}.hdf5", ep) for i, ep in enumerate(sim_episodes)],
           "robomimic": write_hdf5_episode(root / "robomimic.hdf5", sim_episodes[0], layout="robomimic"),
           "plain": write_plain_episode(root / "plain" / "ep0", sim_episodes[0]),
           "root": root}
    return out
