"""read_frames_at: several accurate frames through one forward decode (seeking only across a
keyframe) give exactly what one frame_at seek per time gives, and decode less."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from dataclaw.errors import SourceError
from dataclaw.sources.video import VideoStream

REAL = Path(__file__).resolve().parents[1] / "visual" / "data"


def _times(duration: float, seed: int) -> list[float]:
    rng = random.Random(seed)
    ts = [rng.uniform(0, duration) for _ in range(14)]
    return ts + [0.0, -0.5, ts[3], duration + 0.01, duration * 0.5, ts[3] + 0.001]  # unsorted, repeats, ends


def _counted(stream: VideoStream) -> list[int]:
    n = [0]
    orig = stream._tolerant_decode

    def decoding(*a, **k):
        for f in orig(*a, **k):
            n[0] += 1
            yield f
    stream._tolerant_decode = decoding  # (this instance only)
    return n


@pytest.mark.parametrize("name", ["coded", "vfr", "ts", "rot90", "box", "cup"])
def test_batched_reads_equal_one_seek_each(vids, name):
    path = REAL / f"{name}.mp4" if name in ("box", "cup") else vids[name]
    with VideoStream(path) as ref:
        times = _times(ref.meta.duration, seed=len(name))
        want = []
        for t in times:
            try:
                want.append(ref.frame_at(t, max_side=320))
            except SourceError as exc:
                want.append(exc)
    with VideoStream(path) as s:
        for _ in s.frames(max_side=32):  # a whole pass first (as the anchor pass): keyframes known
            pass
        decoded = _counted(s)
        got = s.read_frames_at(times, max_side=320)
    assert len(got) == len(want)
    for t, a, b in zip(times, got, want):
        assert type(a) is type(b), t
        if isinstance(a, SourceError):
            continue
        assert (a.t, a.pts) == (b.t, b.pts), t
        assert np.array_equal(a.image, b.image), t
    with VideoStream(path) as ref:  # the same reads, one seek each
        each = _counted(ref)
        for _ in ref.frames(max_side=32):
            pass
        each[0] = 0
        ref._key_times = None  # (forget the keyframes: every time seeks, as frame_at did)
        ref.read_frames_at(times, max_side=320)
    assert decoded[0] <= each[0], (decoded[0], each[0])


def test_batched_reads_decode_each_gop_once_on_a_long_gop(vids):
    """coded.mp4: GOP of 100 frames; 10 times inside the first GOP decode it once, not 10 times."""
    with VideoStream(vids["coded"]) as s:
        for _ in s.frames(max_side=32):
            pass
        n = _counted(s)
        fps = s.meta.fps
        got = s.read_frames_at([i * 9 / fps for i in range(10)], max_side=64)
    assert all(not isinstance(g, SourceError) for g in got)
    assert n[0] <= 100, n[0]


def test_before_a_whole_pass_every_time_seeks_and_errors_come_back_per_time(vids):
    with VideoStream(vids["trunc_fast"]) as s:
        d = s.meta.duration
        got = s.read_frames_at([0.1, d * 0.95, 0.2], max_side=64)
    assert not isinstance(got[0], SourceError) and not isinstance(got[2], SourceError)
    assert isinstance(got[1], SourceError) and "no frame decodable" in str(got[1])
