"""verl 0.9.1 reads the verl export: its RLHFDataset (with a tiny LLaVA processor built here) turns
every row into a chat prompt with the images in place, nothing is filtered, and dataclaw's reward,
loaded the way `custom_reward_function` configures it, scores the reference above a wrong answer."""
from __future__ import annotations

import os

from consumer_env import run_consumer


def test_verl_rlhf_dataset_and_reward(small_export):
    from dataclaw.export.verl import export_verl

    path = export_verl(small_export)[0]
    frames_dir = small_export.parent / "frames_copy"
    import shutil
    shutil.copytree(small_export, frames_dir)
    frames = export_verl(frames_dir, video_frames=4)[0]
    res = run_consumer("run_verl.py", str(path), str(frames))
    assert res["kept"] == res["image_rows"] > 0  # no prompt dropped by verl's processing
    assert any("image" in t for t in res["raw_prompt_types"])
    assert all(t[-1] == "text" for t in res["raw_prompt_types"])
    for s in res["scores"]:
        assert s["reference"]["score"] > s["wrong"]["score"], s
        assert s["reference"]["match"] >= 0.95
    vids = res["videos"]
    assert vids and all(os.path.isabs(v) and os.path.exists(v) for v in vids if isinstance(v, str))
    lists = [v for v in vids if isinstance(v, list)]
    assert lists and all(len(v) == 4 and all(os.path.exists(f) for f in v) for v in lists)
