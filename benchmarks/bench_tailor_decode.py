"""How often the default tailor's anchor pass decodes each video, and its CPU, before and after a change.

Each (video, tree) runs in a fresh child process with `PYTHONPATH=<tree>/src`:
`run_experts(video, None)` with an empty anchor cache, as `dataclaw tailor` runs a new source (the
default experts; on video with nothing to read or hear the visual experts are added, their first
round read back from the cache). The child counts, on `VideoStream`: whole-stream passes
(`frames`, `analysis_frames`), seeks (`frame_at`), and the video frames the decoder produced in all
(`_tolerant_decode`), so "decoded frames / frames in the file" says how many times the video was
decoded. CPU = user + sys of the child, all threads (`time.process_time`), imports and model
loads included; the ratio after/before is taken in the same run (load printed).

    python benchmarks/bench_tailor_decode.py --before /tmp/before [--videos a.mp4,b.mp4] [--repeat 2]

`--before` is a copy of an older tree (`git archive <commit> src | tar -x -C /tmp/before`); the
"after" tree is this checkout.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = Path("/work/shared/data/real")
DEFAULT_VIDEOS = [REAL / "cup.mp4", REAL / "box.mp4", ROOT / "examples" / "lecture" / "lecture.mp4"]

CHILD = r"""
import json, sys, time
c0 = time.process_time()
from dataclaw.anchors import run_experts
from dataclaw.sources.video import VideoStream
video, out = sys.argv[1], sys.argv[2]
count = {"passes": 0, "seeks": 0, "decoded": 0}

def wrap(name, key):
    orig = getattr(VideoStream, name)
    def counted(self, *a, **k):
        count[key] += 1
        return orig(self, *a, **k)
    setattr(VideoStream, name, counted)

wrap("frames", "passes"); wrap("analysis_frames", "passes"); wrap("frame_at", "seeks")
orig_dec = VideoStream._tolerant_decode
def decoding(self, *a, **k):
    for f in orig_dec(self, *a, **k):
        count["decoded"] += 1
        yield f
VideoStream._tolerant_decode = decoding
marks = []
res = run_experts(video, None, progress=lambda n: marks.append((n, time.process_time())))
end = time.process_time()
per = {}
for i, (n, t) in enumerate(marks):
    per[n] = per.get(n, 0.0) + ((marks[i + 1][1] if i + 1 < len(marks) else end) - t)
with VideoStream(video) as s:
    n_frames = sum(1 for _ in orig_dec(s, None))  # (not counted)
anchors = sorted((a.expert, a.kind, round(a.t0, 3), round(a.t1, 3), a.id) for a in res.anchors)
json.dump({"cpu_s": round(end - c0, 2), "per_expert": {k: round(v, 2) for k, v in per.items()},
           "duration": res.meta.get("duration"), "errors": res.errors, "n_frames": n_frames,
           "count": count, "experts": sorted(res.by_expert), "anchors": anchors}, open(out, "w"))
"""


def run_child(video: Path, tree: Path, tmp: Path, tag: str) -> dict:
    out = tmp / f"{tag}.json"
    env = {**os.environ, "DATACLAW_CACHE": str(tmp / f"cache-{tag}"), "PYTHONPATH": str(tree / "src")}
    subprocess.run([sys.executable, "-c", CHILD, str(video), str(out)], check=True, env=env)
    return json.loads(out.read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True, help="a copy of the older tree (has src/dataclaw)")
    ap.add_argument("--videos", default=",".join(str(v) for v in DEFAULT_VIDEOS))
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds, interleaving the trees; the round with the least CPU of each tree counts")
    ap.add_argument("--json", help="write the raw figures here")
    args = ap.parse_args()
    trees = {"before": Path(args.before), "after": ROOT}
    rows = []
    print(f"load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        for v in args.videos.split(","):
            got: dict[str, dict] = {}
            for r in range(args.repeat):
                for name, tree in trees.items():
                    g = run_child(Path(v), tree, Path(tmp), f"{Path(v).stem}-{name}-{r}")
                    if name not in got or g["cpu_s"] < got[name]["cpu_s"]:
                        got[name] = g
            rows.append((Path(v).name, got))
    print(f"load average {os.getloadavg()[0]:.1f} at end")
    print("| video | tree | experts run | CPU s | after/before | passes | seeks | decoded frames / frames in file | anchors |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, got in rows:
        b = got["before"]
        for tree, g in got.items():
            c = g["count"]
            same = "identical" if g["anchors"] == b["anchors"] else f"DIFFER ({len(g['anchors'])} vs {len(b['anchors'])})"
            ratio = f"{g['cpu_s'] / b['cpu_s']:.2f}x" if tree != "before" else ""
            print(f"| {name} | {tree} | {len(g['experts'])} | {g['cpu_s']:.1f} | {ratio} | {c['passes']} | {c['seeks']} | "
                  f"{c['decoded']} / {g['n_frames']} = {c['decoded'] / max(1, g['n_frames']):.2f} | {len(g['anchors'])} {same} |")
        for tree, g in got.items():
            print(f"  {name} {tree}: per expert CPU s {g['per_expert']}" + (f"; errors {g['errors']}" if g["errors"] else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
