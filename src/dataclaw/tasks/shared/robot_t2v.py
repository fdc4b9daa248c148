"""`t2v` on robot episodes: one clip per motion phase with an action-video-generation prompt.

Called by `tasks/t2v.py` when the source is a robot episode. The prompt and caption say what the
arm does (the phase), how the end effector moves (direction and distance from the logged state),
what the gripper does and whether it holds the object (gripper and contact anchors), seen from
the main camera. The clip is cut inside its phase anchor, so the generic span checks apply.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...model import AnchorSet
from ..base import Evidence
from .common import duration_of, overlap
from .robot_common import episode, phases, task_text

ACTS = {"reach": "reaches toward the object", "grasp": "closes its gripper on the object",
        "transport": "carries the object toward the target", "place": "opens its gripper to release the object",
        "retreat": "moves its arm away", "handover": "passes the object to the other gripper"}
DIRS = (("forward", "backward"), ("left", "right"), ("up", "down"))


def named(text: str, obj: Any) -> str:
    """The phase's words with the object the log names ("carries the hammer toward the target")."""
    return text.replace("the object", f"the {obj}") if obj else text


def motion_words(st: Any, t0: float, t1: float) -> str:
    """'moves up 15 cm and left 20 cm' from the end-effector displacement (empty when not logged)."""
    if st.ee_pos is None:
        return ""
    d = np.asarray(st.ee_pos[st.index_at(t1 - 1e-3)], dtype=float) - np.asarray(st.ee_pos[st.index_at(t0)], dtype=float)
    return delta_words(d)


def delta_words(d: Any) -> str:
    """'moves up 15 cm and left 20 cm' from a displacement [x, y, z] in m."""
    parts = [(abs(v), f"{DIRS[k][0 if v > 0 else 1]} {abs(v) * 100:.0f} cm") for k, v in enumerate(d[:3]) if abs(v) >= 0.02]
    if not parts:
        return "holds still"
    return "moves " + " and ".join(p for _, p in sorted(parts, reverse=True))


def select(anchors: AnchorSet, p: Any) -> list[Evidence]:
    dur = duration_of(anchors)
    st = episode(anchors.source)
    if not st.meta.cameras:  # a log without video has no clip to caption
        return []
    camera = st.meta.cameras[0]
    out: list[Evidence] = []
    for ph in phases(anchors):
        c0, c1 = round(ph.t0, 3), round(min(ph.t1, dur), 3)
        if c1 - c0 < p.min_clip or len(out) >= p.max_clips:  # t2v's build rejects shorter clips
            continue
        if c1 - c0 > p.max_clip:
            c1 = round(c0 + p.max_clip, 3)
        near = [a for a in anchors.anchors if a.kind in ("gripper", "contact") and overlap(a.t0, a.t1, c0, c1) > 0]
        meta = {"variant": "embodied", "duration": dur, "span": [c0, c1], "shot": ph.id, "phase": ph.data["phase"],
                "phase_text": named(ACTS.get(ph.data["phase"], ph.data.get("text", "")), ph.data.get("object")), "task": task_text(anchors), "camera": camera,
                # the distance a caption states is the phase anchor's own (`ee_delta`), so only for a whole phase
                "motion": delta_words(ph.data["ee_delta"]) if ph.data.get("ee_delta") and c1 >= round(min(ph.t1, dur), 3) else "",
                "near": [a.id for a in near], "ocr": [], "speech": [],
                "transition_in": None, "motion_anchors": []}
        out.append(Evidence(sources=[anchors.source], anchors=[ph] + near, frames=[round((c0 + c1) / 2, 3)],
                            meta=meta, key=f"clip:{c0:.3f}-{c1:.3f}"))
    return out


def rules(ev: Evidence) -> dict[str, Any]:
    m = ev.meta
    c0, c1 = m["span"]
    grip = [ev.anchor(i) for i in m["near"]]
    events = [a.data["event"] for a in grip if a is not None and a.kind == "gripper"]
    holding = any(a is not None and a.kind == "contact" for a in grip)
    arm = f"A robot arm seen from the {m['camera']} camera" if m["camera"] else "A robot arm"
    prompt = f"{arm} {m['phase_text']}, as part of the task: {m['task']}."
    caption = f"{arm} in the {m['phase']} phase {m['phase_text']}"
    if m["motion"]:
        caption += f"; the gripper {m['motion']}"
    if events:
        caption += "; the gripper " + " then ".join({"close": "closes", "open": "opens"}[e] for e in events)
    caption += "; it holds the object." if holding else "; the gripper is empty."
    return {"prompt": prompt, "caption": caption, "t0": c0, "t1": c1, "anchors": [m["shot"]] + list(m["near"])}
