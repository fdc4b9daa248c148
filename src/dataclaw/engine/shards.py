"""The merged index of a run's shards (`shards.json`): every Parquet / WebDataset shard (WebDataset
shards sit in one folder per member signature: webdataset/<group>/shard-*.tar) with its row
count, size, checksum and per-task counts, plus totals and score statistics over all of them, so a
trainer (or a check) can verify the shards without opening them."""
from __future__ import annotations

import hashlib
import json
import os
import tarfile
from collections import Counter
from pathlib import Path
from typing import Any
from ..export import read_rows


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _parquet_shard(path: Path) -> dict[str, Any]:
    import pyarrow.parquet as pq  # noqa: PLC0415

    table = pq.read_table(path, columns=["id", "task"])
    return {"rows": table.num_rows, "ids": table.column("id").to_pylist(),
            "by_task": dict(Counter(table.column("task").to_pylist()))}


def _webdataset_shard(path: Path) -> dict[str, Any]:
    ids, tasks = [], Counter()
    with tarfile.open(path) as tar:
        for m in tar:
            if m.name.endswith(".json"):
                row = json.load(tar.extractfile(m))
                ids.append(row["id"])
                tasks[row["task"]] += 1
    return {"rows": len(ids), "ids": ids, "by_task": dict(tasks)}


def write_shard_index(dataset_dir: str | Path) -> Path:
    root = Path(dataset_dir)
    rows = read_rows(root)
    index: dict[str, Any] = {"samples": len(rows), "formats": {}}
    for fmt, folder, pattern, reader in (("parquet", "parquet", "part-*.parquet", _parquet_shard),
                                         ("webdataset", "webdataset", "**/shard-*.tar", _webdataset_shard)):
        shards = sorted((root / folder).glob(pattern)) if (root / folder).is_dir() else []
        if not shards:
            continue
        entries, all_ids = [], []
        for p in shards:
            info = reader(p)
            all_ids += info.pop("ids")
            entries.append({"path": str(p.relative_to(root)), "bytes": p.stat().st_size, "sha256": _sha256(p), **info})
        index["formats"][fmt] = {"shards": entries, "rows": len(all_ids),
                                 "complete": sorted(all_ids) == sorted(r["id"] for r in rows)}
    scores: dict[str, dict[str, float]] = {}
    for name in ("format", "grounding", "efficiency"):
        vals = [r["scores"][name] for r in rows if r.get("scores")]
        if vals:
            scores[name] = {"mean": round(sum(vals) / len(vals), 4), "min": min(vals), "max": max(vals)}
    index["stats"] = {"by_task": dict(Counter(r["task"] for r in rows)),
                      "by_domain": dict(Counter(r["domain"] for r in rows)),
                      "by_source": dict(Counter(r["source"] for r in rows)), "scores": scores}
    path = root / "shards.json"
    tmp = path.with_name(f".shards.json.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(index, indent=1))
    tmp.replace(path)
    return path
