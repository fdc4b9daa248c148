"""edit_pair from a lecture screencast: on-screen text that appears, quoted, where the frames changed."""
from __future__ import annotations

from dataclaw.model import Plan, TaskSpec


def test_slides_make_verified_edit_pairs(slides, tmp_path):
    from dataclaw.anchors import run_experts
    from dataclaw.export.native import read_samples
    from dataclaw.pipeline import tailor

    path, _ = slides
    plan = Plan(intent="edit pairs", tasks=[TaskSpec(task="edit_pair", domain="aigc", instruction="edit pairs")])
    res = tailor([str(path)], plan=plan, out=tmp_path / "ds", quiet=True)
    per = res.counts["per_task"]["edit_pair"]
    assert per["accepted"] >= 3 and per["rejected"] == 0
    ocr = {a.id: a for a in run_experts(path).of_kind("ocr_text")}
    for r in (s.model_dump() for s in read_samples(tmp_path / "ds")):
        a = next(ocr[i] for i in r["evidence"] if i in ocr)
        assert a.data["text"] in r["query"]["text"]
        reg, box = r["meta"]["region"], a.data["bbox_norm"]
        assert min(reg[2], box[2]) >= max(reg[0], box[0]) and min(reg[3], box[3]) >= max(reg[1], box[1])
