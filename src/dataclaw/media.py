"""Writes sample media (JPEG keyframes, MP4 clips) into a dataset folder.

Paths returned are RELATIVE to the dataset folder (`media/<source id[:12]>/...`), so a dataset
folder can be moved. Every write is idempotent (an existing file is reused without decoding) and
atomic (a temp file in the same folder, then `os.replace`), so parallel workers writing the same
frame never leave a half-written file.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from .errors import SourceError
from .model import Source
from .sources import open_stream

EPS = 1e-4  # seconds: tolerance when comparing frame times to requested times


def _ms(t: float) -> int:
    return int(round(t * 1000))


def _tmp_for(path: Path) -> Path:
    # Same folder (os.replace must not cross file systems), same suffix (format detection).
    return path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.part{path.suffix}")


class MediaStore:
    """Media writer for one dataset folder. Keeps a few sources open (LRU); call close()."""

    def __init__(self, dataset_dir: str | Path, max_open: int = 4) -> None:
        self.root = Path(dataset_dir)
        self.max_open = max_open
        self._streams: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.RLock()  # PyAV containers are not thread-safe

    def close(self) -> None:
        with self._lock:
            while self._streams:
                self._streams.popitem()[1].close()

    def __enter__(self) -> "MediaStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ streams
    def _stream(self, source: Source) -> Any:
        with self._lock:
            if source.id in self._streams:
                self._streams.move_to_end(source.id)
                return self._streams[source.id]
            stream = open_stream(source)
            self._streams[source.id] = stream
            while len(self._streams) > self.max_open:
                _, old = self._streams.popitem(last=False)
                old.close()
            return stream

    def _rel(self, source: Source, name: str) -> tuple[str, Path]:
        rel = f"media/{source.id[:12]}/{name}"
        return rel, self.root / rel

    # ------------------------------------------------------------------ keyframes
    def keyframe(self, source: Source, t: float, max_side: int = 768, quality: int = 90) -> str:
        """JPEG of the frame displayed at `t` (frame-accurate); returns its relative path."""
        rel, path = self._rel(source, f"frame_{_ms(t)}.jpg")
        if path.exists():
            return rel
        from PIL import Image  # noqa: PLC0415

        with self._lock:
            frame = self._stream(source).frame_at(t, max_side=max_side)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _tmp_for(path)
        Image.fromarray(frame.image).save(tmp, format="JPEG", quality=quality)
        os.replace(tmp, path)
        return rel

    # ------------------------------------------------------------------ clips
    def clip(self, source: Source, t0: float, t1: float, max_side: int = 720) -> str:
        """H.264/AAC MP4 of [t0, t1), cut frame-accurately by re-encoding; returns its relative path.

        The first frame is the one displayed at t0, the last the one displayed just before t1;
        frame times keep the source's spacing (variable frame rate survives).
        """
        if t1 <= t0:
            raise SourceError(source.path, f"empty clip span [{t0:.3f}, {t1:.3f})", step="clip")
        rel, path = self._rel(source, f"clip_{_ms(t0)}_{_ms(t1)}.mp4")
        if path.exists():
            return rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _tmp_for(path)
        try:
            with self._lock:
                stream = self._stream(source)
                self._write_clip(stream, source, t0, t1, max_side, tmp)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        return rel

    def _write_clip(self, stream: Any, source: Source, t0: float, t1: float, max_side: int,
                    tmp: Path) -> None:
        import av  # noqa: PLC0415

        meta = stream.meta
        frames = list(stream.display_frames(t0, t1, max_side=max_side))
        if not frames:
            raise SourceError(source.path, f"no frame displayed in [{t0:.3f}, {t1:.3f})", step="clip")
        tb = stream.time_base
        h, w = frames[0].image.shape[:2]
        # Audio starts with the first frame (shown from its own time, maybe a bit before t0): in sync.
        audio = _audio_span(source.path, frames[0].t, min(t1, meta.duration)) if meta.has_audio else None
        with av.open(str(tmp), mode="w", format="mp4") as out:
            vs = out.add_stream("libx264", rate=Fraction(meta.fps).limit_denominator(100000))
            vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
            vs.codec_context.time_base = tb
            vs.options = {"crf": "18", "preset": "veryfast"}
            as_ = None
            if audio is not None:
                samples, rate, layout = audio
                as_ = out.add_stream("aac", rate=rate)
                as_.layout = layout
            first_pts = frames[0].pts
            last_pts = None
            for fr in frames:
                if last_pts is not None and fr.pts <= last_pts:
                    continue  # a damaged stream repeats a timestamp (box.mp4's first GOP): the muxer refuses it
                last_pts = fr.pts
                vf = av.VideoFrame.from_ndarray(fr.image, format="rgb24")
                vf.pts = fr.pts - first_pts
                vf.time_base = tb
                for pkt in vs.encode(vf):
                    out.mux(pkt)
            for pkt in vs.encode(None):
                out.mux(pkt)
            if as_ is not None:
                _encode_audio(out, as_, samples, rate, layout)


def _audio_span(path: str, t0: float, t1: float) -> tuple[np.ndarray, int, str] | None:
    """Samples (channels x n, float32 planar) of [t0, t1) at the source's rate, or None if unreadable."""
    import av  # noqa: PLC0415

    try:
        c = av.open(path)
    except Exception:  # noqa: BLE001 - the video part still makes a useful clip
        return None
    with c:
        a = c.streams.audio[0]
        rate = int(a.rate)
        layout = "mono" if a.channels == 1 else "stereo"
        vstart = c.streams.video[0]
        vstart = float(vstart.start_time * vstart.time_base) if vstart.start_time is not None else 0.0
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        c.seek(max(0, int((t0 + vstart - 1.0) / a.time_base)), stream=a, backward=True)
        first_t: float | None = None
        chunks: list[np.ndarray] = []
        try:
            for frame in c.decode(a):
                if first_t is None:
                    if frame.pts is None:
                        continue
                    first_t = float(frame.pts * frame.time_base) - vstart
                for o in resampler.resample(frame):
                    chunks.append(o.to_ndarray())
                if first_t + sum(x.shape[1] for x in chunks) / rate > t1 + 0.05:
                    break
        except Exception:  # noqa: BLE001 - truncated audio: keep what decoded
            pass
        if first_t is None or not chunks:
            return None
        allsamp = np.concatenate(chunks, axis=1).astype(np.float32)
        i0 = max(0, int(round((t0 - first_t) * rate)))
        i1 = max(i0, int(round((t1 - first_t) * rate)))
        return np.ascontiguousarray(allsamp[:, i0:i1]), rate, layout


def _encode_audio(out: Any, stream: Any, samples: np.ndarray, rate: int, layout: str) -> None:
    import av  # noqa: PLC0415

    step = stream.codec_context.frame_size or 1024
    for i in range(0, samples.shape[1], step):
        chunk = np.ascontiguousarray(samples[:, i:i + step])
        af = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
        af.sample_rate = rate
        af.pts = i
        af.time_base = Fraction(1, rate)
        for pkt in stream.encode(af):
            out.mux(pkt)
    for pkt in stream.encode(None):
        out.mux(pkt)
