"""Real human teleoperation: the robosuite 1.4.1 demonstrations (raw MuJoCo states + model XML).

The files ship compressed in tests/data/robosuite (MIT, see SOURCE.md there); `labels.json` holds
contacts and phases labelled by hand from the signals (how: in the file). The experts run on these
real, noisy signals and are scored against those labels; `dataclaw tailor` must turn them into
verified contact and segmentation samples.
"""
from __future__ import annotations

import json
import lzma
from pathlib import Path

import numpy as np
import pytest

from dataclaw.errors import SourceError
from dataclaw.sim.metrics import boundary_errors, interval_iou
from dataclaw.sources import load_source
from dataclaw.sources.robot import RobotStream, episode_paths

DATA = Path(__file__).resolve().parents[1] / "data" / "robosuite"
FILES = ("lift/demo.hdf5", "handover/panda_panda/demo.hdf5", "wipe/panda/demo.hdf5")


@pytest.fixture(scope="session")
def robosuite_root(tmp_path_factory):
    pytest.importorskip("h5py")
    root = tmp_path_factory.mktemp("robosuite")
    for f in DATA.rglob("*.xz"):
        dst = root / f.relative_to(DATA).with_suffix("")
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(lzma.decompress(f.read_bytes()))
    return root


@pytest.fixture(scope="session")
def labels():
    return json.loads((DATA / "labels.json").read_text())


@pytest.fixture(scope="session")
def robosuite_anchors(robosuite_root, labels):
    from dataclaw.anchors import run_experts

    return {name: run_experts(str(robosuite_root / name)) for name in labels["episodes"]}


def test_every_demo_is_one_source(robosuite_root):
    counts = {f: len(episode_paths(robosuite_root / f)) for f in FILES}
    assert counts == {"lift/demo.hdf5": 3, "handover/panda_panda/demo.hdf5": 7, "wipe/panda/demo.hdf5": 1}
    ids = {load_source(p).id for f in FILES for p in episode_paths(robosuite_root / f)}
    assert len(ids) == 11  # one content id per demonstration
    from dataclaw.engine.inputs import list_sources

    jobs = list_sources([str(robosuite_root / "lift/demo.hdf5")])
    assert [Path(j.path).name for j in jobs] == ["demo.hdf5#demo_1", "demo.hdf5#demo_2", "demo.hdf5#demo_3"]


def test_states_are_named_from_the_model(robosuite_root):
    with RobotStream(episode_paths(robosuite_root / "lift/demo.hdf5")[0]) as st:
        assert st.meta.format == "hdf5-robosuite" and st.meta.fps == 20.0 and st.task == "lift the cube"
        assert st.state_names == [f"robot0_joint{i}" for i in range(1, 8)] + ["gripper0_finger_joint1",
                                                                               "gripper0_finger_joint2"]
        assert st.action.shape[1] == 7 and st.action_names[-1] == "gripper"
        assert 0.039 <= st.gripper.min() and st.gripper.max() <= 0.081  # Panda fingers: 0-8 cm
        # forward kinematics of the model XML: the grip site meets the cube when the fingers rest on it
        i = st.index_at(21.0)
        assert np.linalg.norm(st.ee_pos[i] - st.object_pos[i]) < 0.02
    with RobotStream(episode_paths(robosuite_root / "handover/panda_panda/demo.hdf5")[3]) as st:
        assert len(st.state_names) == 18 and st.action.shape[1] == 14
        assert any("2 grippers" in n for n in st.meta.notes)
    with RobotStream(robosuite_root / "wipe/panda/demo.hdf5") as st:  # the model XML lives in models/
        assert st.gripper is None and st.effort is not None and st.effort.shape == (174, 7)
        assert st.meta.n_frames == 174 and any("shifted to 0" in n for n in st.meta.notes)


def test_bad_robosuite_inputs_are_clear_errors(robosuite_root, tmp_path):
    import h5py

    with pytest.raises(SourceError, match="no demonstration 'demo_9'"):
        RobotStream(f"{robosuite_root / 'lift/demo.hdf5'}#demo_9")
    bad = tmp_path / "mismatch.hdf5"
    with h5py.File(robosuite_root / "lift/demo.hdf5", "r") as src, h5py.File(bad, "w") as dst:
        g = dst.create_group("data/demo_1")
        g["states"] = src["data/demo_1/states"][:, :20]  # columns cut: they no longer fit the model
        g.attrs["model_file"] = src["data/demo_1"].attrs["model_file"]
    with pytest.raises(SourceError, match="states have 20 columns but the model has"):
        RobotStream(bad)
    (tmp_path / "wipe").mkdir()
    lone = tmp_path / "wipe" / "demo.hdf5"
    lone.write_bytes((robosuite_root / "wipe/panda/demo.hdf5").read_bytes())
    with pytest.raises(SourceError, match="model_1.xml"):
        RobotStream(lone)


def test_contacts_and_phases_against_hand_labels(robosuite_anchors, labels):
    ious, errs = [], []
    for name, lab in labels["episodes"].items():
        aset = robosuite_anchors[name]
        assert not aset.errors, (name, aset.errors)
        iou = interval_iou([(a.t0, a.t1) for a in aset.of_kind("contact")], lab["contacts"])
        ious.append(iou)
        assert iou >= 0.9, (name, iou)
        pred = [{"phase": a.data["phase"], "t0": a.t0, "t1": a.t1} for a in aset.of_kind("phase")]
        e, missed = boundary_errors(pred, lab["phases"])
        assert missed <= 1, (name, pred)
        errs += e
    assert np.mean(ious) >= 0.95, ious
    assert np.mean(errs) <= 0.15 and max(errs) <= 0.5, errs


def test_a_real_missed_grasp_is_named(robosuite_anchors):
    """Handover demo_1: the operator shuts gripper0 on nothing (4.1-5.2 s), opens it and grasps again."""
    aset = robosuite_anchors["handover/panda_panda/demo.hdf5#demo_1"]
    missed = [a for a in aset.of_kind("fault") if a.data["type"] == "missed_grasp"]
    assert len(missed) == 1 and 3.9 <= missed[0].t0 <= 4.5
    assert aset.get(missed[0].data["last_good_anchor"]).t0 < missed[0].t0
    names = [a.data["phase"] for a in sorted(aset.of_kind("phase"), key=lambda a: a.t0)]
    assert names[:2] == ["reach", "grasp"] and names.count("grasp") == 2 and names[-1] == "place"
    lift = robosuite_anchors["lift/demo.hdf5#demo_1"]
    assert not [a for a in lift.of_kind("fault") if a.data["type"] != "slip"]


def test_tailor_makes_verified_samples_from_the_demos(robosuite_root, tmp_path):
    from typer.testing import CliRunner

    from dataclaw.cli import _load_commands, app

    _load_commands()
    out = tmp_path / "ds"
    res = CliRunner().invoke(app, ["tailor", str(robosuite_root / "lift/demo.hdf5"),
                                   str(robosuite_root / "handover/panda_panda/demo.hdf5"), "-i",
                                   "label when the gripper holds the object and split each demonstration into its "
                                   "sub-steps", "-o", str(out), "--json", "-w", "1"])
    assert res.exit_code == 0, res.output[-3000:]
    summary = json.loads(res.output[res.output.index("{"):])
    per = summary["counts"]["per_task"]
    assert per["contact"]["accepted"] == 10 and per["segmentation"]["accepted"] == 10, per
    assert per["contact"].get("rejected", 0) == 0 and per["segmentation"].get("rejected", 0) == 0, per
    from dataclaw.export.native import read_samples

    rows = list(read_samples(out))
    assert all(r.scores.grounding == 1.0 and r.scores.format == 1.0 for r in rows)
    seg = next(r for r in rows if r.task == "segmentation" and r.provenance["source_path"].endswith("demo_1")
               and "handover" in r.provenance["source_path"])
    assert [s.text.split(":")[0] for s in seg.solution if s.type == "span"][:2] == ["Reach", "Grasp"]


def test_every_robot_task_verifies_on_every_demo(robosuite_root, tmp_path):
    """Property: each robot task's rules output passes the verifier on every real demo (or makes none:
    t2v needs a camera, recovery a fault and a finished sibling; world_model without a camera is its
    state variant)."""
    from dataclaw.model import Plan, TaskSpec
    from dataclaw.pipeline import tailor

    tasks = ("world_model", "contact", "segmentation", "recovery", "t2v")
    plan = Plan(intent="embodied data", tasks=[TaskSpec(task=t, domain="embodied", instruction="robot data")
                                               for t in tasks])
    paths = [str(p) for f in FILES for p in episode_paths(robosuite_root / f)]
    res = tailor(paths, plan=plan, out=tmp_path / "all", quiet=True)
    per = res.counts["per_task"]
    assert all(per.get(t, {}).get("rejected", 0) == 0 for t in tasks), per
    assert per["contact"]["accepted"] == 10 and per["segmentation"]["accepted"] == 10
    assert per["world_model"]["accepted"] > 0, per


def test_object_words_from_free_joints():
    from dataclaw.sources.robot_formats import object_word

    assert [object_word(j) for j in ("hammer_joint0", "cube_joint0", "SquareNut_joint0", "Milk_joint0", "pot")] == \
        ["hammer", "cube", "square nut", "milk", "pot"]


def test_a_handover_to_the_other_arm_is_a_phase(robosuite_root, robosuite_anchors, labels):
    """TwoArmHandover: gripper1 closes on the hammer while gripper0 still holds it, then gripper0 lets go.
    That stretch is a handover phase (it was all transport when only gripper0 was read); the phases name
    the hammer the log's free joint moves."""
    with RobotStream(episode_paths(robosuite_root / "handover/panda_panda/demo.hdf5")[1]) as st:
        assert st.object_name == "hammer" and list(st.other_grippers) == ["gripper1"]
        assert st.other_grippers["gripper1"].shape == st.gripper.shape
    for name, lab in labels["episodes"].items():
        truth = [p for p in lab["phases"] if p["phase"] == "handover"]
        got = [a for a in robosuite_anchors[name].of_kind("phase") if a.data["phase"] == "handover"]
        assert len(got) == len(truth), (name, got)
        for a, p in zip(got, truth):
            assert abs(a.t0 - p["t0"]) <= 0.1 and abs(a.t1 - p["t1"]) <= 0.1, (name, a.t0, a.t1, p)
            assert a.data["text"] == "pass the hammer to the other gripper" and a.data["object"] == "hammer"
    lift = robosuite_anchors["lift/demo.hdf5#demo_1"]  # one arm: no handover, its cube named
    assert {a.data["object"] for a in lift.of_kind("phase")} == {"cube"}


def test_only_the_handover_part_is_segmented_and_a_wrong_object_is_rejected(robosuite_root, tmp_path):
    """"only the part where the hammer is passed to the other arm" refused before (the receiving arm's grasp
    was no anchor) or, with WordNet's "passed" ~ "missed", took a wrong grasp."""
    from dataclaw.export.native import read_samples
    from dataclaw.pipeline import tailor

    demo = str(episode_paths(robosuite_root / "handover/panda_panda/demo.hdf5")[2])
    res = tailor([demo], intent="segment only the part where the hammer is passed to the other arm",
                 out=tmp_path / "ds", quiet=True)
    assert res.counts["per_task"]["segmentation"]["accepted"] == 1, res.counts
    (row,) = [r for r in read_samples(tmp_path / "ds") if r.task == "segmentation"]
    spans = [s for s in row.solution if s.type == "span"]
    assert [s.text.split(":")[0] for s in spans] == ["Handover"], [s.text for s in spans]
    assert 17.5 <= spans[0].t0 and spans[0].t1 <= 18.8 and "hammer" in spans[0].text

    from dataclaw.anchors import run_experts
    from dataclaw.verify import verify_sample

    aset = run_experts(demo)
    wrong = row.model_copy(deep=True)
    for s in wrong.solution:
        if s.type == "span":
            s.text = s.text.replace("pass the hammer", "pass the cube")
    assert verify_sample(row, aset, dataset_dir=tmp_path / "ds").ok
    v = verify_sample(wrong, aset, dataset_dir=tmp_path / "ds")
    assert not v.ok, v


def test_world_model_without_a_camera_predicts_the_logged_state(robosuite_root, tmp_path):
    """robosuite / robomimic low-dim demos have no camera: world_model refused them. Its state variant asks
    for the state (and the hammer's position) after the action chunk, both read from the log and checked."""
    from dataclaw.anchors import run_experts
    from dataclaw.model import TaskSpec
    from dataclaw.tasks import get_task
    from dataclaw.tasks.shared.robot_common import episode, state_at

    demo = str(episode_paths(robosuite_root / "handover/panda_panda/demo.hdf5")[3])
    task = get_task("world_model")
    spec = TaskSpec(task="world_model", domain="embodied", instruction="x", params={"horizons": [1.0]})
    aset = run_experts(demo)
    evs = task.select(aset, spec)
    assert evs and all(e.meta["variant"] == "h1-state" for e in evs)
    ev = evs[4]
    sample = task.build(task.rules(ev, spec), ev, spec, media=None)
    act = sample.solution[0].action
    st = episode(aset.source)
    t0, t1 = sample.solution[0].t0, sample.solution[0].t1
    assert act["next_state"] == state_at(st, t1) and act["next_state"] != act["state"]
    assert act["next_object_pos"] == [round(float(v), 5) for v in st.object_pos[st.index_at(t1)][:3]]
    assert not sample.query.media and "Predict the robot state and the object position" in sample.query.text
    assert task.check(sample, ev) == []
    for key in ("next_state", "next_object_pos"):
        bad = sample.model_copy(deep=True)
        bad.solution[0].action[key] = [v + 0.01 for v in act[key]]
        assert task.check(bad, ev), key
    draft = task.rules(ev, spec)
    draft.pop("next_state")
    with pytest.raises(Exception, match="next_state"):
        task.build(draft, ev, spec, media=None)
