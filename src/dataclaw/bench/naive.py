"""The passive-annotation baseline: uniform clips, one caption each, whatever the intent asks.

Task-agnostic on purpose (the annotation the paper argues against): the video is cut into
`n_clips` equal clips, one frame is taken from the middle of each, and the caption is the on-screen
text and speech the same anchors hold for that clip (or a generic line when there are none). No
plan, no task schema, no verification.
"""
from __future__ import annotations

from typing import Any

from ..model import AnchorSet, Sample, Segment

N_CLIPS = 6


def annotate(anchorset: AnchorSet, duration: float, n_clips: int = N_CLIPS) -> dict[str, Any]:
    """{"clips": [{"t0", "t1", "frame_t", "caption"}]} for one source."""
    n = max(1, n_clips)
    step = duration / n
    texts = [a for a in anchorset.anchors if a.kind in ("ocr_text", "transcript") and a.data.get("text")]
    clips = []
    for i in range(n):
        t0, t1 = round(i * step, 3), round((i + 1) * step, 3)
        said = [str(a.data["text"]) for a in sorted(texts, key=lambda a: a.t0) if a.t0 < t1 and a.t1 > t0]
        caption = " ".join(dict.fromkeys(said)) or f"A video clip from {t0:.1f} s to {t1:.1f} s."
        clips.append({"t0": t0, "t1": t1, "frame_t": round((t0 + t1) / 2, 3), "caption": caption})
    return {"clips": clips}


def as_sample(draft: dict[str, Any], source_id: str, task: str, domain: str) -> Sample:
    """The captions as a Sample, so the same verifier scores their grounding."""
    sol = [Segment(type="text", text=c["caption"], t0=c["t0"], t1=c["t1"]) for c in draft["clips"]]
    return Sample(id=f"naive-{source_id[:12]}", task=task, domain=domain, source=source_id,
                  query={"text": "Describe the video."}, solution=sol)
