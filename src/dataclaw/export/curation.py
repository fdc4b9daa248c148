"""Human curation marks (from `dataclaw view`), honoured by every exporter.

    out/curation.jsonl   one mark per line: {"id", "status": "accepted"|"rejected"|null, "edits", "time"}

The latest mark per sample id wins. A rejected sample is left out of every export; `edits` replace
the text of the query or of a solution segment: {"query.text": "...", "solution.3.text": "..."}.
samples.jsonl itself is never rewritten (resume relies on it), so curation can always be undone.
"""
from __future__ import annotations

import copy
import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

CURATION = "curation.jsonl"
STATUSES = (None, "accepted", "rejected")
_EDIT_KEY = re.compile(r"^(query\.text|solution\.(\d+)\.text)$")
_lock = threading.Lock()


def validate_mark(mark: dict[str, Any]) -> dict[str, Any]:
    """A clean mark, or ValueError saying what is wrong."""
    if not isinstance(mark, dict) or not isinstance(mark.get("id"), str) or not mark["id"]:
        raise ValueError("a mark needs a sample id")
    status = mark.get("status")
    if status not in STATUSES:
        raise ValueError(f"status must be one of accepted, rejected or null, not {status!r}")
    edits = mark.get("edits") or {}
    if not isinstance(edits, dict):
        raise ValueError("edits must be an object")
    for k, v in edits.items():
        if not _EDIT_KEY.match(str(k)) or not isinstance(v, str):
            raise ValueError(f"edit {k!r}: only query.text or solution.N.text, with text values")
    note = mark.get("note")
    return {"id": mark["id"], "status": status, "edits": edits, "note": note if isinstance(note, str) else None,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def load_marks(dataset_dir: str | Path) -> dict[str, dict[str, Any]]:
    path = Path(dataset_dir) / CURATION
    marks: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return marks
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.endswith("\n"):
                break  # a torn last line
            try:
                m = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(m, dict) and isinstance(m.get("id"), str):
                marks[m["id"]] = m
    return marks


def append_mark(dataset_dir: str | Path, mark: dict[str, Any]) -> dict[str, Any]:
    clean = validate_mark(mark)
    with _lock, open(Path(dataset_dir) / CURATION, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(clean, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return clean


def apply_edits(row: dict[str, Any], edits: dict[str, str]) -> dict[str, Any]:
    row = copy.deepcopy(row)
    for key, text in edits.items():
        m = _EDIT_KEY.match(key)
        if not m:
            continue
        if m.group(2) is None:
            row["query"]["text"] = text
        else:
            i = int(m.group(2))
            if 0 <= i < len(row["solution"]) and row["solution"][i].get("type") == "text":
                row["solution"][i]["text"] = text
    return row


def curate_rows(dataset_dir: str | Path, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with rejected samples dropped and edits applied (unchanged when there is no curation file)."""
    marks = load_marks(dataset_dir)
    if not marks:
        return rows
    out = []
    for row in rows:
        m = marks.get(row.get("id"))
        if m is None:
            out.append(row)
        elif m.get("status") != "rejected":
            out.append(apply_edits(row, m.get("edits") or {}) if m.get("edits") else row)
    return out
