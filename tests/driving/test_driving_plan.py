"""highway-env recordings -> driving_log anchors and driving_plan samples, checked against the log."""
from __future__ import annotations

import json

from dataclaw.model import TaskSpec
from testkit import PathMedia


def _log(d):
    lines = (d / "game.jsonl").read_text().splitlines()
    return json.loads(lines[0]), [json.loads(x) for x in lines[1:]]


def test_recording_and_anchors_agree_with_the_simulator(drive_dirs):
    from dataclaw.anchors import run_experts
    from dataclaw.sources import detect_kind

    changes = 0
    for d in drive_dirs:
        assert detect_kind(d) == "game"
        header, rows = _log(d)
        assert header["engine"] == "highway-env" and header["fps"] == 5.0
        assert all(r["ego"]["lane"] in range(header["lanes"]) for r in rows)
        aset = run_experts(d)
        lanes = [r["ego"]["lane"] for r in rows]
        switches = [(a, b) for a, b in zip(lanes, lanes[1:]) if a != b]
        lc = aset.of_kind("lane_change")
        assert [(a.data["from_lane"], a.data["to_lane"]) for a in lc] == switches
        for a in lc:
            assert a.data["direction"] == ("left" if a.data["to_lane"] < a.data["from_lane"] else "right")
        changes += len(lc)
        for a in aset.of_kind("speed_change"):
            v0, v1 = rows[round(a.t0 * 5)]["ego"]["speed"], rows[round(a.t1 * 5)]["ego"]["speed"]
            assert (v1 < v0) == (a.data["change"] == "brake") and abs(v1 - v0) >= 1.0
        for a in aset.of_kind("driving_state"):
            r = rows[round(a.t0 * 5)]
            assert a.data["lane"] == r["ego"]["lane"] and a.data["speed"] == round(r["ego"]["speed"], 1)
        assert not aset.of_kind("score_change")  # a driving log has no score: nothing invented
    assert changes >= 1  # the policy's intent makes lane changes


def test_tailor_makes_verified_driving_plans(drive_dataset, drive_dirs):
    res, rows, out = drive_dataset
    per = res.counts["per_task"]["driving_plan"]
    assert per["accepted"] >= 12 and per["rejected"] == 0
    logged = [r for r in rows if r["meta"]["has_log"]]
    plain = [r for r in rows if not r["meta"]["has_log"]]
    assert logged and plain
    for r in plain:  # a plain video: no plan, and the answer says why
        assert not any(s["type"] == "action" for s in r["solution"])
        assert "cannot be known" in r["solution"][0]["text"]
    for r in logged:
        act = next(s for s in r["solution"] if s["type"] == "action")["action"]
        assert act["manoeuvre"] in ("keep_lane", "change_lane_left", "change_lane_right")
        assert f"lane {act['target_lane']}" in r["solution"][0]["text"]
        assert f"{act['speed_to']:.1f} m/s" in r["solution"][0]["text"]
        assert len(r["query"]["media"]) == 3 and (out / r["query"]["media"][-1]["path"]).stat().st_size > 0
    assert {next(s for s in r["solution"] if s["type"] == "action")["action"]["speed"] for r in logged} >= {"brake"}


def test_check_catches_tampering(drive_dirs):
    from dataclaw.anchors import run_experts
    from dataclaw.tasks import get_task

    task = get_task("driving_plan")
    spec = TaskSpec(task="driving_plan", domain="embodied", instruction="x")
    aset = run_experts(drive_dirs[0])
    ev = task.select(aset, spec)[2]
    sample = task.build(task.rules(ev, spec), ev, spec, PathMedia())
    assert task.check(sample, ev) == []
    bad = sample.model_copy(deep=True)
    act = next(s for s in bad.solution if s.type == "action")
    act.action["manoeuvre"] = "change_lane_left" if act.action["manoeuvre"] != "change_lane_left" else "keep_lane"
    assert any("manoeuvre" in e for e in task.check(bad, ev))
    bad = sample.model_copy(deep=True)
    next(s for s in bad.solution if s.type == "action").action["speed_to"] += 3.0
    assert any("speed_to" in e for e in task.check(bad, ev))
    bad = sample.model_copy(deep=True)
    next(s for s in bad.solution if s.type == "action").action["scene"]["speed"] += 2.0
    assert any("scene" in e for e in task.check(bad, ev))


def test_planner_routes_driving_intents():
    from dataclaw.intent import plan_intent

    for q in ("driving plans from my highway clips: what should the ego car do next",
              "make lane change and braking planning data for a self-driving VLM",
              "把行车录像做成驾驶规划数据", "自动驾驶：自车接下来变道还是刹车"):
        assert plan_intent(q, source_kinds=["game"]).tasks[0].task == "driving_plan", q
    assert plan_intent("what should the car do next in these dashcam videos").tasks[0].task == "driving_plan"
    assert plan_intent("gameplay clips to prompt and target frames", source_kinds=["game"]).tasks[0].task == "game_frames"


def test_a_broken_log_row_loses_only_its_samples(drive_dirs, tmp_path):
    import shutil

    from dataclaw.anchors import run_experts
    from dataclaw.tasks import get_task
    from dataclaw.verify import verify_sample

    d = tmp_path / "rec"
    shutil.copytree(drive_dirs[0], d)
    lines = (d / "game.jsonl").read_text().splitlines()
    bad = json.loads(lines[1 + 25])
    del bad["ego"]  # row 25 (t = 5.0 s) without the ego state, row 40 not JSON at all
    lines[1 + 25], lines[1 + 40] = json.dumps(bad), "{broken"
    (d / "game.jsonl").write_text("\n".join(lines) + "\n")
    aset = run_experts(d, use_cache=False)
    task = get_task("driving_plan")
    spec = TaskSpec(task="driving_plan", domain="embodied", instruction="x")
    evs = task.select(aset, spec)
    starts = {round(e.meta["t"] * 5) for e in evs}
    assert evs and not starts & {25, 40, 25 - 10, 40 - 10}  # neither at t nor at t + h
    for ev in evs:
        draft = task.rules(ev, spec)
        v = verify_sample(task.build(draft, ev, spec, PathMedia()), aset, task=task, evidence=ev, draft=draft)
        assert v.ok, v.errors
