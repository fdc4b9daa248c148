"""Claim-level grounding on the simulated robot episodes: every embodied task's own rules output
passes (no false rejection), and the adversarial corpus made from it is caught (real experts, real
episodes, the real verifier; the perturbations are dataclaw.bench.adversarial's)."""
from __future__ import annotations

import pytest

from dataclaw.sources.robot import episode_paths

TASKS = ("world_model", "contact", "segmentation", "recovery", "t2v")


@pytest.fixture(scope="module")
def robot_cases(robot_data, tmp_path_factory):
    from dataclaw.anchors import run_experts
    from dataclaw.bench.adversarial import rules_samples
    from dataclaw.media import MediaStore

    media = MediaStore(tmp_path_factory.mktemp("claims_robot") / "ds")
    cases = []
    for i, p in enumerate(episode_paths(robot_data["lerobot"])):
        aset = run_experts(str(p))
        cases += rules_samples(aset, TASKS, media, name=f"episode{i}", domain="embodied", max_per_task=6)
    yield cases
    media.close()


def test_rules_output_of_every_embodied_task_passes(robot_cases):
    from dataclaw.verify import verify_sample

    assert {c.task for c in robot_cases} == set(TASKS)
    for c in robot_cases:
        v = verify_sample(c.sample, c.anchors, dataset_dir=c.dataset_dir, task=c.task_obj, evidence=c.evidence)
        assert v.ok and v.claims["unsupported"] == 0, (c.task, c.sample.id, v.errors)
        assert v.claims["claims"] > 0


def test_adversarial_robot_corpus_is_caught(robot_cases):
    from dataclaw.bench.adversarial import run_corpus

    res = run_corpus(robot_cases, seed=1)
    assert all(r == 0 for r, _ in res.untouched.values()), res.false_rejections
    assert res.rate() >= 0.95, (res.as_dict()["detection"], res.missed[:10])
