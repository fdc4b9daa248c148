"""AgentNet-like JSONL (OpenCUA's trajectory shape) for GUI trajectory and stitch samples:

    agentnet.jsonl  {"task_id", "instruction", "natural_language_task", "actual_task", "task", "domain",
                     "screen": [w, h],
                     "traj": [{"index", "image", "value": {"observation", "thought", "action", "code",
                               "last_step_correct", "last_step_redundant", "reflection"},
                               "structured_action", "next_image", "fragment"}]}

`code` uses AgentNet's normalized coordinates (x, y in [0, 1]); `structured_action` keeps pixels.
Image paths are relative to the dataset folder. Other tasks' samples are not written here.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..experts.gui_actions import pyautogui_code
from .native import read_samples

DATA_FILE = "agentnet.jsonl"
TASKS = ("gui_trajectory", "gui_stitch")


def _code(action: dict[str, Any], screen: list[int] | None) -> str:
    try:
        return pyautogui_code(action, tuple(screen) if screen else None)
    except (KeyError, ValueError, TypeError):
        return str(action.get("code", ""))


def agentnet_row(sample: Any) -> dict[str, Any] | None:
    if sample.task not in TASKS:
        return None
    screen = sample.meta.get("screen")
    steps: list[dict[str, Any]] = []
    cur: dict[str, Any] = {}
    fragment = None
    for seg in sample.solution:
        if seg.type == "span":  # a stitched fragment starts
            fragment = seg.text
        elif seg.type == "image" and "action" not in cur:
            cur = {"image": seg.path}
        elif seg.type == "text":
            cur["thought"] = seg.text
        elif seg.type == "action" and seg.action:
            cur["action"] = seg.action
        elif seg.type == "image" and "action" in cur:
            a = cur["action"]
            thought = cur.get("thought", "")
            m = re.search(r"(The '[^']*' page is open\.|The application window is open\.)", thought)
            what = re.search(r"I ([^.]*)\.", thought)
            steps.append({"index": len(steps), "image": cur.get("image"),
                          "value": {"observation": m.group(1) if m else "", "thought": thought,
                                    "action": what.group(1)[0].upper() + what.group(1)[1:] if what else a.get("type", ""),
                                    "code": _code(a, screen), "last_step_correct": True,
                                    "last_step_redundant": False, "reflection": ""},
                          "structured_action": {k: v for k, v in a.items() if k != "step"},
                          "next_image": seg.path, "fragment": fragment})
            cur = {}
    if not steps:
        return None
    return {"task_id": sample.id, "instruction": sample.query.text, "natural_language_task": sample.query.text,
            "actual_task": sample.query.text, "task": sample.task, "domain": sample.domain, "screen": screen,
            "source": sample.source, "traj": steps}


def export_agentnet(dataset_dir: Path) -> list[Path]:
    root = Path(dataset_dir)
    out = root / DATA_FILE
    n = 0
    with open(out, "w", encoding="utf-8") as fh:
        for s in read_samples(root):
            row = agentnet_row(s)
            if row is not None:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
    return [out]
