"""Synthetic test videos whose frames say which frame they are.

Each frame carries its index as a row of black/white cells (a 1-D bar code) in the top half, so
any decoded frame (after scaling, JPEG, H.264 re-encode) can be read back to its index. The bottom
half is asymmetric (a red block at the left, a blue one lower right) so a wrong rotation or
mirror is visible.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

BITS = 10


def coded_frame(i: int, w: int = 320, h: int = 180) -> np.ndarray:
    img = np.full((h, w, 3), 128, np.uint8)
    cell = w // BITS
    for b in range(BITS):
        on = (i >> (BITS - 1 - b)) & 1
        img[: h // 2, b * cell:(b + 1) * cell] = 255 if on else 0
    img[h // 2 + 4: h // 2 + 24, 8:48] = (220, 30, 30)
    img[h - 30: h - 6, w - 60: w - 10] = (30, 30, 220)
    return img


def read_code(img: np.ndarray) -> int:
    """Index encoded by `coded_frame`, from an upright image of any size."""
    h, w = img.shape[:2]
    gray = img.mean(axis=2) if img.ndim == 3 else img
    cell = w / BITS
    v = 0
    for b in range(BITS):
        x0, x1 = int(b * cell + cell * 0.3), int(b * cell + cell * 0.7)
        v = (v << 1) | int(gray[h // 8: 3 * h // 8, x0:x1].mean() > 128)
    return v


def encode(path: Path, frames, fps: float | str = 25, extra: list[str] | None = None,
           audio_seconds: float | None = None, w: int = 320, h: int = 180) -> Path:
    """Pipes raw RGB frames to ffmpeg (libx264); `extra` adds encoder options (GOP, B-frames)."""
    cmd = ["ffmpeg", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{w}x{h}", "-r", str(fps), "-i", "-"]
    if audio_seconds:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={audio_seconds}"]
    cmd += ["-c:v", "libx264", "-pix_fmt", "yuv420p", *(extra or [])]
    if audio_seconds:
        cmd += ["-c:a", "aac", "-shortest"]
    cmd += [str(path)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for f in frames:
        proc.stdin.write(np.ascontiguousarray(f).tobytes())
    proc.stdin.close()
    assert proc.wait() == 0, f"ffmpeg failed for {path}"
    return path


def make_vfr(path: Path, times: list[float], w: int = 320, h: int = 180) -> Path:
    """A real VFR H.264 MP4: frame i (bar code i) shown at times[i], via PyAV with explicit pts."""
    import av

    from fractions import Fraction

    tb = Fraction(1, 1000)
    with av.open(str(path), "w", format="mp4") as out:
        s = out.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.codec_context.time_base = tb
        for i, t in enumerate(times):
            vf = av.VideoFrame.from_ndarray(coded_frame(i, w, h), format="rgb24")
            vf.pts, vf.time_base = int(round(t * 1000)), tb
            for pkt in s.encode(vf):
                out.mux(pkt)
        for pkt in s.encode(None):
            out.mux(pkt)
    return path


def ffmpeg_frames(path: Path, w: int, h: int, n: int | None = None) -> np.ndarray:
    """Frames as ffmpeg's CLI shows them (autorotated), RGB, N x h x w x 3."""
    cmd = ["ffmpeg", "-loglevel", "error", "-i", str(path)]
    if n:
        cmd += ["-frames:v", str(n)]
    cmd += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(cmd, capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def ffprobe_pts(path: Path) -> list[float]:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "frame=pts_time", "-of", "csv=p=0", str(path)],
                         capture_output=True, text=True, check=True).stdout
    vals = (x.strip().strip(",") for x in out.split())
    return sorted(float(x) for x in vals if x and x != "N/A")
