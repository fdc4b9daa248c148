"""edit_pair from a real GUI recording: each pair's change region meets the logged change box."""
from __future__ import annotations

from dataclaw.model import Plan, TaskSpec


def test_gui_actions_make_verified_edit_pairs(recordings, tmp_path):
    from dataclaw.export.native import read_samples
    from dataclaw.pipeline import tailor

    plan = Plan(intent="edit pairs", tasks=[TaskSpec(task="edit_pair", domain="aigc", instruction="edit pairs")])
    res = tailor([str(recordings["form"] / "gui")], plan=plan, out=tmp_path / "ds", quiet=True)
    per = res.counts["per_task"]["edit_pair"]
    assert per["accepted"] >= 5 and per["rejected"] == 0
    rows = [s.model_dump() for s in read_samples(tmp_path / "ds")]
    texts = " ".join(r["query"]["text"] for r in rows)
    assert "'Bob Lee'" in texts and "Send message" in texts  # names come from the log
