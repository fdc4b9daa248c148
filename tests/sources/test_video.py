"""VideoStream against generated files whose frames encode their own index (videogen.read_code)."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import videogen as g

from dataclaw.errors import SourceError
from dataclaw.sources.video import VideoStream

FPS = 25


def test_meta_of_a_plain_file(vids):
    with VideoStream(vids["coded"]) as vs:
        m = vs.meta
        assert (m.width, m.height, m.rotation, m.codec) == (320, 180, 0, "h264")
        assert m.fps == pytest.approx(25) and m.n_frames == 150
        assert m.duration == pytest.approx(6.0, abs=0.05)
        assert m.has_audio and m.audio_rate == 44100 and not m.vfr


def test_frames_yields_every_frame_in_order_with_true_times(vids):
    with VideoStream(vids["coded"]) as vs:
        errors: list[str] = []
        frames = list(vs.frames(max_side=None, errors=errors))
    assert [g.read_code(f.image) for f in frames] == list(range(150))
    assert np.allclose([f.t for f in frames], np.arange(150) / FPS, atol=1e-6)
    assert errors == []


def test_frames_sampling_and_window(vids):
    with VideoStream(vids["coded"]) as vs:
        sampled = list(vs.frames(fps=5, max_side=160))
        window = list(vs.frames(t0=2.0, t1=3.0, max_side=160, gray=True))
    assert len(sampled) == 30 and sampled[0].image.shape == (90, 160, 3)
    assert [g.read_code(f.image) for f in sampled] == list(range(0, 150, 5))
    assert window[0].image.ndim == 2
    assert [g.read_code(f.image) for f in window] == list(range(50, 76))


@pytest.mark.parametrize("name", ["coded", "noaudio", "ts"])
def test_frame_at_is_frame_accurate_mid_gop(name, vids):
    """Long GOP (100/250) + B-frames: every seek lands on a keyframe and must decode forward."""
    n = 150 if name == "coded" else 75
    with VideoStream(vids[name]) as vs:
        if name == "ts":
            assert vs.meta.start_time > 1.0  # the TS timeline starts late; times count from it
        got, want = [], []
        for i in list(range(0, n, 11)) + [n - 1, 1, 99 % n]:
            for t in (i / FPS, (i + 0.5) / FPS, (i + 1) / FPS - 0.002):
                f = vs.frame_at(t)
                got.append(g.read_code(f.image))
                want.append(i)
                assert f.t == pytest.approx(i / FPS, abs=1e-3)
    assert got == want
    with VideoStream(vids[name]) as vs:  # past the end: the last frame stays on screen
        assert g.read_code(vs.frame_at(n / FPS + 5).image) == n - 1


def test_display_frames_cover_exactly_the_span(vids):
    with VideoStream(vids["coded"]) as vs:
        frames = list(vs.display_frames(1.01, 3.0, max_side=160))
        at_end = list(vs.display_frames(5.97, 9.0))
    assert [g.read_code(f.image) for f in frames] == list(range(25, 75))
    assert [f.pts for f in frames] == sorted(f.pts for f in frames)
    assert [g.read_code(f.image) for f in at_end] == [149]


@pytest.mark.parametrize("rot", [90, 180, 270])
def test_rotation_matches_ffmpeg_autorotate(rot, vids):
    path = vids[f"rot{rot}"]
    with VideoStream(path) as vs:
        m = vs.meta
        assert m.rotation == rot
        assert (m.width, m.height) == ((180, 320) if rot in (90, 270) else (320, 180))
        ref = g.ffmpeg_frames(path, m.width, m.height, n=12)
        frames = list(vs.frames(max_side=None))[:12]
        assert len(frames) == 12 and frames[0].image.shape == ref[0].shape
        for f, r in zip(frames, ref):
            assert np.abs(f.image.astype(int) - r).mean() < 2.0
        at = vs.frame_at(10 / FPS)
        assert np.abs(at.image.astype(int) - ref[10]).mean() < 2.0
        small = vs.frame_at(10 / FPS, max_side=160)
        assert max(small.image.shape[:2]) == 160
        assert small.image.shape[0] > small.image.shape[1] if rot in (90, 270) else True
    # A wrong turn or a mirror would not match (the pattern is asymmetric).
    assert np.abs(np.rot90(frames[0].image, 2).astype(int) - ref[0]).mean() > 20


def test_variable_frame_rate_keeps_true_times(vids):
    times = vids["vfr_times"]
    pts = g.ffprobe_pts(vids["vfr"])
    assert np.allclose(pts, times, atol=1e-3)  # the file really is VFR with these times
    with VideoStream(vids["vfr"]) as vs:
        assert vs.meta.vfr
        frames = list(vs.frames(max_side=None))
        assert [g.read_code(f.image) for f in frames] == list(range(60))
        assert np.allclose([f.t for f in frames], times, atol=1e-3)
        for i in range(0, 59, 3):
            mid = (times[i] + times[i + 1]) / 2
            assert g.read_code(vs.frame_at(mid).image) == i
        sampled = list(vs.frames(fps=5))
        gaps = np.diff([f.t for f in sampled])
        assert gaps.min() >= 0.099 and gaps.max() < 0.3  # evenly in time, not in frame count
    with VideoStream(vids["coded"]) as vs:
        assert not vs.meta.vfr


@pytest.mark.parametrize("name, reason", [
    ("text", "text file, not a video"),
    ("corrupt", "not a video"),
    ("empty", "empty"),
    ("trunc_moov", "truncated"),
    ("audio_m4a", "no video track: audio only"),
    ("audio_mp4", "no video track: audio only"),
    ("cover_m4a", "no video track: audio only (1 audio track with a cover image)"),
])
def test_unreadable_inputs_raise_a_clear_source_error(name, reason, vids):
    with pytest.raises(SourceError) as info:
        VideoStream(vids[name])
    assert str(vids[name]) in str(info.value)
    assert reason in info.value.reason


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(SourceError, match="does not exist"):
        VideoStream(tmp_path / "nope.mp4")
    with pytest.raises(SourceError, match="folder"):
        VideoStream(tmp_path)


def test_truncated_faststart_file_gives_a_partial_result_with_errors(vids):
    with VideoStream(vids["trunc_fast"]) as vs:
        assert vs.meta.duration == pytest.approx(6.0, abs=0.05)  # the header still claims 6 s
        errors: list[str] = []
        frames = list(vs.frames(max_side=None, errors=errors))
        assert 20 < len(frames) < 150
        assert [g.read_code(f.image) for f in frames] == list(range(len(frames)))
        assert errors and "truncated" in errors[0]
        assert errors[0] in vs.meta.notes  # so it reaches the anchor set's meta
        assert g.read_code(vs.frame_at(0.5).image) == 12
        with pytest.raises(SourceError, match="no frame decodable at t=5.500s.*truncated"):
            vs.frame_at(5.5)
        assert len(vs.audio()) > 0


def test_corrupt_middle_is_skipped_and_decoding_goes_on(vids):
    with VideoStream(vids["mid_corrupt"]) as vs:
        errors: list[str] = []
        codes = [g.read_code(f.image) for f in vs.frames(max_side=None, errors=errors)]
        assert codes[:20] == list(range(20)) and codes[-1] == 149  # reaches the end
        assert any("corrupt video packet" in e for e in errors)
        assert g.read_code(vs.frame_at(5.5).image) == 137  # after the damage: exact again


def test_no_audio_track(vids):
    with VideoStream(vids["noaudio"]) as vs:
        assert not vs.meta.has_audio
        with pytest.raises(SourceError, match="no audio track") as info:
            vs.audio()
        assert str(vids["noaudio"]) in str(info.value)
        assert g.read_code(vs.frame_at(1.0).image) == 25  # the video part still works


def test_audio_is_mono_float_at_the_asked_rate(vids):
    with VideoStream(vids["coded"]) as vs:
        a = vs.audio(sr=16000)
    assert a.dtype == np.float32 and a.ndim == 1
    assert len(a) == pytest.approx(6 * 16000, rel=0.02)
    spectrum = np.abs(np.fft.rfft(a[:16000]))
    assert abs(np.argmax(spectrum) - 440) <= 2  # the 440 Hz test tone


def test_huge_frames_are_scaled_while_decoding_not_after(vids):
    with VideoStream(vids["huge"]) as vs:
        assert (vs.meta.width, vs.meta.height) == (4096, 2304)
        tracemalloc.start()
        frames = [f.image.shape for f in vs.frames(max_side=320)]
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert frames and all(s == (180, 320, 3) for s in frames)
    assert peak < 4096 * 2304 * 3 / 4  # never a full-size RGB array in Python memory


def test_an_animated_gif_is_a_silent_video(vids, tmp_path):
    """GIF clips (memes, screen captures) are a common input: they open as a video with their own frame
    times, not as an unknown source kind."""
    from PIL import Image

    from dataclaw.sources import load_source

    with VideoStream(vids["coded"]) as vs:
        imgs = [Image.fromarray(f.image) for f in vs.frames(max_side=None)][:30]
    gif = tmp_path / "clip.gif"
    imgs[0].save(gif, save_all=True, append_images=imgs[1:], duration=100, loop=0)
    assert load_source(gif).kind == "video"
    with VideoStream(gif) as vs:
        assert not vs.meta.has_audio and vs.meta.n_frames == 30
        assert vs.meta.duration == pytest.approx(3.0, abs=0.15)
        frames = list(vs.frames(max_side=None))
    assert [g.read_code(f.image) for f in frames] == list(range(30))
    assert np.allclose([f.t for f in frames], np.arange(30) * 0.1, atol=0.011)


def test_a_video_with_an_unlisted_extension_is_probed_and_text_is_not(vids, tmp_path):
    from dataclaw.sources import detect_kind

    odd = tmp_path / "camera_dump.dat"  # an mp4 under a name no list has
    odd.write_bytes(vids["coded"].read_bytes())
    assert detect_kind(odd) == "video"
    with VideoStream(odd) as vs:
        assert vs.meta.n_frames == 150
    text = tmp_path / "notes.txt"  # FFmpeg's tty demuxer would "play" it: not a video for us
    text.write_text("step 1: open the lid\n" * 50)
    still = tmp_path / "still.png"
    from PIL import Image

    Image.new("RGB", (64, 48), (200, 30, 30)).save(still)
    for p in (text, still):
        with pytest.raises(SourceError, match="unknown source kind"):
            detect_kind(p)


def test_an_audio_file_is_named_as_audio_with_the_way_to_use_it(vids, tmp_path):
    import av

    from dataclaw.sources import detect_kind

    wav = tmp_path / "talk.wav"
    with av.open(str(vids["coded"])) as src, av.open(str(wav), "w") as dst:  # the clip's sound track alone
        out = dst.add_stream("pcm_s16le", rate=16000)
        for frame in src.decode(audio=0):
            frame.pts = None
            for pkt in out.encode(frame):
                dst.mux(pkt)
        for pkt in out.encode(None):
            dst.mux(pkt)
    with pytest.raises(SourceError, match=r"audio only \(1 audio track, no picture\)") as info:
        detect_kind(wav)
    assert "ffmpeg -loop 1" in str(info.value) and "talk.wav" in str(info.value)
