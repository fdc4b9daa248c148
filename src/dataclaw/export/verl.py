"""verl / EasyR1 RL prompts as parquet (verl docs, "Prepare Data for Post-Training"):

    verl/<split>.parquet   data_source  "dataclaw/<task>"
                           prompt       [{"role": "user", "content": "<image>...<video>...question"}]
                           images       [{"bytes": JPEG bytes, "path": "media/..."}]  (embedded: self-contained)
                           videos       [{"video": "/abs/path/media/...mp4"}]         (absolute: verl opens them
                                        from its own working directory), or with `video_frames=N`
                                        [{"video": ["/abs/.../frame_0.jpg", ...]}]  (N frames sampled from the clip)
                           ability      the sample's domain
                           reward_model {"style": "rule", "ground_truth": JSON text, see `ground_truth`}
                           extra_info   {"split", "index", "sample_id", "task", "domain", "source"}

The reward is `dataclaw.train.rewards.compute_score`: verl calls it with the row's data_source,
the policy's answer and `reward_model.ground_truth`; the ground truth carries the anchors it
checks against (embedded), so no dataset folder is needed at training time. Configure:

    data.train_files=<out>/verl/train.parquet data.image_key=images data.video_key=videos
    custom_reward_function.path=<site-packages>/dataclaw/train/rewards.py custom_reward_function.name=compute_score

Only the query's media are inputs; media inside the reference answer are not in `images`/`videos`.
The split comes from `sample.meta["split"]` (default "train").
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .chat import clip_frames, placeholder_text, render
from .native import load_anchorsets, read_samples

SCHEMA_FIELDS = ("data_source", "prompt", "images", "videos", "ability", "reward_model", "extra_info")


def ground_truth(sample: Any, anchorsets: dict[str, Any]) -> dict[str, Any]:
    """What `rewards.compute_score` needs to judge an answer to this sample, in the shape the training
    corpus uses (task, source, anchors, frames, meta, key) plus the reference: `answer` (the rendered
    assistant turn), `solution` (its segments), `evidence` ids and `sample_id`. The anchors are the
    sample's evidence and every anchor a segment cites, with their sources' duration and fps."""
    cited = list(dict.fromkeys(sample.evidence + [a for seg in sample.solution + sample.query.media
                                                  for a in seg.anchors]))
    own = anchorsets.get(sample.source)
    index: dict[str, Any] = {}
    for aset in ([own] if own is not None else []) + [a for sid, a in anchorsets.items() if sid != sample.source]:
        for a in aset.anchors:
            index.setdefault(a.id, (a, aset))
    anchors, sources, meta = [], {}, {}
    if own is not None:
        meta[sample.source] = {k: own.meta[k] for k in ("duration", "fps") if k in own.meta}
    for aid in cited:
        if aid in index:
            a, aset = index[aid]
            anchors.append(a.model_dump(mode="json"))
            sources.setdefault(aset.source.id, aset.source.model_dump(mode="json"))
            meta.setdefault(aset.source.id, {k: aset.meta[k] for k in ("duration", "fps") if k in aset.meta})
    src = own.source.model_dump(mode="json") if own is not None else {"id": sample.source, "path": "", "kind": "video"}
    sources = {sample.source: src, **sources}
    prov = sample.provenance or {}
    return {"task": sample.task, "sample_id": sample.id, "source": src, "sources": list(sources.values()),
            "source_meta": meta, "anchors": anchors, "frames": list(prov.get("frames") or []),
            "meta": {}, "key": prov.get("evidence_key", ""), "evidence": list(sample.evidence),
            "answer": placeholder_text(render(sample).assistant),
            "solution": [g.model_dump(mode="json") for g in sample.solution]}


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
                                  ("task", pa.string()), ("domain", pa.string()), ("source", pa.string())])),
    ])


def _frames_schema() -> Any:
    import pyarrow as pa  # noqa: PLC0415

    s = _schema()
    return s.set(s.get_field_index("videos"), pa.field("videos", pa.list_(pa.struct([("video", pa.list_(pa.string()))]))))


def export_verl(dataset_dir: Path, video_frames: int = 0) -> list[Path]:
    """`video_frames=N` (N > 0) gives each video as N frames sampled evenly from it, for models or
    rollouts without a video reader."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    base = Path(dataset_dir)
    root = base.resolve()
    sets = load_anchorsets(root)
    by_split: dict[str, list[dict[str, Any]]] = {}
    for s in read_samples(root):
        chat = render(s)
        split = str(s.meta.get("split", "train"))
        rows = by_split.setdefault(split, [])
        videos = []
        for p in chat.user:
            if p["type"] != "video":
                continue
            if video_frames > 0:
                videos.append({"video": [str(root / f) for f in clip_frames(root, p["path"], video_frames)]})
            else:
                videos.append({"video": str(root / p["path"])})
        rows.append({
            "data_source": f"dataclaw/{s.task}",
            "prompt": [{"role": "user", "content": placeholder_text(chat.user)}],
            "images": [{"bytes": (root / p["path"]).read_bytes(), "path": p["path"]}
                       for p in chat.user if p["type"] == "image"],
            "videos": videos,
            "ability": s.domain,
            "reward_model": {"style": "rule", "ground_truth": json.dumps(ground_truth(s, sets), ensure_ascii=False)},
            "extra_info": {"split": split, "index": len(rows), "sample_id": s.id, "task": s.task,
                           "domain": s.domain, "source": s.source},
        })
    out_dir = base / "verl"
    out_dir.mkdir(exist_ok=True)
    for old in out_dir.glob("*.parquet"):
        old.unlink()
    written = []
    schema = _frames_schema() if video_frames > 0 else _schema()
    for split, rows in sorted(by_split.items()):
        path = out_dir / f"{split}.parquet"
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
        written.append(path)
    return written
