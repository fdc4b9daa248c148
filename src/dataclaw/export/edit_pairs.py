"""`edit_pairs`: edit_pair samples in the InstructPix2Pix layout (diffusers' train_instruct_pix2pix.py
reads the columns `input_image`, `edit_prompt`, `edited_image` by default).

    edit_pairs/metadata.jsonl   one row per pair: input_image, edit_prompt, edited_image (paths relative
                                to the dataset folder), region [x0, y0, x1, y1] (shares of the frame),
                                source, times
    edit_pairs/train.parquet    the same rows with the images embedded as Hugging Face `Image` features
                                (`datasets.load_dataset("parquet", data_files=...)`); needs the [export] extra
"""
from __future__ import annotations

import json
from pathlib import Path
from .native import read_samples


def export_edit_pairs(dataset_dir: Path) -> list[Path]:
    root = Path(dataset_dir)
    rows = []
    for smp in read_samples(root):
        if smp.task != "edit_pair":
            continue
        before = next((m for m in smp.query.media if m.type == "image"), None)
        after = next((s for s in smp.solution if s.type == "image"), None)
        edit = next((s for s in smp.solution if s.type == "action"), None)
        if before is None or after is None or not before.path or not after.path:
            continue
        rows.append({"id": smp.id, "input_image": before.path, "edit_prompt": smp.query.text,
                     "edited_image": after.path, "region": (edit.action or {}).get("region") if edit else None,
                     "source": smp.source, "before_t": before.t0, "after_t": after.t0})
    if not rows:
        return []
    out = root / "edit_pairs"
    out.mkdir(parents=True, exist_ok=True)
    (out / "metadata.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    written = [out / "metadata.jsonl"]
    try:
        import datasets  # noqa: PLC0415
    except ImportError:
        return written
    table = {k: [r[k] for r in rows] for k in rows[0]}
    for col in ("input_image", "edited_image"):  # the bytes travel inside the parquet, not paths on this machine
        table[col] = [{"bytes": (root / p).read_bytes(), "path": Path(p).name} for p in table[col]]
    ds = datasets.Dataset.from_dict(table)
    ds = ds.cast_column("input_image", datasets.Image()).cast_column("edited_image", datasets.Image())
    ds.to_parquet(str(out / "train.parquet"))
    return written + [out / "train.parquet"]


__all__ = ["export_edit_pairs"]
