"""One rendering of a Sample as a chat turn, shared by every chat exporter.

User turn: the query's media (images, clips) then its text. Assistant turn: the solution as an
interleaved answer: text segments (with their time span when they have one), images and clips in
solution order. Parts are `{"type": "text", "text": ...}`, `{"type": "image", "path": ...}` or
`{"type": "video", "path": ...}`; exporters turn them into their own placeholders.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..model import Sample, Segment

IMAGE_TOKEN = "<image>"
VIDEO_TOKEN = "<video>"


@dataclass
class Chat:
    user: list[dict[str, Any]] = field(default_factory=list)
    assistant: list[dict[str, Any]] = field(default_factory=list)

    @property
    def images(self) -> list[str]:
        return [p["path"] for p in self.user + self.assistant if p["type"] == "image"]

    @property
    def videos(self) -> list[str]:
        return [p["path"] for p in self.user + self.assistant if p["type"] == "video"]


def span_label(t0: float | None, t1: float | None) -> str:
    if t0 is None:
        return ""
    if t1 is None or abs(t1 - t0) < 1e-6:
        return f"[{t0:.2f}s]"
    return f"[{t0:.2f}s-{t1:.2f}s]"


def _parts(seg: Segment) -> list[dict[str, Any]]:
    label = span_label(seg.t0, seg.t1)
    if seg.type == "image":
        out = [{"type": "image", "path": seg.path}]
        return out + ([{"type": "text", "text": seg.text}] if seg.text else [])
    if seg.type == "clip":
        out = [{"type": "video", "path": seg.path}]
        return out + ([{"type": "text", "text": seg.text}] if seg.text else [])
    if seg.type == "action":
        text = f"{label} action: {json.dumps(seg.action, ensure_ascii=False, sort_keys=True)}".strip()
        if seg.text:
            text += f" {seg.text}"
        return [{"type": "text", "text": text}]
    text = f"{label} {seg.text or ''}".strip()
    return [{"type": "text", "text": text}] if text else []


def _merge(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adjacent text parts become one (newline-joined)."""
    out: list[dict[str, Any]] = []
    for p in parts:
        if p["type"] == "text" and out and out[-1]["type"] == "text":
            out[-1] = {"type": "text", "text": out[-1]["text"] + "\n" + p["text"]}
        else:
            out.append(dict(p))
    return out


def render(sample: Sample) -> Chat:
    user: list[dict[str, Any]] = []
    for m in sample.query.media:
        user += [p for p in _parts(m) if p["type"] != "text"]
    user.append({"type": "text", "text": sample.query.text})
    assistant: list[dict[str, Any]] = []
    for seg in sample.solution:
        assistant += _parts(seg)
    return Chat(_merge(user), _merge(assistant))


def placeholder_text(parts: list[dict[str, Any]]) -> str:
    """Parts as one string with <image>/<video> placeholders (LLaMA-Factory, verl)."""
    out = []
    for p in parts:
        if p["type"] == "text":  # a literal placeholder in the text would break the media count
            out.append(p["text"].replace(IMAGE_TOKEN, "<image >").replace(VIDEO_TOKEN, "<video >"))
        else:
            out.append(IMAGE_TOKEN if p["type"] == "image" else VIDEO_TOKEN)
    return "\n".join(out)
