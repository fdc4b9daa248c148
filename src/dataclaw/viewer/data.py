"""The viewer's read side: a dataset folder's samples, anchors, manifest and curation marks."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..export.curation import append_mark, load_marks
from ..export.native import read_rows

# timeline lanes: anchor kind -> lane (the first matching prefix wins)
LANES = (("shots", ("shot",)), ("text", ("ocr", "text")), ("speech", ("transcript", "speech", "vad", "word")),
         ("actions", ("action", "gui", "step", "phase", "gripper", "motion", "static")),
         ("contacts", ("contact", "fault", "stagnation", "hesitation")),
         ("seen", ("hand", "person", "face", "camera", "subject", "scene")))


def lane_of(kind: str) -> str:
    for lane, prefixes in LANES:
        if kind.startswith(prefixes):
            return lane
    return "other"


def _score(row: dict[str, Any]) -> float:
    s = row.get("scores") or {}
    vals = [float(s[k]) for k in ("format", "grounding", "efficiency") if isinstance(s.get(k), (int, float))]
    return round(sum(vals) / len(vals), 4) if vals else 0.0


def _cited(row: dict[str, Any]) -> list[str]:
    ids = list(row.get("evidence") or [])
    for seg in (row.get("query") or {}).get("media", []) + list(row.get("solution") or []):
        ids += seg.get("anchors") or []
    return list(dict.fromkeys(ids))


class Dataset:
    """One dataset folder, re-read when samples.jsonl or curation.jsonl change."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        if not (self.root / "samples.jsonl").is_file():
            raise FileNotFoundError(f"{self.root} is not a dataset folder (no samples.jsonl)")
        self._stamp: tuple = ()
        self._rows: dict[str, dict[str, Any]] = {}
        self.manifest: dict[str, Any] = {}

    def _refresh(self) -> None:
        files = [self.root / n for n in ("samples.jsonl", "manifest.json")]
        stamp = tuple(f.stat().st_mtime_ns if f.exists() else 0 for f in files)
        if stamp == self._stamp:
            return
        self._rows = {r["id"]: r for r in read_rows(self.root, curated=False)}
        m = self.root / "manifest.json"
        self.manifest = json.loads(m.read_text()) if m.exists() else {}
        self._stamp = stamp

    # ---------------------------------------------------------------- sources
    def source_paths(self) -> dict[str, str]:
        """Source id -> path, for the sources the manifest lists (the only files outside the folder served)."""
        self._refresh()
        out = {}
        for sid, info in (self.manifest.get("sources") or {}).items():
            if isinstance(info, dict) and info.get("path"):
                out[str(sid)] = str(info["path"])
        return out

    def anchors(self, source_id: str) -> dict[str, Any]:
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in source_id)
        p = self.root / "anchors" / f"{safe}.json"
        return json.loads(p.read_text()) if p.is_file() else {"anchors": [], "meta": {}}

    # ---------------------------------------------------------------- samples
    def summary(self) -> dict[str, Any]:
        self._refresh()
        rows = list(self._rows.values())
        return {"name": self.root.name, "intent": self.manifest.get("intent"), "samples": len(rows),
                "tasks": sorted({r["task"] for r in rows}), "domains": sorted({r["domain"] for r in rows})}

    def list(self, task: str = "", domain: str = "", min_score: float = 0.0, status: str = "",
             text: str = "") -> list[dict[str, Any]]:
        self._refresh()
        marks = load_marks(self.root)
        out = []
        for r in self._rows.values():
            st = (marks.get(r["id"]) or {}).get("status") or "unmarked"
            score = _score(r)
            if (task and r["task"] != task) or (domain and r["domain"] != domain) or score < min_score:
                continue
            if status and st != status:
                continue
            if text and text.lower() not in r["query"]["text"].lower():
                continue
            out.append({"id": r["id"], "task": r["task"], "domain": r["domain"], "source": r["source"],
                        "score": score, "scores": r.get("scores"), "query": r["query"]["text"][:200],
                        "status": st, "edited": bool((marks.get(r["id"]) or {}).get("edits"))})
        return out

    def sample(self, sample_id: str) -> dict[str, Any] | None:
        self._refresh()
        row = self._rows.get(sample_id)
        if row is None:
            return None
        a = self.anchors(row["source"])
        anchors = [{"id": x["id"], "kind": x["kind"], "lane": lane_of(x["kind"]), "t0": x["t0"], "t1": x["t1"],
                    "label": _label(x)} for x in a.get("anchors", [])]
        meta = a.get("meta") or {}
        duration = meta.get("duration") or max([x["t1"] for x in anchors] + [0.0])
        src_path = self.source_paths().get(row["source"])
        return {"row": row, "score": _score(row), "cited": _cited(row), "anchors": anchors, "duration": duration,
                "video": f"/source/{row['source']}" if src_path and Path(src_path).is_file() else None,
                "source_path": src_path, "mark": load_marks(self.root).get(sample_id)}

    def mark(self, mark: dict[str, Any]) -> dict[str, Any]:
        self._refresh()
        if mark.get("id") not in self._rows:
            raise ValueError(f"no sample {mark.get('id')!r} in this dataset")
        return append_mark(self.root, mark)


def _visual_label(kind: str, d: dict[str, Any]) -> str | None:
    """What a visual anchor saw, in a few words (the timeline's 'seen' lane)."""
    if kind == "hand":
        return f"{d.get('side', '')} hand" + (" (grasp)" if d.get("grasp") else "")
    if kind == "hand_object":
        return "hand: " + "+".join(d.get("actions") or [])
    if kind == "camera_motion":
        return f"camera {d.get('motion')}"
    if kind in ("person", "face"):
        return f"{d.get('count')} {kind}{'s' if d.get('count', 0) != 1 else ''}" + (
            f" {d['direction']}" if d.get("direction") else "") + (f" ({d['scale']})" if d.get("scale") else "")
    if kind == "scene":
        return ", ".join(d.get("palette") or []) + (f"; {d['light']}" if d.get("light") else "")
    return None


def _label(anchor: dict[str, Any]) -> str:
    d = anchor.get("data") or {}
    seen = _visual_label(anchor.get("kind", ""), d)
    if seen:
        return seen[:120]
    for key in ("text", "label", "name", "action", "event", "state"):
        if isinstance(d.get(key), str) and d[key]:
            return d[key][:120]
    return anchor["kind"]
