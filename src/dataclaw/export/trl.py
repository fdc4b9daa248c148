"""TRL prompt-completion format for vision-language SFT (`SFTTrainer` + `DataCollatorForVisionLanguageModeling`):

    trl.jsonl   {"prompt": [{"role": "user", "content": [{"type": "image"}, ..., {"type": "text", "text": "..."}]}],
                 "completion": [{"role": "assistant", "content": [{"type": "text", "text": "..."}]}],
                 "images": ["media/...jpg", ...], "answer_images": [...], "answer_videos": [...],
                 "id": ..., "task": ..., "domain": ...}

Why this shape: SFTTrainer keeps only `messages`/`prompt`/`completion`/`image(s)` columns and has no
video input, so
- each video of the question is given as `video_frames` frames sampled evenly from it (images; default 8),
  never as a `videos` column TRL would drop silently;
- prompt-completion rows train on the completion only (TRL's default `completion_only_loss`), so the
  question's image tokens are never labels;
- images and clips inside the answer are text marks (`[image 2.00s]`, `[clip 4.00s-6.00s]`) with their
  paths in `answer_images` / `answer_videos` (TRL's collator processes the completion as text only).
With `video_frames=0` videos stay videos, in a `videos` column on every row, for other readers (SFTTrainer
ignores it).
Images are listed in the order of their `{"type": "image"}` parts; paths are relative to the dataset folder:
    ds = load_dataset("json", data_files="<out>/trl.jsonl", split="train")
    ds = ds.map(lambda r: {"images": [os.path.join("<out>", p) for p in r["images"]]})
    ds = ds.cast_column("images", Sequence(Image()))
The same rows are also written as `metadata.jsonl` for the `imagefolder` builder, whose `images_file_names`
are resolved against that file's folder, so `images` arrive as `datasets.Image` from any working directory:
    ds = load_dataset("imagefolder", data_files="<out>/metadata.jsonl", split="train")
(`images_file_names`, not `file_names`: datasets 5.2 fails on an empty `file_names` list.)
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .chat import render, videos_as_frames
from .native import read_samples

DATA_FILE = "trl.jsonl"
IMAGEFOLDER_FILE = "metadata.jsonl"  # the name the imagefolder builder looks for
VIDEO_FRAMES = 8


def _content(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"type": "text", "text": p["text"]} if p["type"] == "text" else {"type": p["type"]} for p in parts]


def trl_row(sample: Any, root: Path | None = None, video_frames: int = VIDEO_FRAMES) -> dict[str, Any]:
    chat = render(sample, answer_media="mark")
    if video_frames > 0 and root is not None:
        chat = videos_as_frames(chat, root, video_frames)
    row = {"prompt": [{"role": "user", "content": _content(chat.user)}],
           "completion": [{"role": "assistant", "content": _content(chat.assistant)}],
           "images": chat.images, "answer_images": chat.answer_images, "answer_videos": chat.answer_videos,
           "id": sample.id, "task": sample.task, "domain": sample.domain}
    if video_frames <= 0 or root is None:
        row["videos"] = chat.videos
    return row


def export_trl(dataset_dir: Path, video_frames: int = VIDEO_FRAMES) -> list[Path]:
    root = Path(dataset_dir)
    out, folder = root / DATA_FILE, root / IMAGEFOLDER_FILE
    with open(out, "w", encoding="utf-8") as fh, open(folder, "w", encoding="utf-8") as ff:
        for s in read_samples(root):
            row = trl_row(s, root, video_frames)
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            row["images_file_names"] = row.pop("images")  # imagefolder turns it back into `images`, typed Image
            ff.write(json.dumps(row, ensure_ascii=False) + "\n")
    return [out, folder]
