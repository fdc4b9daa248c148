"""One decode per source: the visual experts read the sampled frames the anchor pass kept (a
FrameTap) instead of decoding the video again. Counted on the real decoder (passes over the whole
video and frames the decoder produced), never timed."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from dataclaw.anchors import run_experts
from dataclaw.sources.video import VideoStream


@pytest.fixture()
def decodes(monkeypatch) -> Counter:
    """Counts whole-video passes (`frames`, `analysis_frames`), accurate reads (`frame_at`,
    `read_frames_at`) and the frames the decoder produced in all."""
    count: Counter = Counter()

    def counting(name):
        orig = getattr(VideoStream, name)

        def counted(self, *a, **k):
            count[name] += 1
            return orig(self, *a, **k)
        return counted

    for name in ("frames", "analysis_frames", "frame_at", "read_frames_at"):
        monkeypatch.setattr(VideoStream, name, counting(name))
    orig_decode = VideoStream._tolerant_decode

    def decoding(self, *a, **k):
        for f in orig_decode(self, *a, **k):
            count["decoded"] += 1
            yield f
    monkeypatch.setattr(VideoStream, "_tolerant_decode", decoding)
    return count


@pytest.fixture()
def lecture() -> Path:
    path = Path(__file__).resolve().parents[2] / "examples" / "lecture" / "lecture.mp4"
    if not path.exists():
        pytest.skip("the shipped lecture is missing")
    return path


def _n_frames(path) -> int:
    """Frames in the file, straight from PyAV (not through the counted reader)."""
    import av

    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


def test_default_set_with_visual_fallback_decodes_once(real_clips, decodes, tmp_path, monkeypatch):
    """cup.mp4 has nothing to read or hear, so the default set adds the visual experts: the anchor
    pass is the only whole-video decode, and what else is decoded is the OCR views' seeks."""
    monkeypatch.setenv("DATACLAW_CACHE", str(tmp_path))
    path = real_clips["cup"]
    res = run_experts(path, None)
    assert {"hands", "camera", "people", "scene", "subjects"} <= set(res.by_expert), res.errors
    assert any("visual experts added" in w for w in res.warnings)
    assert decodes["analysis_frames"] == 1 and decodes["frames"] == 0, decodes
    n = _n_frames(path)
    # every frame once, plus the GOPs of the OCR views (30-frame GOPs): never a second whole decode
    assert n <= decodes["decoded"] < 2 * n, (decodes, n)


def test_visual_experts_named_before_the_anchor_experts_still_share_the_pass(real_clips, decodes):
    res = run_experts(real_clips["box"], ["hands", "people", "shots", "motion"], use_cache=False)
    assert not res.errors and res.by_expert["hands"] is not None
    assert decodes["analysis_frames"] == 1 and decodes["frames"] == 0 and decodes["read_frames_at"] == 0, decodes
    assert decodes["decoded"] == _n_frames(real_clips["box"])


def test_kept_frames_are_the_frames_a_visual_decode_gives(real_clips):
    """The FrameTap's frames equal frames(fps, max_side) (times and pixels), so sharing changes no
    visual expert's input."""
    from dataclaw.experts.features import compute
    from dataclaw.experts.visual import SamplingParams, _rate
    from dataclaw.sources.video import FrameTap

    p = SamplingParams()
    with VideoStream(real_clips["box"]) as s:
        tap = FrameTap(_rate(s.meta, p), p.max_side, p.max_frames)
        compute(s, taps=[tap])
        own = list(s.frames(fps=tap.fps, max_side=p.max_side))
    assert tap.complete and len(tap.frames) == len(own) > 30
    for a, b in zip(tap.frames, own):
        assert a.t == b.t and a.index == b.index and np.array_equal(a.image, b.image)


def test_a_pass_broken_off_keeps_nothing_and_the_expert_decodes_itself(real_clips):
    from dataclaw.experts.visual import SamplingParams, _rate
    from dataclaw.sources.video import FrameTap

    p = SamplingParams()
    with VideoStream(real_clips["cup"]) as s:
        tap = FrameTap(_rate(s.meta, p), p.max_side, p.max_frames)
        for i, _ in enumerate(s.analysis_frames(taps=[tap])):
            if i == 20:
                break
    assert not tap.complete  # (sampled_frames then decodes on its own: tested by the visual suite)


def test_speech_runs_first_and_a_video_with_speech_keeps_no_frames(lecture, tmp_path, monkeypatch):
    """The shipped lecture has speech, so the visual fallback cannot follow: no frames are kept."""
    from dataclaw.experts import visual

    monkeypatch.setenv("DATACLAW_CACHE", str(tmp_path))
    wanted = []
    monkeypatch.setattr(visual, "want_frames", lambda *a: wanted.append(a))
    seen: list[str] = []
    res = run_experts(lecture, None, progress=seen.append)
    assert res.of_kind("transcript") and seen[0] == "speech" and not wanted
    assert "hands" not in res.by_expert
