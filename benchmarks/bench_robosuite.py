"""Robot experts on real human teleoperation: the robosuite 1.4.1 demonstrations against hand labels.

Decompresses `tests/data/robosuite` (10 labelled demos: Lift x3, TwoArmHandover x7; Wipe has no
gripper and is read only), runs the robot experts and scores them against `labels.json`:
contact IoU per demo, phase-boundary error per labelled boundary, faults found. References:
contact = "gripper commanded closed" (the action's gripper channel > 0), phases = equal split.
`--png DIR` writes one plot per demo (signals, hand labels, the experts' contacts and phases).

    python benchmarks/bench_robosuite.py --png /tmp/robosuite_plots
"""
from __future__ import annotations

import argparse
import json
import lzma
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "robosuite"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--png", default=None)
    args = ap.parse_args()
    os.environ.setdefault("DATACLAW_CACHE", tempfile.mkdtemp(prefix="bench-robosuite-cache-"))
    from dataclaw.anchors import run_experts
    from dataclaw.experts.robot_gripper import runs
    from dataclaw.sim.metrics import boundary_errors, interval_iou
    from dataclaw.sources.robot import RobotStream

    root = Path(tempfile.mkdtemp(prefix="robosuite-"))
    for f in DATA.rglob("*.xz"):
        dst = root / f.relative_to(DATA).with_suffix("")
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(lzma.decompress(f.read_bytes()))
    labels = json.loads((DATA / "labels.json").read_text())["episodes"]
    rows, errs, base_errs, t_anchor, dur = [], [], [], 0.0, 0.0
    for name, lab in labels.items():
        t = time.perf_counter()
        aset = run_experts(str(root / name), use_cache=False)
        t_anchor += time.perf_counter() - t
        with RobotStream(root / name) as st:
            dur += st.duration
            dt = 1 / st.meta.fps
            closed = st.action[:, 6] > 0  # robosuite: +1 closes the gripper
            base = [(float(st.t[s]), float(st.t[e - 1] + dt)) for s, e in runs(closed)]
            cut = np.linspace(0, st.duration, len(lab["phases"]) + 1)
            base_ph = [{"phase": p["phase"], "t0": a, "t1": b} for p, a, b in zip(lab["phases"], cut, cut[1:])]
            contacts = [(a.t0, a.t1) for a in aset.of_kind("contact")]
            phases = [{"phase": a.data["phase"], "t0": a.t0, "t1": a.t1} for a in aset.of_kind("phase")]
            e, missed = boundary_errors(phases, lab["phases"])
            be, bmissed = boundary_errors(base_ph, lab["phases"])
            errs += e
            base_errs += be
            rows.append({"demo": name, "contact_iou": round(interval_iou(contacts, lab["contacts"]), 3),
                         "reference_iou": round(interval_iou(base, lab["contacts"]), 3),
                         "boundary_err_s": [round(x, 2) for x in e], "missed": missed,
                         "phases": [p["phase"] for p in phases], "labelled": [p["phase"] for p in lab["phases"]],
                         "faults": [(a.data["type"], round(a.t0, 2)) for a in aset.of_kind("fault")]})
            if args.png:
                _plot(st, lab, contacts, phases, Path(args.png) / (name.replace("/", "_").replace("#", "_") + ".png"))
    res = {"demos": len(rows), "seconds": round(dur, 1),
           "contact_iou_mean": round(statistics.fmean(r["contact_iou"] for r in rows), 3),
           "contact_iou_min": min(r["contact_iou"] for r in rows),
           "reference_iou_mean": round(statistics.fmean(r["reference_iou"] for r in rows), 3),
           "boundary_err_mean_s": round(statistics.fmean(errs), 3), "boundary_err_max_s": max(errs),
           "boundaries": len(errs) + sum(r["missed"] for r in rows), "missed": sum(r["missed"] for r in rows),
           "reference_boundary_err_mean_s": round(statistics.fmean(base_errs), 3),
           "anchors_ms_per_episode_second": round(1000 * t_anchor / dur, 2), "per_demo": rows}
    print(json.dumps(res, indent=1))


def _plot(st, lab, contacts, phases, path: Path) -> None:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(14, 3))
    ax.plot(st.t, st.gripper * 10, label="finger opening x10 (m)")
    ax.plot(st.t, st.ee_pos[:, 2] - 0.8, label="end effector z - 0.8 m")
    ax.plot(st.t, st.object_pos[:, 2] - 0.8, label="object z - 0.8 m")
    for a, b in lab["contacts"]:
        ax.axvspan(a, b, ymin=0.92, ymax=1.0, color="green", alpha=0.5)
    for a, b in contacts:
        ax.axvspan(a, b, ymin=0.84, ymax=0.92, color="purple", alpha=0.5)
    for p in lab["phases"]:
        ax.axvline(p["t0"], color="green", lw=1)
        ax.text(p["t0"], 0.75, p["phase"], color="green", fontsize=7)
    for p in phases:
        ax.axvline(p["t0"], color="purple", lw=1, ls="--")
        ax.text(p["t0"], 0.65, p["phase"], color="purple", fontsize=7)
    ax.set_ylim(-0.05, 0.9)
    ax.set_title(f"{path.stem}: green = hand labels, purple = experts", fontsize=8)
    ax.legend(fontsize=6, loc="center left")
    fig.tight_layout()
    fig.savefig(path, dpi=60)
    plt.close(fig)


if __name__ == "__main__":
    main()
