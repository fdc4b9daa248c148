"""MediaStore: frame-accurate keyframes and clips, checked by reading back each frame's bar code."""
from __future__ import annotations

import threading
from pathlib import Path

import av
import numpy as np
import pytest
import videogen as g
from PIL import Image

import dataclaw.media as media_mod
from dataclaw.errors import SourceError
from dataclaw.media import MediaStore


def _clip_frames(path: Path) -> tuple[list[int], list[float], dict]:
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        info = {"codec": vs.codec_context.name, "pix_fmt": vs.codec_context.pix_fmt,
                "size": (vs.codec_context.width, vs.codec_context.height),
                "rate": float(vs.average_rate or 0), "audio": [a.codec_context.name for a in c.streams.audio]}
        codes, times = [], []
        for f in c.decode(vs):
            codes.append(g.read_code(f.to_ndarray(format="rgb24")))
            times.append(float(f.time))
    return codes, times, info


def test_keyframes_are_the_displayed_frames(media_vids, tmp_path):
    src = media_vids["coded"]
    with MediaStore(tmp_path) as store:
        for i in (0, 7, 33, 59, 61, 98, 99):  # mid-GOP and GOP edges (GOP 60, B-frames)
            for t in (i / 25, (i + 0.6) / 25):
                rel = store.keyframe(src, t)
                assert rel == f"media/{src.id[:12]}/frame_{round(t * 1000)}.jpg"
                img = np.asarray(Image.open(tmp_path / rel))
                assert g.read_code(img) == i, (t, rel)
        small = store.keyframe(src, 1.5, max_side=160)
    assert Image.open(tmp_path / small).size == (160, 90)
    assert not list(tmp_path.rglob("*.part*"))


def test_keyframes_reuse_files_and_one_open_stream_per_source(media_vids, tmp_path, monkeypatch):
    opened = []
    real_open = media_mod.open_stream
    monkeypatch.setattr(media_mod, "open_stream", lambda s: opened.append(s.id) or real_open(s))
    src = media_vids["coded"]
    store = MediaStore(tmp_path, max_open=2)
    first = [store.keyframe(src, t / 10) for t in range(20)]
    assert opened == [src.id]  # twenty frames, one open file
    store.keyframe(media_vids["silent"], 0.5)
    store.keyframe(media_vids["vfr"], 0.5)  # evicts the least recently used (coded)
    assert len(store._streams) == 2 and src.id not in store._streams
    store.close()
    # Existing files are reused without decoding (nothing may even be opened).
    monkeypatch.setattr(media_mod, "open_stream", lambda s: pytest.fail("decoded an existing keyframe"))
    with MediaStore(tmp_path) as again:
        assert [again.keyframe(src, t / 10) for t in range(20)] == first


def test_clip_is_cut_frame_accurately_with_audio(media_vids, tmp_path):
    src = media_vids["coded"]
    with MediaStore(tmp_path) as store:
        rel = store.clip(src, 1.01, 2.48)  # frame 25 is on screen at 1.01; 2.48 is frame 62's start
    assert rel == f"media/{src.id[:12]}/clip_1010_2480.mp4"
    codes, times, info = _clip_frames(tmp_path / rel)
    assert codes == list(range(25, 62))
    assert times[0] == pytest.approx(0.0) and np.allclose(np.diff(times), 0.04, atol=1e-3)
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p" and info["size"] == (320, 180)
    assert info["rate"] == pytest.approx(25, abs=0.01) and info["audio"] == ["aac"]
    with av.open(str(tmp_path / rel)) as c:
        a = c.streams.audio[0]
        samples = sum(f.samples for f in c.decode(a))
        assert samples / a.rate == pytest.approx(1.47, abs=0.05)


def test_clip_of_a_silent_source_has_no_audio_and_is_idempotent(media_vids, tmp_path):
    src = media_vids["silent"]
    with MediaStore(tmp_path) as store:
        rel = store.clip(src, 0.0, 1.0, max_side=160)
        mtime = (tmp_path / rel).stat().st_mtime_ns
        assert store.clip(src, 0.0, 1.0, max_side=160) == rel
    assert (tmp_path / rel).stat().st_mtime_ns == mtime
    codes, _, info = _clip_frames(tmp_path / rel)
    assert codes == list(range(25)) and info["audio"] == [] and info["size"] == (160, 90)


def test_clip_and_keyframe_of_a_rotated_source_are_upright(media_vids, tmp_path):
    src = media_vids["rot90"]
    ref = g.ffmpeg_frames(Path(src.path), 180, 320, n=30)  # ffmpeg's autorotated view
    with MediaStore(tmp_path) as store:
        key = np.asarray(Image.open(tmp_path / store.keyframe(src, 0.42)))
        rel = store.clip(src, 0.2, 0.6)
    assert key.shape == (320, 180, 3) and np.abs(key.astype(int) - ref[10]).mean() < 4
    with av.open(str(tmp_path / rel)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(frames) == 10 and frames[0].shape == (320, 180, 3)
    assert np.abs(frames[0].astype(int) - ref[5]).mean() < 4


def test_clip_of_vfr_source_keeps_frame_spacing(media_vids, tmp_path):
    src, times = media_vids["vfr"], media_vids["vfr_times"]
    with MediaStore(tmp_path) as store:
        rel = store.clip(src, times[15], times[40])
    codes, got, _ = _clip_frames(tmp_path / rel)
    assert codes == list(range(15, 40))
    assert np.allclose(got, np.array(times[15:40]) - times[15], atol=2e-3)


def test_concurrent_writers_leave_one_valid_file(media_vids, tmp_path):
    src = media_vids["silent"]
    stores = [MediaStore(tmp_path) for _ in range(3)]
    out: list[str] = []
    threads = [threading.Thread(target=lambda s=s: out.append(s.clip(src, 0.4, 1.4))) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    assert len(set(out)) == 1
    assert _clip_frames(tmp_path / out[0])[0] == list(range(10, 35))
    assert [p.name for p in (tmp_path / out[0]).parent.iterdir()] == [Path(out[0]).name]


def test_empty_span_is_an_error(media_vids, tmp_path):
    with MediaStore(tmp_path) as store, pytest.raises(SourceError, match="empty clip span"):
        store.clip(media_vids["silent"], 1.0, 1.0)
