"""Narrated videos with known words: espeak-ng sentences separated by known pauses.

Each sentence's true speech interval is measured from the synthesised samples (espeak pads its
output with a little silence), so tests can check VAD spans and word times against it.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 16000
SENTENCES = [
    "First, preheat the oven to 200 degrees.",
    "Then mix the flour with 3 eggs and a cup of milk.",
    "Finally, bake the cake for 25 minutes.",
]


@dataclass
class Said:
    text: str
    t0: float  # first / last sample above the noise floor
    t1: float


def speak(text: str, tmp: Path, voice: str = "en-us", speed: int = 150) -> np.ndarray:
    """espeak-ng audio as 16 kHz mono float32."""
    from scipy.signal import resample_poly

    wav = tmp / "espeak.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text], check=True)
    a, sr = sf.read(wav, dtype="float32")
    return resample_poly(a, SR, sr).astype(np.float32) if sr != SR else a


def _voiced(a: np.ndarray, floor: float = 0.01) -> tuple[int, int]:
    idx = np.flatnonzero(np.abs(a) > floor)
    return int(idx[0]), int(idx[-1]) + 1


def narration(tmp: Path, sentences: list[str] = SENTENCES, lead: float = 1.0, pause: float = 2.0,
              tail: float = 1.0) -> tuple[np.ndarray, list[Said]]:
    parts = [np.zeros(int(lead * SR), np.float32)]
    said: list[Said] = []
    pos = len(parts[0])
    for i, text in enumerate(sentences):
        a = speak(text, tmp)
        v0, v1 = _voiced(a)
        said.append(Said(text, (pos + v0) / SR, (pos + v1) / SR))
        parts.append(a)
        pos += len(a)
        gap = np.zeros(int((pause if i < len(sentences) - 1 else tail) * SR), np.float32)
        parts.append(gap)
        pos += len(gap)
    return np.concatenate(parts), said


def mux(path: Path, audio: np.ndarray | None, seconds: float | None = None) -> Path:
    """A small grey video (10 fps) with `audio` as its AAC track, or no audio track when None."""
    dur = seconds if seconds is not None else len(audio) / SR
    cmd = ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
           f"color=c=gray:s=160x120:r=10:d={dur:.3f}"]
    if audio is not None:
        wav = path.with_suffix(".wav")
        sf.write(wav, audio, SR, subtype="PCM_16")
        cmd += ["-i", str(wav), "-c:a", "aac", "-b:a", "96k"]
    cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-shortest", str(path)]
    subprocess.run(cmd, check=True)
    return path
