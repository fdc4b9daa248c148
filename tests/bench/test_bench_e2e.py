"""build --size small + run (rules, naive) + report, end to end, checked against the generators' truth."""
from __future__ import annotations

import hashlib
import json

from bench_helpers import cli, results


def test_build_manifest_and_cases(bench_dir):
    m = json.loads((bench_dir / "manifest.json").read_text())
    assert m["name"] == "dataclaw-val" and m["size"] == "small" and m["seed"] == 3
    assert m["cases_sha256"] == hashlib.sha256((bench_dir / "cases.jsonl").read_bytes()).hexdigest()
    for rel, digest in m["sources"].items():
        assert (bench_dir / rel).exists() and len(digest) == 64
    cases = [json.loads(line) for line in (bench_dir / "cases.jsonl").read_text().splitlines()]
    assert {c["domain"] for c in cases} == {"education", "aigc", "embodied"}
    assert m["clear"] == m["fuzzy"] == len(cases) // 2
    assert any("gui" in t for t in m["todo"])  # GUI is full-size only, and says so
    # references come from the generators' truth: the lecture's slide times and narration
    tut = next(c for c in cases if c["task"] == "tutorial")
    truth = json.loads((bench_dir / tut["source"]).with_name("truth.json").read_text())
    steps = tut["reference"]["draft"]["steps"]
    assert [s["t0"] for s in steps] == [s["t0"] for s in truth["slides"]]
    assert truth["narration"][0]["text"] in steps[0]["text"]
    seg = next(c for c in cases if c["task"] == "segmentation")
    sim = json.loads((bench_dir / seg["source"]).with_suffix(".truth.json").read_text())
    assert [u["label"] for u in seg["reference"]["units"]] == [p["phase"] for p in sim["phases"]]


def test_intents_deterministic_given_seed():
    import numpy as np

    from dataclaw.bench.intents import INTENTS, pick

    def draw(seed):
        rng = np.random.default_rng(seed)
        return [pick(t, f, rng) for t in sorted(INTENTS) for f in (False, True)]

    assert draw(3) == draw(3)
    assert draw(3) != draw(4)
    assert all(p not in INTENTS[t]["clear"] for t in INTENTS for p in INTENTS[t]["fuzzy"])


def test_rules_run(rules_run, bench_dir):
    res = results(rules_run)
    n = len((bench_dir / "cases.jsonl").read_text().splitlines())
    assert len(res) == n and not any(r.get("error") for r in res.values())
    for r in res.values():
        assert r["validity"] == 1.0 and r["samples"] >= 1
    # the rules segmentation of a simulated episode follows the simulator's phases
    seg = next(r for r in res.values() if r["task"] == "segmentation")
    assert seg["field"] >= 0.8 and seg["sequence"] >= 0.8
    tut = next(r for r in res.values() if r["task"] == "tutorial")
    # grounding against the truth counts the text's claims too: a word the ASR/OCR got wrong is not in the truth
    assert tut["kendall_tau"] == 1.0 and tut["semantic"] > 0.8 and tut["grounding"] > 0.85
    # the planner's pick on clear intents
    assert all(r["intent_top1"] == 1.0 for r in res.values() if not r["fuzzy"])
    summary = json.loads((rules_run / "summary.json").read_text())
    assert set(summary["domains"]) == {"education", "aigc", "embodied"}
    o = summary["overall"]["field"]
    assert o["lo"] <= o["mean"] <= o["hi"]


def test_run_resumes(rules_run, bench_dir):
    before = (rules_run / "results.jsonl").read_text()
    cli("bench", "run", str(bench_dir), "--backend", "rules", "-o", str(rules_run))
    assert (rules_run / "results.jsonl").read_text() == before  # every case done: nothing redone


def test_naive_baseline_below_rules(naive_run, rules_run):
    naive, rules = results(naive_run), results(rules_run)
    assert all(r["validity"] == 0.0 for r in naive.values())  # captions do not fit any task schema
    assert all(r["intent_top1"] is None for r in naive.values())
    mean = lambda res, k: sum(r[k] for r in res.values()) / len(res)  # noqa: E731
    assert mean(rules, "field") > mean(naive, "field") + 0.3
    assert mean(rules, "sequence") > mean(naive, "sequence")


def test_report(naive_run, rules_run, tmp_path):
    cli("bench", "report", str(rules_run), str(naive_run), "-o", str(tmp_path / "rep"))
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "| rules |" in md and "| naive |" in md and "## Per domain" in md
    for png in ("overall.png", "domain_field.png", "domain_grounding.png"):
        data = (tmp_path / "rep" / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
