"""Writes simulated episodes in the formats users hold: LeRobot v2.1, HDF5 (ALOHA / robomimic), video + CSV.

The simulator's truth goes to a sidecar (`meta/sim_truth.jsonl`, `<file>.truth.json`) that the
readers never look at.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..export.lerobot import LeRobotEpisode, encode_mp4, write_lerobot
from .panda import ACTION_NAMES, OBJECT_NAMES, STATE_NAMES, SimEpisode


def _object(ep: SimEpisode) -> np.ndarray:
    return ep.object_log if ep.object_log is not None else ep.cube_pos


def write_lerobot_dataset(root: str | Path, episodes: list[SimEpisode], effort: bool = True,
                          overwrite: bool = True, object_state: bool = True) -> Path:
    """LeRobot v2.1 folder of the episodes (one camera video per view) plus `meta/sim_truth.jsonl`.
    `object_state`: log the object's position as `observation.environment_state` (as LeRobot's
    simulated datasets do)."""
    eps = []
    for ep in episodes:
        cols = {"observation.state": ep.state, "observation.velocity": ep.velocity,
                "observation.ee_pos": ep.ee_pos, "action": ep.action}
        if effort:
            cols["observation.effort"] = ep.effort
        if object_state:
            cols["observation.environment_state"] = _object(ep)
        names = {"observation.environment_state": OBJECT_NAMES, "observation.state": STATE_NAMES, "observation.velocity": [f"v_{n}" for n in STATE_NAMES],
                 "observation.ee_pos": ["x", "y", "z"], "action": ACTION_NAMES,
                 "observation.effort": ["finger_left", "finger_right"]}
        eps.append(LeRobotEpisode(columns=cols, names=names, task=ep.task, videos=dict(ep.images),
                                  timestamps=ep.t))
    root = write_lerobot(root, eps, fps=episodes[0].fps, robot_type="franka_panda_pybullet", overwrite=overwrite)
    with open(Path(root) / "meta" / "sim_truth.jsonl", "w") as fh:
        for i, ep in enumerate(episodes):
            fh.write(json.dumps({"episode_index": i, **ep.truth()}) + "\n")
    return Path(root)


def write_hdf5_episode(path: str | Path, ep: SimEpisode, layout: str = "aloha") -> Path:
    """One episode as HDF5: ALOHA shape (`/observations/{qpos,qvel,effort,images/<cam>}`, `/action`)
    or robomimic shape (`/data/demo_0/{obs/..., actions}`). Truth goes to `<path>.truth.json`."""
    import h5py  # noqa: PLC0415

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        if layout == "aloha":
            f.attrs["sim"] = True
            f.attrs["fps"] = ep.fps
            f.attrs["task"] = ep.task
            f.attrs["state_names"] = json.dumps(STATE_NAMES)
            obs = f.create_group("observations")
            obs["qpos"] = ep.state
            obs["qvel"] = ep.velocity
            obs["effort"] = np.concatenate([np.zeros((len(ep.t), 7), np.float32), ep.effort], axis=1)
            obs["ee_pos"] = ep.ee_pos
            imgs = obs.create_group("images")
            for cam, arr in ep.images.items():
                imgs.create_dataset(cam, data=arr, chunks=(1,) + arr.shape[1:])
            f["action"] = ep.action
        elif layout == "robomimic":
            data = f.create_group("data")
            data.attrs["env_args"] = json.dumps({"env_name": "PandaPickPlace", "fps": ep.fps})
            demo = data.create_group("demo_0")
            demo.attrs["num_samples"] = len(ep.t)
            obs = demo.create_group("obs")
            obs["robot0_joint_pos"] = ep.state[:, :7]
            obs["robot0_gripper_qpos"] = ep.state[:, 7:]
            obs["robot0_eef_pos"] = ep.ee_pos
            obs["object"] = _object(ep)  # robomimic low-dim object observation (position first)
            for cam, arr in ep.images.items():
                obs.create_dataset(f"{cam}_image", data=arr, chunks=(1,) + arr.shape[1:])
            demo["actions"] = ep.action
            demo["timestamps"] = ep.t
        else:
            raise ValueError(f"unknown HDF5 layout {layout!r}")
    path.with_name(path.name + ".truth.json").write_text(json.dumps(ep.truth()))
    return path


def write_plain_episode(folder: str | Path, ep: SimEpisode, fmt: str = "csv") -> Path:
    """A plain recording: `<camera>.mp4` per camera plus `states.csv` (or .parquet) with a `timestamp` column."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for cam, arr in ep.images.items():
        encode_mp4(arr, folder / f"{cam}.mp4", ep.fps)
    cols = {"timestamp": ep.t}
    for i, n in enumerate(STATE_NAMES):
        cols[n] = ep.state[:, i]
    for i, n in enumerate("xyz"):
        cols[f"ee_{n}"] = ep.ee_pos[:, i]
    cols["gripper_width"] = ep.gripper
    for i, n in enumerate(ACTION_NAMES):
        cols[f"action_{n}"] = ep.action[:, i]
    import pandas as pd  # noqa: PLC0415

    df = pd.DataFrame(cols)
    if fmt == "csv":
        df.to_csv(folder / "states.csv", index=False)
    else:
        df.to_parquet(folder / "states.parquet", index=False)
    (folder / "truth.json").write_text(json.dumps(ep.truth()))
    return folder
