"""Motion phases of a pick-and-place episode, failed ones included.

Phases: reach, grasp, transport, place, retreat for a grasp that holds; lift (the empty gripper
rises: the grasp closed on nothing) and stall (the arm stops for good before finishing) when it
fails. Boundaries come from the gripper events, the contact intervals and the arm's motion:

- every close of the gripper starts a grasp (holding or not), reach runs up to it; a grasp on
  nothing that opens again goes back to reach (a retry);
- grasp ends at lift-off: the arm rises (end-effector height, when logged) or starts moving again;
  a grasp that opens and closes again before lift-off is one grasp (a regrasp);
- after a grasp that holds, transport runs to the release (the gripper opening fully), place to
  the arm moving away, retreat to the next grasp or the end; after a grasp on nothing, lift runs to
  the next gripper event or the end;
- a stall that lasts to the end of an episode that never placed anything is its own phase;
- two-arm logs: a transport whose release comes while another gripper holds the object (it closed during
  the transport and its contact covers the release) ends in a handover, from that gripper's close to the
  release; the place (this gripper opening) follows.
A close that follows the loss of a held object (the fingers collapse after a drop) belongs to the
ongoing transport, not to a new grasp.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .base import Expert, ExpertContext, register_expert
from .robot_gripper import GripperParams, contact_intervals, gripper_events, runs

DESCRIPTIONS = {
    "reach": "move the gripper to the object",
    "grasp": "close the gripper on the object",
    "transport": "carry the object to the target",
    "place": "open the gripper to release the object",
    "retreat": "move the arm away",
    "lift": "lift the gripper, which holds nothing",
    "stall": "the arm stops and makes no further progress",
    "handover": "pass the object to the other gripper",
}


def phase_text(phase: str, obj: str = "") -> str:
    """The phase in words, naming the episode's object when the log names it ("carry the hammer to the target")."""
    text = DESCRIPTIONS[phase]
    return text.replace("the object", f"the {obj}") if obj else text


class PhaseParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    onset: float = Field(0.1, description="speed (fraction of the 95th-percentile speed) that counts as moving")
    sustain: int = Field(2, description="frames the speed must stay above onset")
    lift_m: float = Field(0.005, description="rise of the end effector (m) above its height at the close that is "
                                             "lift-off: above arm jitter and logging noise (1-2 mm)")
    loss_s: float = Field(0.6, description="a close this soon after a contact ended without release follows a "
                                          "loss (drop), not a new grasp")
    stall_end_s: float = Field(0.3, description="a stall ending this close to the episode's end lasts to the end")


def motion_onset(t: np.ndarray, speed: np.ndarray, after: float, thr: float, sustain: int) -> float | None:
    idx = np.nonzero(t > after + 1e-9)[0]
    for i in idx:
        if i + sustain <= len(speed) and np.all(speed[i:i + sustain] > thr):
            return float(t[i - 1]) if i > 0 and t[i - 1] >= after else float(t[i])
    return None


def lift_off(t: np.ndarray, speed: np.ndarray, z: np.ndarray | None, after: float, thr: float,
             p: PhaseParams) -> float | None:
    """When the arm leaves the grasp: the start of the motion that raises the end effector by
    `lift_m` (height logged), else the next motion onset."""
    if z is None:
        return motion_onset(t, speed, after, thr, p.sustain)
    i0 = int(np.searchsorted(t, after - 1e-9))
    if i0 >= len(t):
        return None
    zs = z.copy()
    if len(zs) >= 3:  # one noisy row is not a rise
        from scipy.signal import medfilt  # noqa: PLC0415

        zs = medfilt(zs, 3)
    up = np.nonzero(zs[i0:] - zs[i0] > p.lift_m)[0]
    if not len(up):
        return None
    i = i0 + int(up[0])
    while i > i0 and zs[i - 1] < zs[i] - 1e-4:  # back to where that rise began
        i -= 1
    return float(t[i])


# what "blocked" means by default (robot_faults.FaultParams takes these as its defaults: one definition)
BLOCKED_TRACK_M = 0.03  # commanded target this far from the end effector while the arm is still
BLOCKED_S = 0.3  # the arm must stay blocked this long
ABSOLUTE_M = 0.05  # actions whose first three columns stay this close to the end effector are absolute targets


def blocked_spans(stream: Any, speed: np.ndarray, thr: float, track_m: float, blocked_s: float,
                  absolute_m: float, bridge_s: float = 0.5) -> list[tuple[float, float]]:
    """Spans where the arm is (nearly) still while its absolute position target is more than `track_m`
    away: something blocks it. Blocked spans less than `bridge_s` apart are one (the arm jitters
    against the obstacle). Only for actions that are absolute end-effector targets (their first
    three columns stay within `absolute_m` of the end effector, median); delta commands give none."""
    a, ee, t = stream.action, stream.ee_pos, stream.t
    if a is None or ee is None or a.shape[1] < 3:
        return []
    err = np.linalg.norm(np.asarray(a[:, :3], dtype=np.float64) - ee, axis=1)
    if float(np.median(err)) > absolute_m:
        return []
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    out: list[list[float]] = []
    for s, e in runs((err > track_m) & (speed < 3 * thr)):
        i = s
        while i > 0 and err[i - 1] > track_m / 3 and err[i - 1] <= err[i] + 1e-9:  # back to where it began
            i -= 1
        a0, a1 = float(t[i]), float(t[e - 1] + dt)
        if out and a0 - out[-1][1] <= bridge_s:
            out[-1][1] = a1
        else:
            out.append([a0, a1])
    return [(a0, a1) for a0, a1 in out if a1 - a0 >= blocked_s]


def phase_spans(t: np.ndarray, speed: np.ndarray, events: list[dict[str, Any]], duration: float,
                p: PhaseParams, contacts: list[tuple[float, float]] | None = None,
                stalls: list[tuple[float, float]] | None = None, z: np.ndarray | None = None) -> list[tuple[str, float, float]]:
    thr = p.onset * float(np.percentile(speed, 95)) if len(speed) else 0.0
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    contacts = sorted(contacts or [])
    evs = sorted(events, key=lambda e: e["t0"])

    def touching(e: dict[str, Any]) -> bool:  # the fingers stopped on something, or a contact starts with it
        return bool(e.get("holding")) or any(a <= e["t1"] + 0.3 and b >= e["t0"] for a, b in contacts)

    def after_loss(e: dict[str, Any]) -> bool:
        return any(e["t0"] - p.loss_s <= b <= e["t1"] + dt and not any(
            o["event"] == "open" and o.get("full") and abs(o["t0"] - b) <= 3 * dt + 1e-9 for o in evs)
            for a, b in contacts)

    spans: list[tuple[str, float, float]] = []
    cur, i, placed = 0.0, 0, False
    while i < len(evs):
        ev = evs[i]
        if ev["event"] != "close" or after_loss(ev):
            i += 1
            continue
        spans.append(("reach", cur, ev["t0"]))
        start, close, holds = ev["t0"], ev, touching(ev)
        j, abandoned = i, False
        while True:  # a regrasp: the gripper opens and closes again before lift-off
            lo = lift_off(t, speed, z, close["t1"], thr, p)
            nxt_open = next((k for k in range(j + 1, len(evs)) if evs[k]["event"] == "open"), None)
            if nxt_open is None or (lo is not None and evs[nxt_open]["t0"] >= lo):
                break
            nxt_close = next((k for k in range(nxt_open + 1, len(evs)) if evs[k]["event"] == "close"), None)
            lo2 = lift_off(t, speed, z, evs[nxt_open]["t1"], thr, p)
            if nxt_close is None or (lo2 is not None and evs[nxt_close]["t0"] >= lo2):
                lo = evs[nxt_open]["t0"]  # opened before lifting, no close follows: the grasp was abandoned
                holds, abandoned = False, True
                j = nxt_open
                break
            j, close = nxt_close, evs[nxt_close]
            holds = touching(close)
        end = max(lo if lo is not None else duration, close["t1"])
        spans.append(("grasp", start, end))
        cur = end
        rest = [k for k in range(j + 1, len(evs)) if evs[k]["t0"] >= cur - 1e-9]
        if not holds and abandoned:  # back to reaching for the object (a retry)
            i = next((k for k in range(j + 1, len(evs)) if evs[k]["event"] == "close" and not after_loss(evs[k])),
                     len(evs))
            continue
        if not holds:
            nxt = next((k for k in rest if evs[k]["event"] == "open" or
                        (evs[k]["event"] == "close" and not after_loss(evs[k]))), None)
            stop = evs[nxt]["t0"] if nxt is not None else duration
            spans.append(("lift", cur, stop))
            cur = stop
            i = nxt if nxt is not None else len(evs)
            if nxt is not None and evs[nxt]["event"] == "open":
                nxt_close = next((k for k in range(nxt + 1, len(evs)) if evs[k]["event"] == "close"), None)
                stop = evs[nxt_close]["t0"] if nxt_close is not None else duration
                spans.append(("reach", cur, stop))  # the gripper opens again: a retry
                cur = stop
                i = nxt_close if nxt_close is not None else len(evs)
            continue
        # the release: an open to fully open, or one still opening when the episode ends
        rel = next((k for k in rest if evs[k]["event"] == "open" and (evs[k].get("full") or
                                                                       evs[k]["t1"] >= duration - 2 * dt)), None)
        if rel is None:
            spans.append(("transport", cur, duration))
            cur = duration
            break
        r = evs[rel]
        spans.append(("transport", cur, r["t0"]))
        away = motion_onset(t, speed, r["t1"], thr, p.sustain) or duration
        spans.append(("place", r["t0"], max(away, r["t1"])))
        placed = True
        cur = max(away, r["t1"])
        nxt = next((k for k in range(rel + 1, len(evs)) if evs[k]["event"] == "close" and not after_loss(evs[k])), None)
        end = evs[nxt]["t0"] if nxt is not None else duration
        spans.append(("retreat", cur, end))
        cur = end
        i = nxt if nxt is not None else len(evs)
    if cur < duration - 1e-6 and (not spans or spans[-1][2] < duration - 1e-6):
        spans.append(("reach" if not spans else spans[-1][0], cur, duration))
    # a stall to the end of an episode that never placed anything: the arm gave up
    last = next((s for s in sorted(stalls or []) if s[1] >= duration - p.stall_end_s - dt), None)
    if last is not None and not placed:
        a = last[0]
        kept = [(n, s0, min(s1, a)) for n, s0, s1 in spans if s0 < a - 1e-6]
        spans = kept + [("stall", a, duration)]
    merged: list[tuple[str, float, float]] = []
    for name, a, b in spans:
        if b - a <= 1e-6:
            continue
        if merged and merged[-1][0] == name and abs(merged[-1][2] - a) < 1e-6:
            merged[-1] = (name, merged[-1][1], b)
        else:
            merged.append((name, a, b))
    return merged


def receivers(stream: Any) -> list[tuple[list[float], list[tuple[float, float]]]]:
    """Per gripper after the first (two-arm logs): the times it starts closing and its contact intervals,
    by the same rules as the first gripper's events and contacts (`robot_gripper`, default parameters)."""
    out = []
    for g in (getattr(stream, "other_grippers", None) or {}).values():
        g = np.asarray(g, dtype=np.float64)
        if len(g) != len(stream.t) or not np.isfinite(g).all():
            continue
        p = GripperParams()
        closes = [e["t0"] for e in gripper_events(stream.t, g, p) if e["event"] == "close"]
        out.append((closes, contact_intervals(stream.t, g, None, p)[0]))
    return out


def handover_spans(spans: list[tuple[str, float, float]], others: list[tuple[list[float], list[tuple[float, float]]]],
                   slack: float) -> list[tuple[str, float, float]]:
    """A transport that ends in a release while another gripper holds the object (it closed during the
    transport and its contact covers the release) ends in a handover: from that gripper's last close to
    the release. The place (this gripper opening) stays."""
    out: list[tuple[str, float, float]] = []
    for k, (name, a, b) in enumerate(spans):
        nxt = spans[k + 1][0] if k + 1 < len(spans) else ""
        if name == "transport" and nxt == "place":
            for closes, contacts in others:
                took = [c for c in closes if a < c < b]
                if took and any(ca - slack <= b <= cb + slack for ca, cb in contacts):
                    out += [("transport", a, took[-1]), ("handover", took[-1], b)]
                    break
            else:
                out.append((name, a, b))
            continue
        out.append((name, a, b))
    return out


@register_expert
class RobotPhases(Expert):
    name = "robot_phases"
    version = "4"  # 2: failure-aware (lift with nothing, stall, regrasp, closes after a drop); 3: ee_delta; 4: handover
    kinds = ("robot",)
    requires = ("robot_gripper", "robot_contact", "robot_stagnation")
    description = ("motion phases (reach, grasp, transport, place, retreat; handover on two-arm logs; lift, stall "
                   "when it fails) tiling the episode")
    Params = PhaseParams

    def run(self, stream: Any, ctx: ExpertContext) -> list:
        if stream.gripper is None:  # pick-and-place phases hang on the gripper (a wiping tool has none)
            ctx.warn("robot_phases: no gripper signal in this episode; no phases")
            return []
        events = [{"event": a.data["event"], "t0": a.t0, "t1": a.t1, **a.data} for a in ctx.anchors("robot_gripper")]
        contacts = [(a.t0, a.t1) for a in ctx.anchors("robot_contact")]
        stalls = [(a.t0, a.t1) for a in ctx.anchors("robot_stagnation") if a.data.get("type") == "stall"]
        speed = stream.speed()
        thr = 0.08 * float(np.percentile(speed, 95)) if len(speed) else 0.0
        stalls += blocked_spans(stream, speed, thr, BLOCKED_TRACK_M, BLOCKED_S, ABSOLUTE_M)  # blocked = no progress
        z = np.asarray(stream.ee_pos[:, 2], dtype=np.float64) if stream.ee_pos is not None else None
        spans = phase_spans(stream.t, speed, events, stream.duration, self.params, contacts, stalls, z)
        others = receivers(stream)
        if others:
            dt = float(np.median(np.diff(stream.t))) if len(stream.t) > 1 else 0.0
            spans = handover_spans(spans, others, max(3 * dt, 0.1))
        task = getattr(stream, "task", "") or ""
        obj = getattr(stream, "object_name", "") or ""
        out = []
        for name, a, b in spans:
            data: dict[str, Any] = {"phase": name, "text": phase_text(name, obj), "task": task}
            if obj:
                data["object"] = obj
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
