"""Whole anchor pass (decode + shots + keyframes + motion) against pure decoding of the same file.

Pure decoding is the physical floor: PyAV decodes every frame with the same threading
(thread_type AUTO) and does nothing else. The anchor pass is `run_experts(path, ["shots",
"keyframes", "motion"], use_cache=False)`: one decoding pass at analysis size shared by the three
experts (since issue 18: `VideoStream.analysis_frames`, grey at 160 px and colour at 80 px straight
from the planes; no full-size colour image). Rounds interleave the three steps `--repeat` times; the best wall and CPU time of each
count (the machine is shared; CPU time is `time.process_time`, all threads of the process).

    python benchmarks/bench_anchor_pass.py [--out DIR] [--seconds 60] [--repeat 3]

(`VideoStream` builds analysis frames from the decoded Y/U/V planes with cv2.resize; the old
`frame.to_ndarray(width=..., height=...)` built a new swscale context for every frame.)
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth_videos as sv  # noqa: E402


def make_720p(out: Path, seconds: float) -> Path:
    """A 720p, 25 fps generated video (cached in `out`)."""
    p = out / f"long_{int(seconds)}s_720p.mp4"
    if not p.exists():
        shots, trans = sv.long_timeline(seconds)
        sv.write_video(p, shots, trans, size=(1280, 720), fps=25, crf=26)
    return p


def pure_decode(path: Path) -> int:
    import av

    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        vs.thread_type = "AUTO"
        n = 0
        for _ in c.decode(vs):
            n += 1
    return n


def decode_at_analysis_size(path: Path) -> int:
    from dataclaw.experts.features import ANALYSIS_SIDE
    from dataclaw.sources.video import VideoStream

    with VideoStream(path) as s:
        return sum(1 for _ in s.frames(max_side=ANALYSIS_SIDE))


def analysis_frames(path: Path) -> int:
    from dataclaw.experts.features import ANALYSIS_SIDE
    from dataclaw.sources.video import VideoStream

    with VideoStream(path) as s:
        return sum(1 for _ in s.analysis_frames(max_side=ANALYSIS_SIDE))


def anchor_pass(path: Path) -> int:
    from dataclaw.anchors import run_experts

    res = run_experts(path, ["shots", "keyframes", "motion"], use_cache=False)
    assert not res.errors, res.errors
    return len(res.anchors)


def best_times(fns: dict, path: Path, repeat: int) -> dict[str, tuple[float, float]]:
    """Per step: (best wall seconds, best CPU seconds of the process, all threads). Rounds
    interleave the steps so load changes on a shared machine hit them alike."""
    best = {k: (float("inf"), float("inf")) for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t, c = time.perf_counter(), time.process_time()
            fn(path)
            w, cpu = time.perf_counter() - t, time.process_time() - c
            best[k] = (min(best[k][0], w), min(best[k][1], cpu))
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "dataclaw_bench_videos"),
                    help="folder for the generated videos (reused between runs)")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = make_720p(out, args.seconds)
    anchor_pass(path)  # warm-up: imports
    n = pure_decode(path)
    steps = {"pure decoding (PyAV, threads AUTO)": pure_decode,
             "decoding + RGB frames at analysis size (VideoStream.frames)": decode_at_analysis_size,
             "decoding + analysis frames (grey + half-size colour, VideoStream.analysis_frames)": analysis_frames,
             "anchor pass: shots + keyframes + motion": anchor_pass}
    load0 = " ".join(f"{x:.1f}" for x in os.getloadavg())
    rows = list(best_times(steps, path, args.repeat).items())
    dec_wall, dec_cpu = rows[0][1]
    print(f"file: {path.name} ({n} frames, 1280x720, 25 fps); load average before/after: "
          f"{load0} / {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("| step | wall (s) | frames/s | wall / pure decoding | CPU (s) | CPU / pure decoding |")
    print("|---|---|---|---|---|---|")
    for name, (w, c) in rows:
        print(f"| {name} | {w:.2f} | {n / w:.0f} | {w / dec_wall:.2f}x | {c:.2f} | {c / dec_cpu:.2f}x |")


if __name__ == "__main__":
    main()
