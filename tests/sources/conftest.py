"""Generated videos for the video source tests (built once per session with ffmpeg / PyAV)."""
from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
import videogen as g  # noqa: E402

FPS = 25
N = 150  # 6 s


def _ff(*args: str) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *args], check=True)


@pytest.fixture(scope="session")
def vids(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("vids")
    v: dict[str, Path] = {}
    # Long GOP with B-frames: most seeks land mid-GOP and must decode forward accurately.
    v["coded"] = g.encode(d / "coded.mp4", (g.coded_frame(i) for i in range(N)), fps=FPS,
                          extra=["-g", "100", "-bf", "3"], audio_seconds=N / FPS)
    v["noaudio"] = g.encode(d / "noaudio.mp4", (g.coded_frame(i) for i in range(75)), fps=FPS,
                            extra=["-g", "250", "-bf", "2"])
    for r in (90, 180, 270):
        v[f"rot{r}"] = d / f"rot{r}.mp4"
        _ff("-i", str(v["noaudio"]), "-c", "copy", "-metadata:s:v:0", f"rotate={r}", str(v[f"rot{r}"]))
    # MPEG-TS starts its timeline at 1.4 s: times must still count from the first frame.
    v["ts"] = d / "coded.ts"
    _ff("-i", str(v["noaudio"]), "-c", "copy", str(v["ts"]))
    v["vfr_times"] = vfr_times()  # type: ignore[assignment]
    v["vfr"] = g.make_vfr(d / "vfr.mp4", vfr_times())
    # Bad inputs.
    (d / "text.mp4").write_text("hello, this is a text file renamed to .mp4\n" * 20)
    v["text"] = d / "text.mp4"
    v["corrupt"] = d / "corrupt.mp4"
    v["corrupt"].write_bytes(bytes((i * 7919 + 13) % 251 for i in range(100_000)))
    v["empty"] = d / "empty.mp4"
    v["empty"].write_bytes(b"")
    data = v["coded"].read_bytes()  # moov at the end: cutting it loses the index
    v["trunc_moov"] = d / "trunc_moov.mp4"
    v["trunc_moov"].write_bytes(data[: len(data) * 6 // 10])
    fast = d / "fast.mp4"
    _ff("-i", str(v["coded"]), "-c", "copy", "-movflags", "+faststart", str(fast))
    data = fast.read_bytes()  # moov first: the front part still decodes
    v["trunc_fast"] = d / "trunc_fast.mp4"
    v["trunc_fast"].write_bytes(data[: len(data) * 6 // 10])
    rng = random.Random(7)  # garbage over 40 spots in the middle third: damaged, not cut short
    data = bytearray(fast.read_bytes())
    for _ in range(40):
        i = rng.randrange(len(data) // 3, 2 * len(data) // 3)
        data[i:i + 64] = bytes(rng.randrange(256) for _ in range(64))
    v["mid_corrupt"] = d / "mid_corrupt.mp4"
    v["mid_corrupt"].write_bytes(bytes(data))
    v["cover_m4a"] = d / "cover.m4a"  # audio + an attached cover picture (a "video" stream)
    cover = d / "cover.png"
    Image.new("RGB", (64, 64), (200, 30, 30)).save(cover)
    _ff("-f", "lavfi", "-i", "sine=duration=1", "-i", str(cover), "-map", "0", "-map", "1", "-c:a", "aac",
        "-c:v", "mjpeg", "-disposition:v", "attached_pic", str(v["cover_m4a"]))
    v["audio_m4a"] = d / "audio.m4a"
    _ff("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(v["audio_m4a"]))
    v["audio_mp4"] = d / "audio_only.mp4"
    _ff("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(v["audio_mp4"]))
    v["huge"] = d / "huge.mp4"
    _ff("-f", "lavfi", "-i", "testsrc2=size=4096x2304:rate=5", "-t", "0.6", "-c:v", "libx264",
        "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(v["huge"]))
    return v


def vfr_times() -> list[float]:
    """Uneven frame times: 30 fps, then 10 fps, then 60 fps, with jitter."""
    times, t = [], 0.0
    for i in range(60):
        times.append(round(t, 3))
        t += (1 / 30, 0.1, 1 / 60)[i // 20] + (0.013 if i % 7 == 3 else 0.0)
    return times
