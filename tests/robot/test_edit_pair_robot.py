"""edit_pair on robot episodes: the scene before the arm takes the object and after it has left,
the instruction from the phase text, checked against the simulator's truth (the object moved)."""
from __future__ import annotations

import numpy as np

from dataclaw.model import TaskSpec
from testkit import PathMedia


def test_robot_edit_pairs_verify_and_follow_the_truth(robot_data):
    from dataclaw.anchors import run_experts
    from dataclaw.sources.robot import episode_paths
    from dataclaw.tasks import get_task
    from dataclaw.verify import verify_sample

    task = get_task("edit_pair")
    spec = TaskSpec(task="edit_pair", domain="aigc", instruction="before and after edit pairs")
    made = []
    for ep, p in zip(robot_data["episodes"], episode_paths(robot_data["lerobot"])):
        aset = run_experts(p)
        for ev in task.select(aset, spec):
            draft = task.rules(ev, spec)
            sample = task.build(draft, ev, spec, PathMedia())
            v = verify_sample(sample, aset, task=task, evidence=ev, draft=draft)
            assert v.ok, (ep.mode, v.errors)
            assert sample.query.text.startswith("Show the scene after the robot finishes: ")
            fps = len(ep.cube_pos) / aset.meta["duration"]
            i0, i1 = int(ev.meta["before_t"] * fps), min(len(ep.cube_pos) - 1, int(ev.meta["after_t"] * fps))
            moved = float(np.linalg.norm(ep.cube_pos[i1, :2] - ep.cube_pos[i0, :2]))
            assert moved > 0.03, (ep.mode, moved)  # the simulator says the object really moved in between
            end = float(np.linalg.norm(ep.cube_pos[i1, :2] - np.asarray(ep.target_pos[:2])))
            assert end < 0.05, (ep.mode, end)  # ... and lies at the target, as the phase text says
            made.append(ep.mode)
    assert "success" in made and len(made) >= 2, made
