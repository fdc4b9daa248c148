"""A slide deck as anchors, built in memory: one shot of 9 s per slide, its title and lines as OCR text."""
from __future__ import annotations


def slide_deck(slides: list[tuple[str, list[str]]]):
    from dataclaw.anchors import AnchorSet
    from dataclaw.model import Anchor, Source

    anchors, t = [], 0.0
    for i, (title, lines) in enumerate(slides):
        t1 = t + 9.0
        anchors.append(Anchor(id=f"shot{i}", source="s", kind="shot", t0=t, t1=t1,
                              data={"index": i, "transition_in": None, "transition_out": "cut"}))
        for j, text in enumerate([title] + lines):
            y = 0.06 + 0.12 * j
            anchors.append(Anchor(id=f"o{i}-{j}", source="s", kind="ocr_text", t0=t, t1=t1,
                                  data={"text": text, "bbox_norm": [0.05, y, 0.45, y + 0.1], "score": 0.95}))
        t = t1
    return AnchorSet(source=Source(id="s", path="x.mp4", kind="video"),
                     meta={"duration": t, "width": 1280, "height": 720}, anchors=anchors)
