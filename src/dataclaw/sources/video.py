"""Video reader on PyAV: metadata, streaming decode at analysis size, accurate seeks, audio, clips.

Never holds the whole video in memory: frames are yielded one at a time. Timestamps always come
from each frame's pts (never index / fps), so variable frame rate video keeps true times. Rotation
metadata (display matrix) is applied to every decoded frame.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from ..errors import SourceError

# Decoder threads per stream: unset or "0" = FFmpeg's choice (frame + slice threads); "1" = decode on
# the calling thread (one process: 0.87x the anchor pass's CPU; a 2-worker pool on 2 shared cores
# measured no gain, so it is the user's choice, not a default: docs/benchmarks.md).
DECODE_THREADS_ENV = "DATACLAW_DECODE_THREADS"
VIDEO_EXTENSIONS = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mpg", ".mpeg", ".ts", ".m2ts", ".mts", ".flv", ".wmv",
                    ".3gp", ".ogv", ".gif"}  # an animated GIF is a silent video


def _av():
    try:
        import av  # noqa: PLC0415  (heavy, optional)
    except ImportError as exc:  # pragma: no cover - depends on install
        raise SourceError("", "PyAV is not installed", hint="pip install 'dataclaw0[video]'") from exc
    av.logging.set_level(av.logging.PANIC)
    return av


@dataclass
class VideoMeta:
    duration: float
    fps: float
    n_frames: int
    width: int  # display width (after rotation)
    height: int
    rotation: int = 0
    vfr: bool = False
    codec: str = ""
    has_audio: bool = False
    audio_rate: int = 0
    start_time: float = 0.0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class Frame:
    t: float  # seconds from the start of the video's timeline (first frame at ~0)
    index: int  # decode order index among yielded frames
    image: np.ndarray  # HxWx3 uint8 RGB (or HxW for gray)
    pts: int | None = None  # in the stream's time_base (VideoStream.time_base)


def decode_threads() -> int:
    """Decoder threads asked for by DATACLAW_DECODE_THREADS (0: FFmpeg's choice)."""
    raw = os.environ.get(DECODE_THREADS_ENV, "").strip()
    try:
        return max(0, int(raw)) if raw else 0
    except ValueError:
        return 0


class _RateGate:
    """At most `fps` frames a second, chosen by time (so VFR video is sampled evenly): the rule
    frames(fps=...) and FrameTap share, so both pick the same frames."""

    def __init__(self, fps: float | None, t0: float = 0.0) -> None:
        self.step = 1.0 / fps if fps else 0.0
        self.next_t = t0

    def take(self, t: float) -> bool:
        if not self.step:
            return True
        if t + 1e-6 < self.next_t:
            return False
        self.next_t = max(self.next_t + self.step, t + self.step * 0.5)
        return True


@dataclass
class FrameTap:
    """RGB frames, at most `fps` a second with long side <= `max_side`, kept while another pass
    decodes every frame (`analysis_frames(taps=...)`): experts that look at a few frames a second
    then need no decoding pass of their own. `complete` says the pass reached the end of the video,
    so `frames` is what `frames(fps=fps, max_side=max_side)` would have yielded (its first
    `max_frames`); a pass broken off early leaves it False and the reader must decode itself."""

    fps: float
    max_side: int | None
    max_frames: int
    frames: list[Frame] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    complete: bool = False


def _rotation_of(stream) -> int:
    """Fallback for old FFmpeg builds that export only the legacy `rotate` tag (clockwise degrees);
    returned counter-clockwise, like the display matrix that frames carry."""
    meta_rot = (stream.metadata or {}).get("rotate")
    return (360 - int(float(meta_rot))) % 360 if meta_rot else 0


def _apply_rotation(img: np.ndarray, rotation: int) -> np.ndarray:
    # PyAV reports counter-clockwise display-matrix degrees; np.rot90 k>0 rotates counter-clockwise.
    k = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(img, k=k)) if k else img


# Plane path: `frame.to_ndarray(width=, height=)` builds a new swscale context for every frame
# (PyAV makes a fresh VideoReformatter per call; a shared one deadlocked under PyAV 18.1), which
# cost more than the detectors. Instead the decoded Y/U/V planes are read as numpy views, shrunk
# with cv2.resize(INTER_AREA) and, for colour, converted with the frame's own matrix and range
# (what swscale uses when no colorspace is given). Grey is luma only, expanded to full range as
# swscale does. Checked against to_ndarray in tests/sources/test_video_planes.py.
_PLANAR_420 = {"yuv420p": False, "yuvj420p": True}  # pixel format -> full (JPEG) range
# AVColorSpace -> (Kr, Kb); 2 = unspecified, read as BT.601 like swscale's default.
_MATRICES = {1: (0.2126, 0.0722), 2: (0.299, 0.114), 5: (0.299, 0.114), 6: (0.299, 0.114)}
_cv2 = None


def _plane(pl) -> np.ndarray:
    """A decoded plane as a (height, width) uint8 view (rows padded to line_size are cut)."""
    return np.frombuffer(pl, np.uint8).reshape(pl.height, pl.line_size)[:, : pl.width]


def _cv():
    global _cv2
    if _cv2 is None:
        try:
            import cv2  # noqa: PLC0415 - heavy, optional
        except ImportError:
            return None
        _cv2 = cv2
    return _cv2


def _shrink(a: np.ndarray, w: int, h: int) -> np.ndarray:
    cv2 = _cv2
    if a.shape[1] < w or a.shape[0] < h:  # (tiny videos only: chroma or the half-size image grows)
        return cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR)
    # Exact halvings hit OpenCV's fast 2x2 area path; one big area step is 1.5-2x slower.
    while a.shape[1] >= 2 * w and a.shape[0] >= 2 * h:
        a = cv2.resize(a, (a.shape[1] // 2, a.shape[0] // 2), interpolation=cv2.INTER_AREA)
    if a.shape[1] != w or a.shape[0] != h:
        a = cv2.resize(a, (w, h), interpolation=cv2.INTER_AREA)
    return a


def _plane_format(frame, gray: bool) -> tuple[bool, tuple[float, float] | None] | None:
    """(full range, (Kr, Kb)) of a frame the plane path reads, or None where it does not apply."""
    full = _PLANAR_420.get(frame.format.name)
    if full is None:
        return None
    full = full or int(getattr(frame, "color_range", 0) or 0) == 2
    m = _MATRICES.get(int(getattr(frame, "colorspace", 2) or 2))
    if (m is None and not gray) or _cv() is None:
        return None
    return full, m


def _expand_luma(y: np.ndarray, full: bool) -> np.ndarray:
    """Luma as a full-range grey image (limited range 16..235 stretched, as swscale does)."""
    if full:
        return np.ascontiguousarray(y)
    return _cv2.convertScaleAbs(y, alpha=255.0 / 219.0, beta=-16 * 255.0 / 219.0)


_YUV_TO_RGB: dict[tuple, np.ndarray] = {}


def _yuv444_to_rgb(y: np.ndarray, u: np.ndarray, v: np.ndarray, m: tuple[float, float], full: bool) -> np.ndarray:
    """Same-size Y, U, V planes to RGB with the frame's matrix and range: one affine cv2.transform
    (rounds and saturates to uint8)."""
    key = (m, full)
    mat = _YUV_TO_RGB.get(key)
    if mat is None:
        kr, kb = m
        kg = 1.0 - kr - kb
        cy, cc, y0 = (1.0, 1.0, 0.0) if full else (255.0 / 219.0, 255.0 / 224.0, 16.0)
        rv, bu = 2 * (1 - kr) * cc, 2 * (1 - kb) * cc
        gu, gv = bu * kb / kg, rv * kr / kg
        # rows: R, G, B; columns: Y, U, V, offset
        mat = np.array([[cy, 0.0, rv, -cy * y0 - 128 * rv],
                        [cy, -gu, -gv, -cy * y0 + 128 * (gu + gv)],
                        [cy, bu, 0.0, -cy * y0 - 128 * bu]], np.float32)
        _YUV_TO_RGB[key] = mat
    return _cv2.transform(_cv2.merge([y, u, v]), mat)


def _from_planes(frame, size: tuple[int, int], gray: bool) -> np.ndarray | None:
    """The frame at `size` from its planes, or None where this path does not apply."""
    fmt = _plane_format(frame, gray)
    if fmt is None:
        return None
    full, m = fmt
    cv2 = _cv2
    w, h = size
    y = _shrink(_plane(frame.planes[0]), w, h)
    if gray:
        return _expand_luma(y, full)
    u = _shrink(_plane(frame.planes[1]), w // 2, h // 2)
    v = _shrink(_plane(frame.planes[2]), w // 2, h // 2)
    if m == _MATRICES[2] and not full:  # BT.601 limited range: OpenCV's own (SIMD) conversion
        i420 = np.concatenate([np.ascontiguousarray(y).reshape(-1), u.reshape(-1), v.reshape(-1)])
        return cv2.cvtColor(i420.reshape(h * 3 // 2, w), cv2.COLOR_YUV2RGB_I420)
    u = cv2.resize(u, (w, h), interpolation=cv2.INTER_LINEAR)
    v = cv2.resize(v, (w, h), interpolation=cv2.INTER_LINEAR)
    return _yuv444_to_rgb(np.ascontiguousarray(y), u, v, m, full)


def half_size(size: tuple[int, int]) -> tuple[int, int]:
    """The colour size of an AnalysisFrame of grey size `size` (at least 8x8)."""
    return max(8, size[0] // 2), max(8, size[1] // 2)


@dataclass
class AnalysisFrame:
    """What the shared per-frame signals need, built straight from the decoded planes: grey at the
    analysis size (luma) and colour at half that size from the chroma planes, which 4:2:0 video
    stores at about that size anyway; no full-size colour image is ever made."""

    t: float
    index: int
    gray: np.ndarray  # HxW uint8 full-range luma (what frames(gray=True) gives)
    small_rgb: np.ndarray  # half_size((W, H)) RGB uint8
    pts: int | None = None

    @classmethod
    def from_rgb(cls, t: float, index: int, img: np.ndarray, pts: int | None = None) -> "AnalysisFrame":
        """From an RGB frame (sources without planes, pixel formats the plane path skips)."""
        cv2 = _cv()
        h, w = img.shape[:2]
        small = cv2.resize(img, half_size((w, h)), interpolation=cv2.INTER_AREA)
        return cls(t, index, cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), small, pts)


def _analysis_from_planes(frame, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray] | None:
    """(grey at size, RGB at half size) from the planes, or None where the plane path does not apply."""
    fmt = _plane_format(frame, False)
    if fmt is None:
        return None
    full, m = fmt
    w, h = size
    hw, hh = half_size(size)
    y = _shrink(_plane(frame.planes[0]), w, h)
    yh = _shrink(y, hw, hh)
    u = _shrink(_plane(frame.planes[1]), hw, hh)
    v = _shrink(_plane(frame.planes[2]), hw, hh)
    return _expand_luma(y, full), _yuv444_to_rgb(np.ascontiguousarray(yh), u, v, m, full)


def scaled_size(w: int, h: int, max_side: int | None) -> tuple[int, int]:
    if not max_side or max(w, h) <= max_side:
        return w - w % 2, h - h % 2
    s = max_side / max(w, h)
    return max(2, int(round(w * s / 2)) * 2), max(2, int(round(h * s / 2)) * 2)


class VideoStream:
    """An open video file. Use as a context manager or call close()."""

    kind = "video"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise SourceError(str(self.path), "file does not exist")
        if self.path.is_dir():
            raise SourceError(str(self.path), "is a folder, not a video file")
        if self.path.stat().st_size == 0:
            raise SourceError(str(self.path), "file is empty (0 bytes)")
        av = _av()
        try:
            self._container = av.open(str(self.path))
        except Exception as exc:  # noqa: BLE001 - PyAV raises many error types
            raise SourceError(str(self.path), _open_failure_reason(self.path, exc),
                              hint="check the file is a complete video that ffmpeg can play") from exc
        moving = [v for v in self._container.streams.video
                  if not (int(v.disposition) & int(av.stream.Disposition.attached_pic))]
        if not moving:
            n_audio = len(self._container.streams.audio)
            cover = " with a cover image" if self._container.streams.video else ""
            self._container.close()
            what = f"audio only ({n_audio} audio track{'s' if n_audio != 1 else ''}{cover})" if n_audio else "no streams"
            raise SourceError(str(self.path), f"has no video track: {what}")
        self._vs = moving[0]
        self.decode_errors: list[str] = []  # every decode problem seen, also copied to meta.notes
        # Frame threading must be chosen before the codec opens (the probe below opens it).
        self._vs.thread_type = "AUTO"
        threads = decode_threads()
        if threads:
            self._vs.thread_count = threads
        self.meta = self._probe()

    # ------------------------------------------------------------------ metadata
    def _probe(self) -> VideoMeta:
        c = self._container
        vs = self._vs
        rot = self._frame_rotation_probe(vs)
        w, h = vs.codec_context.width, vs.codec_context.height
        if rot in (90, 270):
            w, h = h, w
        fps = float(vs.average_rate or vs.guessed_rate or 0) or 25.0
        start = float(vs.start_time * vs.time_base) if vs.start_time is not None else 0.0
        if vs.duration is not None:
            duration = float(vs.duration * vs.time_base)
        elif c.duration is not None:
            duration = c.duration / 1_000_000
        else:
            duration = 0.0
        notes: list[str] = []
        vfr = self._detect_vfr(vs)
        n_frames = int(vs.frames) if vs.frames else int(round(duration * fps))
        audio = c.streams.audio[0] if c.streams.audio else None
        meta = VideoMeta(
            duration=duration, fps=fps, n_frames=n_frames, width=w, height=h, rotation=rot, vfr=vfr,
            codec=vs.codec_context.name, has_audio=audio is not None,
            audio_rate=int(audio.rate) if audio is not None else 0, start_time=start, notes=notes,
        )
        if duration <= 0:
            meta.duration = self._scan_duration()
            meta.n_frames = meta.n_frames or int(round(meta.duration * fps))
            notes.append("duration missing in header; measured by scanning packets")
        return meta

    def _frame_rotation_probe(self, vs) -> int:
        """Display-matrix rotation of the first frame, in the sense ffmpeg's autorotate applies it
        (checked against `ffmpeg -i rotated.mp4 -f rawvideo` in tests/sources)."""
        rot = 0
        try:
            self._container.seek(0)
            for frame in self._container.decode(vs):
                rot = int(getattr(frame, "rotation", 0) or 0)
                break
        except Exception:  # noqa: BLE001 - probe only
            rot = 0
        finally:
            try:
                self._container.seek(0)
            except Exception:  # noqa: BLE001
                pass
        return rot % 360 or _rotation_of(vs)

    def _detect_vfr(self, vs, max_packets: int = 300) -> bool:
        """Looks at packet pts gaps (no decoding): uneven gaps mean variable frame rate."""
        pts: list[int] = []
        try:
            self._container.seek(0)
            for pkt in self._container.demux(vs):
                if pkt.pts is not None:
                    pts.append(pkt.pts)
                if len(pts) >= max_packets:
                    break
            self._container.seek(0)
        except Exception:  # noqa: BLE001
            return False
        if len(pts) < 3:
            return False
        d = np.diff(np.sort(np.asarray(pts, dtype=np.float64)))
        d = d[d > 0]
        if len(d) < 2:
            return False
        return bool(d.std() / d.mean() > 0.05)

    def _scan_duration(self) -> float:
        vs = self._vs
        last = 0.0
        try:
            self._container.seek(0)
            for pkt in self._container.demux(vs):
                if pkt.pts is not None:
                    end = float((pkt.pts + (pkt.duration or 0)) * vs.time_base)
                    last = max(last, end)
            self._container.seek(0)
        except Exception:  # noqa: BLE001
            pass
        return max(0.0, last - (float(vs.start_time * vs.time_base) if vs.start_time else 0.0))

    @property
    def duration(self) -> float:
        return self.meta.duration

    # ------------------------------------------------------------------ decoding
    @property
    def time_base(self):
        """Time base of the video stream (a Fraction): `Frame.pts * time_base` is seconds."""
        return self._vs.time_base

    def _out_size(self, max_side: int | None) -> tuple[int, int]:
        """Decode size (before rotation) so that the rotated image has its long side <= max_side."""
        vs = self._vs
        cw, ch = vs.codec_context.width, vs.codec_context.height
        rot = self.meta.rotation
        sw, sh = (ch, cw) if rot in (90, 270) else (cw, ch)
        ow, oh = scaled_size(sw, sh, max_side)
        return (oh, ow) if rot in (90, 270) else (ow, oh)

    def _to_frame(self, frame, t: float, idx: int, size: tuple[int, int], fmt: str = "rgb24") -> Frame:
        img = _from_planes(frame, size, fmt == "gray")
        if img is None:  # (pixel formats / colour matrices the plane path does not cover)
            img = frame.to_ndarray(width=size[0], height=size[1], format=fmt)
        if self.meta.rotation:
            img = _apply_rotation(img, self.meta.rotation)
        return Frame(t=t, index=idx, image=img, pts=int(frame.pts))

    def _decode_from(self, t: float, errors: list[str] | None = None) -> Iterator[tuple[float, object]]:
        """(time, av frame) in display order, starting at or before the frame displayed at t.

        Seeks to the keyframe before t. Some demuxers land after t (index on dts, edit lists); then
        it seeks again further back, so callers always see the frame displayed at t.
        """
        c = self._container
        vs = self._vs
        start = self.meta.start_time
        # pts * num / den: int true division rounds exactly as float(pts * Fraction) does, without
        # building two Fractions a frame.
        num, den = vs.time_base.numerator, vs.time_base.denominator
        back = 0.0
        for _attempt in range(8):
            target = max(0.0, t - back)
            if target <= 0:
                c.seek(0)
            else:
                c.seek(max(0, int((target + start) / vs.time_base)), stream=vs, backward=True)
            first, last_t = True, t
            for frame in self._tolerant_decode(errors):
                if frame.pts is None:
                    continue
                ft = frame.pts * num / den - start
                if first:
                    first = False
                    if ft > t + 1e-4 and target > 0:
                        break  # landed after t: seek further back
                last_t = ft
                yield ft, frame
            else:
                if not (first and target > 0):  # (nothing decodable after the seek point: go back)
                    self._check_complete(last_t, errors)
                    return
            back = back * 2 if back else 1.0
        return

    def _tolerant_decode(self, errors: list[str] | None, max_bad_run: int = 25) -> Iterator[object]:
        """Frames from the current read position. A corrupt packet is skipped (as ffmpeg does) and
        noted; many in a row, or an unreadable container, end the stream with a note."""
        vs = self._vs
        bad = bad_run = 0
        bad_at: float | None = None
        try:
            for pkt in self._container.demux(vs):
                try:
                    frames = pkt.decode()
                except Exception as exc:  # noqa: BLE001 - PyAV raises several error types here
                    bad, bad_run = bad + 1, bad_run + 1
                    if bad_at is None and pkt.pts is not None:
                        bad_at = float(pkt.pts * vs.time_base) - self.meta.start_time
                    if bad_run >= max_bad_run:
                        self._note(f"decode stopped: {bad_run} unreadable packets in a row "
                                   f"({type(exc).__name__}: {exc}) (partial result)", errors)
                        return
                    continue
                bad_run = 0
                yield from frames
        except Exception as exc:  # noqa: BLE001 - container-level read error (truncated / IO)
            self._note(f"reading stopped: {type(exc).__name__}: {exc} (partial result)", errors)
        finally:
            if bad:
                where = f" from t={bad_at:.2f}s" if bad_at is not None else ""
                self._note(f"skipped {bad} corrupt video packet(s){where}: frames there are missing "
                           "or damaged (partial result)", errors)

    def _note(self, msg: str, errors: list[str] | None) -> None:
        """Records a decode problem on the stream (and meta.notes) and in the caller's list."""
        if msg not in self.decode_errors:
            self.decode_errors.append(msg)
            self.meta.notes.append(msg)
        if errors is not None and msg not in errors:
            errors.append(msg)

    def _check_complete(self, last_t: float, errors: list[str] | None) -> None:
        """Decoding reached the end: frames missing before the header's duration mean truncation."""
        frame_dur = 1.0 / self.meta.fps if self.meta.fps else 0.04
        if last_t + frame_dur < self.meta.duration - max(0.5, 2 * frame_dur):
            self._note(f"video ends at {last_t + frame_dur:.2f}s but its header says "
                       f"{self.meta.duration:.2f}s: file truncated or corrupt (partial result)", errors)

    def frames(
        self,
        fps: float | None = None,
        max_side: int | None = 320,
        gray: bool = False,
        t0: float = 0.0,
        t1: float | None = None,
        errors: list[str] | None = None,
    ) -> Iterator[Frame]:
        """Streams frames in time order, resized so the long side is at most `max_side`.

        `fps=None` yields every decoded frame; otherwise at most one frame per 1/fps seconds
        (chosen by pts, so VFR video is sampled evenly in time). A decode error mid-file ends the
        stream early and is reported in `errors` (truncated files give a partial result).
        """
        size = self._out_size(max_side)
        fmt = "gray" if gray else "rgb24"
        for idx, (t, frame) in enumerate(self._selected(fps, t0, t1, errors)):
            yield self._to_frame(frame, t, idx, size, fmt)

    def analysis_frames(self, max_side: int = 160, errors: list[str] | None = None,
                        taps: list[FrameTap] | tuple = ()) -> Iterator[AnalysisFrame]:
        """Every decoded frame as an AnalysisFrame (grey with long side <= max_side, colour at half
        that), for the shared anchor features: cheaper than frames() because the colour image is
        built only at half size, from chroma planes that are already about that size.

        Each of `taps` also keeps its sampled RGB frames from this same decode (see FrameTap)."""
        size = self._out_size(max_side)
        rot = self.meta.rotation
        gates = [(tap, _RateGate(tap.fps), self._out_size(tap.max_side)) for tap in taps]
        for tap in taps:
            tap.frames, tap.errors, tap.complete = [], [], False
        for idx, (t, frame) in enumerate(self._selected(None, 0.0, None, errors)):
            for tap, gate, tsize in gates:
                if len(tap.frames) < tap.max_frames and gate.take(t):
                    tap.frames.append(self._to_frame(frame, t, len(tap.frames), tsize))
            got = _analysis_from_planes(frame, size)
            if got is None:  # (pixel formats / colour matrices the plane path does not cover)
                img = frame.to_ndarray(width=size[0], height=size[1], format="rgb24")
                af = AnalysisFrame.from_rgb(t, idx, _apply_rotation(img, rot) if rot else img, int(frame.pts))
            else:
                g, c = got
                if rot:
                    g, c = _apply_rotation(g, rot), _apply_rotation(c, rot)
                af = AnalysisFrame(t, idx, g, c, int(frame.pts))
            yield af
        for tap in taps:  # (reached only when the consumer read to the end)
            tap.errors = list(errors) if errors is not None else list(self.decode_errors)
            tap.complete = True

    def _selected(self, fps: float | None, t0: float, t1: float | None,
                  errors: list[str] | None) -> Iterator[tuple[float, object]]:
        """(time, av frame) of the frames frames() yields: in [t0, t1], at most `fps` a second."""
        gate = _RateGate(fps, t0)
        keys = [] if t0 <= 0 and t1 is None else None  # (a whole pass: learn where the keyframes are)
        for t, frame in self._decode_from(t0, errors):
            if t < t0 - 1e-6:
                continue
            if t1 is not None and t > t1 + 1e-6:
                break
            if keys is not None and frame.key_frame:
                keys.append(t)
            if gate.take(t):
                yield t, frame
        if keys is not None:
            self._key_times = keys

    def display_frames(self, t0: float, t1: float, max_side: int | None = None,
                       errors: list[str] | None = None) -> Iterator[Frame]:
        """Every frame on screen during [t0, t1): the one displayed at t0, then those starting before t1."""
        size = self._out_size(max_side)
        held = None  # latest frame at or before t0, not yet yielded
        idx = 0
        for t, frame in self._decode_from(t0, errors):
            if t <= t0 + 1e-4:
                held = (t, frame)
                continue
            if held is not None:
                yield self._to_frame(held[1], held[0], idx, size)
                idx, held = idx + 1, None
            elif idx == 0 and t0 > 0:
                pass  # nothing decoded at/before t0 (t0 before the first frame): start here
            if t >= t1 - 1e-4:
                return
            yield self._to_frame(frame, t, idx, size)
            idx += 1
        if held is not None:  # t0 at/after the last frame: it is still on screen
            yield self._to_frame(held[1], held[0], idx, size)

    def frame_at(self, t: float, max_side: int | None = None) -> Frame:
        """The frame displayed at time t (frame-accurate: seeks to the keyframe, decodes forward).

        Before the first frame this is the first frame; after the last, the last one.
        """
        got = self.read_frames_at([t], max_side)[0]
        if isinstance(got, SourceError):
            raise got
        return got

    def frames_at(self, times: list[float], max_side: int | None = None) -> list[Frame]:
        """Several accurate frames, in the order asked (the first unreadable one raises)."""
        got = self.read_frames_at(times, max_side)
        for g in got:
            if isinstance(g, SourceError):
                raise g
        return got  # type: ignore[return-value]

    def read_frames_at(self, times: list[float], max_side: int | None = None) -> list[Frame | SourceError]:
        """The frame displayed at each time (as frame_at gives it), or the SourceError frame_at would
        raise, in the order asked. The times are read in time order through one decoder: it seeks
        only where a keyframe lies between what it has decoded and the next time; otherwise it
        decodes on, so several times inside one GOP cost that GOP once, not once each. (Keyframe
        positions come from a whole-video pass of this stream, e.g. the anchor pass; before one,
        every time seeks.)"""
        size = self._out_size(max_side)
        keys = getattr(self, "_key_times", None)
        gap = max(1.0, 2.0 / (self.meta.fps or 25))
        found: dict[float, Frame | None] = {}
        gen = best = ahead = None
        ended = False
        for t in sorted({max(0.0, float(x)) for x in times}):
            pos = ahead[0] if ahead is not None else (best[0] if best is not None else None)
            if gen is None or keys is None or pos is None or pos > t + 1e-4 or (
                    ended and pos + gap < t) or (not ended and any(pos < k <= t + 1e-4 for k in keys)):
                gen, best, ahead, ended = self._decode_from(t), None, None, False
            if ahead is not None:
                if ahead[0] <= t + 1e-4:
                    best, ahead = ahead, None
            if ahead is None and not ended:
                for ft, frame in gen:
                    if ft <= t + 1e-4 or best is None:
                        best = (ft, frame)
                        if ft <= t + 1e-4:
                            continue
                    if best[1] is not frame:
                        ahead = (ft, frame)
                    break
                else:
                    ended = True
            if best is None or best[0] + gap < t <= self.duration:
                found[t] = None
            else:  # (converted now: no decoded frame is held past its time)
                prev = found.get(next(reversed(found))) if found else None
                same = prev is not None and prev.pts == int(best[1].pts) and prev.t == best[0]
                found[t] = prev if same else self._to_frame(best[1], best[0], 0, size)
        out: list[Frame | SourceError] = []
        for x in times:
            hit = found[max(0.0, float(x))]
            if hit is None:
                why = f": {self.decode_errors[-1]}" if self.decode_errors else ""
                out.append(SourceError(str(self.path), f"no frame decodable at t={max(0.0, float(x)):.3f}s{why}",
                                       step="seek"))
            else:
                out.append(hit)
        return out

    # ------------------------------------------------------------------ audio
    def audio(self, sr: int = 16000) -> np.ndarray:
        """Whole audio track as mono float32 at `sr` Hz (streamed through a resampler).

        At 16 kHz mono an hour is ~230 MB of float32; callers needing less should use t0/t1 cropping.
        """
        av = _av()
        if not self.meta.has_audio:
            raise SourceError(str(self.path), "has no audio track", step="audio")
        c = self._container
        a = c.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sr)
        chunks: list[np.ndarray] = []
        c.seek(0)
        try:
            for frame in c.decode(a):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except Exception as exc:  # noqa: BLE001 - truncated audio: keep what decoded
            self._note(f"audio decode stopped: {type(exc).__name__}: {exc} (partial result)", None)
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(chunks).astype(np.float32, copy=False)

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        # Drain the frame-threaded decoder before freeing it: closing with frames still in flight
        # (a loop that broke off mid-file) can hang in avcodec_free_context under PyAV 18.1.
        try:
            self._vs.codec_context.decode(None)
        except Exception:  # noqa: BLE001 - nothing to drain / already at EOF
            pass
        try:
            self._container.close()
        except Exception:  # noqa: BLE001
            pass

    def __enter__(self) -> "VideoStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _open_failure_reason(path: Path, exc: Exception) -> str:
    """A reason a person can act on, from the file's first bytes and FFmpeg's message."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    msg = str(exc)
    try:
        text = head.decode("utf-8")
        if text and sum(ch.isprintable() or ch.isspace() for ch in text) / len(text) > 0.95:
            return "is a text file, not a video"
    except UnicodeDecodeError:
        pass
    if "moov atom not found" in msg:
        if head[4:8] == b"ftyp":
            return ("MP4 index (moov atom) missing: the file is truncated or was not finished "
                    "(e.g. a recording that was cut off)")
        return "not a video: no known container format found in the data (moov atom not found)"
    if "Invalid data" in msg:
        return f"not a video or corrupt: FFmpeg cannot parse it ({type(exc).__name__})"
    return f"not a readable video ({type(exc).__name__}: {msg})"


def is_video_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


# FFmpeg demuxers that open stills or text as "video" (a .txt is read by `tty` as ANSI art)
_NOT_VIDEO_FORMATS = {"tty", "image2", "lavfi", "ansi"}


def probes_as_video(path: str | Path) -> bool:
    """A file with an unlisted extension that FFmpeg opens as a moving picture (.dv, .y4m, .mxf, .nut, no
    extension): the last resort of source detection, so "any file FFmpeg decodes" holds."""
    import av  # noqa: PLC0415

    try:
        with av.open(str(path)) as c:
            names = set(str(c.format.name).split(","))
            return bool(c.streams.video) and not names & _NOT_VIDEO_FORMATS and not any(
                n.endswith("_pipe") for n in names)
    except Exception:  # noqa: BLE001 - not decodable: not a video
        return False


def audio_only_tracks(path: str | Path) -> int:
    """Audio tracks of a file FFmpeg opens that has no moving picture (a podcast, a recorded talk), else 0."""
    import av  # noqa: PLC0415

    try:
        with av.open(str(path)) as c:
            moving = [v for v in c.streams.video if not (int(v.disposition) & int(av.stream.Disposition.attached_pic))]
            return 0 if moving else len(c.streams.audio)
    except Exception:  # noqa: BLE001 - not decodable
        return 0
