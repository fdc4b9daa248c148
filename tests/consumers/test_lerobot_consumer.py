"""LeRobot 0.3.3 reads the lerobot export with its own `LeRobotDatasetMetadata` and `Normalize`
(consumers' venv): every camera has stats (decoded from the copied video, as LeRobot computes them),
robot_type, velocity and effort survive, and normalising a batch gives finite values."""
from __future__ import annotations

import numpy as np

from consumer_env import run_consumer


def _robot_input(root):
    """A LeRobot v2.1 episode as a robot would record it: states, actions, effort, velocity, one MP4 camera."""
    from dataclaw.export.lerobot import LeRobotEpisode, encode_mp4, write_lerobot

    n, fps = 60, 30.0
    t = np.arange(n) / fps
    state = np.stack([np.sin(t), np.cos(t), 0.04 * (1 + np.sin(2 * t))], axis=1)
    frames = np.zeros((n, 96, 128, 3), dtype=np.uint8)
    for i in range(n):
        frames[i, :, : 40 + i, 0] = 200  # a red block sliding right: non-trivial colour stats
        frames[i, 40:, :, 2] = 90
    cam = root / "front.mp4"
    encode_mp4(frames, cam, fps)
    ep = LeRobotEpisode(columns={"observation.state": state, "action": np.roll(state, -1, axis=0),
                                 "observation.effort": np.abs(state) * 3.0, "observation.velocity": np.gradient(state, axis=0) * fps},
                        names={"observation.state": ["j0", "j1", "gripper"], "action": ["j0", "j1", "gripper"],
                               "observation.effort": ["e0", "e1", "e_gripper"], "observation.velocity": ["v0", "v1", "v2"]},
                        task="pick up the cube", videos={"front": cam})
    return write_lerobot(root / "recorded", [ep], fps=fps, robot_type="so100", overwrite=True)


def test_lerobot_metadata_and_normalize(tmp_path):
    from dataclaw.export import DatasetWriter
    from dataclaw.export.lerobot import export_lerobot
    from dataclaw.anchors import AnchorSet
    from dataclaw.sources import load_source, open_stream

    rec = _robot_input(tmp_path)
    src = load_source(rec / "data" / "chunk-000" / "episode_000000.parquet")
    with open_stream(src) as st:
        assert st.meta.robot_type == "so100" and st.velocity.shape == (60, 3) and st.effort.shape == (60, 3)
    out = tmp_path / "ds"
    with DatasetWriter(out) as w:
        w.add_anchors(AnchorSet(source=src, anchors=[], meta={"duration": 2.0, "fps": 30.0}))
    export_lerobot(out)
    res = run_consumer("run_lerobot.py", str(out / "lerobot"))
    assert res["robot_type"] == "so100" and res["fps"] == 30.0
    assert res["camera_keys"] == ["observation.images.front"] == res["video_keys"]
    assert {"observation.velocity", "observation.effort", "observation.state", "action"} <= set(res["features"])
    assert "observation.images.front" in res["stats_keys"]  # was a KeyError in Normalize
    assert all(res["finite"].values()) and res["action_roundtrip"] < 1e-4
    r, g, b = res["image_mean"]
    assert r > 0.2 and g < 0.05 and 0.1 < b < 0.4  # decoded colours, not placeholders
