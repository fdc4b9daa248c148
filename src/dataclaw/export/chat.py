"""One rendering of a Sample as a chat turn, shared by every chat exporter.

User turn: the query's media (images, clips) then its text. Assistant turn: the solution as an
interleaved answer: text segments (with their time span when they have one), images and clips in
solution order. Parts are `{"type": "text", "text": ...}`, `{"type": "image", "path": ...}` or
`{"type": "video", "path": ...}`; exporters turn them into their own placeholders.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model import Sample, Segment

IMAGE_TOKEN = "<image>"
VIDEO_TOKEN = "<video>"


ANSWER_MEDIA = ("mark", "keep")


@dataclass
class Chat:
    user: list[dict[str, Any]] = field(default_factory=list)
    assistant: list[dict[str, Any]] = field(default_factory=list)
    answer_images: list[str] = field(default_factory=list)  # answer media replaced by text marks
    answer_videos: list[str] = field(default_factory=list)

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


def _mark(seg: Segment) -> str:
    what = "image" if seg.type == "image" else "clip"
    label = span_label(seg.t0, seg.t1)
    return f"[{what} {label[1:-1]}]" if label else f"[{what}]"


def render(sample: Sample, answer_media: str = "keep") -> Chat:
    """The sample as a user turn and an assistant turn. `answer_media="mark"` writes each image or clip
    of the answer as a text mark (`[image 2.00s]`, `[clip 4.00s-6.00s]`) and lists its path in
    `answer_images` / `answer_videos`, so trainers do not put its vision tokens in the labels; "keep"
    leaves them in place as media parts (interleaved image-text answers)."""
    if answer_media not in ANSWER_MEDIA:
        raise ValueError(f"answer_media must be one of {', '.join(ANSWER_MEDIA)}, not {answer_media!r}")
    user: list[dict[str, Any]] = []
    for m in sample.query.media:
        user += [p for p in _parts(m) if p["type"] != "text"]
    user.append({"type": "text", "text": sample.query.text})
    assistant: list[dict[str, Any]] = []
    chat = Chat()
    for seg in sample.solution:
        if answer_media == "mark" and seg.type in ("image", "clip") and seg.path:
            (chat.answer_images if seg.type == "image" else chat.answer_videos).append(seg.path)
            assistant.append({"type": "text", "text": _mark(seg) + (f" {seg.text}" if seg.text else "")})
        else:
            assistant += _parts(seg)
    chat.user, chat.assistant = _merge(user), _merge(assistant)
    return chat


def videos_as_frames(chat: Chat, root: Path, n: int) -> Chat:
    """Each video of the user turn as `n` frames sampled evenly from it (image parts, then a text part
    saying so), for trainers that take no video (TRL's SFTTrainer)."""
    user: list[dict[str, Any]] = []
    for p in chat.user:
        if p["type"] != "video":
            user.append(p)
            continue
        user += [{"type": "image", "path": f} for f in clip_frames(root, p["path"], n)]
        user.append({"type": "text", "text": f"(the {n} images above are frames sampled evenly from a video)"})
    return Chat(_merge(user), chat.assistant, chat.answer_images, chat.answer_videos)


def placeholder_text(parts: list[dict[str, Any]]) -> str:
    """Parts as one string with <image>/<video> placeholders (LLaMA-Factory, verl)."""
    out = []
    for p in parts:
        if p["type"] == "text":  # a literal placeholder in the text would break the media count
            out.append(p["text"].replace(IMAGE_TOKEN, "<image >").replace(VIDEO_TOKEN, "<video >"))
        else:
            out.append(IMAGE_TOKEN if p["type"] == "image" else VIDEO_TOKEN)
    return "\n".join(out)


def clip_frames(root: Path, rel: str, n: int, max_side: int = 768) -> list[str]:
    """`n` frames sampled evenly from the video `rel` (relative to `root`), written once as JPEGs
    beside it (`<stem>.f<i>of<n>.jpg`); returns their paths relative to `root`. For trainers and
    models that take a video as a list of frames."""
    import av  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415

    src = Path(root) / rel
    names = [str(Path(rel).with_name(f"{Path(rel).stem}.f{i}of{n}.jpg")) for i in range(n)]
    if all((Path(root) / p).exists() for p in names):
        return names
    with av.open(str(src)) as c:  # count, then decode again keeping only the picked frames (bounded memory)
        total = sum(1 for _ in c.demux(video=0) if _.size)
    if total == 0:
        raise ValueError(f"{src}: no video frame to sample")
    want = [min(total - 1, int((i + 0.5) * total / n)) for i in range(n)]
    picks: list[Any] = []
    with av.open(str(src)) as c:
        for i, f in enumerate(c.decode(video=0)):
            while len(picks) < n and want[len(picks)] == i:
                picks.append(f.to_image())
            if len(picks) == n:
                break
    if not picks:
        raise ValueError(f"{src}: no decodable video frame")
    while len(picks) < n:  # fewer decodable frames than packets
        picks.append(picks[-1])
    for img, p in zip(picks, names):
        img = img.convert("RGB")
        if max(img.size) > max_side:
            img.thumbnail((max_side, max_side))
        dst = Path(root) / p
        tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
        img.save(tmp, format="JPEG", quality=90)
        os.replace(tmp, dst)
    return names


_SPAN = re.compile(r"^\s*\[(\d+(?:\.\d+)?)s(?:\s*-\s*(\d+(?:\.\d+)?)s)?\]\s*(.*)$")


def parse_answer(text: str) -> list[Segment]:
    """An answer written the way `render` writes the assistant turn, back to segments: a line
    `[t0s-t1s] text` (or `[ts] text`) is a timed text segment (a span when it has no text), a line
    `action: {json}` an action, `<image>`/`<video>` placeholders are dropped, any other line is text."""
    out: list[Segment] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or line in (IMAGE_TOKEN, VIDEO_TOKEN):
            continue
        t0 = t1 = None
        m = _SPAN.match(line)
        if m:
            t0 = float(m.group(1))
            t1 = float(m.group(2)) if m.group(2) else t0
            line = m.group(3).strip()
        if line.startswith("action:"):
            rest = line[len("action:"):].strip()
            try:
                act, end = json.JSONDecoder().raw_decode(rest)
            except json.JSONDecodeError:
                act, end = None, 0
            if isinstance(act, dict):
                out.append(Segment(type="action", action=act, t0=t0, t1=t1, text=rest[end:].strip() or None))
                continue
        if t0 is not None and not line:
            out.append(Segment(type="span", t0=t0, t1=t1))
        else:
            out.append(Segment(type="text", text=line, t0=t0, t1=t1))
    return out
