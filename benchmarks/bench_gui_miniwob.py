"""GUI benchmark on MiniWoB++ pages nobody here wrote (headless Chromium via Playwright).

    python benchmarks/bench_gui_miniwob.py [--corpus DIR] [--fresh DIR2 [--fresh-seeds 6,7]] [--sets N] [--json OUT] [--ocr]
        [--splits dev,holdout_seeds,holdout_tasks,fresh_seeds] [--parts actions,tailor,stitch]

Records the corpus into DIR unless it is there (dataclaw.bench.miniwob.build_corpus: every task
with a scripted solver, seeds 0-3, two consecutive episodes per recording) and, with --fresh, seeds
--fresh-seeds (default 4-5) of every task into DIR2 (recorded for this held-out split, never used to
tune anything), then
measures, per task type and overall, on a development split and on held-out task types and seeds:
  - action recall / precision of the reduced actions against the driver's truth (events form,
    trace.zip, screenshot steps);
  - rules-output verify rate: gui_trajectory and gui_grounding samples the rules backend writes
    that pass the verifier, of the evidence bundles offered (dataclaw.tailor, rules backend);
  - grounding point-in-box: the sample's point inside the target's true DOM box, and (trace form,
    no logged boxes, with --ocr) the true element centre inside our OCR / changed-region box;
  - stitching: N fragment sets per split (2-4 fragments of one recording, cut at random points and
    starting on blank, loading or mid-transition frames, plus 1-3 fragments of other tasks):
    exact-order rate, distractor drop rate, wrong orders and undecidable sets (no sample rather
    than a guess), with URLs logged and screen-only (no URL/title), with and without OCR text.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "gui"))

from metrics import action_prf, in_box  # noqa: E402

HOLDOUT_TASKS = ("click-tab-2", "copy-paste", "enter-time", "navigate-tree", "odd-or-even", "read-table",
                 "unicode-test", "use-autocomplete")
HOLDOUT_GROUPS = ("1",)  # recordings task__1 (seeds 2, 3) of the development tasks
NO_OCR = {"gui_screens": {"ocr": False, "ocr_elements": "never"}}
OCR_STITCH = {"gui_screens": {"ocr": True, "ocr_elements": "never"}}  # OCR the start / end screens only
FORMS = {"events": "gui", "trace": "trace.zip", "steps": "steps"}


def split_of(rec: Path) -> str:
    task, group = rec.name.rsplit("__", 1)
    if task in HOLDOUT_TASKS:
        return "holdout_tasks"
    return "holdout_seeds" if group in HOLDOUT_GROUPS else "dev"


def task_of(rec: Path) -> str:
    return rec.name.rsplit("__", 1)[0]


def scaled(truth: list[dict], k: float) -> list[dict]:
    out = []
    for a in truth:
        b = dict(a)
        for key in ("x", "y", "dx", "dy"):
            if key in b and b[key] is not None:
                b[key] = b[key] / k
        out.append(b)
    return out


def bench_actions(recs: list[Path]) -> dict:
    from dataclaw.anchors import run_experts

    per: dict = defaultdict(lambda: defaultdict(lambda: {"matched": 0, "pred": 0, "truth": 0}))
    for rec in recs:
        t = json.loads((rec / "truth.json").read_text())
        for form, sub in FORMS.items():
            got = [a.data for a in run_experts(rec / sub, ["gui_actions"]).of_kind("gui_action")]
            truth = scaled(t["actions"], t.get("scale", 1.0)) if form == "trace" else t["actions"]
            m = action_prf(got, truth)
            for key in ("matched", "pred", "truth"):
                per[task_of(rec)][form][key] += m[key]
    return {task: {form: _prf(v) for form, v in forms.items()} for task, forms in per.items()}


def _prf(v: dict) -> dict:
    return {"recall": round(v["matched"] / v["truth"], 4) if v["truth"] else 1.0,
            "precision": round(v["matched"] / v["pred"], 4) if v["pred"] else 1.0, "actions": v["truth"],
            "matched": v["matched"], "pred": v["pred"]}


def bench_tailor(recs: list[Path], work: Path) -> dict:
    """Rules-output verify rate and point-in-true-box of the grounding samples, per task type."""
    import dataclaw
    from dataclaw.model import Plan, TaskSpec

    out: dict = defaultdict(lambda: {"traj_ok": 0, "traj_rejected": 0, "ground_ok": 0, "ground_rejected": 0,
                                     "clicks": 0, "point_in": 0, "reasons": []})
    intent = "make GUI agent training data"
    plan = Plan(intent=intent, tasks=[TaskSpec(task=t, domain="gui", instruction=intent)
                                      for t in ("gui_trajectory", "gui_grounding")])
    for rec in recs:
        o = work / rec.name
        dataclaw.tailor(rec / "gui", plan=plan, out=o, quiet=True, expert_params=NO_OCR, resume=False)
        row = out[task_of(rec)]
        truth = [a for a in json.loads((rec / "truth.json").read_text())["actions"] if a["type"] in ("click", "drag")]
        for line in (o / "samples.jsonl").read_text().splitlines() if (o / "samples.jsonl").exists() else []:
            s = json.loads(line)
            if s["task"] == "gui_trajectory":
                row["traj_ok"] += 1
            else:
                row["ground_ok"] += 1
                act = s["solution"][0]["action"]
                act = json.loads(act) if isinstance(act, str) else act
                t = min(truth, key=lambda c: abs(c["x"] - act["x"]) + abs(c["y"] - act["y"]))
                row["clicks"] += 1
                row["point_in"] += bool(t.get("bbox")) and in_box(act["x"], act["y"], t["bbox"])
        rej = o / "rejected.jsonl"
        for line in rej.read_text().splitlines() if rej.exists() else []:
            r = json.loads(line)
            row["traj_rejected" if r["task"] == "gui_trajectory" else "ground_rejected"] += 1
            row["reasons"].append(r["reasons"][:2])
    return {task: {"traj_verify_rate": _rate(v["traj_ok"], v["traj_ok"] + v["traj_rejected"]),
                   "trajectories": v["traj_ok"] + v["traj_rejected"],
                   "ground_verify_rate": _rate(v["ground_ok"], v["ground_ok"] + v["ground_rejected"]),
                   "grounding_samples": v["ground_ok"] + v["ground_rejected"],
                   "point_in_true_box": _rate(v["point_in"], v["clicks"]), "reasons": v["reasons"][:3]}
            for task, v in out.items()}


def _rate(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def bench_grounding_ocr(recs: list[Path]) -> dict:
    """Trace form (no logged names or boxes): OCR / changed-region boxes against the true DOM box."""
    from dataclaw.anchors import run_experts
    from dataclaw.model import TaskSpec
    from dataclaw.tasks import get_task

    task = get_task("gui_grounding")
    spec = TaskSpec(task="gui_grounding", domain="gui", instruction="element grounding")
    n = made = centre_in = 0
    for rec in recs:
        t = json.loads((rec / "truth.json").read_text())
        k = t.get("scale", 1.0)
        clicks = [a for a in scaled(t["actions"], k) if a["type"] == "click"]
        n += len(clicks)
        aset = run_experts(rec / "trace.zip", ["gui_screens"])
        for ev in task.select(aset, spec):
            d = task.rules(ev, spec)
            x, y = d["point"]
            c = min(clicks, key=lambda c: abs(c["x"] - x) + abs(c["y"] - y))
            if not c.get("bbox"):
                continue
            made += 1
            bx, by, bw, bh = [v / k for v in c["bbox"]]
            centre_in += in_box(bx + bw / 2, by + bh / 2, d["bbox"], pad=2)
    return {"clicks": n, "samples": made, "coverage": _rate(made, n), "true_centre_in_our_box": _rate(centre_in, made)}


CONDITIONS = {"url_ocr": (True, True), "screen_ocr": (False, True), "url_no_ocr": (True, False),
              "screen_no_ocr": (False, False)}


def strip(aset, keep_url: bool, keep_text: bool):
    """The same anchors as a screen-only logger (no URL, no window title) and / or a run without OCR
    would give: the stitcher reads URL, title and text only from these fields."""
    import dataclasses

    anchors = []
    for a in aset.anchors:
        if a.kind in ("screen_state", "gui_action", "gui_element"):
            data = dict(a.data)
            if not keep_url:
                data["url"] = data["title"] = None
            if not keep_text and a.kind == "screen_state":
                data["text"], data["lines"] = "", []
            a = a.model_copy(update={"data": data})
        anchors.append(a)
    return dataclasses.replace(aset, anchors=anchors)


def bench_stitch(recs: list[Path], work: Path, n_sets: int, seed: int) -> dict:
    """Fragment sets recorded with URLs; gui_screens runs once per set with OCR; each condition reads
    the same anchors with URL / title and / or OCR text removed (as a screen-only logger or a run
    without OCR would give them). An undecidable or unconnected set makes no sample: counted apart."""
    from dataclaw.anchors import run_experts
    from dataclaw.bench.miniwob import build_fragment_sets
    from dataclaw.model import TaskSpec
    from dataclaw.tasks import get_task

    task = get_task("gui_stitch")
    spec = TaskSpec(task="gui_stitch", domain="gui", instruction="stitch these fragments into one task")
    from dataclaw.bench.miniwob import FragmentSet

    kept = sorted(work.glob("set_*.truth.json"))[:n_sets]
    if len(kept) == n_sets:  # a rerun with --work: the same sets (and their cached anchors)
        sets = [FragmentSet(**json.loads(f.read_text())) for f in kept]
    else:
        sets = build_fragment_sets(recs, work, n_sets=n_sets, seed=seed, keep_url=True)
    res = {c: {"exact": 0, "dropped_ok": 0, "pairs": 0, "pair_total": 0, "undecided": 0, "unconnected": 0,
               "wrong": 0, "by_task": defaultdict(lambda: [0, 0]), "starts": defaultdict(lambda: [0, 0]),
               "failures": []} for c in CONDITIONS}
    t = time.perf_counter()
    for fs in sets:
        full = run_experts(fs.path, ["gui_screens"], OCR_STITCH)
        names = [f["name"] for f in full.meta["video"]["fragments"]]
        for cond, (keep_url, keep_text) in CONDITIONS.items():
            r = res[cond]
            aset = strip(full, keep_url, keep_text)
            err = None
            try:
                evs = task.select(aset, spec)
            except ValueError as exc:
                evs, err = [], str(exc)
            got = [names[k] for k in evs[0].meta["chain"]] if evs else []
            dropped = sorted(names[d["fragment"]] for d in evs[0].meta["dropped"]) if evs else []
            ok = got == fs.order
            r["exact"] += ok
            r["undecided"] += bool(err and err.startswith("undecidable"))
            r["unconnected"] += bool(err and err.startswith("no two"))
            r["wrong"] += bool(evs) and not ok
            r["dropped_ok"] += bool(evs) and dropped == sorted(fs.distractors)
            for a, b in zip(fs.order, fs.order[1:]):
                r["pair_total"] += 1
                r["pairs"] += a in got and b in got and got.index(a) + 1 == got.index(b)
            r["by_task"][fs.task][0] += ok
            r["by_task"][fs.task][1] += 1
            for name in fs.order[1:]:
                r["starts"][fs.starts[name]][0] += ok
                r["starts"][fs.starts[name]][1] += 1
            if not ok or dropped != sorted(fs.distractors):
                r["failures"].append({"set": Path(fs.path).name, "task": fs.task, "want": fs.order, "got": got,
                                      "distractors": fs.distractors, "dropped": dropped, "error": err})
    n = len(sets)
    out = {"sets": n, "fragments": sum(len(s.order) for s in sets), "distractors": sum(len(s.distractors) for s in sets),
           "seconds": round(time.perf_counter() - t, 1)}
    for cond, r in res.items():
        out[cond] = {"order_exact": _rate(r["exact"], n), "distractors_dropped": _rate(r["dropped_ok"], n),
                     "wrong": r["wrong"], "undecided": r["undecided"], "unconnected": r["unconnected"],
                     "exact_when_decided": _rate(r["exact"], n - r["undecided"] - r["unconnected"]),
                     "adjacent_pairs": _rate(r["pairs"], r["pair_total"]),
                     "exact_by_start": {k: _rate(*v) for k, v in r["starts"].items()},
                     "exact_by_task": {k: _rate(*v) for k, v in sorted(r["by_task"].items())},
                     "failures": r["failures"][:10]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, help="corpus folder, seeds 0-3 (recorded when missing; needed by the "
                                                "dev, holdout_seeds and holdout_tasks splits only)")
    ap.add_argument("--fresh", type=Path, help="a second corpus folder: seeds --fresh-seeds of every task, recorded "
                                               "when missing, never used to tune anything (split fresh_seeds)")
    ap.add_argument("--fresh-seeds", default="4,5", help="the seeds recorded into --fresh (comma-separated); pick "
                                                      "seeds no one has looked at for a blind held-out figure")
    ap.add_argument("--sets", type=int, default=40, help="fragment sets per split")
    ap.add_argument("--splits", default="dev,holdout_seeds,holdout_tasks,fresh_seeds")
    ap.add_argument("--parts", default="actions,tailor,stitch", help="what to measure (comma-separated)")
    ap.add_argument("--ocr", action="store_true", help="also grounding on the trace form with OCR")
    ap.add_argument("--work", type=Path, help="work folder to reuse (fragment sets and anchor cache of a former run)")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    from dataclaw.bench.miniwob import build_corpus, recordings

    work = a.work or Path(tempfile.mkdtemp(prefix="bench_miniwob_"))
    os.environ.setdefault("DATACLAW_CACHE", str(work / "cache"))
    parts = set(a.parts.split(","))
    t = time.perf_counter()
    eps, splits = [], {}
    if set(a.splits.split(",")) - {"fresh_seeds"}:  # a fresh-seeds run alone does not record seeds 0-3
        if not a.corpus:
            ap.error("--corpus is needed for the dev, holdout_seeds and holdout_tasks splits")
        eps = build_corpus(a.corpus, seeds=["0", "1", "2", "3"], episodes_per_recording=2,
                           progress=lambda m: print(m, file=sys.stderr))
        recs = recordings(a.corpus)
        splits = {s: [r for r in recs if split_of(r) == s] for s in ("dev", "holdout_seeds", "holdout_tasks")}
    if a.fresh:
        fresh_seeds = a.fresh_seeds.split(",")
        eps += build_corpus(a.fresh, seeds=fresh_seeds, episodes_per_recording=2, seed=int("".join(fresh_seeds)),
                            progress=lambda m: print(m, file=sys.stderr))
        splits["fresh_seeds"] = recordings(a.fresh)
    rec_s = time.perf_counter() - t
    result: dict = {"record_s": round(rec_s, 1), "recordings": sum(len(v) for v in splits.values()),
                    "episodes": len(eps), "task_types": len({e.task for e in eps}),
                    "success": sum(e.success for e in eps), "failed": sum(e.done and not e.success for e in eps),
                    "unfinished": sum(not e.done for e in eps),
                    "solver_errors": [f"{e.task}:{e.seed}: {e.error}" for e in eps if e.error]}
    for name in a.splits.split(","):
        rs = splits.get(name)
        if not rs:
            continue
        t = time.perf_counter()
        res: dict = {"task_types": sorted({task_of(r) for r in rs})}
        if "actions" in parts:
            res["actions"] = bench_actions(rs)
        if "tailor" in parts:
            res["tailor"] = bench_tailor(rs, work / "tailor" / name)
        if "stitch" in parts:
            res["stitch"] = bench_stitch(rs, work / "sets" / name, a.sets, seed=1)
        if a.ocr:
            res["grounding_trace_ocr"] = bench_grounding_ocr(rs[:: max(1, len(rs) // 12)])
        if "actions" in res and "tailor" in res:
            res["overall"] = overall(res["actions"], res["tailor"])
        res["seconds"] = round(time.perf_counter() - t, 1)
        result[name] = res
        print(name, json.dumps(res.get("overall")),
              json.dumps({c: res["stitch"][c]["order_exact"] for c in CONDITIONS} if "stitch" in res else None),
              file=sys.stderr)
        if a.json:  # written after each split: a long run keeps what it measured
            a.json.write_text(json.dumps(result, indent=1))
    text = json.dumps(result, indent=1)
    print(text)
    if a.json:
        a.json.write_text(text)


def overall(acts: dict, tail: dict) -> dict:
    out = {}
    for form in FORMS:
        m = sum(v[form]["matched"] for v in acts.values())
        out[f"{form}_recall"] = _rate(m, sum(v[form]["actions"] for v in acts.values()))
        out[f"{form}_precision"] = _rate(m, sum(v[form]["pred"] for v in acts.values()))
    ok = sum((v["traj_verify_rate"] or 0) * v["trajectories"] for v in tail.values())
    tot = sum(v["trajectories"] for v in tail.values())
    out["traj_verify_rate"] = round(ok / tot, 4) if tot else None
    g = sum((v["ground_verify_rate"] or 0) * v["grounding_samples"] for v in tail.values())
    gt = sum(v["grounding_samples"] for v in tail.values())
    out["ground_verify_rate"] = round(g / gt, 4) if gt else None
    pin = [v["point_in_true_box"] for v in tail.values() if v["point_in_true_box"] is not None]
    out["point_in_true_box_mean"] = round(sum(pin) / len(pin), 4) if pin else None
    return out


if __name__ == "__main__":
    main()
