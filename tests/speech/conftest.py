"""Speech fixtures: narrated / silent / mute videos built once per session with espeak-ng + ffmpeg."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import narration


@pytest.fixture(scope="session")
def speech_videos(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("speech")
    audio, said = narration.narration(d)
    return {
        "said": said,
        "narrated": narration.mux(d / "narrated.mp4", audio),
        "silent": narration.mux(d / "silent.mp4", np.zeros(3 * narration.SR, np.float32)),
        "mute": narration.mux(d / "mute.mp4", None, seconds=2.0),
        "one": narration.mux(d / "one.mp4", narration.narration(d, narration.SENTENCES[:1], 0.5, 0, 0.5)[0]),
    }


@pytest.fixture(scope="session")
def narrated_result(speech_videos):
    """The speech expert (whisper-base, CPU int8) run once on the narrated video."""
    from dataclaw.anchors import run_experts

    return run_experts(speech_videos["narrated"], ["speech"])
