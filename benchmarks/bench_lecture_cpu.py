"""CPU seconds of the default tailor's anchor pass per minute of lecture video, before and after a
speed change, with the anchors compared (they must be identical).

Each mode runs in a fresh child process (imports and model loads counted, as a one-source
`dataclaw tailor` pays them): `run_experts(lecture, None, use_cache=False)`, the default expert set
(shots, keyframes, motion, ocr, speech). CPU = user + sys of the child, all threads
(`time.process_time`), so a loaded machine inflates it much less than wall time. Per expert: CPU
from its start to the next one's (setup + run). Modes: `spin` = onnxruntime's default busy-waiting
threads in RapidOCR (before); `nospin` = the `ocr` expert's default since issue 18 (after).

    python benchmarks/bench_lecture_cpu.py [--video examples/lecture/lecture.mp4] [--modes spin,nospin]
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

CHILD = r"""
import json, sys, time
c0 = time.process_time()
from dataclaw.anchors import run_experts
video, mode, out = sys.argv[1], sys.argv[2], sys.argv[3]
params = {"ocr": {"ort_spinning": mode == "spin"}}
marks = []
res = run_experts(video, None, params=params, use_cache=False,
                  progress=lambda n: marks.append((n, time.process_time())))
end = time.process_time()
per = {n: round((marks[i + 1][1] if i + 1 < len(marks) else end) - t, 2) for i, (n, t) in enumerate(marks)}
anchors = [(a.expert, a.kind, round(a.t0, 3), round(a.t1, 3), a.data.get("text")) for a in res.anchors]
json.dump({"cpu_s": round(end - c0, 2), "imports_s": round(marks[0][1] - c0, 2) if marks else 0.0,
           "per_expert": per, "duration": res.meta.get("duration"), "errors": res.errors,
           "anchors": anchors}, open(out, "w"))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--video", default=str(ROOT / "examples" / "lecture" / "lecture.mp4"))
    ap.add_argument("--modes", default="spin,nospin")
    args = ap.parse_args()
    load0 = os.getloadavg()[0]
    got = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in args.modes.split(","):
            out = Path(tmp) / f"{mode}.json"
            subprocess.run([sys.executable, "-c", CHILD, args.video, mode, str(out)], check=True,
                           env={**os.environ, "DATACLAW_CACHE": str(Path(tmp) / "cache")})
            got[mode] = json.loads(out.read_text())
    modes = list(got)
    base = got[modes[0]]
    minutes = float(base["duration"]) / 60
    print(f"{Path(args.video).name}: {base['duration']:.1f} s of video; load average {load0:.1f} at start, "
          f"{os.getloadavg()[0]:.1f} at end")
    experts = list(base["per_expert"])
    print("| mode | CPU s | CPU s per minute of video | imports | " + " | ".join(experts) + " | anchors |")
    print("|---|---|---|---|" + "---|" * len(experts) + "---|")
    for m in modes:
        g = got[m]
        same = "identical" if g["anchors"] == base["anchors"] else f"DIFFER ({len(g['anchors'])} vs {len(base['anchors'])})"
        print(f"| {m} | {g['cpu_s']:.1f} | {g['cpu_s'] / minutes:.1f} | {g['imports_s']:.1f} | "
              + " | ".join(f"{g['per_expert'].get(e, 0):.1f}" for e in experts) + f" | {len(g['anchors'])} {same} |")
        if g["errors"]:
            print(f"  errors ({m}): {g['errors']}")


if __name__ == "__main__":
    main()
