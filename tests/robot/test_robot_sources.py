"""Robot readers on real simulated episodes: every format, every camera, and the bad inputs."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from dataclaw.errors import SourceError
from dataclaw.sources import load_source, open_stream
from dataclaw.sources.robot import RobotStream, episode_paths


def _check_against(st, ep):
    assert st.meta.n_frames == len(ep.t)
    np.testing.assert_allclose(st.t, ep.t, atol=1e-4)
    np.testing.assert_allclose(st.state[:, :9], ep.state, atol=1e-5)  # plain CSV adds ee/gripper columns
    np.testing.assert_allclose(st.gripper, ep.gripper, atol=1e-5)
    np.testing.assert_allclose(st.ee_pos, ep.ee_pos, atol=1e-5)
    assert st.meta.cameras == ["front", "top"]
    i = len(ep.t) // 2
    for cam in ("front", "top"):
        img = st.frame_at(float(ep.t[i]), camera=cam).image
        assert img.shape == ep.images[cam][i].shape
        # decoded (H.264 for video files) frame is the simulator's frame at that time
        assert np.abs(img.astype(int) - ep.images[cam][i].astype(int)).mean() < 6


def test_lerobot_episodes_read(robot_data):
    eps = robot_data["episodes"]
    paths = episode_paths(robot_data["lerobot"])
    assert len(paths) == len(eps)
    for p, ep in zip(paths, eps):
        src = load_source(p)
        assert src.kind == "robot"
        with open_stream(src) as st:
            _check_against(st, ep)
            assert st.task == ep.task
            assert st.meta.has_effort and st.meta.format == "lerobot"
            assert not st.meta.notes and not st.meta.skipped


@pytest.mark.parametrize("fmt", ["aloha", "robomimic", "plain"])
def test_other_formats_read(robot_data, fmt):
    path = robot_data[fmt][0] if fmt == "aloha" else robot_data[fmt]
    assert load_source(path).kind == "robot"
    with RobotStream(path) as st:
        _check_against(st, robot_data["episodes"][0])
        assert st.meta.has_effort == (fmt == "aloha")


def test_dataset_folder_needs_one_episode_per_source(robot_data):
    with pytest.raises(SourceError, match="8 episodes"):
        RobotStream(robot_data["lerobot"])


def _copy(robot_data, name):
    dst = robot_data["root"] / name
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(robot_data["lerobot"], dst)
    return dst


def _rewrite(path, fn):
    import pyarrow.parquet as pq

    t = pq.read_table(path).to_pandas()
    t = fn(t)
    import pyarrow as pa

    pq.write_table(pa.Table.from_pandas(t, preserve_index=False), path)


def test_missing_camera_is_recorded(robot_data):
    root = _copy(robot_data, "missing_cam")
    (root / "videos/chunk-000/observation.images.top/episode_000000.mp4").unlink()
    with RobotStream(episode_paths(root)[0]) as st:
        assert st.meta.cameras == ["front"]
        assert any("camera top" in s["what"] and "missing" in s["reason"] for s in st.meta.skipped)
        with pytest.raises(SourceError, match="no camera 'top'"):
            st.frame_at(1.0, camera="top")


def test_nan_and_non_monotonic_rows_are_skipped(robot_data):
    root = _copy(robot_data, "nan_rows")
    p = episode_paths(root)[0]

    def damage(df):
        df.at[5, "observation.state"] = np.array([np.nan] * 9, dtype=np.float32)
        df.at[20, "timestamp"] = 0.5  # goes back in time
        return df

    _rewrite(p, damage)
    with RobotStream(p) as st:
        reasons = {s["reason"] for s in st.meta.skipped}
        assert "NaN/inf in states" in reasons and "timestamps not increasing" in reasons
        assert st.meta.n_frames == len(robot_data["episodes"][0].t) - 2
        assert np.all(np.diff(st.t) > 0) and np.isfinite(st.state).all()


def test_mostly_nan_episode_is_an_error(robot_data):
    root = _copy(robot_data, "all_nan")
    p = episode_paths(root)[0]

    def damage(df):
        for i in range(len(df) - 5):
            df.at[i, "observation.state"] = np.array([np.nan] * 9, dtype=np.float32)
        return df

    _rewrite(p, damage)
    with pytest.raises(SourceError, match="usable"):
        RobotStream(p)


def test_dropped_frames_and_length_mismatch_are_noted(robot_data):
    root = _copy(robot_data, "dropped")
    p = episode_paths(root)[1]
    _rewrite(p, lambda df: df.drop(index=[10, 11, 12]).iloc[:-15].reset_index(drop=True))
    with RobotStream(p) as st:
        notes = " ".join(st.meta.notes)
        assert "dropped frames: 3 missing" in notes
        assert "camera front lasts" in notes  # video is 1.5 s longer than the states now


def test_unrecognised_inputs_are_clear_errors(robot_data, tmp_path):
    import h5py

    bad = tmp_path / "bad.hdf5"
    with h5py.File(bad, "w") as f:
        f["foo"] = np.zeros(3)
    with pytest.raises(SourceError, match="HDF5 layout not recognised"):
        RobotStream(bad)
    root = _copy(robot_data, "v3")
    info = json.loads((root / "meta/info.json").read_text())
    info["codebase_version"] = "v3.0"
    (root / "meta/info.json").write_text(json.dumps(info))
    with pytest.raises(SourceError, match="v3.0 is not supported"):
        RobotStream(episode_paths(root)[0])


def test_aloha_with_encoded_images_and_no_names(robot_data, tmp_path):
    """ALOHA 'compressed' layout: JPEG bytes per frame; 14-dim bimanual qpos without names."""
    import io

    import h5py
    from PIL import Image

    ep = robot_data["episodes"][0]
    n = len(ep.t)
    qpos = np.zeros((n, 14), np.float32)
    qpos[:, :6] = ep.state[:, :6]
    qpos[:, 6] = ep.gripper  # left gripper
    jpgs = []
    for img in ep.images["front"]:
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format="JPEG", quality=95)
        jpgs.append(np.frombuffer(buf.getvalue(), np.uint8))
    width = max(len(j) for j in jpgs)
    enc = np.zeros((n, width), np.uint8)
    for i, j in enumerate(jpgs):
        enc[i, :len(j)] = j
    path = tmp_path / "episode_0.hdf5"
    with h5py.File(path, "w") as f:
        f["observations/qpos"] = qpos
        f["observations/images/cam_high"] = enc
        f["action"] = np.zeros((n, 14), np.float32)
    with RobotStream(path) as st:
        assert st.meta.fps == 50.0  # ALOHA default when the file does not say
        assert st.state_names[6] == "left_gripper"
        np.testing.assert_allclose(st.gripper, ep.gripper, atol=1e-6)
        img = st.frame_at(float(st.t[n // 2]), camera="cam_high").image
        assert np.abs(img.astype(int) - ep.images["front"][n // 2].astype(int)).mean() < 6


def test_plain_csv_with_named_camera_videos(robot_data, tmp_path):
    """`ep.csv` next to `ep.front.mp4` / `ep.top.mp4`: one source per CSV, cameras from the names."""
    src = robot_data["plain"]
    (tmp_path / "ep.csv").write_bytes((src / "states.csv").read_bytes())
    for cam in ("front", "top"):
        (tmp_path / f"ep.{cam}.mp4").write_bytes((src / f"{cam}.mp4").read_bytes())
    assert load_source(tmp_path / "ep.csv").kind == "robot"
    with RobotStream(tmp_path / "ep.csv") as st:
        assert sorted(st.meta.cameras) == ["front", "top"]
        assert st.meta.n_frames == len(robot_data["episodes"][0].t)


def test_dataset_folder_lists_one_job_per_episode(robot_data):
    """`dataclaw tailor my_lerobot_dataset/` runs every episode (each episode is one source)."""
    from dataclaw.engine.inputs import list_sources

    jobs = [j.path for j in list_sources([str(robot_data["lerobot"])])]
    assert jobs == [str(p) for p in episode_paths(robot_data["lerobot"])]
    plain = [j.path for j in list_sources([str(robot_data["plain"])])]
    assert plain == [str(robot_data["plain"])]  # a plain episode folder stays one source
