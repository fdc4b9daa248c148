"""LLaMA-Factory sharegpt format (hiyouga/LLaMA-Factory data/README.md, multimodal sharegpt):

    llamafactory.json   [{"conversations": [{"from": "human", "value": "<image>..."}, {"from": "gpt", ...}],
                          "images": ["media/..jpg"], "videos": ["media/..mp4"]}]
    dataset_info.json   {"dataclaw": {"file_name": "llamafactory.json", "formatting": "sharegpt",
                          "columns": {"messages": "conversations", "images": "images", "videos": "videos"}}}

Both sit at the dataset folder's root, so `dataset_dir: <folder>` resolves the media paths as they are
(LLaMA-Factory's `media_dir` defaults to `dataset_dir`). The number of <image>/<video> placeholders in a
row equals the length of its images/videos lists.

LLaMA-Factory expands every placeholder of every turn into vision tokens and trains on the whole
assistant turn, so images and clips of the answer are written as text marks (`[image 2.00s]`,
`[clip 4.00s-6.00s]`, paths in `answer_images` / `answer_videos`) unless `answer_media="keep"`.
`video_frames=N` gives each question video as N frames (images) for models without video input.
"""
from __future__ import annotations

import json
from pathlib import Path

from .chat import placeholder_text, render, videos_as_frames
from .native import read_samples

DATA_FILE = "llamafactory.json"
INFO_FILE = "dataset_info.json"
DATASET_NAME = "dataclaw"


def export_llamafactory(dataset_dir: Path, answer_media: str = "mark", video_frames: int = 0) -> list[Path]:
    root = Path(dataset_dir)
    rows = []
    for s in read_samples(root):
        chat = render(s, answer_media=answer_media)
        if video_frames > 0:
            chat = videos_as_frames(chat, root, video_frames)
        row = {"conversations": [{"from": "human", "value": placeholder_text(chat.user)},
                                 {"from": "gpt", "value": placeholder_text(chat.assistant)}],
               "images": chat.images, "videos": chat.videos,
               "answer_images": chat.answer_images, "answer_videos": chat.answer_videos,
               "id": s.id, "task": s.task, "domain": s.domain}
        rows.append(row)
    data = root / DATA_FILE
    data.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    info_path = root / INFO_FILE
    info = json.loads(info_path.read_text()) if info_path.exists() else {}
    info[DATASET_NAME] = {"file_name": DATA_FILE, "formatting": "sharegpt",
                          "columns": {"messages": "conversations", "images": "images", "videos": "videos"}}
    info_path.write_text(json.dumps(info, indent=2))
    return [data, info_path]
