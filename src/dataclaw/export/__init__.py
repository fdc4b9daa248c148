"""Dataset folder writer (resumable, crash-safe) and the exporters to trainer formats.

    out/samples.jsonl        one Sample per line, appended, flushed and fsync'd one at a time
    out/media/               JPEG keyframes, MP4 clips (written through `writer.media`, a MediaStore)
    out/anchors/<id>.json    each source's AnchorSet
    out/rejected.jsonl       Rejections with reasons
    out/raw.jsonl            raw model input/output per sample or rejection id (kept out of samples.jsonl)
    out/progress/            per-source completion markers and skipped sources (resume)
    out/manifest.json, out/README.md and the extra formats: written by finalize()
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import threading
import time
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from .. import __version__
from ..errors import ConfigError
from ..media import MediaStore
from ..model import AnchorSet, Rejection, Sample
from ..redact import redact, redact_text
from .agentnet import export_agentnet
from .card import write_card
from .edit_pairs import export_edit_pairs
from .game import export_game
from .lerobot import export_lerobot
from .llamafactory import export_llamafactory
from .lock import FolderLock, FolderLockedError
from .native import (RAW, REJECTED, SAMPLES, export_native, read_raw, read_rows, read_samples, repair_jsonl,
                     sample_row)
from .parquet import export_parquet
from .trl import export_trl
from .verl import export_verl
from .webdataset import export_webdataset

EXPORTERS: dict[str, Callable[[Path], list[Path]]] = {
    "native": export_native,
    "llamafactory": export_llamafactory,
    "trl": export_trl,
    "verl": export_verl,
    "webdataset": export_webdataset,
    "lerobot": export_lerobot,
    "parquet": export_parquet,
    "agentnet": export_agentnet,
    "game": export_game,
    "edit_pairs": export_edit_pairs,
}

_OWN = (SAMPLES, REJECTED, RAW, "manifest.json", "README.md", "progress", "anchors")  # what resume=False clears
_VERSION_PKGS = ("dataclaw0", "pydantic", "numpy", "av", "pillow", "rapidfuzz", "rapidocr", "onnxruntime",
                 "faster-whisper", "opencv-python-headless", "datasets", "pyarrow", "torch", "transformers")
TASKS_DONE = Path("progress") / "tailor_tasks.jsonl"  # (source, task) pairs finished, for resume


def _safe_name(source_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in source_id)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _rejection_key(row: dict[str, Any]) -> str:
    return hashlib.sha1(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()


def _reason_kind(reason: str) -> str:
    """A rejection reason without its location and numbers, so equal causes count together."""
    r = re.sub(r"^(solution\[\d+\][^:]*|query[^:]*|evidence): ", "", str(reason))
    return re.sub(r"\d+(?:\.\d+)?", "#", r)[:100]


def versions() -> dict[str, str]:
    """Versions of dataclaw, Python and the installed packages a dataset depends on (for manifests)."""
    out = {"dataclaw": __version__, "python": platform.python_version()}
    for pkg in _VERSION_PKGS:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    return out


class DatasetWriter:
    """Writes one dataset folder. With resume=True an existing folder is continued: samples already
    written are kept (a torn last line is cut), and `done_ids` / `done_sources` say what to skip."""

    def __init__(self, out: Path, resume: bool = True) -> None:
        self.out = Path(out)
        if self.out.exists() and not self.out.is_dir():
            raise ConfigError(f"{self.out}: exists and is not a folder; give --out a folder (new or a dataset)")
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"{self.out}: cannot create the dataset folder ({exc.strerror or exc})") from exc
        self._folder_lock = FolderLock(self.out)  # one writer per folder: a second run fails here, naming the pid
        if not resume:
            self._clear()
        self._lock = threading.Lock()
        self._t0 = time.time()
        # (id, source, task) of the samples already in the folder: resume state
        self._written = [(r["id"], r.get("source"), r.get("task")) for r in repair_jsonl(self.out / SAMPLES) if "id" in r]
        self._ids = {i for i, _, _ in self._written}
        self._rejected = {_rejection_key({k: v for k, v in r.items() if k != "raw"})
                          for r in repair_jsonl(self.out / REJECTED)}
        repair_jsonl(self.out / RAW)  # a torn last line from a crash
        self._progress = self.out / "progress"
        (self._progress / "done").mkdir(parents=True, exist_ok=True)
        self._fh = open(self.out / SAMPLES, "a", encoding="utf-8")
        self._media: Any = None
        self._done_sources = self.done_sources()  # as the run started: what `needs` compares with
        self._done_tasks = self.done_tasks()

    # ------------------------------------------------------------------ state
    def _clear(self) -> None:
        for name in _OWN:
            p = self.out / name
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()

    @property
    def media(self) -> Any:
        if self._media is None:
            self._media = MediaStore(self.out)
        return self._media

    def done_ids(self) -> set[str]:
        return set(self._ids)

    def done_sources(self) -> set[str]:
        return {json.loads(p.read_text())["source_id"] for p in (self._progress / "done").glob("*.json")}

    def done_tasks(self) -> dict[str, set[str]]:
        """source id -> the tasks finished for it (all their samples written)."""
        done: dict[str, set[str]] = {}
        for row in repair_jsonl(self.out / TASKS_DONE):
            if isinstance(row.get("source"), str) and isinstance(row.get("task"), str):
                done.setdefault(row["source"], set()).add(row["task"])
        return done

    def ids_by_source(self) -> dict[str, list[str]]:
        """source id -> ids of the samples the folder had when this writer opened it, in file order."""
        out: dict[str, list[str]] = {}
        for sid, source, _ in self._written:
            out.setdefault(source, []).append(sid)
        return out

    def samples_per_task(self) -> Counter[str]:
        """Samples the folder had when this writer opened it, per task."""
        return Counter(task for _, _, task in self._written)

    def needs(self, source_id: str, tasks: set[str]) -> bool:
        """Whether a source still has work: not finished, or finished for other tasks (a new intent)."""
        if source_id not in self._done_sources:
            return True
        finished = self._done_tasks.get(source_id)
        return finished is not None and not tasks <= finished

    # ------------------------------------------------------------------ writes
    def add_anchors(self, anchorset: AnchorSet) -> None:
        path = self.out / "anchors" / f"{_safe_name(anchorset.source.id)}.json"
        _atomic_write(path, json.dumps(anchorset.to_json(), ensure_ascii=False, default=str))

    def _add_raw(self, sid: str | None, kind: str, raw: Any) -> None:
        """Raw model I/O goes to raw.jsonl, keyed by id, written before the record that it belongs to."""
        if not raw or not sid:
            return
        with open(self.out / RAW, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(redact({"id": sid, "kind": kind, "raw": raw}), ensure_ascii=False, default=str) + "\n")
            fh.flush()

    def add(self, sample: Sample) -> bool:
        """Appends one sample; False (nothing written) when its id is already in the folder."""
        line = json.dumps(sample_row(sample), ensure_ascii=False) + "\n"
        with self._lock:
            if sample.id in self._ids:
                return False
            self._add_raw(sample.id, "sample", (sample.provenance or {}).get("raw"))
            self._fh.write(line)
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._ids.add(sample.id)
        return True

    def reject(self, rejection: Rejection) -> None:
        row = redact(rejection.model_dump(mode="json"))  # reasons may quote a backend error (its URL)
        raw = row.pop("raw", None)
        key = _rejection_key(row)
        with self._lock:
            if key in self._rejected:
                return
            self._add_raw(rejection.sample_id, "rejected", raw)
            with open(self.out / REJECTED, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            self._rejected.add(key)

    def mark_tasks_done(self, source_id: str, tasks: list[str]) -> None:
        if not tasks:
            return
        path = self.out / TASKS_DONE
        with self._lock, open(path, "a", encoding="utf-8") as fh:
            for task in tasks:
                fh.write(json.dumps({"source": source_id, "task": task}) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def mark_source_done(self, source_id: str, info: dict[str, Any]) -> None:
        payload = {"source_id": source_id, "info": redact(json.loads(json.dumps(info, default=str))), "time": time.time()}
        _atomic_write(self._progress / "done" / f"{_safe_name(source_id)}.json",
                      json.dumps(payload, ensure_ascii=False, default=str))

    def skip_source(self, path: str, reason: str, step: str) -> None:
        with self._lock, open(self._progress / "skipped.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"path": str(path), "reason": redact_text(reason), "step": step}) + "\n")
            fh.flush()

    def skipped(self) -> list[dict[str, str]]:
        seen: dict[str, dict[str, str]] = {}
        for row in repair_jsonl(self._progress / "skipped.jsonl"):
            seen[row["path"]] = row  # the latest reason per path
        return list(seen.values())

    # ------------------------------------------------------------------ finish
    def close(self) -> None:
        with self._lock:
            if not self._fh.closed:
                self._fh.close()
        if self._media is not None:
            self._media.close()
            self._media = None
        self._folder_lock.release()

    def __enter__(self) -> "DatasetWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def finalize(self, manifest: dict[str, Any], formats: list[str] | None = None) -> dict[str, list[str]]:
        """Writes manifest.json, README.md and the extra formats; returns {format: [paths written]}."""
        formats = list(dict.fromkeys(["native"] + list(formats or [])))
        unknown = [f for f in formats if f not in EXPORTERS]
        if unknown:
            raise ConfigError(f"unknown export format(s) {', '.join(unknown)}; known: {', '.join(EXPORTERS)}")
        with self._lock:
            self._fh.flush()
        m = redact(json.loads(json.dumps(self._manifest(manifest, formats), default=str)))  # no secret is written
        written: dict[str, list[str]] = {}
        t = time.perf_counter()
        for fmt in formats:
            written[fmt] = [str(p) for p in EXPORTERS[fmt](self.out)]
        m.setdefault("timings", {})["export_s"] = round(time.perf_counter() - t, 3)
        m["files"] = {k: [str(Path(p).relative_to(self.out)) for p in v] for k, v in written.items()}
        _atomic_write(self.out / "manifest.json", json.dumps(m, indent=2, ensure_ascii=False, default=str))
        card = write_card(self.out, m)
        written["native"] += [str(self.out / "manifest.json"), str(card)]
        return written

    def _manifest(self, manifest: dict[str, Any], formats: list[str]) -> dict[str, Any]:
        samples = list(read_samples(self.out))
        rejected = repair_jsonl(self.out / REJECTED)
        done = {}
        for p in sorted((self._progress / "done").glob("*.json")):
            d = json.loads(p.read_text())
            done[d["source_id"]] = d.get("info", {})
        skipped = list(manifest.get("skipped", []))
        known = {s.get("path") for s in skipped}
        skipped += [s for s in self.skipped() if s["path"] not in known]
        done_paths = {str(i.get("path")) for i in done.values()}
        skipped = [s for s in skipped if str(s.get("path")) not in done_paths]  # retried and done since
        m = dict(manifest)
        m["counts"] = {
            "samples": len(samples), "rejected": len(rejected), "sources": len(done), "skipped": len(skipped),
            "by_task": dict(Counter(s.task for s in samples)),
            "by_domain": dict(Counter(s.domain for s in samples)),
            "by_source": dict(Counter(s.source for s in samples)),
        }
        m["scores"] = {}
        for name in ("format", "grounding", "efficiency"):
            vals = [getattr(s.scores, name) for s in samples]
            if vals:
                m["scores"][name] = {"mean": sum(vals) / len(vals), "min": min(vals), "max": max(vals)}
        made = [s.meta.get("claims") for s in samples if isinstance(s.meta.get("claims"), dict)]
        if made:
            from ..claims import hallucination_rate  # noqa: PLC0415

            m["claims"] = {"samples": len(made), "claims": sum(int(c.get("claims", 0)) for c in made),
                           "unsupported": sum(int(c.get("unsupported", 0)) for c in made),
                           "hallucination_rate": hallucination_rate(made),
                           "rejected_for_claims": sum(1 for row in rejected if any(
                               " claim '" in str(r) for r in row.get("reasons", [])))}
        reasons = Counter(_reason_kind(r) for row in rejected for r in row.get("reasons", []))
        m["rejection_reasons"] = reasons.most_common(10)
        m["sources"] = {**done, **manifest.get("sources", {})}
        m["skipped"] = skipped
        m["versions"] = {**versions(), **manifest.get("versions", {})}
        m.setdefault("timings", {})
        m["timings"] = {**m["timings"], "writer_wall_s": round(time.time() - self._t0, 3)}
        m["formats"] = formats
        m["created"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        return m


__all__ = ["DatasetWriter", "EXPORTERS", "FolderLockedError", "read_samples", "read_raw", "read_rows", "sample_row", "versions"]
