"""Showcase figures (issue 21): game_frames and edit_pair on held-out ALE and ViZDoom episodes,
driving_plan on held-out highway-env drives, edit_pair on held-out pybullet robot episodes.

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

ViZDoom (seeds 100-103; `basic` never looked at): the same game_frames / edit_pair figures, events
are the kill count and the status bar's health / ammo. highway-env (seeds 100-105 of highway-v0,
and merge-v0 never looked at): the plan of every driving_plan sample recomputed from the raw rows at
t and t+h (lane, target lane, speed), and the answer's numbers against them; the same drives as plain
videos must give no plan. Robot (pybullet, seeds 100-107, one per fault mode): every edit pair's
object is, by the simulator, moved and at the target between its before and after frames.

    python benchmarks/bench_showcases.py [--seconds 20] [--out /tmp/showcases] [--only ale,doom,drive,robot]
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
DOOM = [("defend_the_center", 100), ("defend_the_center", 101), ("defend_the_line", 102), ("basic", 103)]
DRIVES = [("highway-v0", s) for s in range(100, 106)] + [("merge-v0", 106)]
ROBOT_MODES = ("success", "hesitation", "missed_grasp", "drop", "slip", "regrasp", "collision", "early_stall")


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


def _events(rows, i0, i1, hud=()):
    """(kind, value) of the score / lives / on-screen counter changes the log shows at frames i0+1 .. i1."""
    ev = []
    for i in range(max(1, i0 + 1), min(i1, len(rows) - 1) + 1):
        p, c = rows[i - 1], rows[i]
        if c["score"] != p["score"]:
            ev.append(("score", c["score"]))
        if c["lives"] < p["lives"]:
            ev.append(("life", c["lives"]))
        for f in hud:
            if c["vars"][f] != p["vars"][f]:
                ev.append((f, c["vars"][f]))
    return ev


def _tailor(dirs, task, domain, out):
    from dataclaw.export.native import read_samples
    from dataclaw.model import Plan, TaskSpec
    from dataclaw.pipeline import tailor

    plan = Plan(intent=task, tasks=[TaskSpec(task=task, domain=domain, instruction=task)])
    t = time.perf_counter()
    res = tailor([str(d) for d in dirs], plan=plan, out=out, quiet=True)
    wall = time.perf_counter() - t
    per = res.counts["per_task"].get(task, {"accepted": 0, "rejected": 0})
    fig = {"accepted": per["accepted"], "rejected": per["rejected"],
           "verified_rate": round(per["accepted"] / max(1, per["accepted"] + per["rejected"]), 4),
           "wall_s": round(wall, 2), "s_per_sample": round(wall / max(1, per["accepted"]), 3)}
    return fig, [s.model_dump() for s in read_samples(out)]


def games(root: Path, dirs: list[Path], tag: str) -> dict:
    logs = {str(d): _log(d) for d in dirs}
    report = {}
    for task in ("game_frames", "edit_pair"):
        fig, rows = _tailor(dirs, task, "aigc", root / f"{tag}-{task}")
        if task == "game_frames":
            ok_act = n_claims = true_claims = n_truth = found = 0
            for r in rows:
                header, log = logs[r["provenance"]["source_path"]]
                fps, hud = header["fps"], header.get("hud_fields") or ()
                act = next(s for s in r["solution"] if s["type"] == "action")
                i0, i1 = round(act["t0"] * fps), round(act["t1"] * fps)
                text = r["query"]["text"]
                said = [(a, float(x)) for a, x in re.findall(r"\b([A-Z][A-Z_]+)\b for (\d+\.\d+) s", text)]
                ok_act += said == _runs([x["action"] for x in log[i0:i1]], fps)
                truth = _events(log, i0, i1, hud)
                claims = [("score", float(v)) for v in re.findall(r"score (?:rises|falls) by \d+, now (-?\d+)", text)]
                claims += [("life", float(v)) for v in re.findall(r"a life is lost, (\d+) lives remain", text)]
                claims += [(f, float(v)) for f, v in re.findall(r"the (\w+) (?:rises|falls) by \d+, now (-?\d+)", text)
                           if f != "score"]
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
                fps, hud = header["fps"], header.get("hud_fields") or ()
                b, a = round(r["query"]["media"][0]["t0"] * fps), round(r["solution"][0]["t0"] * fps)
                ev = _events(log, b, a, hud)
                text = r["query"]["text"]
                m = re.search(r"(?:the (\w+) by \d+, )?making it (-?\d+)", text)
                n = re.search(r"lives become (\d+)", text)
                want = ((m.group(1) or "score", float(m.group(2))) if m else ("life", float(n.group(1))) if n else None)
                agree += want in [(k, float(v)) for k, v in ev]
            all_events = sum(len(_events(log, 0, len(log) - 1, h.get("hud_fields") or ()))
                             for h, log in logs.values())
            fig.update({"edit_agreement": round(agree / max(1, len(rows)), 4), "log_events": all_events,
                        "event_coverage": round(len(rows) / max(1, all_events), 4)})
        report[task] = fig
    return report


def drives(root: Path, seconds: float) -> dict:
    from dataclaw.sim.highway import record_highway

    dirs = [record_highway(root / "drive" / f"{e}-{s}", seed=s, seconds=seconds, env_id=e) for e, s in DRIVES]
    logs = {str(d): _log(d) for d in dirs}
    fig, rows = _tailor(dirs, "driving_plan", "embodied", root / "driving_plan")
    agree = numbers = 0
    kinds: dict[str, int] = {}
    for r in rows:
        header, log = logs[r["provenance"]["source_path"]]
        fps = header["fps"]
        act = next(s for s in r["solution"] if s["type"] == "action")
        e0, e1 = log[round(act["t0"] * fps)]["ego"], log[round(act["t1"] * fps)]["ego"]
        dest = e1["lane"] if e1["lane"] != e0["lane"] else e1["target_lane"]
        want = "keep_lane" if dest == e0["lane"] else "change_lane_left" if dest < e0["lane"] else "change_lane_right"
        dv = round(e1["speed"], 1) - round(e0["speed"], 1)
        speed = "brake" if dv <= -1.0 else "accelerate" if dv >= 1.0 else "keep"
        a = act["action"]
        agree += a["manoeuvre"] == want and a["target_lane"] == dest and a["speed"] == speed
        text = r["solution"][0]["text"]
        numbers += (f"lane {dest}" in text and f"{round(e0['speed'], 1):.1f} m/s now" in text
                    and f"{round(e1['speed'], 1):.1f} m/s then" in text)
        key = f"{a['manoeuvre']}+{a['speed']}"
        kinds[key] = kinds.get(key, 0) + 1
    fig.update({"plan_agreement": round(agree / max(1, len(rows)), 4),
                "answer_numbers_agree": round(numbers / max(1, len(rows)), 4), "plans": dict(sorted(kinds.items())),
                "lane_changes_logged": sum(sum(1 for p, c in zip(lg, lg[1:]) if p["ego"]["lane"] != c["ego"]["lane"])
                                           for _, lg in logs.values())})
    plain = root / "drive_plain"
    plain.mkdir(parents=True, exist_ok=True)
    vids = []
    for d in dirs[:2]:
        vids.append(plain / f"{d.name}.mp4")
        shutil.copyfile(d / "video.mp4", vids[-1])
    pfig, prow = _tailor(vids, "driving_plan", "embodied", root / "driving_plan_plain")
    pfig["no_plan_and_says_unknown"] = round(sum(
        not any(s["type"] == "action" for s in r["solution"]) and "cannot be known" in r["solution"][0]["text"]
        for r in prow) / max(1, len(prow)), 4)
    return {"driving_plan": fig, "driving_plan_plain_video": pfig, "drives": [f"{e}-{s}" for e, s in DRIVES]}


def robots(root: Path) -> dict:
    import numpy as np

    from dataclaw.sim import simulate_episode, write_lerobot_dataset
    from dataclaw.sources.robot import episode_paths

    eps = [simulate_episode(m, seed=100 + i, fps=10.0) for i, m in enumerate(ROBOT_MODES)]
    paths = episode_paths(write_lerobot_dataset(root / "robot" / "lerobot", eps))
    fig, rows = _tailor(paths, "edit_pair", "aigc", root / "robot-edit_pair")
    by_path = {str(p): ep for p, ep in zip(paths, eps)}
    ok, modes = 0, []
    for r in rows:
        ep = by_path[r["provenance"]["source_path"]]
        fps = len(ep.cube_pos) / float(ep.t[-1] + 1.0 / 10.0)
        i0 = int(r["query"]["media"][0]["t0"] * fps)
        i1 = min(len(ep.cube_pos) - 1, int(r["solution"][0]["t0"] * fps))
        moved = float(np.linalg.norm(ep.cube_pos[i1, :2] - ep.cube_pos[i0, :2]))
        at = float(np.linalg.norm(ep.cube_pos[i1, :2] - np.asarray(ep.target_pos[:2])))
        ok += moved > 0.03 and at < 0.05
        modes.append(ep.mode)
    fig.update({"object_moved_to_target": round(ok / max(1, len(rows)), 4), "pairs_by_mode": modes,
                "episodes": len(eps)})
    return {"edit_pair_robot": fig}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--out", default="/tmp/showcases")
    ap.add_argument("--only", default="ale,doom,drive,robot")
    args = ap.parse_args()
    only = set(args.only.split(","))
    root = Path(args.out)
    shutil.rmtree(root, ignore_errors=True)
    report: dict = {"seconds": args.seconds}
    if "ale" in only:
        from dataclaw.sim.ale import record_ale

        dirs = [record_ale(root / "rec" / f"{g}-{s}", g, seed=s, seconds=args.seconds) for g, s in HELD_OUT]
        report["ale"] = {"episodes": [f"{g}-{s}" for g, s in HELD_OUT], **games(root, dirs, "ale")}
    if "doom" in only:
        from dataclaw.sim.vizdoom import record_vizdoom

        dirs = [record_vizdoom(root / "doom" / f"{g}-{s}", g, seed=s, seconds=args.seconds) for g, s in DOOM]
        report["vizdoom"] = {"episodes": [f"{g}-{s}" for g, s in DOOM], **games(root, dirs, "doom")}
    if "drive" in only:
        report["highway"] = drives(root, args.seconds)
    if "robot" in only:
        report["robot"] = robots(root)
    print(json.dumps(report, indent=2))
    (root / "report.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
