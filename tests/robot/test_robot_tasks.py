"""Embodied tasks end to end on the simulated episodes: every sample verified; LeRobot export reads back."""
from __future__ import annotations

import json

import pytest

from dataclaw.model import Plan, TaskSpec
from dataclaw.sources.robot import RobotStream, episode_paths
from testkit import PathMedia

TASKS = ("world_model", "contact", "segmentation", "recovery", "t2v")


@pytest.fixture(scope="module")
def tailored(robot_data, tmp_path_factory):
    from dataclaw.pipeline import tailor

    out = tmp_path_factory.mktemp("tailored")
    plan = Plan(intent="embodied data", tasks=[TaskSpec(task=t, domain="embodied", instruction="robot data")
                                               for t in TASKS])
    res = tailor([str(p) for p in episode_paths(robot_data["lerobot"])], plan=plan, out=out, quiet=True,
                 formats=["native", "lerobot"])
    from dataclaw.export.native import read_samples

    rows = [smp.model_dump() for smp in read_samples(out)]  # decodes the JSON-string columns
    return res, rows, out


def test_every_task_makes_verified_samples(tailored):
    res, rows, out = tailored
    per = res.counts["per_task"]
    for t in TASKS:
        assert per[t]["accepted"] >= 1, (t, per)
        assert per[t]["rejected"] == 0, (t, (out / "rejected.jsonl").read_text()[:2000])
    assert all(r["scores"]["grounding"] == 1.0 and r["scores"]["format"] == 1.0 for r in rows)
    for r in rows:  # every media file written
        for seg in r["query"]["media"] + r["solution"]:
            if seg.get("path"):
                assert (out / seg["path"]).stat().st_size > 0


def test_contact_and_segmentation_samples_follow_the_truth(robot_data, tailored):
    _, rows, _ = tailored
    from dataclaw.sim.metrics import interval_iou

    by_src = {}
    for r in rows:
        by_src.setdefault(r["provenance"]["source_path"], []).append(r)
    for ep, p in zip(robot_data["episodes"], episode_paths(robot_data["lerobot"])):
        mine = by_src[str(p)]
        contact = next((r for r in mine if r["task"] == "contact"), None)
        if not ep.truth()["contacts"]:  # a missed grasp touches nothing: no contact sample
            assert contact is None
        else:
            spans = [(s["t0"], s["t1"]) for s in contact["solution"] if s["type"] == "span"]
            assert interval_iou(spans, ep.truth()["contacts"]) >= 0.75
        seg = next(r for r in mine if r["task"] == "segmentation")
        for r in (seg, contact):  # the question carries the episode it is about (a clip of its camera)
            if r is not None:
                assert [(m["type"], m["t0"]) for m in r["query"]["media"]] == [("clip", 0.0)]
                assert (tailored[2] / r["query"]["media"][0]["path"]).stat().st_size > 0
        names = [s["text"].split(":")[0].lower() for s in seg["solution"] if s["type"] == "span"]
        assert names == [ph["phase"] for ph in ep.truth()["phases"]]


def test_recovery_samples(robot_data, tailored):
    _, rows, _ = tailored
    rec = {r["meta"]["fault"]: r for r in rows if r["task"] == "recovery"}
    assert set(rec) == {"hesitation_loop", "missed_grasp", "drop", "slip", "regrasp", "collision", "early_stall"}
    # the hesitant episode recovered by itself: its own completion is the continuation
    assert rec["hesitation_loop"]["meta"]["continuation_self"] is True
    # the others continue from the successful episode (episode 0), its real actions
    ok_path = str(episode_paths(robot_data["lerobot"])[0])
    for kind in ("missed_grasp", "drop", "collision", "early_stall"):
        act = [s for s in rec[kind]["solution"] if s["type"] == "action"][-1]["action"]
        assert act["source_path"] == ok_path
        assert len(act["continuation"]) > 5


def test_world_model_check_catches_tampering(robot_data):
    from dataclaw.anchors import run_experts
    from dataclaw.tasks import get_task

    aset = run_experts(episode_paths(robot_data["lerobot"])[0])
    task = get_task("world_model")
    spec = TaskSpec(task="world_model", domain="embodied", instruction="x")
    ev = task.select(aset, spec)[3]

    sample = task.build(task.rules(ev, spec), ev, spec, PathMedia())
    assert task.check(sample, ev) == []
    act = next(s for s in sample.solution if s.type == "action")
    act.action["chunk"][0][0] += 0.05
    assert any("action chunk" in e for e in task.check(sample, ev))


def test_lerobot_export_reads_back(robot_data, tailored):
    _, rows, out = tailored
    exported = episode_paths(out / "lerobot")
    assert len(exported) == len(robot_data["episodes"])
    seg_by_src = {r["source"]: r for r in rows if r["task"] == "segmentation"}
    for p in exported:
        with RobotStream(p) as st:
            info = json.loads((out / "lerobot/meta/episodes.jsonl").read_text().splitlines()[st.meta.episode_index])
            seg = seg_by_src[info["source"]]
            spans = [s for s in seg["solution"] if s["type"] == "span"]
            assert [a["text"] for a in st.annotations] == [s["text"] for s in spans]
            assert st.task and st.meta.cameras == ["front", "top"]
            assert st.subtask is not None and (st.subtask >= 0).all()
            with RobotStream(info["source_path"]) as orig:
                assert st.meta.n_frames == orig.meta.n_frames
                assert abs(st.state - orig.state).max() < 1e-5


def test_t2v_on_robot_episodes(robot_data, tailored):
    _, rows, out = tailored
    clips = [r for r in rows if r["task"] == "t2v"]
    # one clip per phase of at least t2v's minimum clip length (1 s)
    n_phases = sum(1 for ep in robot_data["episodes"] for ph in ep.truth()["phases"] if ph["t1"] - ph["t0"] >= 1.0)
    assert abs(len(clips) - n_phases) <= 1
    for r in clips:
        clip, caption = r["solution"]
        assert clip["type"] == "clip" and (out / clip["path"]).stat().st_size > 0
        assert "robot arm" in r["query"]["text"] and "phase" in caption["text"]
    transport = [r for r in clips if "transport phase" in r["solution"][1]["text"]]
    assert transport and all("holds the object" in r["solution"][1]["text"] for r in transport)


def test_world_model_shows_every_camera(robot_data, tailored):
    _, rows, out = tailored
    wm = [r for r in rows if r["task"] == "world_model"]
    assert wm
    for r in wm[:5]:
        paths = [m["path"] for m in r["query"]["media"]]
        assert len(paths) == 2 and any("top_frame" in p for p in paths)
        nxt = [s["path"] for s in r["solution"] if s["type"] == "image"]
        assert len(nxt) == 2 and all((out / p).stat().st_size > 0 for p in paths + nxt)
    # the second camera's frame is the simulator's top view at t+h
    import numpy as np
    from PIL import Image

    ep = robot_data["episodes"][0]
    src0 = str(episode_paths(robot_data["lerobot"])[0])
    r = next(r for r in wm if r["provenance"]["source_path"] == src0)
    top = next(s for s in r["solution"] if s["type"] == "image" and "top_frame" in s["path"])
    i = int(round(top["t0"] * ep.fps))
    img = np.asarray(Image.open(out / top["path"]).convert("RGB")).astype(int)
    assert np.abs(img - ep.images["top"][i].astype(int)).mean() < 8


def test_segmentation_must_cover_every_phase(robot_data):
    """A grounded one-span draft of a many-phase episode is not a segmentation: rejected with the missing
    phases named (a model's first-phase-only drafts passed before); the rules draft covers them all."""
    from dataclaw.anchors import run_experts
    from dataclaw.tasks import get_task
    from dataclaw.verify import verify_sample

    aset = run_experts(episode_paths(robot_data["lerobot"])[0])
    task = get_task("segmentation")
    spec = TaskSpec(task="segmentation", domain="embodied", instruction="segment the episode")
    ev = task.select(aset, spec)[0]
    assert len(ev.anchors) >= 3
    full = task.rules(ev, spec)
    sample = task.build(full, ev, spec, PathMedia())
    assert task.check(sample, ev) == []
    assert verify_sample(sample, [aset], task=task, evidence=ev).ok

    one = task.build({"segments": full["segments"][:1]}, ev, spec, PathMedia())
    errs = task.check(one, ev)
    assert len(errs) == len(ev.anchors) - 1
    assert all("has no span" in e and "covers every phase" in e for e in errs)
    assert ev.anchors[1].data["phase"] in errs[0] and ev.anchors[1].id in errs[0]
    verdict = verify_sample(one, [aset], task=task, evidence=ev)
    assert not verdict.ok and any("has no span" in e for e in verdict.errors)


def test_contact_answer_must_list_every_contact(robot_data):
    """"When is the gripper in contact over the whole episode?" answered with one of two contacts is wrong:
    rejected with the missing interval named; the rules answer lists them all."""
    from dataclaw.anchors import run_experts
    from dataclaw.tasks import get_task
    from dataclaw.verify import verify_sample

    task = get_task("contact")
    spec = TaskSpec(task="contact", domain="embodied", instruction="label the contacts")
    found = 0
    for path in episode_paths(robot_data["lerobot"]):
        aset = run_experts(path)
        for ev in task.select(aset, spec):
            contacts = [a for a in ev.anchors if a.kind == "contact"]
            full = task.rules(ev, spec)
            assert verify_sample(task.build(full, ev, spec, PathMedia()), [aset], task=task, evidence=ev).ok
            if len(contacts) < 2:
                continue
            found += 1
            part = task.build({"contacts": full["contacts"][1:]}, ev, spec, PathMedia())
            v = verify_sample(part, [aset], task=task, evidence=ev)
            assert not v.ok and any(contacts[0].id in e and "every contact" in e for e in v.errors), v.errors
    assert found, "no simulated episode has two contacts (regrasp should)"


def test_a_focused_robot_question_names_its_part(robot_data, tailored, tmp_path):
    """"segment only the grasp phase": the answer is the grasp alone, so the question must ask for that part
    ("Segment the part 2.60-3.40 s of this robot episode"), not the whole episode; contact likewise. The
    unfocused samples still ask about the whole episode."""
    import re

    from dataclaw.anchors import run_experts
    from dataclaw.export.native import read_samples
    from dataclaw.focus import parse_focus
    from dataclaw.pipeline import tailor
    from dataclaw.tasks import get_task
    from dataclaw.verify import verify_sample

    def window(text):
        m = re.search(r"(?:the part|Within) ([\d.]+)-([\d.]+) s", text)
        assert m, text
        return float(m.group(1)), float(m.group(2))

    intent = "segment only the grasp phase"
    plan = Plan(intent=intent, tasks=[TaskSpec(task="segmentation", domain="embodied", instruction=intent)],
                focus=parse_focus(intent))
    tailor([str(p) for p in episode_paths(robot_data["lerobot"])[:2]], plan=plan, out=tmp_path / "seg", quiet=True)
    got = list(read_samples(tmp_path / "seg"))
    assert got
    for smp in got:
        a, b = window(smp.query.text)
        spans = [(g.t0, g.t1) for g in smp.solution if g.type == "span"]
        assert spans and all(a - 1e-6 <= t0 and t1 <= b + 1e-6 for t0, t1 in spans), (smp.query.text, spans)

    # contact: the focus machinery's record (meta["focus"]) on a bundle decides the question's words
    task = get_task("contact")
    spec = TaskSpec(task="contact", domain="embodied", instruction="contacts")
    aset = run_experts(episode_paths(robot_data["lerobot"])[0])
    ev = task.select(aset, spec)[0]
    c = next(x for x in ev.anchors if x.kind == "contact")
    ev.meta["focus"] = {"spans": [[c.t0 + 0.05, c.t1 + 0.5]], "score": 1.0, "inside": 1.0, "reasons": []}
    ev.anchors = [x for x in ev.anchors if x.kind != "contact" or x.id == c.id]
    smp = task.build(task.rules(ev, spec), ev, spec, PathMedia())
    # the part's times are the cited anchors' own (a focus span's own end was an unsupported number)
    assert window(smp.query.text) == (round(c.t0, 2), round(c.t1, 2)), smp.query.text
    v = verify_sample(smp, [aset], task=task, evidence=ev)
    assert v.ok, v.errors

    _, rows, _ = tailored
    assert all("Segment this robot episode" in r["query"]["text"] for r in rows if r["task"] == "segmentation")
    assert all("Over the whole episode" in r["query"]["text"] for r in rows if r["task"] == "contact")
