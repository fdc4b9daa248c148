"""Embodied anchors against the simulator's truth (pybullet Franka Panda pick-and-place).

Simulates N episodes per mode (success, hesitation, missed grasp, drop, slip, regrasp, collision,
early stall; object shape, size, start, target, speed and sensor noise drawn per seed), writes them
as a LeRobot v2.1 dataset, runs the robot experts and scores them against the simulator's truth.
Two seed sets: `--split dev` (seeds 100+, the ones the thresholds were looked at on) and
`--split held_out` (seeds 5000+, never looked at while tuning: report these).

- contact interval IoU (per episode; effort path and gripper-state path), next to a common
  baseline: contact = the gripper is commanded closed (action), as many datasets label grasps;
- phase-boundary error (s) per true boundary, next to a baseline that splits each episode into
  five equal phases;
- fault detection precision / recall, overall and per fault type (same type, start within 0.5 s
  or overlapping);
- phase-boundary error on the failed episodes alone, and whether their phase sequence is right;
- anchor pass time against reading the episode and decoding its main camera at 5 fps (the floor).

    python benchmarks/bench_robot.py --per-mode 5 --split held_out --noise-mm 0,random,2 --out /tmp/bench_robot
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def add_noise(eps: list, noise_mm: float | None) -> None:
    """Sensor noise on what the dataset logs (positions, finger widths, joints, object, efforts); truth
    stays exact. None: a level drawn per episode in 0-1.5 mm."""
    rng = np.random.default_rng(0)
    for ep in eps:
        sd = (rng.uniform(0, 1.5) if noise_mm is None else noise_mm) / 1000
        ep.state = (ep.state + rng.normal(0, sd, ep.state.shape)).astype(np.float32)
        ep.ee_pos = (ep.ee_pos + rng.normal(0, sd, ep.ee_pos.shape)).astype(np.float32)
        ep.object_log = (ep.cube_pos + rng.normal(0, sd, ep.cube_pos.shape)).astype(np.float32)
        ep.effort = (ep.effort + np.abs(rng.normal(0, 0.5, ep.effort.shape))).astype(np.float32)


def baselines(st) -> tuple[list[tuple[float, float]], list[dict]]:
    """Contact = gripper commanded closed; phases = five equal parts of the episode."""
    from dataclaw.experts.robot_gripper import runs

    closed = st.action[:, 3] < 0.5 * float(np.max(st.action[:, 3]))
    dt = 1.0 / st.meta.fps
    contact = [(float(st.t[s]), float(st.t[e - 1] + dt)) for s, e in runs(closed)]
    cut = np.linspace(0, st.duration, 6)
    phases = [{"phase": n, "t0": a, "t1": b} for n, a, b in
              zip(("reach", "grasp", "transport", "place", "retreat"), cut, cut[1:])]
    return contact, phases


def score(eps: list, noise_mm: float | None, out: Path) -> dict:
    from dataclaw.anchors import run_experts
    from dataclaw.experts.robot_gripper import GripperParams, contact_intervals
    from dataclaw.sim import write_lerobot_dataset
    from dataclaw.sim.metrics import boundary_errors, fault_matches, interval_iou
    from dataclaw.sources.robot import RobotStream, episode_paths

    if noise_mm is None or noise_mm > 0:
        add_noise(eps, noise_mm)
    paths = episode_paths(write_lerobot_dataset(out / "lerobot", eps))
    run_experts(paths[0], use_cache=False)  # warm-up: imports are not part of the per-episode cost
    iou = {"effort": [], "gripper_state": [], "baseline": []}
    b_err, b_base, missed, missed_base = [], [], 0, 0
    f_err, f_missed, f_seq_ok, f_n = [], 0, 0, 0
    tp = fp = fn = 0
    per_type: dict[str, list[int]] = {}  # type -> [tp, fp, fn]
    wrong: list[dict] = []
    floor_s = anchor_s = dur_s = 0.0
    for ep, p in zip(eps, paths):
        truth = ep.truth()
        t = time.perf_counter()
        with RobotStream(p) as st:  # the floor: read the log and decode the main camera as the experts do
            sum(1 for _ in st.frames(fps=5.0, max_side=160, gray=True))
            floor_s += time.perf_counter() - t
            dur_s += st.duration
            spans_state, _ = contact_intervals(st.t, st.gripper, None, GripperParams())
            base_contact, base_phases = baselines(st)
        t = time.perf_counter()
        aset = run_experts(p, use_cache=False)
        anchor_s += time.perf_counter() - t
        iou["effort"].append(interval_iou([(a.t0, a.t1) for a in aset.of_kind("contact")], truth["contacts"]))
        iou["gripper_state"].append(interval_iou(spans_state, truth["contacts"]))
        iou["baseline"].append(interval_iou(base_contact, truth["contacts"]))
        pred = [{"phase": a.data["phase"], "t0": a.t0, "t1": a.t1} for a in aset.of_kind("phase")]
        e, m = boundary_errors(pred, truth["phases"])
        b_err, missed = b_err + e, missed + m
        if not truth["success"] or truth["faults"]:
            f_n += 1
            f_err, f_missed = f_err + e, f_missed + m
            ok = [x["phase"] for x in pred] == [x["phase"] for x in truth["phases"]]
            f_seq_ok += ok
            if not ok:
                wrong.append({"mode": ep.mode, "seed": ep.seed, "pred": [x["phase"] for x in pred],
                              "truth": [x["phase"] for x in truth["phases"]]})
        e, m = boundary_errors(base_phases, truth["phases"])
        b_base, missed_base = b_base + e, missed_base + m
        faults = [{"type": a.data["type"], "t0": a.t0, "t1": a.t1} for a in aset.of_kind("fault")]
        a, b, c = fault_matches(faults, truth["faults"], tol=0.5)
        tp, fp, fn = tp + a, fp + b, fn + c
        for typ in {f["type"] for f in truth["faults"]} | {f["type"] for f in faults}:
            r = fault_matches([x for x in faults if x["type"] == typ], [f for f in truth["faults"] if f["type"] == typ],
                              tol=0.5)
            acc = per_type.setdefault(typ, [0, 0, 0])
            for k in range(3):
                acc[k] += r[k]
        if b or c:
            wrong.append({"mode": ep.mode, "seed": ep.seed, "pred_faults": faults, "true_faults": truth["faults"]})

    def mean(x: list[float]) -> float:
        return round(statistics.fmean(x), 3) if x else float("nan")

    return {
        "noise_mm": noise_mm, "episodes": len(eps), "episode_seconds": round(dur_s, 1),
        "contact_iou": {"effort": mean(iou["effort"]), "gripper_state": mean(iou["gripper_state"]),
                        "baseline_command": mean(iou["baseline"]), "min_effort": round(min(iou["effort"]), 3),
                        "min_gripper_state": round(min(iou["gripper_state"]), 3)},
        "phase_boundary_error_s": {"mean": mean(b_err), "median": round(statistics.median(b_err), 3) if b_err else None,
                                   "max": round(max(b_err), 3) if b_err else None, "missed": missed,
                                   "n": len(b_err) + missed, "baseline_equal_split_mean": mean(b_base),
                                   "baseline_missed": missed_base},
        "failed_episodes": {"n": f_n, "phase_sequence_right": f_seq_ok, "boundary_error_mean_s": mean(f_err),
                            "boundary_error_max_s": round(max(f_err), 3) if f_err else None, "missed": f_missed},
        "faults": {"tp": tp, "fp": fp, "fn": fn, "precision": round(tp / max(1, tp + fp), 3),
                   "recall": round(tp / max(1, tp + fn), 3),
                   "per_type": {k: {"tp": v[0], "fp": v[1], "fn": v[2], "precision": round(v[0] / max(1, v[0] + v[1]), 3),
                                    "recall": round(v[0] / max(1, v[0] + v[2]), 3)} for k, v in sorted(per_type.items())}},
        "wrong": wrong,
        "speed": {"floor_s": round(floor_s, 3), "anchors_s": round(anchor_s, 3),
                  "anchors_ms_per_episode_second": round(1000 * anchor_s / dur_s, 2),
                  "anchors_over_floor": round(anchor_s / max(floor_s, 1e-9), 2)},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-mode", type=int, default=3)
    ap.add_argument("--fps", type=float, default=10.0)
    ap.add_argument("--noise-mm", default="0",
                    help="comma-separated levels of Gaussian noise (mm; mrad for joints) added to the logged "
                         "positions, finger widths, joints and object; `random` draws 0-1.5 mm per episode; "
                         "each level is scored on the same episodes")
    ap.add_argument("--split", choices=("dev", "held_out"), default="held_out",
                    help="dev: seeds 100+ (looked at while tuning); held_out: seeds 5000+ (never tuned on)")
    ap.add_argument("--modes", default=None, help="comma-separated subset of the fault modes")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    os.environ.setdefault("DATACLAW_CACHE", tempfile.mkdtemp(prefix="bench-robot-cache-"))

    from dataclaw.sim import FAULT_MODES, simulate_episode

    out = Path(args.out or tempfile.mkdtemp(prefix="bench-robot-"))
    t = time.perf_counter()
    modes = args.modes.split(",") if args.modes else list(FAULT_MODES)
    base = 100 if args.split == "dev" else 5000
    eps = [simulate_episode(m, seed=base + k * 10 + i, fps=args.fps)
           for k in range(args.per_mode) for i, m in enumerate(modes)]
    sim_s = time.perf_counter() - t
    levels = [score(copy.deepcopy(eps), None if x == "random" else float(x), out / f"noise_{x}mm")
              for x in str(args.noise_mm).split(",")]
    for lv in levels:
        lv["noise_mm"] = lv["noise_mm"] if lv["noise_mm"] is not None else "random 0-1.5"
    res = {"episodes": len(eps), "modes": modes, "split": args.split, "seeds": f"{base}+", "fps": args.fps,
           "simulate_s": round(sim_s, 1), "levels": levels}
    (out / "bench_robot.json").write_text(json.dumps(res, indent=2))
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
