"""edit_pair from game events: the change region is the computed lasting change, checked again."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataclaw.model import Plan, TaskSpec
from testkit import PathMedia


@pytest.fixture(scope="session")
def edit_dataset(game_dirs, tmp_path_factory):
    from dataclaw.export.native import read_samples
    from dataclaw.pipeline import tailor

    out = tmp_path_factory.mktemp("edit_ds")
    plan = Plan(intent="edit pairs", tasks=[TaskSpec(task="edit_pair", domain="aigc", instruction="edit pairs")])
    res = tailor([str(p) for p in game_dirs], plan=plan, out=out, quiet=True, formats=["native", "edit_pairs"])
    return res, [s.model_dump() for s in read_samples(out)], out


def test_game_events_make_verified_edit_pairs(edit_dataset):
    res, rows, out = edit_dataset
    per = res.counts["per_task"]["edit_pair"]
    assert per["accepted"] >= 5 and per["rejected"] == 0
    lives = [r for r in rows if r["query"]["text"].startswith("Remove a life")]
    assert lives
    # Breakout draws its lives counter at the top of the screen: the lasting change of a lost life is there
    assert sum(r["meta"]["region"][3] < 0.15 for r in lives) >= len(lives) // 2


def test_edit_pairs_export_reads_back_with_datasets(edit_dataset):
    datasets = pytest.importorskip("datasets")
    _, rows, out = edit_dataset
    ds = datasets.load_dataset("parquet", data_files=str(out / "edit_pairs" / "train.parquet"))["train"]
    assert len(ds) == len(rows)
    r = ds[0]
    assert r["edit_prompt"] and r["input_image"].size == r["edited_image"].size
    assert np.asarray(r["input_image"]).astype(int).sum() != np.asarray(r["edited_image"]).astype(int).sum()


def test_check_recomputes_the_region(game_dirs):
    from dataclaw.anchors import run_experts
    from dataclaw.tasks import get_task

    task = get_task("edit_pair")
    spec = TaskSpec(task="edit_pair", domain="aigc", instruction="x")
    aset = run_experts(game_dirs[0])
    ev = task.select(aset, spec)[0]

    sample = task.build(task.rules(ev, spec), ev, spec, PathMedia())
    assert task.check(sample, ev) == []
    bad = sample.model_copy(deep=True)
    next(s for s in bad.solution if s.type == "action").action["region"] = [0.0, 0.5, 0.2, 0.7]
    assert any("not the frames' lasting change" in e for e in task.check(bad, ev))
    bad = sample.model_copy(deep=True)  # a pair with no change between its frames
    bad.query.media[0].t0 = bad.solution[0].t0 - 0.001
    assert task.check(bad, ev)


@given(x=st.integers(0, 140), y=st.integers(0, 190), w=st.integers(8, 40), h=st.integers(8, 40),
       seed=st.integers(0, 10_000))
@settings(max_examples=60, deadline=None)
def test_lasting_change_finds_a_patch_and_drops_a_moving_object(x, y, w, h, seed):
    from dataclaw.tasks.edit_pair import lasting_change

    rng = np.random.default_rng(seed)
    base = rng.integers(0, 60, size=(210, 160, 3)).astype(np.uint8)  # dark textured background
    frames = [base.copy() for _ in range(4)]
    for f in frames[2:]:  # the lasting change: a bright patch from the after frame on
        f[y:y + h, x:x + w] = 230
    for k, f in enumerate(frames):  # a moving ball elsewhere in every frame
        bx = (x + w + 10 + 25 * k) % 150
        f[5:11, bx:bx + 6] = 255
    region, share = lasting_change(*frames, diff=28, cell=4)
    assert region is not None and share > 0
    hh, ww = 210, 160
    truth = [x / ww, y / hh, min(x + w, ww) / ww, min(y + h, hh) / hh]
    # cells of 4 px: the region is the patch up to one cell on each side, the ball never widens it
    assert all(abs(a - b) <= 4 / min(ww, hh) + 1e-6 for a, b in zip(region, truth)), (region, truth)


def test_planner_routes_edit_intents():
    from dataclaw.intent import plan_intent

    for q, kinds in (("make image editing pairs from these recordings", None),
                     ("InstructPix2Pix style edit pairs from my lecture", ["video"]),
                     ("before and after frames with an edit instruction", ["gui"]),
                     ("edit pairs from game events", ["game"])):
        assert plan_intent(q, source_kinds=kinds).tasks[0].task == "edit_pair", q
