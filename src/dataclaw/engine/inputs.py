"""What `dataclaw tailor` was pointed at -> a list of source jobs.

Accepted, in any mix: files, folders (searched recursively for videos and source folders), glob
patterns (`clips/**/*.mp4`), and manifests: a `.csv` with a `path` column or a `.jsonl` with a `path`
key per line, each row optionally carrying its own `intent` or `recipe` (relative paths in a manifest
are resolved against the manifest's folder). Order is kept and duplicates removed, so the same inputs
always give the same job list.
"""
from __future__ import annotations

import csv
import glob
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import ConfigError
from ..sources import detect_kind
from ..sources.video import VIDEO_EXTENSIONS

MANIFEST_SUFFIXES = {".csv", ".jsonl"}
_HDF5 = {".hdf5", ".h5", ".he5"}
_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class SourceJob:
    path: str
    intent: str | None = None  # per-source intent (manifest); None = the run's intent
    recipe: str | None = None  # per-source recipe file (manifest)

    def to_dict(self) -> dict:
        return asdict(self)


def _video_suffixes() -> set[str]:
    return set(VIDEO_EXTENSIONS)


def _folder_kind(p: Path) -> str | None:
    try:
        return detect_kind(p)
    except Exception:  # noqa: BLE001 - unknown folder: search inside it
        return None


def _walk_folder(root: Path, errors: list[tuple[str, str]] | None = None,
                 seen: set[str] | None = None) -> list[str]:
    """Sources under `root`, following links to folders but never into a folder already walked
    (a link back up the tree would otherwise recurse until the path is too long)."""
    seen = set() if seen is None else seen
    real = os.path.realpath(root)
    if real in seen:
        if errors is not None:
            where = os.path.abspath(root)
            errors.append((where, f"{where}: a symbolic link loop (leads back to {real}); not followed"))
        return []
    seen.add(real)
    kind = _folder_kind(root)
    if kind == "robot":  # a LeRobot dataset folder is one source per episode
        from ..sources.robot_formats import episode_paths  # noqa: PLC0415

        return [str(e) for e in episode_paths(root)]
    if kind not in (None, "images"):  # a folder that is itself one source (GUI trace, robot episode)
        return [str(root)]
    videos = _video_suffixes()
    found: list[str] = []
    for p in sorted(root.iterdir()):
        if p.name.startswith("."):
            continue
        if p.is_dir():
            found += _walk_folder(p, errors, seen)
        elif p.suffix.lower() in videos:
            found.append(str(p))
    if not found and kind == "images":  # a folder of images with no videos: one image source
        return [str(root)]
    return found


def _read_manifest(path: Path, errors: list[tuple[str, str]] | None = None) -> list[SourceJob]:
    """The jobs of a manifest; with `errors`, a bad line is recorded there (entry, reason) and skipped."""
    rows: list[dict] = []

    def bad(n: int, why: str, exc: Exception | None = None) -> None:
        msg = f"manifest {path} line {n}: {why}"
        if errors is None:
            raise ConfigError(msg) from exc
        errors.append((f"{path}:{n}", msg))

    if path.suffix.lower() == ".csv":
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "path" not in reader.fieldnames:
                raise ConfigError(f"manifest {path}: needs a 'path' column (has {reader.fieldnames})")
            rows = list(reader)
    else:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                bad(n, f"not JSON ({exc.msg})", exc)
                continue
            if not isinstance(row, dict) or not row.get("path"):
                bad(n, "expected an object with a 'path'")
                continue
            rows.append(row)
    jobs = []
    for row in rows:
        p = Path(str(row["path"]).strip())
        if not p.is_absolute():
            p = path.parent / p
        recipe = (row.get("recipe") or "").strip() or None
        if recipe and not Path(recipe).is_absolute():
            recipe = str(path.parent / recipe)
        jobs.append(SourceJob(str(p), (row.get("intent") or "").strip() or None, recipe))
    return jobs


def list_sources(inputs: Iterable[str | Path], errors: list[tuple[str, str]] | None = None) -> list[SourceJob]:
    """Expands files, folders, globs and manifests into source jobs (order kept, duplicates dropped).

    A path that does not exist is kept as a job, so the run records it as skipped with its reason.
    A bad entry (a glob with no match, a manifest without a 'path' column, a bad manifest line) raises
    ConfigError, or with `errors` given is appended there as (entry, reason) and the rest go on.
    """
    jobs: list[SourceJob] = []
    for item in inputs:
        s = str(item)
        p = Path(s)
        if p.is_file() and p.suffix.lower() in MANIFEST_SUFFIXES:
            if errors is None:
                jobs += _read_manifest(p)
                continue
            try:
                jobs += _read_manifest(p, errors)
            except UnicodeDecodeError as exc:
                errors.append((s, f"manifest {p}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
                                  f"offset {exc.start}); save it as UTF-8"))
            except (ConfigError, OSError, csv.Error) as exc:
                errors.append((s, str(exc) if isinstance(exc, ConfigError) else f"manifest {p}: {exc}"))
        elif p.is_dir():
            jobs += [SourceJob(f) for f in _walk_folder(p, errors)]
        elif p.is_file() and p.suffix.lower() in _HDF5:  # a file of several demonstrations: one job each
            from ..sources.robot_formats import episode_paths  # noqa: PLC0415

            jobs += [SourceJob(str(e)) for e in episode_paths(p)]
        elif not p.exists() and _GLOB_CHARS & set(s):
            matches = sorted(glob.glob(s, recursive=True))
            if not matches:
                if errors is None:
                    raise ConfigError(f"no file matches the pattern {s!r}")
                errors.append((s, f"no file matches the pattern {s!r}"))
                continue
            jobs += [SourceJob(m) for m in matches]
        else:
            jobs.append(SourceJob(s))
    seen: set[str] = set()
    unique = []
    for j in jobs:  # absolute paths: the manifest (and the viewer) must find sources from anywhere
        j = SourceJob(os.path.abspath(j.path), j.intent, j.recipe)
        key = str(Path(j.path).resolve()) if Path(j.path).exists() else j.path
        if key not in seen:
            seen.add(key)
            unique.append(j)
    return unique
