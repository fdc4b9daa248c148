"""Known truth for the tailoring tests: the slides of a small video and hand-built anchors for them."""
from __future__ import annotations

from pathlib import Path

from dataclaw.anchors import AnchorSet
from dataclaw.model import Anchor, Source

DURATION = 12.0
SLIDES = [  # (t0, t1, heading, body, narration)
    (0.0, 4.0, "Making tea", None, "Today we learn how to make a good cup of tea."),
    (4.0, 8.0, "Step 1: Boil the water", "Use fresh cold water", "First boil the water in a kettle."),
    (8.0, 12.0, "Step 2: Steep the tea for three minutes", "Black tea needs hot water and patience",
     "Then steep the tea bag for three minutes and enjoy the tea with a friend."),
]
DISSOLVE = (7.6, 8.4)  # gradual transition between slide 2 and 3; a hard cut at 4.0


def _words(text: str, t0: float, t1: float) -> list[dict]:
    ws = text.split()
    step = (t1 - t0) / len(ws)
    return [{"word": w, "t0": round(t0 + i * step, 3), "t1": round(t0 + (i + 1) * step, 3), "p": 0.9}
            for i, w in enumerate(ws)]


def make_anchorset(video: Path, source_id: str = "tinysrc0001") -> AnchorSet:
    src = Source(id=source_id, path=str(video), kind="video")
    a: list[Anchor] = []

    def add(kind, t0, t1, data=None, expert="hand"):
        a.append(Anchor(source=src.id, kind=kind, t0=t0, t1=t1, data=data or {}, expert=expert))

    for i, (t0, t1, head, body, said) in enumerate(SLIDES):
        add("shot", t0, t1, {"index": i})
        add("keyframe", t0 + 2.0, t0 + 2.0, {"shot_index": i, "rank": 0, "sharpness": 100.0})
        vis0 = t0 if i != 2 else DISSOLVE[0]
        vis1 = t1 if i != 1 else DISSOLVE[1]
        add("ocr_text", vis0, vis1, {"text": head, "bbox": [10, 5, 150, 20]})
        if body:
            add("ocr_text", vis0, vis1, {"text": body, "bbox": [10, 60, 150, 75]})
        s0, s1 = t0 + 0.5, t1 - 0.5
        add("transcript", s0, s1, {"text": said, "words": _words(said, s0, s1)})
        add("speech", s0, s1)
    add("transition", DISSOLVE[0], DISSOLVE[1], {"type": "dissolve"})
    add("transition", 4.0, 4.0, {"type": "cut"})
    add("static", 0.0, 4.0)
    add("motion", 4.0, 12.0, {"level": "low"})
    a.sort(key=lambda x: (x.t0, x.t1, x.kind))
    return AnchorSet(source=src, anchors=a, meta={"duration": DURATION, "fps": 10.0, "width": 160, "height": 120})


def with_slide_texts(aset: AnchorSet, texts, words=str.split) -> AnchorSet:
    """The anchor set with each slide's OCR heading / body and narration replaced by `texts`
    ((heading, body, said) per slide); the narration's word times spread evenly over `words(said)`."""
    slide = {(t0, t1): txt for (t0, t1, *_), txt in zip(SLIDES, texts)}
    new = []
    for a in aset.anchors:
        key = next(((t0, t1) for (t0, t1) in slide if t0 - 0.5 <= a.t0 < t1 - 0.5), None)
        if a.kind in ("ocr_text", "transcript") and key is not None:
            head, body, said = slide[key]
            text = said if a.kind == "transcript" else (head if a.data["bbox"][1] < 50 else body)
            data = {**a.data, "text": text}
            if a.kind == "transcript":
                ws = words(text)
                step = (a.t1 - a.t0) / max(1, len(ws))
                data["words"] = [{"word": w, "t0": a.t0 + i * step, "t1": a.t0 + (i + 1) * step}
                                 for i, w in enumerate(ws)]
            a = Anchor(source=a.source, kind=a.kind, t0=a.t0, t1=a.t1, data=data, expert=a.expert)
        new.append(a)
    aset.anchors = new
    return aset
