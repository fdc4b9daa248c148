"""verl / EasyR1 RL prompts as parquet (verl docs, "Prepare Data for Post-Training"):

    verl/<split>.parquet   data_source  "dataclaw/<task>"
                           prompt       [{"role": "user", "content": "<image>...question"}]
                           images       [{"bytes": JPEG bytes, "path": "media/..."}]   (embedded: the file is self-contained)
                           videos       [{"video": "media/...mp4"}]                     (paths relative to the dataset folder)
                           ability      the sample's domain
                           reward_model {"style": "rule", "ground_truth": JSON text}
                           extra_info   {"split", "index", "sample_id", "task", "domain", "source", "anchors_file"}

ground_truth carries what the rule rewards need: the reference answer, the reference solution
segments, the evidence anchor ids and the source id (its anchors are in `anchors_file`).
The split comes from `sample.meta["split"]` (default "train").
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .chat import placeholder_text, render
from .native import read_samples

SCHEMA_FIELDS = ("data_source", "prompt", "images", "videos", "ability", "reward_model", "extra_info")


def _schema() -> Any:
    import pyarrow as pa  # noqa: PLC0415

    return pa.schema([
        ("data_source", pa.string()),
        ("prompt", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))),
        ("images", pa.list_(pa.struct([("bytes", pa.binary()), ("path", pa.string())]))),
        ("videos", pa.list_(pa.struct([("video", pa.string())]))),
        ("ability", pa.string()),
        ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
        ("extra_info", pa.struct([("split", pa.string()), ("index", pa.int64()), ("sample_id", pa.string()),
                                  ("task", pa.string()), ("domain", pa.string()), ("source", pa.string()),
                                  ("anchors_file", pa.string())])),
    ])


def export_verl(dataset_dir: Path) -> list[Path]:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    root = Path(dataset_dir)
    by_split: dict[str, list[dict[str, Any]]] = {}
    for s in read_samples(root):
        chat = render(s)
        split = str(s.meta.get("split", "train"))
        rows = by_split.setdefault(split, [])
        answer = placeholder_text(chat.assistant)
        truth = {"answer": answer, "solution": [g.model_dump(mode="json") for g in s.solution],
                 "evidence": s.evidence, "source": s.source, "task": s.task, "sample_id": s.id}
        rows.append({
            "data_source": f"dataclaw/{s.task}",
            # the prompt shows the query's media; images inside the reference answer are not inputs
            "prompt": [{"role": "user", "content": placeholder_text(chat.user)}],
            "images": [{"bytes": (root / p["path"]).read_bytes(), "path": p["path"]}
                       for p in chat.user if p["type"] == "image"],
            "videos": [{"video": p["path"]} for p in chat.user if p["type"] == "video"],
            "ability": s.domain,
            "reward_model": {"style": "rule", "ground_truth": json.dumps(truth, ensure_ascii=False)},
            "extra_info": {"split": split, "index": len(rows), "sample_id": s.id, "task": s.task,
                           "domain": s.domain, "source": s.source, "anchors_file": f"anchors/{s.source}.json"},
        })
    out_dir = root / "verl"
    out_dir.mkdir(exist_ok=True)
    written = []
    for split, rows in sorted(by_split.items()):
        path = out_dir / f"{split}.parquet"
        pq.write_table(pa.Table.from_pylist(rows, schema=_schema()), path)
        written.append(path)
    return written
