"""The native dataset folder: samples.jsonl rows and how to read them back.

Each line is one Sample (`model_dump`) with two encodings that keep one Arrow type per column (what
`datasets.load_dataset("json", ...)` needs) across tasks:
- a segment's `action` is an object with typed fields (`ACTION_FIELDS`: GUI pointer and keys, robot
  chunks and states, ...) plus `extra_json`, the JSON text of any other key; no action is a real null;
- `meta` and `provenance` are JSON text (their keys differ between tasks).
`Sample.model_validate` decodes both, so `read_samples` returns the Samples that were written.
Raw model input/output is not in samples.jsonl: it goes to raw.jsonl, one `{"id", "kind", "raw"}` per
sample or rejection (`read_raw`).
"""
from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from ..model import AnchorSet, Sample
from ..verify import verify_sample
from .curation import CURATION, curate_rows

SAMPLES = "samples.jsonl"
REJECTED = "rejected.jsonl"
RAW = "raw.jsonl"

# Typed fields of an action object (GUI events, robot chunks); every other key goes to `extra_json`.
_STR, _NUM, _INT, _STRS, _NUMS, _ROWS = "string", "float64", "int64", "strings", "floats", "rows"
ACTION_FIELDS: dict[str, str] = {
    "type": _STR, "x": _NUM, "y": _NUM, "dx": _NUM, "dy": _NUM, "button": _STR, "text": _STR, "keys": _STRS,
    "code": _STR, "step": _INT, "bbox": _NUMS, "element": _STR, "role": _STR, "box_source": _STR,
    "names": _STRS, "chunk": _ROWS, "state": _NUMS, "next_state": _NUMS, "object_pos": _NUMS, "next_object_pos": _NUMS, "state_names": _STRS, "fps": _NUM, "recall_state": _NUMS,
    "continuation": _ROWS, "every": _INT, "source": _STR, "source_path": _STR, "t0": _NUM, "t1": _NUM,
    "anchors": _STRS,
}


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _fits(kind: str, v: Any) -> bool:
    if kind == _STR:
        return isinstance(v, str)
    if kind == _NUM:
        return _num(v)
    if kind == _INT:
        return isinstance(v, int) and not isinstance(v, bool)
    if kind == _STRS:
        return isinstance(v, list) and all(isinstance(x, str) for x in v)
    if kind == _NUMS:
        return isinstance(v, list) and all(_num(x) for x in v)
    return isinstance(v, list) and all(isinstance(r, list) and all(_num(x) for x in r) for r in v)


def encode_action(action: dict[str, Any] | None) -> dict[str, Any] | None:
    """An action dict as the typed object samples.jsonl stores (None stays None)."""
    if action is None:
        return None
    out: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for k, v in action.items():
        kind = ACTION_FIELDS.get(k)
        if kind is not None and _fits(kind, v):
            out[k] = v
        else:  # unknown keys, and known keys with another shape (or None), are kept verbatim
            extra[k] = v
    out["extra_json"] = json.dumps(extra, ensure_ascii=False, sort_keys=True, default=str) if extra else None
    return out


def _enc(d: dict[str, Any] | None) -> str | None:
    return None if d is None else json.dumps(d, ensure_ascii=False, sort_keys=True, default=str)


def sample_row(sample: Sample) -> dict[str, Any]:
    """The samples.jsonl row of a sample (raw model I/O left out: it belongs in raw.jsonl)."""
    row = sample.model_dump(mode="json")
    row["meta"] = _enc(row.get("meta") or {})
    row["provenance"] = _enc({k: v for k, v in (row.get("provenance") or {}).items() if k != "raw"})
    for seg in row["solution"] + row["query"]["media"]:
        seg["action"] = encode_action(seg.get("action"))
    return row


def _action_feature() -> dict[str, Any]:
    from datasets import Sequence, Value  # noqa: PLC0415

    def one(kind: str) -> Any:
        if kind == _STRS:
            return Sequence(Value("string"))
        if kind == _NUMS:
            return Sequence(Value("float64"))
        if kind == _ROWS:
            return Sequence(Sequence(Value("float64")))
        return Value(kind)

    return {**{k: one(kind) for k, kind in ACTION_FIELDS.items()}, "extra_json": Value("string")}


def features() -> Any:
    """The `datasets.Features` of samples.jsonl, for `load_dataset("json", ..., features=features())`
    (makes loading independent of what the first block of a large file happens to contain)."""
    from datasets import Features, Sequence, Value  # noqa: PLC0415

    seg = {"type": Value("string"), "text": Value("string"), "path": Value("string"), "t0": Value("float64"),
           "t1": Value("float64"), "action": _action_feature(), "anchors": Sequence(Value("string"))}
    return Features({
        "id": Value("string"), "task": Value("string"), "domain": Value("string"), "source": Value("string"),
        "query": {"text": Value("string"), "media": [seg]},
        "solution": [seg],
        "evidence": Sequence(Value("string")),
        "scores": {"format": Value("float64"), "grounding": Value("float64"), "efficiency": Value("float64")},
        "meta": Value("string"), "provenance": Value("string"),
    })


def repair_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file; a torn last line (a crash mid-write: no newline) is cut off the file.
    A whole line that is not JSON (damage, a hand edit) is skipped but kept in the file, and the lines
    after it are read: one bad row never costs the rows behind it (`verify` names such lines)."""
    path = Path(path)
    if not path.exists():
        return []
    rows: list[dict[str, Any]] = []
    good_end = 0
    with open(path, "rb") as fh:
        data = fh.read()
    pos = 0
    while pos < len(data):
        nl = data.find(b"\n", pos)
        if nl < 0:  # no newline: the write never finished
            break
        line = data[pos:nl]
        if line.strip():
            try:
                row = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                row = None
            if isinstance(row, dict):
                rows.append(row)
        pos = good_end = nl + 1
    if good_end < len(data):
        with open(path, "r+b") as fh:
            fh.truncate(good_end)
            fh.flush()
            os.fsync(fh.fileno())
    return rows


def _file_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Every whole JSON line of a file, as written (a torn last line is left out; so is a whole line that
    is not JSON, and the rows after it are still read)."""
    if not path.exists():
        return
    with open(path, "rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                break
            if line.strip():
                try:
                    row = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    continue
                if isinstance(row, dict):
                    yield row


def bad_lines(path: Path) -> list[int]:
    """Line numbers (1-based) of whole lines that are not JSON objects (a torn last line is not one)."""
    out: list[int] = []
    if not Path(path).exists():
        return out
    with open(path, "rb") as fh:
        for n, line in enumerate(fh, 1):
            if not line.endswith(b"\n") or not line.strip():
                continue
            try:
                ok = isinstance(json.loads(line), dict)
            except (json.JSONDecodeError, UnicodeDecodeError):
                ok = False
            if not ok:
                out.append(n)
    return out


def duplicate_ids(dataset_dir: Path) -> dict[str, int]:
    """Sample ids that samples.jsonl holds more than once -> how many times."""
    n = Counter(r.get("id") for r in _file_rows(Path(dataset_dir) / SAMPLES) if isinstance(r, dict))
    return {str(k): v for k, v in n.items() if v > 1}


def read_rows(dataset_dir: Path, curated: bool = True) -> list[dict[str, Any]]:
    """Rows of samples.jsonl without modifying the file (a torn last line is skipped); with `curated`,
    the human marks of curation.jsonl are applied (rejected rows dropped, edits applied)."""
    rows: list[dict[str, Any]] = []
    seen: set[Any] = set()
    for row in _file_rows(Path(dataset_dir) / SAMPLES):
        rid = row.get("id") if isinstance(row, dict) else None
        if rid is not None and rid in seen:  # a repeated id (two writers before the folder lock): the first wins
            continue
        seen.add(rid)
        rows.append(row)
    if curated:
        rows = curate_rows(dataset_dir, rows)
    return rows


def read_samples(dataset_dir: Path) -> Iterator[Sample]:
    for row in read_rows(dataset_dir):
        yield Sample.model_validate(row)


def read_raw(dataset_dir: Path, kind: str | None = "sample") -> dict[str, list[dict[str, Any]]]:
    """Raw model input/output per sample id from raw.jsonl (`kind` "sample", "rejected" or None for both;
    the latest record of an id wins)."""
    path = Path(dataset_dir) / RAW
    out: dict[str, list[dict[str, Any]]] = {}
    if not path.exists():
        return out
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.endswith("\n"):
                break
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and row.get("id") and (kind is None or row.get("kind") == kind):
                out[row["id"]] = row.get("raw") or []
    return out


def export_native(dataset_dir: Path) -> list[Path]:
    """The native folder is written as samples arrive; with human curation marks, the curated rows
    also go to samples.curated.jsonl (samples.jsonl stays as made: resume relies on it)."""
    root = Path(dataset_dir)
    if not (root / CURATION).exists():
        return [root / SAMPLES]
    path = root / "samples.curated.jsonl"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for row in read_rows(root):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return [root / SAMPLES, path]


def load_anchorsets(dataset_dir: Path) -> dict[str, AnchorSet]:
    """The AnchorSets stored in `anchors/`, by source id."""
    out: dict[str, AnchorSet] = {}
    for f in sorted((Path(dataset_dir) / "anchors").glob("*.json")):
        aset = AnchorSet.from_json(json.loads(f.read_text(encoding="utf-8")))
        out[aset.source.id] = aset
    return out


def reverify(dataset_dir: Path) -> dict[str, Any]:
    """Verifies every sample of a folder again against its stored anchors and media on disk."""
    sets = load_anchorsets(dataset_dir)
    failed: list[dict[str, Any]] = []
    n = 0
    for s in read_samples(dataset_dir):
        n += 1
        aset = sets.get(s.source)
        if aset is None:
            failed.append({"id": s.id, "errors": [f"no anchors/{s.source}.json for its source"]})
            continue
        others = [a for sid, a in sets.items() if sid != s.source]
        v = verify_sample(s, [aset] + others, Path(dataset_dir))
        if not v.ok:
            failed.append({"id": s.id, "errors": v.errors})
    return {"samples": n, "passed": n - len(failed), "failed": failed, "duplicates": duplicate_ids(dataset_dir),
            "bad_lines": bad_lines(Path(dataset_dir) / SAMPLES)}
