"""Showcase figures (issue 21): game_frames and edit_pair on held-out ALE episodes.

Records Atari episodes headless (ale-py, ROMs in its wheel) on seeds never used while developing
(100+), including a game never looked at (space_invaders: no RAM fields, so no player-motion
anchors), runs `tailor()` with the rules backend, and scores every sample against the engine's log
read independently from game.jsonl (not from the anchors):

    verified rate        accepted / (accepted + rejected)
    action agreement     the prompt's "ACTION for X s" runs == the runs of the logged actions over [t, t+h)
    event precision      score / life claims in the prompt that the log shows inside (t, t+h]
    event recall         score / life changes the log shows inside (t, t+h] that the prompt states
    edit agreement       the log shows the instruction's event between the pair's before and after frames
    cost                 wall seconds per accepted sample (recording excluded), this machine's CPU

    python benchmarks/bench_showcases.py [--seconds 20] [--out /tmp/showcases]
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import time
from pathlib import Path

HELD_OUT = [("breakout", 100), ("breakout", 101), ("pong", 102), ("freeway", 103), ("space_invaders", 104),
            ("space_invaders", 105)]


def _log(d: Path):
    lines = (d / "game.jsonl").read_text().splitlines()
    return json.loads(lines[0]), [json.loads(x) for x in lines[1:]]


def _runs(actions, fps):
    out = []
    for a in actions:
        if out and out[-1][0] == a:
            out[-1][1] += 1
        else:
            out.append([a, 1])
    return [(a, round(n / fps, 2)) for a, n in out]


def _events(rows, i0, i1):
    """(kind, value) of the score / lives changes the log shows at frames i0+1 .. i1."""
    ev = []
    for i in range(max(1, i0 + 1), min(i1, len(rows) - 1) + 1):
        p, c = rows[i - 1], rows[i]
        if c["score"] != p["score"]:
            ev.append(("score", c["score"]))
        if c["lives"] < p["lives"]:
            ev.append(("life", c["lives"]))
    return ev


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--out", default="/tmp/showcases")
    args = ap.parse_args()
    from dataclaw.export.native import read_samples
    from dataclaw.model import Plan, TaskSpec
    from dataclaw.pipeline import tailor
    from dataclaw.sim.ale import record_ale

    root = Path(args.out)
    shutil.rmtree(root, ignore_errors=True)
    dirs = [record_ale(root / "rec" / f"{g}-{s}", g, seed=s, seconds=args.seconds) for g, s in HELD_OUT]
    logs = {str(d): _log(d) for d in dirs}
    report = {"episodes": [f"{g}-{s}" for g, s in HELD_OUT], "seconds": args.seconds}
    for task in ("game_frames", "edit_pair"):
        out = root / task
        plan = Plan(intent=task, tasks=[TaskSpec(task=task, domain="aigc", instruction=task)])
        t = time.perf_counter()
        res = tailor([str(d) for d in dirs], plan=plan, out=out, quiet=True)
        wall = time.perf_counter() - t
        per = res.counts["per_task"].get(task, {"accepted": 0, "rejected": 0})
        rows = [s.model_dump() for s in read_samples(out)]
        fig = {"accepted": per["accepted"], "rejected": per["rejected"],
               "verified_rate": round(per["accepted"] / max(1, per["accepted"] + per["rejected"]), 4),
               "wall_s": round(wall, 2), "s_per_sample": round(wall / max(1, per["accepted"]), 3)}
        if task == "game_frames":
            ok_act = n_claims = true_claims = n_truth = found = 0
            for r in rows:
                header, log = logs[r["provenance"]["source_path"]]
                fps = header["fps"]
                act = next(s for s in r["solution"] if s["type"] == "action")
                i0, i1 = round(act["t0"] * fps), round(act["t1"] * fps)
                text = r["query"]["text"]
                said = [(a, float(x)) for a, x in re.findall(r"\b([A-Z]{2,})\b for (\d+\.\d+) s", text)]
                ok_act += said == _runs([x["action"] for x in log[i0:i1]], fps)
                truth = _events(log, i0, i1)
                claims = [("score", float(v)) for v in re.findall(r"score (?:rises|falls) by \d+, now (-?\d+)", text)]
                claims += [("life", float(v)) for v in re.findall(r"a life is lost, (\d+) lives remain", text)]
                n_claims += len(claims)
                true_claims += sum(c in [(k, float(v)) for k, v in truth] for c in claims)
                n_truth += len(truth)
                found += sum((k, float(v)) in claims for k, v in truth)
            fig.update({"action_agreement": round(ok_act / max(1, len(rows)), 4),
                        "event_precision": round(true_claims / max(1, n_claims), 4), "event_claims": n_claims,
                        "event_recall": round(found / max(1, n_truth), 4), "log_events": n_truth})
        else:
            agree = 0
            for r in rows:
                header, log = logs[r["provenance"]["source_path"]]
                fps = header["fps"]
                b, a = round(r["query"]["media"][0]["t0"] * fps), round(r["solution"][0]["t0"] * fps)
                ev = _events(log, b, a)
                text = r["query"]["text"]
                m = re.search(r"making it (-?\d+)", text)
                n = re.search(r"lives become (\d+)", text)
                want = ("score", float(m.group(1))) if m else ("life", float(n.group(1))) if n else None
                agree += want in [(k, float(v)) for k, v in ev]
            all_events = sum(len(_events(log, 0, len(log) - 1)) for _, log in logs.values())
            fig.update({"edit_agreement": round(agree / max(1, len(rows)), 4), "log_events": all_events,
                        "event_coverage": round(len(rows) / max(1, all_events), 4)})
        report[task] = fig
    print(json.dumps(report, indent=2))
    (root / "report.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
