"""Readers: turn a path into a `Source` record and an open stream of its kind.

Each reader registers a `detect(path) -> bool` and an `open(path) -> stream`. The GUI, robot and
image readers register here the same way as video.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..errors import SourceError
from ..model import Source


@dataclass
class Reader:
    kind: str
    detect: Callable[[Path], bool]
    open: Callable[[Path], Any]
    priority: int = 0  # higher is tried first (a GUI folder beats "folder of images")


READERS: list[Reader] = []


def register_reader(kind: str, detect: Callable[[Path], bool], opener: Callable[[Path], Any],
                    priority: int = 0) -> None:
    READERS.append(Reader(kind, detect, opener, priority))
    READERS.sort(key=lambda r: -r.priority)


def content_hash(path: str | Path, chunk: int = 1 << 20) -> str:
    """blake2b of a file (or of a folder's files, in sorted order).

    Files over 256 MiB are hashed on size plus 64 spread 1 MiB samples, so hashing never costs
    more than reading ~64 MiB.
    """
    p = Path(path)
    h = hashlib.blake2b(digest_size=12)
    files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    for f in files:
        size = f.stat().st_size
        h.update(f"{f.relative_to(p) if p.is_dir() else ''}:{size}".encode())
        with open(f, "rb") as fh:
            if size <= 256 << 20:
                while block := fh.read(chunk):
                    h.update(block)
            else:
                for i in range(64):
                    fh.seek(size * i // 64)
                    h.update(fh.read(chunk))
    return h.hexdigest()


def _member(path: str | Path) -> tuple[Path, str | None]:
    """(file, demo) of a `file#demo` address (one demonstration of a multi-demo HDF5 file)."""
    from .robot_formats import split_member  # noqa: PLC0415

    return split_member(path)


def missing_reason(path: str | Path) -> str:
    """Why a path that `exists()` calls missing is missing: a symlink loop, a broken link or nothing there."""
    p = Path(path)
    if os.path.islink(p):
        try:
            p.resolve(strict=True)
        except RuntimeError:  # Python < 3.13 raises this for a loop
            return "is a symbolic link loop (following it never reaches a file; fix or remove the link)"
        except OSError as exc:
            import errno  # noqa: PLC0415

            if exc.errno == errno.ELOOP:
                return "is a symbolic link loop (following it never reaches a file; fix or remove the link)"
            return f"is a broken symbolic link (to {os.readlink(p)!r}, which does not exist)"
    for parent in p.parents:  # a loop or dangling link higher up the path
        if os.path.islink(parent) and not parent.exists():
            return f"does not exist: {parent} {missing_reason(parent)}"
    return "does not exist"


def detect_kind(path: str | Path) -> str:
    _ensure_builtin_readers()
    p = Path(path)
    base, member = _member(p)
    if not base.exists():
        raise SourceError(str(p), missing_reason(base))
    for r in READERS:
        try:
            if r.detect(p):
                return r.kind
        except Exception:  # noqa: BLE001 - a detector must never break detection of others
            continue
    if p.is_file():
        from .video import audio_only_tracks

        n = audio_only_tracks(p)
        if n:  # say what it is and how to use it, not "unknown"
            raise SourceError(str(p), f"audio only ({n} audio track{'s' if n != 1 else ''}, no picture): sources are "
                                      "videos, GUI traces, robot episodes and game recordings",
                              hint=f"to use the narration alone, put it over a still image: ffmpeg -loop 1 -i "
                                   f"cover.png -i {p.name} -shortest -c:v libx264 -tune stillimage -c:a aac "
                                   f"{p.stem}.mp4")
    raise SourceError(str(p), "unknown source kind",
                      hint="expected a video file, a GUI trace folder, a robot episode or an image folder")


def _lerobot_info(p: Path) -> Path | None:
    """meta/info.json of a LeRobot episode parquet, else None."""
    from .robot_formats import lerobot_root  # noqa: PLC0415

    root = lerobot_root(p) if p.suffix == ".parquet" else None
    return root / "meta" / "info.json" if root is not None else None


def load_source(path: str | Path, kind: str | None = None) -> Source:
    """The `Source` record (content-hashed id) for a path."""
    p = Path(path)
    kind = kind or detect_kind(p)
    base, member = _member(p)
    sid = content_hash(base)
    info = _lerobot_info(base) if kind == "robot" else None
    if info is not None:  # an episode's timing and names live in meta/info.json: part of what it is
        sid = hashlib.blake2b(f"{sid}{content_hash(info)}".encode(), digest_size=12).hexdigest()
    if member is not None:  # one demonstration of a file: the file's hash and the demo's name
        sid = hashlib.blake2b(f"{sid}{member}".encode(), digest_size=12).hexdigest()
    return Source(id=sid, path=str(p), kind=kind)  # type: ignore[arg-type]


def open_stream(source: Source) -> Any:
    """An open reader for the source (close it after use)."""
    _ensure_builtin_readers()
    for r in READERS:
        if r.kind == source.kind:
            return r.open(Path(source.path))
    raise SourceError(source.path, f"no reader for source kind {source.kind!r}")


_BUILTINS_LOADED = False


def _ensure_builtin_readers() -> None:
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    _BUILTINS_LOADED = True
    from .video import VideoStream, is_video_path, probes_as_video

    register_reader("video", lambda p: p.is_file() and is_video_path(p), VideoStream, priority=0)
    from .robot import RobotStream, is_robot_path

    register_reader("robot", is_robot_path, RobotStream, priority=5)
    from .gui import GuiStream, is_gui_path

    register_reader("gui", is_gui_path, GuiStream, priority=10)
    from .game import GameStream, is_game_path

    register_reader("game", is_game_path, GameStream, priority=8)  # a video + game.jsonl folder
    # last: any other file FFmpeg opens as a moving picture (after every kind that claims folders or files)
    register_reader("video", lambda p: p.is_file() and probes_as_video(p), VideoStream, priority=-100)
    # Other source kinds (gui, robot, images) register from their modules here.
    for mod in os.environ.get("DATACLAW_READERS", "").split(","):
        if mod.strip():
            __import__(mod.strip())
