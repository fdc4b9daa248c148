"""`dataclaw downstream gui` at tiny size: real MiniWoB++ pages recorded in Chromium, both annotators,
the tiny student (tests/conftest.py) trained for 2 steps, scored offline and online. This proves the
path runs end to end; it claims no result (docs/benchmarks.md "Downstream" has the measured run)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from dataclaw.train.gui_downstream import bootstrap, compact, parse_action, step_match

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def gui_run(tiny_model, tmp_path_factory):
    if importlib.util.find_spec("miniwob") is None:
        pytest.skip("pip install --no-deps 'miniwob==1.1.0'")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    pytest.importorskip("playwright")
    from dataclaw.train.gui_downstream import run_gui_downstream

    root = tmp_path_factory.mktemp("gui_down")
    rep = run_gui_downstream(root / "corpus", root / "out", ["naive", "rules"], tasks=["click-test", "focus-text"],
                             seeds=["0", "1", "2", "3"], held_types=["focus-text"], budget=6, steps=2, batch=2,
                             student=str(tiny_model), online_seeds=["7"], max_steps=1, threads=1)
    return root, rep


def test_gui_downstream_runs_end_to_end(gui_run):
    root, rep = gui_run
    out = root / "out"
    assert set(rep["results"]) == {"zero-shot", "naive", "rules"}
    # same budget for every annotator, and the rows differ in kind (raw events vs reduced steps)
    rows = {k: [json.loads(x) for x in (out / "data" / k / "sft_train.jsonl").read_text().splitlines()]
            for k in ("naive", "rules")}
    assert len(rows["naive"]) == len(rows["rules"]) == rep["budget"] > 0
    assert all(parse_action(r["completion"]) for v in rows.values() for r in v)
    assert all("Screen:\n" in r["prompt"] and "Task: " in r["prompt"] for v in rows.values() for r in v)
    assert rep["train_recordings"] == ["click-test__0"]  # seeds 0-1 of a seen type; focus-text is held out
    assert rep["heldout_steps"] > 0 and rep["online_episodes"] == 2
    for r in rep["results"].values():
        assert 0 <= r["step_sr"]["mean"] <= 1 and r["task_sr"]["n"] == 2
    md = (out / "gui_downstream.md").read_text()
    assert "\n| rules | " in md and "Per task type" in md
    assert (out / "gui_downstream.png").stat().st_size > 1000


def test_recorded_actions_pass_their_own_step_check(gui_run):
    """The truth action, as the student would write it, always matches itself (the metric can succeed)."""
    from dataclaw.bench.miniwob import load_episodes, recordings

    root, _ = gui_run
    n = 0
    for rec in recordings(root / "corpus"):
        for ep in load_episodes(rec):
            for a in ep.actions:
                assert step_match(parse_action(compact(a)), a), a
                n += 1
    assert n >= 8


def test_step_match_rejects_near_misses():
    click = {"type": "click", "x": 50, "y": 50, "bbox": [40, 40, 20, 20]}
    assert step_match({"type": "click", "x": 59, "y": 41}, click)
    assert not step_match({"type": "click", "x": 61, "y": 50}, click)
    assert not step_match({"type": "double_click", "x": 50, "y": 50}, click)
    assert not step_match({"type": "type", "text": "abd"}, {"type": "type", "text": "abc"})
    assert step_match({"type": "key", "keys": ["Enter"]}, {"type": "key", "keys": ["enter"]})
    assert parse_action("no json here") is None and parse_action('x {"type":"key","keys":["a"]} y')["keys"] == ["a"]
    m, lo, hi = bootstrap({"a": [1, 1], "b": [0, 0]})
    assert m == 0.5 and 0 <= lo <= m <= hi <= 1
