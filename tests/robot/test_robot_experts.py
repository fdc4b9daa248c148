"""Robot anchors against the simulator's truth: contacts, phases, faults, last good state."""
from __future__ import annotations

import numpy as np
import pytest

from dataclaw.anchors import run_experts
from dataclaw.experts.robot_gripper import GripperParams, contact_intervals
from dataclaw.sim.metrics import boundary_errors, fault_matches, interval_iou
from dataclaw.sources.robot import RobotStream, episode_paths


@pytest.fixture(scope="module")
def anchor_sets(robot_data):
    return [run_experts(p) for p in episode_paths(robot_data["lerobot"])]


def test_default_experts_for_robot_sources(anchor_sets):
    aset = anchor_sets[0]
    assert set(aset.by_expert) == {"robot_gripper", "robot_contact", "robot_phases", "robot_stagnation", "robot_faults",
                                   "robot_object_change"}
    assert not aset.errors
    assert aset.meta["cameras"] == ["front", "top"]


def test_contact_intervals_match_simulator(robot_data, anchor_sets):
    ious = []
    for ep, aset in zip(robot_data["episodes"], anchor_sets):
        pred = [(a.t0, a.t1) for a in aset.of_kind("contact")]
        truth = ep.truth()["contacts"]
        assert len(pred) == len(truth), (ep.mode, pred, truth)  # none for a missed grasp, two for a regrasp
        ious.append(interval_iou(pred, truth))
        assert ious[-1] >= 0.75, (ep.mode, pred, truth)  # a regrasp's short first touch loses its edges
        assert all(a.data["method"] == "effort" for a in aset.of_kind("contact"))
    assert np.mean(ious) >= 0.85, ious


def test_contact_from_gripper_state_without_effort(robot_data):
    """Same episodes, effort ignored: the gripper-state + velocity rule must still find the contacts."""
    for ep, p in zip(robot_data["episodes"], episode_paths(robot_data["lerobot"])):
        with RobotStream(p) as st:
            spans, method = contact_intervals(st.t, st.gripper, None, GripperParams())
        assert method == "gripper_state"
        assert interval_iou(spans, ep.truth()["contacts"]) >= 0.75, (ep.mode, spans)


def _events(aset):
    return [(a.data["event"], a.data.get("holding"), a.data["full"]) for a in aset.of_kind("gripper")]


def test_gripper_events(anchor_sets):
    assert _events(anchor_sets[0]) == [("close", True, False), ("open", None, True)]
    # missed grasp: the fingers shut past any object width and never open again
    assert _events(anchor_sets[2]) == [("close", False, True)]
    # drop: close on the object, the fingers collapse when it falls, full open at the target
    assert _events(anchor_sets[3]) == [("close", True, False), ("close", False, True), ("open", None, True)]


def test_phases_match_simulator(robot_data, anchor_sets):
    for ep, aset in zip(robot_data["episodes"], anchor_sets):
        pred = [{"phase": a.data["phase"], "t0": a.t0, "t1": a.t1} for a in aset.of_kind("phase")]
        truth = ep.truth()["phases"]
        assert [p["phase"] for p in pred] == [t["phase"] for t in truth], ep.mode
        errs, missed = boundary_errors(pred, truth)
        assert missed == 0 and max(errs) <= 0.6 and np.mean(errs) <= 0.2, (ep.mode, errs)
        # phases tile the episode
        assert pred[0]["t0"] == 0 and abs(pred[-1]["t1"] - aset.meta["duration"]) < 1e-6


def test_faults_match_simulator(robot_data, anchor_sets):
    for ep, aset in zip(robot_data["episodes"], anchor_sets):
        pred = [{"type": a.data["type"], "t0": a.t0, "t1": a.t1} for a in aset.of_kind("fault")]
        tp, fp, fn = fault_matches(pred, ep.truth()["faults"], tol=0.5)
        assert (fp, fn) == (0, 0), (ep.mode, pred, ep.truth()["faults"])
        for f in aset.of_kind("fault"):
            good = aset.get(f.data["last_good_anchor"])
            assert good is not None and good.t0 < f.t0
            assert len(good.data["state"]) == 9 and np.isfinite(good.data["state"]).all()
    assert not anchor_sets[0].of_kind("fault")  # the clean episode has none


def test_hdf5_episode_gives_same_anchors(robot_data, anchor_sets):
    aset = run_experts(robot_data["aloha"][3])  # drop, ALOHA layout
    kinds = lambda s: sorted((a.kind, round(a.t0, 2), round(a.t1, 2)) for a in s.anchors if a.kind != "last_good_state")  # noqa: E731
    assert kinds(aset) == kinds(anchor_sets[3])


def test_object_changes_where_the_cube_was_and_went(robot_data, anchor_sets):
    """Lasting appearance changes in the front camera at the cube's start and end (projected truth)."""
    from dataclaw.sim.metrics import bbox_contains, project

    for ep, aset in zip(robot_data["episodes"], anchor_sets):
        view = ep.camera_views["front"]
        truth = ep.truth()
        regions = aset.of_kind("object_state")
        start = project(view["view"], view["proj"], truth["cube_start"])
        taken = [a for a in regions if bbox_contains(a.data["bbox"], start)]
        if ep.mode == "missed_grasp":  # never picked up: nothing changed where it stands
            assert not taken, (ep.mode, [a.data["bbox"] for a in taken])
            continue
        assert taken, (ep.mode, start, [a.data["bbox"] for a in regions])
        grasp = next(ph for ph in truth["phases"] if ph["phase"] == "grasp")
        assert grasp["t0"] - 0.5 <= taken[0].t0 <= grasp["t1"] + 1.0, (ep.mode, taken[0].t0, grasp)
        if ep.mode in ("success", "hesitation", "slip", "regrasp"):  # the object now sits on the target
            end = project(view["view"], view["proj"], truth["cube_end"])
            put = [a for a in regions if bbox_contains(a.data["bbox"], end)]
            place = next(ph for ph in truth["phases"] if ph["phase"] == "place")
            assert put and place["t0"] - 1.0 <= put[0].t0 <= place["t1"] + 0.5, (ep.mode, end, put)
