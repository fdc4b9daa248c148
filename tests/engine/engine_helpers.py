"""Shared constants and row comparisons for the engine tests (a unique module name: `conftest`
is ambiguous when several test folders run in one session)."""
from __future__ import annotations

import json
from pathlib import Path

LECTURE = Path(__file__).resolve().parents[2] / "examples" / "lecture" / "lecture.mp4"
INTENT = "text-to-video clips with captions"
EXPERTS = ["shots", "keyframes", "motion"]  # the fast video experts: the engine, not OCR/ASR, is under test
SPANS = [(0, 9), (14, 9), (29, 9)]


def rows(out: Path) -> list[dict]:
    path = Path(out) / "samples.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def comparable(row: dict) -> dict:
    """A sample row without what legitimately differs between runs (wall-clock latencies)."""
    row = json.loads(json.dumps(row))
    prov = json.loads(row["provenance"])
    prov.get("usage", {}).pop("latency_s", None)
    for r in prov.get("raw", []) or []:
        r.pop("latency_s", None)
    row["provenance"] = prov
    return row


def by_id(out: Path) -> dict[str, dict]:
    return {r["id"]: comparable(r) for r in rows(out)}
