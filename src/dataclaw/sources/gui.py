"""GUI sources: screen recordings with input events, Playwright traces, screenshot-per-step logs.

Three input forms open to one `GuiStream` (events + frames on one timeline, seconds):
  1. a folder with a screen video (`screen.mp4` or any single video) and `events.jsonl`
     (schema: `schemas/gui_events.schema.json`); frames come from the video (`VideoStream`);
  2. a Playwright `trace.zip` (recorded with screenshots): actions, their targets, screencast frames;
  3. a folder with `steps.jsonl` (or that .jsonl file): one row per step, `image` + `action`
     (AgentNet / OpenCUA / Mind2Web shape); step i is shown during [i, i+1) and acted on at i+0.5;
  4. a folder of fragments (each one of the forms above): one source, the fragments laid end to end
     on one timeline in name order (`meta.video["fragments"]` gives each one's span); the
     `gui_stitch` task reorders them by screen continuity.

Bad events never crash the source: each is skipped with its line and reason (`stream.skipped`).
Whole-file problems (an events file that does not match its video, a broken zip) raise SourceError.
"""
from __future__ import annotations

import bisect
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..errors import SourceError
from .gui_trace import parse_step_action, parse_trace
from .video import Frame, VideoStream, is_video_path, scaled_size

EVENT_TYPES = ("click", "double_click", "right_click", "type", "key", "hotkey", "scroll", "drag", "move")
POINTER_TYPES = ("click", "double_click", "right_click", "scroll", "drag", "move")
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "gui_events.schema.json"
TIME_TOLERANCE = 0.25  # s: events this close past the last frame still count (loggers flush late)
MISMATCH_FRACTION = 0.5
FRAGMENT_GAP = 1.0  # s between fragments laid on one timeline  # more than this share of bad times/points = the log is not of this video


@dataclass
class GuiMeta:
    form: str  # events | trace | steps
    duration: float
    width: int
    height: int
    fps: float = 0.0
    n_frames: int = 0
    n_events: int = 0
    n_skipped: int = 0
    apps: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    video: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


# ---------------------------------------------------------------------------- schema validation
_VALIDATOR = None


def event_validator():
    global _VALIDATOR
    if _VALIDATOR is None:
        import jsonschema  # noqa: PLC0415

        schema = json.loads(SCHEMA_PATH.read_text())
        _VALIDATOR = jsonschema.Draft202012Validator(schema)
    return _VALIDATOR


def validate_event(ev: Any) -> str | None:
    """None when the event is valid, else a short reason."""
    if not isinstance(ev, dict):
        return "not a JSON object"
    if ev.get("type") not in EVENT_TYPES + ("session",):
        return f"unknown event type {ev.get('type')!r} (known: {', '.join(EVENT_TYPES)})"
    errs = sorted(event_validator().iter_errors(ev), key=lambda e: list(e.path))
    if errs:
        e = errs[0]
        where = ".".join(str(p) for p in e.path) or "event"
        return f"schema: {where}: {e.message}"
    return None


def check_events(raw: list[tuple[int, Any]], duration: float, width: int, height: int,
                 path: str) -> tuple[list[dict], list[dict]]:
    """Validates raw (line, event) pairs against the schema, the timeline and the screen.

    Returns (kept events sorted by t, skipped [{line, reason, event}]). Raises SourceError when the
    log as a whole does not fit the recording.
    """
    kept: list[dict] = []
    skipped: list[dict] = []
    n_placed = n_misplaced = 0
    for line, ev in raw:
        reason = validate_event(ev)
        if reason is None and ev["type"] == "session":
            _check_session(ev, duration, width, height, path)
            continue
        if reason is None:
            t = float(ev["t"])
            n_placed += 1
            if t < -1e-3 or t > duration + TIME_TOLERANCE:
                reason = f"t={t:.3f}s is outside the recording's timeline [0, {duration:.3f}]s"
            elif "x" in ev and "y" in ev and not (0 <= ev["x"] < width and 0 <= ev["y"] < height):
                reason = f"point ({ev['x']}, {ev['y']}) is off the {width}x{height} screen"
            if reason:
                n_misplaced += 1
        if reason:
            skipped.append({"line": line, "reason": reason, "event": ev})
        else:
            kept.append({**ev, "t": min(max(0.0, float(ev["t"])), duration), "line": line})
    if n_placed and n_misplaced / n_placed > MISMATCH_FRACTION:
        raise SourceError(path, f"events do not match the recording: {n_misplaced} of {n_placed} events "
                                f"fall outside its {duration:.2f}s timeline or its {width}x{height} screen",
                          step="events", hint="pair each events.jsonl with the video it was logged with")
    kept.sort(key=lambda e: (e["t"], e["line"]))
    return kept, skipped


def _check_session(ev: dict, duration: float, width: int, height: int, path: str) -> None:
    problems = []
    if "width" in ev and "height" in ev and (ev["width"], ev["height"]) != (width, height):
        problems.append(f"logged on a {ev['width']}x{ev['height']} screen, video is {width}x{height}")
    if "duration" in ev and abs(float(ev["duration"]) - duration) > max(1.0, 0.05 * duration):
        problems.append(f"logged over {float(ev['duration']):.2f}s, video lasts {duration:.2f}s")
    if problems:
        raise SourceError(path, "events do not match the recording: " + "; ".join(problems), step="events",
                          hint="pair each events.jsonl with the video it was logged with")


# ---------------------------------------------------------------------------- frames from images
class _ImageTimeline:
    """Frames held as (time, loader) pairs: a still image is displayed until the next one."""

    def __init__(self, items: list[tuple[float, Any]], size: tuple[int, int]) -> None:
        self.items = sorted(items, key=lambda x: x[0])
        self.times = [t for t, _ in self.items]
        self.size = size  # (w, h) the images are shown at (the coordinate space of the events)

    def _image(self, i: int, max_side: int | None, gray: bool = False) -> np.ndarray:
        from PIL import Image  # noqa: PLC0415

        img = self.items[i][1]()
        w, h = scaled_size(*self.size, max_side)
        img = img.convert("L" if gray else "RGB")
        if img.size != (w, h):
            img = img.resize((w, h), Image.BILINEAR)
        return np.asarray(img)

    def index_at(self, t: float) -> int:
        return max(0, bisect.bisect_right(self.times, t + 1e-6) - 1)

    def frame_at(self, t: float, max_side: int | None) -> Frame:
        i = self.index_at(t)
        return Frame(t=self.times[i], index=i, image=self._image(i, max_side))

    def frames(self, fps: float | None, max_side: int | None, gray: bool, t0: float,
               t1: float | None) -> Iterator[Frame]:
        step = 1.0 / fps if fps else 0.0
        next_t = t0
        start = self.index_at(t0)
        for i in range(start, len(self.items)):
            t = self.times[i]
            if t1 is not None and t > t1 + 1e-6:
                break
            if step and t + 1e-6 < next_t and i != start:
                continue
            yield Frame(t=t, index=i, image=self._image(i, max_side, gray))
            if step:
                next_t = max(next_t + step, t + step * 0.5)


# ---------------------------------------------------------------------------- the stream
class GuiStream:
    """An open GUI source: `events` (validated, on the frames' timeline), frames, `meta`, `skipped`."""

    kind = "gui"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.video: VideoStream | None = None
        self._images: _ImageTimeline | None = None
        self.events: list[dict] = []
        self.skipped: list[dict] = []
        self.steps: list[dict] = []  # steps form: the rows as read
        if not self.path.exists():
            raise SourceError(str(self.path), "does not exist")
        if self.path.is_file() and self.path.suffix.lower() == ".zip":
            self._open_trace()
        elif _steps_file(self.path):
            self._open_steps(_steps_file(self.path))
        elif self.path.is_dir() and not (self.path / "events.jsonl").exists() and _fragment_children(self.path):
            self._open_fragments(_fragment_children(self.path))
        elif self.path.is_dir():
            self._open_events_folder()
        else:
            raise SourceError(str(self.path), "not a GUI source",
                              hint="expected a folder with a video + events.jsonl, a trace.zip, or steps.jsonl")

    # ------------------------------------------------------------------ form 1: video + events
    def _open_events_folder(self) -> None:
        ev_file = self.path / "events.jsonl"
        if not ev_file.exists():
            raise SourceError(str(self.path), "GUI folder has no events.jsonl")
        videos = sorted(p for p in self.path.iterdir() if p.is_file() and is_video_path(p))
        named = [p for p in videos if p.stem == "screen"]
        if not videos:
            raise SourceError(str(self.path), "GUI folder has no screen video (screen.mp4)")
        if len(videos) > 1 and not named:
            raise SourceError(str(self.path), f"GUI folder has {len(videos)} videos and none is named screen.*")
        self.video = VideoStream((named or videos)[0])
        vm = self.video.meta
        raw = _read_jsonl(ev_file)
        self.events, self.skipped = check_events(raw, vm.duration, vm.width, vm.height, str(ev_file))
        self.meta = GuiMeta(form="events", duration=vm.duration, width=vm.width, height=vm.height, fps=vm.fps,
                            n_frames=vm.n_frames, video=vm.as_dict())
        self._finish_meta()

    # ------------------------------------------------------------------ form 2: Playwright trace
    def _open_trace(self) -> None:
        p = str(self.path)
        try:
            zf = zipfile.ZipFile(self.path)
            bad = zf.testzip()
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise SourceError(p, f"broken trace.zip ({exc})", hint="re-save the Playwright trace") from exc
        except Exception as exc:  # noqa: BLE001 - zlib errors on damaged members
            raise SourceError(p, f"broken trace.zip ({type(exc).__name__}: {exc})") from exc
        if bad:
            raise SourceError(p, f"broken trace.zip: member {bad!r} fails its CRC check")
        names = zf.namelist()
        traces = sorted(n for n in names if n.endswith(".trace"))
        if not traces:
            raise SourceError(p, "not a Playwright trace (no *.trace member in the zip)")
        rows: list[tuple[int, dict]] = []
        for n in traces:
            for i, line in enumerate(zf.read(n).decode("utf-8", "replace").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    rows.append((i, json.loads(line)))
                except json.JSONDecodeError:
                    self.skipped.append({"line": i, "reason": f"{n}: line is not JSON", "event": line[:200]})
        parsed = parse_trace(rows, p)
        if not parsed.frames:
            raise SourceError(p, "trace has no screenshots", hint="record with tracing.start(screenshots=True)")
        missing = [f for _, f in parsed.frames if f not in names]
        if missing:
            raise SourceError(p, f"trace is missing {len(missing)} screenshot file(s), e.g. {missing[0]}")

        def loader(name: str):
            def load():
                from PIL import Image  # noqa: PLC0415

                return Image.open(io.BytesIO(zf.read(name)))
            return load

        self._zip = zf
        self._images = _ImageTimeline([(t, loader(f)) for t, f in parsed.frames], parsed.size)
        duration = parsed.frames[-1][0] + parsed.hold
        self.skipped += parsed.skipped
        self.events, skipped = check_events(parsed.events, duration, *parsed.size, p)
        self.skipped += skipped
        self.meta = GuiMeta(form="trace", duration=duration, width=parsed.size[0], height=parsed.size[1],
                            n_frames=len(parsed.frames), fps=len(parsed.frames) / max(duration, 1e-3),
                            notes=parsed.notes)
        self._finish_meta()

    # ------------------------------------------------------------------ form 3: steps.jsonl
    def _open_steps(self, steps_file: Path) -> None:
        from PIL import Image  # noqa: PLC0415

        base = steps_file.parent
        items: list[tuple[float, Any]] = []
        raw: list[tuple[int, dict]] = []
        size: tuple[int, int] | None = None
        for line, row in _read_jsonl(steps_file):
            if not isinstance(row, dict) or "image" not in row:
                self.skipped.append({"line": line, "reason": "step row has no 'image'", "event": row})
                continue
            img_path = base / str(row["image"])
            try:
                with Image.open(img_path) as im:
                    im_size = im.size
            except Exception as exc:  # noqa: BLE001 - missing or unreadable image: skip the step
                self.skipped.append({"line": line, "reason": f"image {row['image']!r} unreadable: {exc}",
                                     "event": row})
                continue
            size = size or im_size
            t = float(row.get("t", len(items)))
            items.append((t, (lambda pth=img_path: Image.open(pth))))
            self.steps.append({**row, "t": t})
            try:
                ev = parse_step_action(row.get("action", row.get("code")), im_size)
            except ValueError as exc:
                self.skipped.append({"line": line, "reason": str(exc), "event": row})
                continue
            if ev is None:
                continue  # a terminal step (done / wait) has no input
            for k in ("app", "url", "title", "role", "name", "bbox"):
                if row.get(k) is not None and k not in ev:
                    ev[k] = row[k]
            raw.append((line, {**ev, "t": t + 0.5}))
        if not items:
            raise SourceError(str(steps_file), "no readable step (each row needs an existing 'image')")
        self._images = _ImageTimeline(items, size)
        duration = items[-1][0] + 1.0
        self.events, skipped = check_events(raw, duration, size[0], size[1], str(steps_file))
        self.skipped += skipped
        self.meta = GuiMeta(form="steps", duration=duration, width=size[0], height=size[1], fps=1.0,
                            n_frames=len(items))
        self._finish_meta()

    # ------------------------------------------------------------------ form 4: a set of fragments
    def _open_fragments(self, children: list[Path]) -> None:
        """Fragments laid end to end on one timeline (sorted by name, FRAGMENT_GAP s apart); each
        event carries its `fragment` index. A fragment that cannot be read is skipped with its reason."""
        self.fragments: list[dict] = []
        self._subs: list[GuiStream] = []
        offset = 0.0
        for child in children:
            try:
                sub = GuiStream(child)
            except SourceError as exc:
                self.skipped.append({"line": 0, "reason": f"fragment {child.name}: {exc.reason}",
                                     "event": {"fragment": child.name}})
                continue
            k = len(self._subs)
            self._subs.append(sub)
            self.fragments.append({"index": k, "name": child.name, "form": sub.meta.form, "t0": offset,
                                   "t1": offset + sub.meta.duration, "width": sub.meta.width,
                                   "height": sub.meta.height})
            self.events += [{**e, "t": e["t"] + offset, "fragment": k} for e in sub.events]
            self.skipped += [{**sk, "reason": f"fragment {child.name}: {sk['reason']}"} for sk in sub.skipped]
            offset += sub.meta.duration + FRAGMENT_GAP
        if not self._subs:
            raise SourceError(str(self.path), "no fragment of this set could be read: "
                              + "; ".join(s["reason"] for s in self.skipped[:3]))
        w = max(f["width"] for f in self.fragments)
        h = max(f["height"] for f in self.fragments)
        self.meta = GuiMeta(form="fragments", duration=self.fragments[-1]["t1"], width=w, height=h,
                            n_frames=sum(s.meta.n_frames for s in self._subs),
                            notes=[f"{len(self.fragments)} fragments, {FRAGMENT_GAP}s apart on one timeline"])
        self.meta.video = {"fragments": self.fragments}
        self._finish_meta()

    def fragment_at(self, t: float) -> int:
        """Index of the fragment shown at t (in a gap: the one before it)."""
        k = 0
        for f in self.fragments:
            if f["t0"] <= t + 1e-6:
                k = f["index"]
        return k

    def _finish_meta(self) -> None:
        self.meta.n_events = len(self.events)
        self.meta.n_skipped = len(self.skipped)
        self.meta.apps = sorted({e["app"] for e in self.events if e.get("app")})
        self.meta.urls = list(dict.fromkeys(e["url"] for e in self.events if e.get("url")))

    # ------------------------------------------------------------------ frames
    @property
    def duration(self) -> float:
        return self.meta.duration

    def frames(self, fps: float | None = None, max_side: int | None = 320, gray: bool = False,
               t0: float = 0.0, t1: float | None = None, errors: list[str] | None = None) -> Iterator[Frame]:
        if self.meta.form == "fragments":
            return self._fragment_frames(fps, max_side, gray, t0, t1, errors)
        if self.video is not None:
            return self.video.frames(fps=fps, max_side=max_side, gray=gray, t0=t0, t1=t1, errors=errors)
        return self._images.frames(fps, max_side, gray, t0, t1)

    def _fragment_frames(self, fps, max_side, gray, t0, t1, errors) -> Iterator[Frame]:
        idx = 0
        for f, sub in zip(self.fragments, self._subs):
            if t1 is not None and f["t0"] > t1:
                break
            if f["t1"] < t0:
                continue
            lo = max(0.0, t0 - f["t0"])
            hi = None if t1 is None else t1 - f["t0"]
            for fr in sub.frames(fps=fps, max_side=max_side, gray=gray, t0=lo, t1=hi, errors=errors):
                yield Frame(t=fr.t + f["t0"], index=idx, image=fr.image)
                idx += 1

    def frame_at(self, t: float, max_side: int | None = None) -> Frame:
        if self.meta.form == "fragments":
            k = self.fragment_at(t)
            f = self.fragments[k]
            fr = self._subs[k].frame_at(min(t - f["t0"], f["t1"] - f["t0"]), max_side)
            return Frame(t=fr.t + f["t0"], index=fr.index, image=fr.image)
        if self.video is not None:
            return self.video.frame_at(t, max_side=max_side)
        return self._images.frame_at(t, max_side)

    def frames_at(self, times: list[float], max_side: int | None = None) -> list[Frame]:
        return [self.frame_at(t, max_side) for t in times]

    def close(self) -> None:
        for sub in getattr(self, "_subs", []):
            sub.close()
        if self.video is not None:
            self.video.close()
        if getattr(self, "_zip", None) is not None:
            self._zip.close()

    def __enter__(self) -> "GuiStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------------------- helpers
def _read_jsonl(path: Path) -> list[tuple[int, Any]]:
    """(line number, parsed object) pairs; unparsable lines become strings (rejected later)."""
    rows = []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise SourceError(str(path), f"cannot read: {exc}") from exc
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append((i, json.loads(line)))
        except json.JSONDecodeError:
            rows.append((i, line[:200]))
    return rows


def _steps_file(path: Path) -> Path | None:
    if path.is_dir() and (path / "steps.jsonl").exists():
        return path / "steps.jsonl"
    if path.is_file() and path.suffix == ".jsonl":
        try:
            with open(path, encoding="utf-8") as fh:
                first = json.loads(fh.readline() or "{}")
        except (OSError, json.JSONDecodeError):
            return None
        return path if isinstance(first, dict) and "image" in first else None
    return None


def _is_single_gui(p: Path) -> bool:
    if p.is_file():
        return p.suffix.lower() == ".zip" or _steps_file(p) is not None
    if p.is_dir():
        return (p / "events.jsonl").exists() or (p / "steps.jsonl").exists()
    return False


def _fragment_children(p: Path) -> list[Path]:
    try:
        return [c for c in sorted(p.iterdir()) if not c.name.startswith(".") and _is_single_gui(c)]
    except OSError:
        return []


def is_gui_path(path: str | Path) -> bool:
    """One GUI source, or a folder of GUI fragments (a fragment set, read as one source)."""
    p = Path(path)
    return _is_single_gui(p) or (p.is_dir() and bool(_fragment_children(p)))


def fragment_paths(folder: str | Path) -> list[Path]:
    """The GUI sources in a folder of fragments (each subfolder / trace.zip / steps file), sorted by name."""
    root = Path(folder)
    if _is_single_gui(root):
        return [root]
    found = _fragment_children(root)
    if not found:
        raise SourceError(str(root), "no GUI source in this folder",
                          hint="each fragment is a folder with a video + events.jsonl, a trace.zip or steps.jsonl")
    return found

