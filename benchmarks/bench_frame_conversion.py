"""Frame conversion cost against pure decoding: swscale per frame vs the Y/U/V plane path.

`VideoStream` turns decoded frames into analysis images from their planes (numpy views +
cv2.resize INTER_AREA, `sources/video._from_planes`); the old path, `frame.to_ndarray(width=,
height=)`, builds a swscale context per frame. "swscale" rows disable the plane path in-process.
Rows: every frame at the 160-px analysis size (the anchor pass) and the visual experts' sampling
(3 fps, 448 px, `experts/visual._decode`). CPU seconds of the process (`time.process_time`), one run.

    python benchmarks/bench_frame_conversion.py VIDEO
(docs/benchmarks.md used the 65 s 720p file that bench_anchor_pass.py generates.)
"""
from __future__ import annotations

import sys
import time


def main(path: str) -> None:
    import av

    from dataclaw.experts import visual as VI
    from dataclaw.sources import video as V

    def pure():
        with av.open(path) as c:
            vs = c.streams.video[0]
            vs.thread_type = "AUTO"
            for _ in c.decode(vs):
                pass

    def sampled():
        with V.VideoStream(path) as s:
            return len(VI._decode(s, VI.SamplingParams()))

    def analysis():
        with V.VideoStream(path) as s:
            return sum(1 for _ in s.frames(max_side=160))

    planes = V._from_planes
    rows = []
    for name, fn, use_planes in [
            ("pure decoding (PyAV, threads AUTO)", pure, True),
            ("analysis frames, 160 px, every frame: swscale per frame", analysis, False),
            ("analysis frames, 160 px, every frame: planes", analysis, True),
            ("visual sampling, 3 fps, 448 px: swscale per frame", sampled, False),
            ("visual sampling, 3 fps, 448 px: planes", sampled, True)]:
        V._from_planes = planes if use_planes else (lambda *a: None)
        c = time.process_time()
        fn()
        rows.append((name, time.process_time() - c))
    V._from_planes = planes
    print("| step | CPU (s) | CPU / pure decoding |\n|---|---|---|")
    for n, c in rows:
        print(f"| {n} | {c:.2f} | {c / rows[0][1]:.2f}x |")


if __name__ == "__main__":
    main(sys.argv[1])
