"""Peak RSS of the anchor pass (shots + keyframes + motion) on 1-minute and 10-minute 720p videos.

Each run is a fresh subprocess; peak RSS is its `ru_maxrss`. The 10-minute file is the generated
minute repeated ten times with ffmpeg's concat demuxer (stream copy, timestamps continue), so
generating it stays quick; the decoder and the experts still process all 15,000 frames.
Also reports the per-frame feature memory kept by the shared decoding pass.

    python benchmarks/bench_memory.py [--out DIR]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_anchor_pass import make_720p  # noqa: E402

CHILD = r"""
import json, resource, sys, time
from dataclaw.anchors import run_experts
from dataclaw.experts import features
from dataclaw.sources.video import VideoStream
t = time.perf_counter()
res = run_experts(sys.argv[1], ["shots", "keyframes", "motion"], use_cache=False)
dt = time.perf_counter() - t
assert not res.errors, res.errors
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
with VideoStream(sys.argv[1]) as s:
    n = s.meta.n_frames
print(json.dumps({"peak_rss_mb": rss, "seconds": dt, "frames": n, "duration": res.meta.get("duration"),
                  "anchors": len(res.anchors)}))
"""

BASE = r"""
import json, resource
import av, cv2, numpy, pydantic
import dataclaw.anchors, dataclaw.experts
dataclaw.experts.load_all()
print(json.dumps({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def ten_minutes(out: Path) -> Path:
    p = out / "ten_minutes_720p.mp4"
    if not p.exists():
        parts = [make_720p(out, 60)] * 10
        lst = out / "concat.txt"
        lst.write_text("".join(f"file '{q.resolve()}'\n" for q in parts))
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(lst), "-c", "copy",
                        str(p)], check=True)
    return p


def run_child(code: str, *args: str) -> dict:
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "dataclaw_bench_videos"),
                    help="folder for the generated videos (reused between runs)")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base = run_child(BASE)
    print("| video | frames | anchor pass (s) | peak RSS (MB) | over imports only (MB) |")
    print("|---|---|---|---|---|")
    print(f"| (imports only: av, cv2, dataclaw experts) | - | - | {base['peak_rss_mb']:.0f} | 0 |")
    for name, path in (("1 min 720p", make_720p(out, 60)), ("10 min 720p", ten_minutes(out))):
        r = run_child(CHILD, str(path))
        print(f"| {name} | {r['frames']} | {r['seconds']:.1f} | {r['peak_rss_mb']:.0f} | "
              f"{r['peak_rss_mb'] - base['peak_rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
