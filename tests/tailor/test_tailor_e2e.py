"""`dataclaw.tailor` end to end on the example lecture: real experts, rules backend, real verifier,
real export; then a batch with bad files, a resumed rerun and the CLI."""
from __future__ import annotations

import json
from pathlib import Path

from rapidfuzz import fuzz

import dataclaw
from dataclaw.intent import plan_intent
from dataclaw.model import Sample
from dataclaw.tasks import get_task
from dataclaw.verify import verify_sample

INTENT = "turn this lesson into step-by-step tutorial data"


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines() if line.strip()]


def test_tutorial_from_the_lecture(lecture, lecture_anchors, tmp_path):
    out = tmp_path / "ds"
    res = dataclaw.tailor([str(lecture)], INTENT, out=out, quiet=True)
    assert res.counts["sources_done"] == 1 and res.counts["samples"] >= 5
    rows = _rows(out)
    assert len(rows) == res.counts["samples"] and len({r["id"] for r in rows}) == len(rows)
    # every sample passes the verifier again, read back from disk, and its media exist
    for row in rows:
        s = Sample.model_validate(row)
        v = verify_sample(s, lecture_anchors, dataset_dir=out, task=get_task(s.task))
        assert v.ok, (s.id, v.errors)
        for seg in s.solution + s.query.media:
            if seg.path:
                assert (out / seg.path).is_file()
    # the whole tutorial follows the slides of the ground truth, in order
    truth = json.loads(lecture.with_name("truth.json").read_text())
    full = next(Sample.model_validate(r) for r in rows if json.loads(r["meta"])["variant"] == "full")
    steps = [seg for seg in full.solution if seg.type == "text"]
    assert len(steps) == len(truth["slides"])
    for seg, slide in zip(steps, truth["slides"]):
        assert fuzz.partial_ratio(slide["title"].lower(), seg.text.lower()) >= 80, (slide["title"], seg.text)
        assert abs(seg.t0 - slide["t0"]) <= 1.2, (slide["title"], seg.t0, slide["t0"])
    assert full.domain == "education"
    variants = {json.loads(r["meta"])["variant"] for r in rows}
    assert variants == {"full", "next", "stuck"}
    # the dataset loads with `datasets`, and the manifest says what was made
    import datasets

    ds = datasets.load_dataset("json", data_files=str(out / "samples.jsonl"), split="train")
    assert len(ds) == len(rows) and ds[0]["query"]["text"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["samples"] == len(rows) and manifest["plan"]["tasks"][0]["task"] == "tutorial"
    assert manifest["backend"]["name"] == "rules"


def test_batch_with_bad_files_completes_and_resumes(lecture, lecture_anchors, tmp_path):
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    text = tmp_path / "notes.txt"
    text.write_text("not a video")
    out = tmp_path / "ds"
    intent = "make temporal QA with timestamps about when things happen"
    res = dataclaw.tailor([str(corrupt), str(lecture), str(text), str(tmp_path / "missing.mp4")], intent,
                          out=out, quiet=True, formats=["native", "llamafactory", "trl"])
    assert res.counts["sources_done"] == 1 and res.counts["sources_skipped"] == 3
    assert res.counts["samples"] > 0
    manifest = json.loads((out / "manifest.json").read_text())
    skipped = {Path(s["path"]).name: s for s in manifest["skipped"]}
    assert set(skipped) == {"corrupt.mp4", "notes.txt", "missing.mp4"}
    assert all(s["reason"] for s in skipped.values())
    assert (out / "llamafactory.json").exists() and (out / "trl.jsonl").exists()
    qa = [json.loads(r["meta"])["difficulty"] for r in _rows(out)]
    assert {"easy", "medium", "hard"} <= set(qa)
    first = _rows(out)
    # rerun: the finished source is not redone, nothing is duplicated
    again = dataclaw.tailor([str(corrupt), str(lecture)], intent, out=out, quiet=True)
    assert again.counts["sources_resumed"] == 1 and again.counts["samples"] == 0
    assert [r["id"] for r in _rows(out)] == [r["id"] for r in first]
    # a rerun after losing the completion marker (a crash mid-source) skips the samples already written
    for marker in (out / "progress" / "done").glob("*.json"):
        marker.unlink()
    third = dataclaw.tailor([str(lecture)], intent, out=out, quiet=True)
    assert third.counts["sources_done"] == 1 and third.counts["samples"] == 0
    assert len(_rows(out)) == len(first)
    # a new intent on the same folder adds its task for the finished source, keeping what is there
    fourth = dataclaw.tailor([str(lecture)], "text-to-video clips with captions", out=out, quiet=True)
    assert fourth.counts["sources_done"] == 1 and fourth.counts["per_task"]["t2v"]["accepted"] > 0
    rows = _rows(out)
    assert rows[: len(first)] == first and {r["task"] for r in rows[len(first):]} == {"t2v"}


def test_cli_tailor(lecture, lecture_anchors, tmp_path):
    from typer.testing import CliRunner

    from dataclaw.cli import _load_commands, app

    _load_commands()
    out = tmp_path / "cli"
    result = CliRunner().invoke(app, ["tailor", str(lecture), "--intent", "text-to-video clips with captions",
                                      "-o", str(out), "--format", "native,trl", "--max-samples", "3", "-j", "2", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)  # stderr may carry model-loading progress
    assert summary["counts"]["per_task"].get("t2v", {}).get("accepted") == 3, summary
    rows = _rows(out)
    assert len(rows) == 3 and all(r["task"] == "t2v" for r in rows)
    assert all((out / r["solution"][0]["path"]).is_file() for r in rows)
    human = CliRunner().invoke(app, ["tailor", str(lecture), "--intent", "text-to-video clips", "-o", str(out)])
    assert human.exit_code == 0 and "samples accepted" in human.output
    assert CliRunner().invoke(app, ["tailor", "--help"]).exit_code == 0


def test_recipe_replay(lecture, lecture_anchors, tmp_path):
    from dataclaw.intent import plan_intent
    from dataclaw.recipe import save_recipe

    plan = plan_intent("temporal questions with timestamps, 4 questions", ["video"])
    path = tmp_path / "plan.yaml"
    save_recipe(plan, path, sources=[str(lecture)])
    res = dataclaw.tailor([str(lecture)], None, recipe=path, out=tmp_path / "ds", quiet=True)
    assert res.plan.tasks == plan.tasks
    assert res.counts["per_task"]["temporal_qa"]["accepted"] == 4  # "4 questions" from the plan
    rows = _rows(tmp_path / "ds")
    assert {json.loads(r["meta"])["difficulty"] for r in rows} >= {"easy", "medium", "hard"}


def test_task_that_cannot_be_served_is_reported(lecture, lecture_anchors, tmp_path):
    """Without OCR and speech anchors there is nothing to write steps from: said, not crashed."""
    out = tmp_path / "ds"
    res = dataclaw.tailor([str(lecture)], INTENT, out=out, quiet=True, experts=["shots", "keyframes", "motion"])
    assert res.counts["samples"] == 0 and res.counts["sources_done"] == 1
    [ns] = res.not_served
    assert ns["task"] == "tutorial" and "on-screen text or narration" in ns["reason"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["not_served"] == res.not_served


def test_a_fuzzy_intent_makes_no_driving_or_game_data_from_a_lecture(lecture, lecture_anchors, tmp_path):
    """"只要五个问题" ("just five questions") names no kind of data, so the plan keeps ranked candidates;
    one was driving_plan, and the lecture's slides became "What should the car do over the next 2 s?"
    samples that the verifier accepted. A plain video is a drive or gameplay only when the intent says so."""
    plan = plan_intent("只要五个问题")
    assert plan.fuzzy
    res = dataclaw.tailor([str(lecture)], plan=plan, out=tmp_path / "ds", quiet=True)
    samples = [json.loads(x) for x in (tmp_path / "ds" / "samples.jsonl").read_text().splitlines() if x.strip()]
    assert not [s for s in samples if s["task"] in ("driving_plan", "game_frames")]
    forced = [ns for ns in res.not_served if ns["task"] in ("driving_plan", "game_frames")]
    assert all("only when the intent asks for it" in ns["reason"] for ns in forced)
    asked = plan_intent("driving planning data from this dashcam video")  # asked by name: still served
    assert not asked.fuzzy and asked.tasks[0].task == "driving_plan"
