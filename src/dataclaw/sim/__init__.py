"""Simulated robot episodes (pybullet Franka Panda pick-and-place) with the simulator's truth.

Used by the tests and the embodied benchmark: real physics, real rendering, known contacts,
phases and faults. pybullet is imported lazily (optional extra `[sim]`).
"""
from __future__ import annotations

from .panda import FAULT_MODES, SimEpisode, simulate_episode
from .write import write_hdf5_episode, write_lerobot_dataset, write_plain_episode

__all__ = ["FAULT_MODES", "SimEpisode", "simulate_episode", "write_lerobot_dataset",
           "write_hdf5_episode", "write_plain_episode"]
