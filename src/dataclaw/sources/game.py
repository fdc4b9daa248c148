"""Game recordings: a gameplay video plus the engine's per-frame log (actions, score, lives, RAM).

A recording is a folder with `game.jsonl` (header line, then one row per video frame; written by
`dataclaw.sim.ale.record_ale` or any engine that keeps the same fields) and one video file. A
`GameStream` is the video (it reads frames like a `VideoStream`, so `MediaStore` writes its
keyframes and clips) plus the log: `header`, `rows`, `actions` and lookups by time.

Bad rows (not JSON, no `i`/`action`, times going back) are dropped and listed in `meta.skipped`;
a log longer or shorter than the video is noted in `meta.notes` and cut to what both have. A
gameplay video without a log is a plain `video` source: its actions are unknown, never invented.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import SourceError
from .video import VideoStream, is_video_path

LOG_NAME = "game.jsonl"
MAX_DROP_FRACTION = 0.5


def _video_of(folder: Path) -> Path | None:
    vids = sorted(p for p in folder.iterdir() if p.is_file() and is_video_path(p))
    return vids[0] if vids else None


def is_game_path(path: str | Path) -> bool:
    p = Path(path)
    return p.is_dir() and (p / LOG_NAME).is_file() and _video_of(p) is not None


def read_log(path: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """(header, rows, skipped) of a game log; raises SourceError when it cannot be used at all."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if not lines:
        raise SourceError(str(path), "empty game log", hint="line 1 is a JSON header, then one row per frame")
    try:
        header = json.loads(lines[0])
    except json.JSONDecodeError as exc:
        raise SourceError(str(path), f"line 1 is not a JSON header: {exc}") from exc
    if not isinstance(header, dict) or not header.get("fps") or not isinstance(header.get("actions"), list):
        raise SourceError(str(path), "header lacks `fps` or `actions`", hint="see dataclaw.sim.ale for the fields")
    rows: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    last_t = -1.0
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            ok = isinstance(r, dict) and isinstance(r.get("i"), int) and isinstance(r.get("action"), str)
            t = float(r.get("t", r.get("i", 0) / float(header["fps"]))) if ok else 0.0
        except (json.JSONDecodeError, TypeError, ValueError):
            ok, t = False, 0.0
        if not ok or t <= last_t:
            skipped.append({"line": n, "reason": "not a row with i, action and a rising t"})
            continue
        r["t"] = t
        last_t = t
        rows.append(r)
    if not rows or len(skipped) > MAX_DROP_FRACTION * (len(rows) + len(skipped)):
        raise SourceError(str(path), f"{len(skipped)} of {len(rows) + len(skipped)} log rows are unusable")
    return header, rows, skipped


class GameStream:
    """The recording's video plus its log, on the video's clock (row i is video frame i)."""

    kind = "game"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        video = _video_of(self.path)
        if video is None or not (self.path / LOG_NAME).is_file():
            raise SourceError(str(self.path), "not a game recording", hint=f"a folder with {LOG_NAME} and a video")
        self.header, self.rows, skipped = read_log(self.path / LOG_NAME)
        self.video = VideoStream(video)
        self.meta = self.video.meta
        self.meta.notes = list(self.meta.notes)
        self.skipped = skipped
        n_video = self.meta.n_frames
        if n_video and abs(n_video - len(self.rows)) > 1:
            self.meta.notes.append(f"log has {len(self.rows)} rows, video {n_video} frames: cut to the shorter")
            self.rows = self.rows[: min(len(self.rows), n_video)]
        self.fps = float(self.header["fps"])
        self.actions: list[str] = [str(a) for a in self.header["actions"]]
        self.game = str(self.header.get("game", "game"))

    # the video side, for MediaStore and the visual experts
    @property
    def time_base(self) -> Any:
        return self.video.time_base

    @property
    def duration(self) -> float:
        return self.meta.duration

    def frames(self, *a: Any, **kw: Any) -> Any:
        return self.video.frames(*a, **kw)

    def analysis_frames(self, *a: Any, **kw: Any) -> Any:
        return self.video.analysis_frames(*a, **kw)

    def display_frames(self, *a: Any, **kw: Any) -> Any:
        return self.video.display_frames(*a, **kw)

    def frame_at(self, *a: Any, **kw: Any) -> Any:
        return self.video.frame_at(*a, **kw)

    def frames_at(self, *a: Any, **kw: Any) -> Any:
        return self.video.frames_at(*a, **kw)

    def read_frames_at(self, *a: Any, **kw: Any) -> Any:
        return self.video.read_frames_at(*a, **kw)

    def audio(self, *a: Any, **kw: Any) -> Any:
        return self.video.audio(*a, **kw)

    # the log side
    def index_at(self, t: float) -> int:
        """The row shown at time t (the last frame that started at or before t)."""
        i = int(round(t * self.fps + 1e-6)) if abs(t * self.fps - round(t * self.fps)) < 1e-3 else int(t * self.fps)
        return max(0, min(len(self.rows) - 1, i))

    def rows_between(self, t0: float, t1: float) -> list[dict[str, Any]]:
        """Rows of the frames in [t0, t1) (the actions pressed over that span)."""
        return self.rows[self.index_at(t0): self.index_at(t1)]

    def close(self) -> None:
        self.video.close()

    def __enter__(self) -> "GameStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


__all__ = ["GameStream", "LOG_NAME", "is_game_path", "read_log"]
