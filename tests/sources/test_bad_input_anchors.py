"""Bad inputs through the public API: a clear SourceError naming the file, or a partial result."""
from __future__ import annotations

import pytest

import dataclaw
from dataclaw.anchors import run_experts
from dataclaw.errors import SourceError
from dataclaw.experts import Expert, register_expert


@register_expert
class _CountFrames(Expert):
    """Test-only expert (not in any default set): one anchor per decoded second."""

    name = "test_count_frames"
    default = False

    def run(self, stream, ctx):
        return [self.anchor(ctx, "test_frame", f.t, f.t) for f in stream.frames(fps=1, max_side=64)]


@register_expert
class _NeedsAudio(Expert):
    """Test-only expert that reads audio, so it fails on a file without an audio track."""

    name = "test_needs_audio"
    default = False

    def run(self, stream, ctx):
        return [self.anchor(ctx, "test_audio", 0.0, len(stream.audio()) / 16000)]


@pytest.mark.parametrize("name", ["text", "corrupt", "empty", "trunc_moov", "audio_m4a", "audio_mp4",
                                  "cover_m4a"])
def test_extract_anchors_names_the_file_when_it_cannot_be_read(name, vids):
    with pytest.raises(SourceError) as info:
        dataclaw.extract_anchors(vids[name], use_cache=False)
    assert str(vids[name]) in str(info.value)


def test_truncated_file_gives_partial_anchors_with_a_note(vids):
    res = run_experts(vids["trunc_fast"], experts=["test_count_frames"], use_cache=False)
    times = [a.t0 for a in res.anchors]
    assert times and times == list(range(len(times))) and len(times) < 6
    assert any("truncated" in n for n in res.meta["notes"])


def test_one_failing_expert_does_not_stop_the_others(vids):
    res = run_experts(vids["noaudio"], experts=["test_count_frames", "test_needs_audio"], use_cache=False)
    assert "no audio track" in res.errors["test_needs_audio"]
    assert str(vids["noaudio"]) in res.errors["test_needs_audio"]
    assert len(res.by_expert["test_count_frames"]) == 3


@pytest.mark.parametrize("name", ["rot90", "vfr"])
def test_rotated_and_vfr_files_run_through_the_api(name, vids):
    res = run_experts(vids[name], experts=["test_count_frames"], use_cache=False)
    assert res.meta["rotation"] == (90 if name == "rot90" else 0)
    assert res.meta["vfr"] == (name == "vfr")
    assert not res.errors and len(res.anchors) >= 3
