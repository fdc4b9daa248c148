"""Generated videos for the media writer tests (frames encode their own index)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "sources"))
import videogen as g  # noqa: E402

from dataclaw.sources import load_source  # noqa: E402


@pytest.fixture(scope="session")
def media_vids(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("media_vids")
    coded = g.encode(d / "coded.mp4", (g.coded_frame(i) for i in range(100)), fps=25,
                     extra=["-g", "60", "-bf", "3"], audio_seconds=4)
    silent = g.encode(d / "silent.mp4", (g.coded_frame(i) for i in range(50)), fps=25, extra=["-g", "50"])
    rot = d / "rot90.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(silent), "-c", "copy",
                    "-metadata:s:v:0", "rotate=90", str(rot)], check=True)
    times = [round(i * 0.04 + (0.03 if i >= 20 else 0) + (0.05 if i >= 35 else 0), 3) for i in range(50)]
    vfr = g.make_vfr(d / "vfr.mp4", times)
    return {"coded": load_source(coded), "silent": load_source(silent), "rot90": load_source(rot),
            "vfr": load_source(vfr), "vfr_times": times}
