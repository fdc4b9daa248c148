"""GUI data from pages nobody here wrote: MiniWoB++ tasks (the `miniwob` package's HTML, MIT),
solved by scripted solvers and recorded for real; the pages' own rewards and DOM boxes are the truth.

A small slice is recorded once per session (three task types, two consecutive episodes each, one
of them failed or unfinished on purpose); benchmarks/bench_gui_miniwob.py runs the whole corpus.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
from metrics import action_prf, in_box

import dataclaw
from dataclaw.anchors import run_experts
from dataclaw.model import Plan, TaskSpec
from dataclaw.tasks import get_task

NO_OCR = {"gui_screens": {"ocr": False, "ocr_elements": "never"}}
SLICE = ["choose-list", "login-user", "click-checkboxes"]
STITCH = TaskSpec(task="gui_stitch", domain="gui", instruction="stitch these fragments into one task")


@pytest.fixture(scope="session")
def miniwob(tmp_path_factory):
    if importlib.util.find_spec("miniwob") is None:
        pytest.skip("pip install --no-deps 'miniwob==1.1.0'")
    from recorder import CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from dataclaw.bench.miniwob import build_corpus, recordings

    root = tmp_path_factory.mktemp("miniwob")
    modes = {"choose-list__0": ["solve", "partial"], "login-user__0": ["solve", "solve"],
             "click-checkboxes__0": ["mistake", "solve"]}  # a failed and an unfinished episode among the six
    episodes = build_corpus(root, tasks=SLICE, seeds=["0", "1"], episodes_per_recording=2, modes=modes)
    return {"root": root, "episodes": episodes, "recordings": recordings(root)}


@pytest.fixture(scope="session")
def fragment_sets(miniwob, tmp_path_factory):
    from dataclaw.bench.miniwob import build_fragment_sets

    return build_fragment_sets(miniwob["recordings"], tmp_path_factory.mktemp("mw_sets"), n_sets=4, seed=5)


def test_episodes_keep_the_pages_own_reward(miniwob):
    eps = miniwob["episodes"]
    assert {e.task for e in eps} == set(SLICE) and len(eps) == 6
    assert all(e.error is None for e in eps), [e.error for e in eps]
    for e in eps:  # the reward comes from the page's core.endEpisode, not from the solver
        if e.mode == "solve":
            assert e.done and e.success, (e.task, e.reason)
        elif e.mode == "mistake":
            assert e.done and not e.success
        else:
            assert not e.done and e.raw_reward == 0
    assert {e.mode for e in eps} >= {"solve"} and any(e.mode != "solve" for e in eps)
    assert (miniwob["root"] / "LICENSE-miniwob.txt").read_text().startswith("MiniWoB++ task pages: MIT")


def test_actions_recovered_from_the_raw_log(miniwob):
    for rec in miniwob["recordings"]:
        truth = json.loads((rec / "truth.json").read_text())
        got = [a.data for a in run_experts(rec / "gui", ["gui_actions"]).of_kind("gui_action")]
        m = action_prf(got, truth["actions"])
        assert m["recall"] >= 0.98 and m["precision"] >= 0.98, (rec.name, m, [a["code"] for a in got])
        # every click's DOM box (element truth) holds the logged point
        for a in truth["actions"]:
            if a["type"] == "click" and a.get("bbox"):
                assert in_box(a["x"], a["y"], a["bbox"]), (rec.name, a)


def test_rules_trajectories_verify_and_say_choose(miniwob, tmp_path):
    intent = "make GUI agent training data"
    plan = Plan(intent=intent, tasks=[TaskSpec(task=t, domain="gui", instruction=intent)
                                      for t in ("gui_trajectory", "gui_grounding")])
    texts = []
    for rec in miniwob["recordings"]:
        out = tmp_path / rec.name
        res = dataclaw.tailor(rec / "gui", plan=plan, out=out, quiet=True, expert_params=NO_OCR)
        assert res.counts["rejected"] == 0, (rec.name, (out / "rejected.jsonl").read_text()[:2000])
        rows = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
        traj = [r for r in rows if r["task"] == "gui_trajectory"]
        assert len(traj) == 1
        texts += [s["text"] for s in traj[0]["solution"] if s["type"] == "text"]
    joined = "\n".join(texts)
    assert "the 'Username' text field" in joined and "the 'Login' button" in joined
    assert " in the drop-down" in joined or "choose '" in joined  # the <select> change, in people's words
    assert "check box" in joined


def test_stitch_orders_real_fragments_that_start_on_loading_frames(fragment_sets):
    task = get_task("gui_stitch")
    assert any(k != "transition" for fs in fragment_sets for k in fs.starts.values())
    exact = dropped = 0
    for fs in fragment_sets:
        aset = run_experts(fs.path, ["gui_screens"], NO_OCR)
        names = [f["name"] for f in aset.meta["video"]["fragments"]]
        assert sorted(names) == sorted(fs.order + fs.distractors)  # every fragment reads
        ev = task.select(aset, STITCH)[0]
        got = [names[k] for k in ev.meta["chain"]]
        exact += got == fs.order
        dropped += sorted(names[d["fragment"]] for d in ev.meta["dropped"]) == sorted(fs.distractors)
        for lk in ev.meta["links"]:  # each link says why: screen, URL, text or target
            assert lk["why"] and "hash_distance" in lk and "same_url" in lk
        starts = [a for a in aset.of_kind("screen_state") if a.data["at"] == "start"]
        assert all(s.data["frame"] == "before_first_action" for s in starts)
    assert exact >= len(fragment_sets) - 1 and dropped >= len(fragment_sets) - 1, (exact, dropped)


def test_stitched_sample_verifies_and_records_links(fragment_sets, tmp_path):
    fs = fragment_sets[0]
    out = tmp_path / "stitch"
    res = dataclaw.tailor(fs.path, plan=Plan(intent=STITCH.instruction, tasks=[STITCH]), out=out, quiet=True,
                          expert_params=NO_OCR)
    assert res.counts["samples"] == 1 and res.counts["rejected"] == 0, res.counts
    s = json.loads((out / "samples.jsonl").read_text().splitlines()[0])
    meta = json.loads(s["meta"]) if isinstance(s["meta"], str) else s["meta"]
    assert len(meta["links"]) == len(meta["order"]) - 1 and all(lk["why"] for lk in meta["links"])


def test_nothing_connects_names_the_closest_pair(miniwob, tmp_path):
    """Two fragments of different tasks, each the middle of its recording: no continuity."""
    from dataclaw.bench.gui_recorder import slice_recording

    d = tmp_path / "unrelated"
    for name, rec in zip(("one", "two"), miniwob["recordings"][:2]):
        t = json.loads((rec / "truth.json").read_text())["actions"]
        slice_recording(rec, d / name, t[1]["t0"] - 0.05, t[2].get("after_t", t[2]["t"]))
    aset = run_experts(d, ["gui_screens"], NO_OCR)
    with pytest.raises(ValueError, match=r"no two of the 2 fragments connect .*closest pair: the end of (one|two) "
                                         r"and the start of (one|two)"):
        get_task("gui_stitch").select(aset, STITCH)
    shutil.rmtree(d)
