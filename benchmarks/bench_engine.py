"""Engine throughput: the same small set of distinct videos through the local engine (1 and 2 workers)
and the Ray engine (local Ray on 1 and 2 CPUs), each from a cold anchor cache into a fresh folder.

The intent is planned once and replayed as a recipe in every run. Reports wall time (the whole
command, interpreter start included), sources per minute, video-hours per hour, peak memory of the whole process tree
(driver + workers; for Ray also its raylet / GCS), and Ray's time over the local engine's.

    python benchmarks/bench_engine.py --sources 4 --seconds 9 [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

LECTURE = Path(__file__).resolve().parents[1] / "examples" / "lecture" / "lecture.mp4"
CLI = [sys.executable, "-c", "import sys; from dataclaw.cli import main; main(sys.argv[1:])"]


def make_set(folder: Path, n: int, seconds: float) -> list[Path]:
    out = []
    for i in range(n):
        p = folder / f"src{i}.mp4"
        t0 = (i * 11) % 36
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-ss", str(t0), "-i", str(LECTURE), "-t", str(seconds),
                        "-vf", "scale=640:-2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(p)],
                       check=True)
        out.append(p)
    return out


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        for p in [proc, *proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return total


def run(sources: list[Path], engine: str, workers: int, work: Path, experts: str, recipe: Path) -> dict:
    out = work / f"out-{engine}-{workers}"
    env = {**os.environ, "DATACLAW_CACHE": str(work / f"cache-{engine}-{workers}")}  # cold: anchors really run
    cmd = [*CLI, "tailor", *map(str, sources), "--recipe", str(recipe), "-o", str(out), "--experts", experts,
           "--engine", engine, "--workers", str(workers), "--json"]
    peak = 0
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ps = psutil.Process(proc.pid)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(ps))
            time.sleep(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    stdout, _ = proc.communicate()
    wall = time.perf_counter() - t
    stop.set()
    th.join()
    if proc.returncode != 0:
        raise SystemExit(f"{engine} x{workers} failed: {stdout[-2000:]}")
    summary = json.loads(stdout)
    return {"engine": engine, "workers": workers, "wall_s": round(wall, 2), "samples": summary["counts"]["samples"],
            "sources_done": summary["counts"]["sources_done"], "peak_rss_mb": round(peak / 2**20),
            "timings": summary["timings"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=9.0)
    ap.add_argument("--experts", default="shots,keyframes,motion")
    ap.add_argument("--intent", default="text-to-video clips with captions")
    ap.add_argument("--configs", default="local:1,local:2,ray:1,ray:2")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sources = make_set(work, args.sources, args.seconds)
        # the intent planned once and replayed: the planner's model load is not the engine's cost
        from dataclaw.intent import plan_intent
        from dataclaw.recipe import save_recipe

        recipe = save_recipe(plan_intent(args.intent, ["video"]), work / "recipe.yaml")
        video_s = args.sources * args.seconds
        results = []
        for cfg in args.configs.split(","):
            engine, workers = cfg.split(":")
            r = run(sources, engine, int(workers), work, args.experts, recipe)
            r["sources_per_min"] = round(r["sources_done"] / (r["wall_s"] / 60), 2)
            r["video_hours_per_hour"] = round(video_s / r["wall_s"], 3)
            results.append(r)
            print(json.dumps(r), flush=True)
    local = {r["workers"]: r["wall_s"] for r in results if r["engine"] == "local"}
    print(f"\n{args.sources} sources x {args.seconds:g}s, experts {args.experts}, load avg {os.getloadavg()[0]:.1f}")
    print("| engine | workers/CPUs | wall s | sources/min | video-h/h | samples | peak RSS MB | vs local |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        ratio = f"{r['wall_s'] / local[r['workers']]:.2f}x" if r["workers"] in local else "-"
        print(f"| {r['engine']} | {r['workers']} | {r['wall_s']} | {r['sources_per_min']} | "
              f"{r['video_hours_per_hour']} | {r['samples']} | {r['peak_rss_mb']} | {ratio} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
