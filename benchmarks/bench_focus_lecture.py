"""The issue-24 Done-when items on the shipped lecture, end to end through the CLI (the planner reads
the intent; rules backend): the share of samples inside the asked slide, and whether a saved recipe
(`dataclaw plan ... -o plan.yaml`) replays the same samples.

    python benchmarks/bench_focus_lecture.py [--out DIR]
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LECTURE = REPO / "examples" / "lecture" / "lecture.mp4"
INTENTS = [("make timestamped questions only about the part where they check the answer", "check the answer"),
           ("questions about dividing", "divide")]


def _cli(*args: str) -> None:
    r = subprocess.run([sys.executable, "-m", "dataclaw.cli", *args], capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"dataclaw {' '.join(args[:1])} failed ({r.returncode}):\n{r.stderr[-2000:]}")


def _samples(out: Path) -> list[dict]:
    f = out / "samples.jsonl"
    return [json.loads(line) for line in f.read_text().splitlines() if line.strip()] if f.exists() else []


def _inside(sample: dict, span: tuple[float, float], tol: float = 0.5) -> bool:
    times = [(g["t0"], g["t1"] if g.get("t1") is not None else g["t0"]) for g in sample["solution"] if g.get("t0") is not None]
    return bool(times) and all(span[0] - tol <= a and b <= span[1] + tol for a, b in times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None, help="work folder (default: a temporary one)")
    args = ap.parse_args()
    truth = json.loads((LECTURE.with_name("truth.json")).read_text())
    base = args.out or Path(tempfile.mkdtemp(prefix="focus_lecture_"))
    rows = []
    for intent, title in INTENTS:
        slide = next(s for s in truth["slides"] if title in s["title"].lower())
        span = (slide["t0"], slide["t1"])
        out, again, recipe = base / f"{title.split()[0]}", base / f"{title.split()[0]}_replay", base / f"{title.split()[0]}.yaml"
        for d in (out, again):
            shutil.rmtree(d, ignore_errors=True)
        _cli("tailor", str(LECTURE), "--intent", intent, "-o", str(out))
        _cli("plan", str(LECTURE), "--intent", intent, "-o", str(recipe))
        _cli("tailor", str(LECTURE), "--recipe", str(recipe), "-o", str(again))
        got = _samples(out)
        tasks = [t["task"] for t in json.loads((out / "manifest.json").read_text())["plan"]["tasks"]]
        rows.append({"intent": intent, "slide": slide["title"], "tasks": tasks, "samples": len(got),
                     "inside": sum(_inside(s, span) for s in got),
                     "replay_same": [s["id"] for s in _samples(again)] == [s["id"] for s in got]})
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
