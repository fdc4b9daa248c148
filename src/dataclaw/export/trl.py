"""TRL conversational format for vision-language SFT (SFTTrainer):

    trl.jsonl   {"messages": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "..."}]},
                              {"role": "assistant", "content": [...]}],
                 "images": ["media/...jpg"], "videos": [...], "id": ..., "task": ..., "domain": ...}

Images are listed in the order of their `{"type": "image"}` parts; paths are relative to the dataset
folder. Load and decode them with
    ds = load_dataset("json", data_files="trl.jsonl")["train"]
    ds = ds.cast_column("images", Sequence(Image()))     # run from the dataset folder
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .chat import render
from .native import read_samples

DATA_FILE = "trl.jsonl"


def _content(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"type": "text", "text": p["text"]} if p["type"] == "text" else {"type": p["type"]} for p in parts]


def trl_row(sample: Any) -> dict[str, Any]:
    chat = render(sample)
    return {"messages": [{"role": "user", "content": _content(chat.user)},
                         {"role": "assistant", "content": _content(chat.assistant)}],
            "images": chat.images, "videos": chat.videos,
            "id": sample.id, "task": sample.task, "domain": sample.domain}


def export_trl(dataset_dir: Path) -> list[Path]:
    root = Path(dataset_dir)
    out = root / DATA_FILE
    with open(out, "w", encoding="utf-8") as fh:
        for s in read_samples(root):
            fh.write(json.dumps(trl_row(s), ensure_ascii=False) + "\n")
    return [out]
