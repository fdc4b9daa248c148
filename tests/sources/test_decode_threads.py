"""DATACLAW_DECODE_THREADS=1 decodes on the calling thread: the same frames as FFmpeg's own
threading (its CPU figures: docs/benchmarks.md)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from dataclaw.sources.video import DECODE_THREADS_ENV, VideoStream

CUP = Path(__file__).resolve().parents[1] / "visual" / "data" / "cup.mp4"


def _analysis(path):
    with VideoStream(path) as s:
        threads = s._vs.codec_context.thread_count
        return threads, [(f.t, f.gray, f.small_rgb) for f in s.analysis_frames(max_side=160)]


def test_one_decode_thread_gives_the_same_frames(monkeypatch, vids):
    for path in (CUP, vids["coded"]):
        monkeypatch.delenv(DECODE_THREADS_ENV, raising=False)
        _, auto = _analysis(path)
        monkeypatch.setenv(DECODE_THREADS_ENV, "1")
        threads, one = _analysis(path)
        assert threads == 1 and len(one) == len(auto) > 20
        for (ta, ga, ca), (tb, gb, cb) in zip(auto, one):
            assert ta == tb and np.array_equal(ga, gb) and np.array_equal(ca, cb)
