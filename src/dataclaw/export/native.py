"""The native dataset folder: samples.jsonl rows and how to read them back.

Each line is one Sample (`model_dump`), except that free-form dicts (`meta`, `provenance`, a segment's
`action`) are stored as JSON text: their keys and value types differ between tasks, and Arrow (what
`datasets.load_dataset("json", ...)` uses) needs one type per column. `Sample.model_validate` decodes
them again, so `read_samples` returns the same Samples that were written.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

from ..model import AnchorSet, Sample
from ..verify import verify_sample
from .curation import CURATION, curate_rows

SAMPLES = "samples.jsonl"
REJECTED = "rejected.jsonl"


def _enc(d: dict[str, Any] | None) -> str | None:
    return None if d is None else json.dumps(d, ensure_ascii=False, sort_keys=True, default=str)


def sample_row(sample: Sample) -> dict[str, Any]:
    row = sample.model_dump(mode="json")
    row["meta"] = _enc(row.get("meta") or {})
    row["provenance"] = _enc(row.get("provenance") or {})
    for seg in row["solution"] + row["query"]["media"]:
        # always text ("null" when absent): a column that is null in the first block Arrow reads
        # would get type null and refuse the strings of later blocks
        seg["action"] = json.dumps(seg.get("action"), ensure_ascii=False, sort_keys=True, default=str)
    return row


def features() -> Any:
    """The `datasets.Features` of samples.jsonl, for `load_dataset("json", ..., features=features())`
    (makes loading independent of what the first block of a large file happens to contain)."""
    from datasets import Features, Sequence, Value  # noqa: PLC0415

    seg = {"type": Value("string"), "text": Value("string"), "path": Value("string"), "t0": Value("float64"),
           "t1": Value("float64"), "action": Value("string"), "anchors": Sequence(Value("string"))}
    return Features({
        "id": Value("string"), "task": Value("string"), "domain": Value("string"), "source": Value("string"),
        "query": {"text": Value("string"), "media": [seg]},
        "solution": [seg],
        "evidence": Sequence(Value("string")),
        "scores": {"format": Value("float64"), "grounding": Value("float64"), "efficiency": Value("float64")},
        "meta": Value("string"), "provenance": Value("string"),
    })


def repair_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file; a torn last line (a crash mid-write) is cut off the file."""
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
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                break  # a torn line; everything after it is dropped as well
        pos = good_end = nl + 1
    if good_end < len(data):
        with open(path, "r+b") as fh:
            fh.truncate(good_end)
            fh.flush()
            os.fsync(fh.fileno())
    return rows


def read_rows(dataset_dir: Path, curated: bool = True) -> list[dict[str, Any]]:
    """Rows of samples.jsonl without modifying the file (a torn last line is skipped); with `curated`,
    the human marks of curation.jsonl are applied (rejected rows dropped, edits applied)."""
    path = Path(dataset_dir) / SAMPLES
    rows: list[dict[str, Any]] = []
    if not path.exists():
        return rows
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.endswith("\n"):
                break
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    break
    if curated:
        rows = curate_rows(dataset_dir, rows)
    return rows


def read_samples(dataset_dir: Path) -> Iterator[Sample]:
    for row in read_rows(dataset_dir):
        yield Sample.model_validate(row)


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
    return {"samples": n, "passed": n - len(failed), "failed": failed}
