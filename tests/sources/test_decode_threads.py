"""DATACLAW_DECODE_THREADS=1 decodes on the calling thread (what a pool that fills every core asks
for): the same frames as FFmpeg's own threading, fewer CPU seconds (docs/benchmarks.md)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from dataclaw.sources.video import DECODE_THREADS_ENV, VideoStream, one_decode_thread_if_busy

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


def test_pools_that_fill_the_cores_ask_for_one_thread(monkeypatch):
    monkeypatch.delenv(DECODE_THREADS_ENV, raising=False)
    cores = len(os.sched_getaffinity(0))
    assert one_decode_thread_if_busy(cores) == {DECODE_THREADS_ENV: "1"}
    assert one_decode_thread_if_busy(cores + 3) == {DECODE_THREADS_ENV: "1"}
    if cores > 1:
        assert one_decode_thread_if_busy(cores - 1) == {}
    monkeypatch.setenv(DECODE_THREADS_ENV, "0")  # the user's choice is kept
    assert one_decode_thread_if_busy(cores) == {}
