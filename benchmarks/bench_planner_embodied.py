"""Planner top-1 on embodied intents, with no sources given and with sources of another kind.

Intents: `benchmarks/data/embodied_intents.jsonl` (28 phrasings, each with the task a person would
mean; `dev` = the 12 looked at while writing the planner's embodied keywords, `held_out` = 16
written afterwards and never tuned on). No sources: the plan's first task must be the wanted
one. With video / GUI sources only: a task that needs robot episodes must not appear, and a plan
for an embodied-only request must say why (a note) instead of choosing another task silently.

    python benchmarks/bench_planner_embodied.py --png /tmp/planner_embodied.png
"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).parent / "data" / "embodied_intents.jsonl"
ROBOT_ONLY = ("recovery", "segmentation", "world_model")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--png", default=None, help="write a bar chart of top-1 per split and task")
    args = ap.parse_args()
    from dataclaw.intent import plan_intent

    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    hits: dict[str, list[int]] = defaultdict(list)
    per_task: dict[tuple[str, str], list[int]] = defaultdict(list)
    wrong, method = [], ""
    other = {"robot_task_chosen": 0, "noted": 0, "n": 0}
    for r in rows:
        plan = plan_intent(r["intent"])
        method = next((n for n in plan.notes if n.startswith("planner:")), method)
        got = plan.tasks[0].task if plan.tasks else None
        ok = int(got == r["task"])
        hits[r["split"]].append(ok)
        per_task[(r["split"], r["task"])].append(ok)
        if not ok:
            wrong.append({"split": r["split"], "intent": r["intent"], "want": r["task"], "got": got})
        if r["task"] in ROBOT_ONLY:
            for kinds in (["video"], ["gui"]):
                p2 = plan_intent(r["intent"], source_kinds=kinds)
                other["n"] += 1
                other["robot_task_chosen"] += any(s.task in ROBOT_ONLY for s in p2.tasks)
                other["noted"] += any(r["task"] in n or "robot episodes" in n for n in p2.notes)
    res = {"planner": method, "top1": {k: {"right": sum(v), "n": len(v), "rate": round(sum(v) / len(v), 3)}
                                       for k, v in hits.items()},
           "per_task": {f"{s}/{t}": f"{sum(v)}/{len(v)}" for (s, t), v in sorted(per_task.items())},
           "other_sources": other, "wrong": wrong}
    print(json.dumps(res, indent=1))
    if args.png:
        import matplotlib  # noqa: PLC0415

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415

        tasks = sorted({t for _, t in per_task})
        fig, ax = plt.subplots(figsize=(7, 3))
        for k, split in enumerate(("dev", "held_out")):
            vals = [sum(per_task[(split, t)]) / max(1, len(per_task[(split, t)])) for t in tasks]
            ax.bar([i + 0.38 * k for i in range(len(tasks))], vals, width=0.36, label=f"{split} "
                   f"({res['top1'][split]['right']}/{res['top1'][split]['n']})")
        ax.set_xticks([i + 0.19 for i in range(len(tasks))], tasks)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("top-1")
        ax.set_title(f"planner top-1 on embodied intents, no sources ({method})", fontsize=9)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(args.png, dpi=80)


if __name__ == "__main__":
    main()
