"""Motion phases of a pick-and-place episode: reach, grasp, transport, place, retreat.

Boundaries come from the gripper events and the arm's motion: reach ends when the gripper starts
closing on the object; grasp ends when the arm starts moving again (lift-off); transport ends when
the gripper starts opening fully; place ends when the arm moves away; retreat runs to the next
grasp or the end. Speed is the end-effector speed when logged, else joint-space speed.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .base import Expert, ExpertContext, register_expert

DESCRIPTIONS = {
    "reach": "move the gripper to the object",
    "grasp": "close the gripper on the object",
    "transport": "carry the object to the target",
    "place": "open the gripper to release the object",
    "retreat": "move the arm away",
}


class PhaseParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    onset: float = Field(0.1, description="speed (fraction of the 95th-percentile speed) that counts as moving")
    sustain: int = Field(2, description="frames the speed must stay above onset")


def motion_onset(t: np.ndarray, speed: np.ndarray, after: float, thr: float, sustain: int) -> float | None:
    idx = np.nonzero(t > after + 1e-9)[0]
    for i in idx:
        if i + sustain <= len(speed) and np.all(speed[i:i + sustain] > thr):
            return float(t[i - 1]) if i > 0 and t[i - 1] >= after else float(t[i])
    return None


def phase_spans(t: np.ndarray, speed: np.ndarray, events: list[dict[str, Any]], duration: float,
                p: PhaseParams) -> list[tuple[str, float, float]]:
    thr = p.onset * float(np.percentile(speed, 95)) if len(speed) else 0.0
    spans: list[tuple[str, float, float]] = []
    cur = 0.0
    evs = sorted(events, key=lambda e: e["t0"])
    i = 0
    while i < len(evs):
        ev = evs[i]
        if not (ev["event"] == "close" and ev.get("holding")):
            i += 1
            continue
        spans.append(("reach", cur, ev["t0"]))
        lift = motion_onset(t, speed, ev["t1"], thr, p.sustain) or duration
        spans.append(("grasp", ev["t0"], max(lift, ev["t1"])))
        cur = max(lift, ev["t1"])
        rel = next((e for e in evs[i + 1:] if e["event"] == "open" and e.get("full")), None)
        if rel is None:
            spans.append(("transport", cur, duration))
            cur = duration
            break
        spans.append(("transport", cur, rel["t0"]))
        away = motion_onset(t, speed, rel["t1"], thr, p.sustain) or duration
        spans.append(("place", rel["t0"], max(away, rel["t1"])))
        cur = max(away, rel["t1"])
        nxt = next((k for k in range(evs.index(rel) + 1, len(evs))
                    if evs[k]["event"] == "close" and evs[k].get("holding")), None)
        end = evs[nxt]["t0"] if nxt is not None else duration
        spans.append(("retreat", cur, end))
        cur = end
        i = nxt if nxt is not None else len(evs)
    if cur < duration - 1e-6 and (not spans or spans[-1][2] < duration - 1e-6):
        spans.append(("reach" if not spans else spans[-1][0], cur, duration))
    merged: list[tuple[str, float, float]] = []
    for name, a, b in spans:
        if b - a <= 1e-6:
            continue
        if merged and merged[-1][0] == name and abs(merged[-1][2] - a) < 1e-6:
            merged[-1] = (name, merged[-1][1], b)
        else:
            merged.append((name, a, b))
    return merged


@register_expert
class RobotPhases(Expert):
    name = "robot_phases"
    kinds = ("robot",)
    requires = ("robot_gripper",)
    description = "motion phases (reach, grasp, transport, place, retreat) tiling the episode"
    version = "2"  # 2: ee_delta, the end effector's displacement over the phase (m), when logged
    Params = PhaseParams

    def run(self, stream: Any, ctx: ExpertContext) -> list:
        events = [{"event": a.data["event"], "t0": a.t0, "t1": a.t1, **a.data} for a in ctx.anchors("robot_gripper")]
        spans = phase_spans(stream.t, stream.speed(), events, stream.duration, self.params)
        task = getattr(stream, "task", "") or ""
        out = []
        for name, a, b in spans:
            data: dict[str, Any] = {"phase": name, "text": DESCRIPTIONS[name], "task": task}
            delta = ee_delta(stream, a, b)
            if delta is not None:  # a caption may say how far the gripper moves: the anchor carries it
                data["ee_delta"] = delta
            out.append(self.anchor(ctx, "phase", a, b, data))
        return out


def ee_delta(stream: Any, t0: float, t1: float) -> list[float] | None:
    """End-effector displacement [x, y, z] (m, rounded to mm) from t0 to just before t1; None unlogged."""
    pos = getattr(stream, "ee_pos", None)
    if pos is None:
        return None
    end = min(t1, float(getattr(stream, "duration", t1)))
    d = np.asarray(pos[stream.index_at(end - 1e-3)], dtype=float) - np.asarray(pos[stream.index_at(t0)], dtype=float)
    return [round(float(v), 3) for v in d[:3]]
