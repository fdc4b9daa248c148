"""Gripper open/close events and gripper-object contact intervals from a robot episode's signals.

Events: runs where the gripper opening moves faster than `rate` (fraction of its range per second).
A close that stops clearly above the closed width holds an object. Contact: from the gripper
effort when logged (effort high while the fingers are still: blocked by the object), else from
gripper state and velocity (fingers still, commanded/closed, yet not fully closed).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .base import Expert, ExpertContext, register_expert


class GripperParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate: float = Field(0.5, description="opening speed (range fractions per second) that counts as moving")
    min_change: float = Field(0.1, description="smallest opening change (range fraction) that makes an event")
    bridge_s: float = Field(0.3, description="contact gaps up to this long are noise and bridged")
    closed_width: float | None = Field(None, description="opening of a fully closed gripper (default: min(0, lowest seen))")
    min_contact_s: float = Field(0.2, description="shorter rests of the fingers are pauses of a closing motion, not a "
                                                   "grasp (a grasp holds for at least a fifth of a second)")


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index runs where mask is true."""
    out, s = [], None
    for i, m in enumerate(mask):
        if m and s is None:
            s = i
        elif not m and s is not None:
            out.append((s, i))
            s = None
    if s is not None:
        out.append((s, len(mask)))
    return out


def gripper_levels(g: np.ndarray, closed_width: float | None) -> tuple[float, float]:
    """(closed, open) reference openings."""
    closed = closed_width if closed_width is not None else min(0.0, float(np.percentile(g, 1)))
    return closed, float(np.percentile(g, 98))


def gripper_events(t: np.ndarray, g: np.ndarray, p: GripperParams) -> list[dict[str, Any]]:
    closed, opened = gripper_levels(g, p.closed_width)
    span = max(opened - closed, 1e-9)
    if float(np.ptp(g)) < p.min_change * span:
        return []
    v = np.gradient(g, t)  # finger encoders are precise: exact event times matter more than smoothing
    moving = np.abs(v) > p.rate * span
    events: list[dict[str, Any]] = []
    for s, e in runs(moving):
        seg_v = v[s:e]
        # split a run where the direction flips (close then open without a pause)
        signs = np.sign(seg_v)
        cuts = [s] + [s + i for i in range(1, len(signs)) if signs[i] != signs[i - 1]] + [e]
        for a, b in zip(cuts[:-1], cuts[1:]):
            i1 = min(b, len(g) - 1)
            w0, w1 = float(g[max(a - 1, 0)]), float(g[i1])
            if abs(w1 - w0) < p.min_change * span:
                continue
            kind = "close" if w1 < w0 else "open"
            if events and events[-1]["event"] == kind and a - events[-1]["_end"] <= 1:
                events[-1].update(t1=float(t[i1]), width_to=w1, _end=b)  # merge a split run
                continue
            events.append({"event": kind, "t0": float(t[a]), "t1": float(t[i1]), "width_from": w0, "width_to": w1,
                           "_end": b})
    for ev in events:
        ev.pop("_end")
        frac = (ev["width_to"] - closed) / span
        ev["full"] = bool(frac > 0.85) if ev["event"] == "open" else bool(frac < 0.1)
        if ev["event"] == "close":
            ev["holding"] = bool(frac >= 0.1)  # stopped on something between the fingers
    return events


def contact_intervals(t: np.ndarray, g: np.ndarray, effort: np.ndarray | None,
                      p: GripperParams) -> tuple[list[tuple[float, float]], str]:
    closed, opened = gripper_levels(g, p.closed_width)
    span = max(opened - closed, 1e-9)
    v = np.gradient(g, t) if len(t) > 1 else np.zeros_like(g)
    still = np.abs(v) <= p.rate * span
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    frac = (g - closed) / span
    between = (frac >= 0.1) & (frac <= 0.85)  # stopped on something: neither shut nor open
    if effort is not None and float(np.max(effort)) > 0:
        # the fingers push on something; fingers squeezed shut push on each other, not on an object
        on = (effort > 0.3 * float(np.percentile(effort, 98))) & still & between
        method = "effort"
    else:
        on = still & between
        method = "gripper_state"
    out = [(float(t[s]), float(t[e - 1] + dt)) for s, e in runs(on) if e - s >= 2]
    merged: list[tuple[float, float]] = []
    for a, b in out:  # bridge short dropouts (finger sensor noise), not a real release
        if merged and a - merged[-1][1] <= max(1.5 * dt, p.bridge_s):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return [(a, b) for a, b in merged if b - a >= p.min_contact_s - dt / 2], method  # half a frame: float32 times


@register_expert
class RobotGripper(Expert):
    name = "robot_gripper"
    kinds = ("robot",)
    description = "gripper open/close events (point spans) from the gripper opening signal"
    Params = GripperParams

    def run(self, stream: Any, ctx: ExpertContext) -> list:
        if stream.gripper is None:
            ctx.warn("robot_gripper: no gripper signal in this episode")
            return []
        evs = gripper_events(stream.t, np.asarray(stream.gripper, dtype=np.float64), self.params)
        return [self.anchor(ctx, "gripper", e.pop("t0"), e.pop("t1"), {k: (round(v, 5) if isinstance(v, float) else v)
                                                                      for k, v in e.items()}) for e in evs]


@register_expert
class RobotContact(Expert):
    name = "robot_contact"
    version = "3"  # 2: effort contacts need the fingers stopped between shut and open; 3: min_contact_s
    kinds = ("robot",)
    description = "gripper-object contact intervals (from effort when logged, else gripper state + velocity)"
    Params = GripperParams

    def run(self, stream: Any, ctx: ExpertContext) -> list:
        if stream.gripper is None:
            ctx.warn("robot_contact: no gripper signal in this episode")
            return []
        spans, method = contact_intervals(stream.t, np.asarray(stream.gripper, dtype=np.float64),
                                          stream.gripper_effort, self.params)
        return [self.anchor(ctx, "contact", a, min(b, stream.duration), {"method": method, "with": "object"},
                            confidence=0.9 if method == "effort" else 0.75) for a, b in spans]
