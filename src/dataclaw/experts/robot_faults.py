"""Stagnation, hesitation and faults of a robot episode, with the last good state before each fault.

- `stagnation` anchors: `stall` (the arm barely moves for `stall_s` while the gripper is idle) and
  `hesitation` (back-and-forth: >= `min_reversals` direction reversals of at least `amplitude`,
  each within `max_gap_s` of the previous one).
- `fault` anchors: `hesitation_loop` (a hesitation), `unstable_grasp` (contact with the object
  ends without a full release and the fingers then close on nothing: it slipped or dropped), `early_stall` (a stall that lasts to the
  end of an unfinished episode). Each names the last good state and the state to recall.
- `last_good_state` anchors: the row just before each fault, with its state vector.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .base import Expert, ExpertContext, register_expert
from .robot_gripper import runs

DIAGNOSES = {
    "hesitation_loop": "the arm moves back and forth without progressing toward the object",
    "unstable_grasp": "the object slipped out of the gripper before it was placed",
    "early_stall": "the arm stopped moving and the task was left unfinished",
}


class StagnationParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    still: float = Field(0.08, description="speed (fraction of the 95th-percentile speed) below which the arm is still")
    bridge_s: float = Field(0.3, description="shorter interruptions of stillness (sensor noise) do not end a stall")
    stall_s: float = Field(1.0, description="stillness this long (gripper idle) is a stall")
    amplitude: float = Field(0.05, description="smallest reversal amplitude, fraction of the largest position range")
    min_reversals: int = Field(3, description="reversals that make a hesitation")
    max_gap_s: float = Field(0.8, description="largest time between reversals of one hesitation")


def positions(stream: Any) -> np.ndarray:
    if stream.ee_pos is not None:
        return np.asarray(stream.ee_pos, dtype=np.float64)
    from ..sources.robot import gripper_index  # noqa: PLC0415

    arm = [i for i in range(stream.state.shape[1]) if i not in gripper_index(stream.state_names)]
    return np.asarray(stream.state[:, arm], dtype=np.float64)


def hesitations(t: np.ndarray, pos: np.ndarray, p: StagnationParams) -> list[tuple[float, float, int]]:
    from scipy.signal import find_peaks  # noqa: PLC0415

    amp = p.amplitude * float(np.ptp(pos, axis=0).max()) if len(pos) else 0.0
    out: list[tuple[float, float, int]] = []
    if amp <= 0:
        return out
    for k in range(pos.shape[1]):
        x = pos[:, k]
        tps = sorted(set(find_peaks(x, prominence=amp)[0]) | set(find_peaks(-x, prominence=amp)[0]))
        group: list[int] = []
        for i in tps + [None]:  # type: ignore[list-item]
            if i is not None and (not group or t[i] - t[group[-1]] <= p.max_gap_s):
                group.append(i)
                continue
            if len(group) >= p.min_reversals:
                half = float(np.mean(np.diff(t[group]))) / 2
                out.append((max(0.0, float(t[group[0]]) - half), float(t[group[-1]]) + half, len(group)))
            group = [i] if i is not None else []
    out.sort()
    merged: list[tuple[float, float, int]] = []
    for a, b, n in out:  # axes that oscillate together give one hesitation
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]), max(n, merged[-1][2]))
        else:
            merged.append((a, b, n))
    return merged


def stalls(t: np.ndarray, speed: np.ndarray, busy: np.ndarray, p: StagnationParams) -> list[tuple[float, float]]:
    thr = p.still * float(np.percentile(speed, 95)) if len(speed) else 0.0
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    merged: list[list[float]] = []
    for s, e in runs((speed < thr) & ~busy):
        a, b = float(t[s]), float(t[e - 1] + dt)
        if merged and a - merged[-1][1] <= p.bridge_s + 1e-9:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged if b - a >= p.stall_s]


@register_expert
class RobotStagnation(Expert):
    name = "robot_stagnation"
    kinds = ("robot",)
    requires = ("robot_gripper",)
    description = "stalls (no progress) and hesitation (back-and-forth oscillation)"
    Params = StagnationParams

    def run(self, stream: Any, ctx: ExpertContext) -> list:
        t = stream.t
        busy = np.zeros(len(t), dtype=bool)
        for a in ctx.anchors("robot_gripper"):  # holding still while the gripper acts is not a stall
            busy |= (t >= a.t0 - 0.3) & (t <= a.t1 + 0.3)
        out = [self.anchor(ctx, "stagnation", a, b, {"type": "stall"})
               for a, b in stalls(t, stream.speed(), busy, self.params)]
        out += [self.anchor(ctx, "stagnation", a, b, {"type": "hesitation", "reversals": n})
                for a, b, n in hesitations(t, positions(stream), self.params)]
        return out


def _state_at(stream: Any, t: float) -> dict[str, Any]:
    i = stream.index_at(t)
    st = {"t": round(float(stream.t[i]), 4), "state": np.round(stream.state[i], 5).tolist(),
          "state_names": list(stream.state_names)}
    if stream.ee_pos is not None:
        st["ee_pos"] = np.round(stream.ee_pos[i], 5).tolist()
    if stream.gripper is not None:
        st["gripper"] = round(float(stream.gripper[i]), 5)
    return st


@register_expert
class RobotFaults(Expert):
    name = "robot_faults"
    kinds = ("robot",)
    requires = ("robot_gripper", "robot_contact", "robot_phases", "robot_stagnation")
    description = "faults (hesitation loop, unstable grasp, early stall) with the last good state before each"

    def run(self, stream: Any, ctx: ExpertContext) -> list:
        dur = stream.duration
        dt = 1.0 / stream.meta.fps
        events = ctx.anchors("robot_gripper")
        phases = ctx.anchors("robot_phases")
        faults: list[tuple[str, float, float, float, list[str]]] = []  # type, t0, t1, recall_t, cited ids
        for a in ctx.anchors("robot_stagnation"):
            if a.data["type"] == "hesitation":
                faults.append(("hesitation_loop", a.t0, a.t1, a.t0, [a.id]))
        for c in ctx.anchors("robot_contact"):
            released = any(e.data["event"] == "open" and e.data.get("full") and abs(e.t0 - c.t1) <= 3 * dt
                           for e in events)
            # lost, not just a gap in the signal: the fingers then close on nothing before any release
            after = [e for e in events if e.t0 >= c.t1 - dt and e.t0 <= c.t1 + 1.5]
            lost = next((e for e in after if e.data.get("full")), None)
            lost = lost is not None and lost.data["event"] == "close"
            if not released and lost and c.t1 < dur - dt:
                grasp = next((ph for ph in phases if ph.data["phase"] == "grasp" and ph.t0 <= c.t0 + dt), None)
                recall = grasp.t0 if grasp else c.t0
                faults.append(("unstable_grasp", c.t1, min(dur, c.t1 + dt), recall, [c.id]))
        closes = [e for e in events if e.data["event"] == "close" and e.data.get("holding")]
        finished = bool(closes) and any(e.data["event"] == "open" and e.data.get("full") and e.t0 > closes[-1].t1
                                        for e in events)
        for a in ctx.anchors("robot_stagnation"):
            if a.data["type"] == "stall" and a.t1 >= dur - 2 * dt and not finished:
                faults.append(("early_stall", a.t0, a.t1, a.t0, [a.id]))
        out = []
        for kind, t0, t1, recall, cited in faults:
            good_t = max(0.0, t0 - dt)
            phase = next((ph.data["phase"] for ph in phases if ph.t0 <= t0 < ph.t1), "")
            good = self.anchor(ctx, "last_good_state", good_t, good_t, {"fault": kind, **_state_at(stream, good_t)})
            out.append(good)
            out.append(self.anchor(ctx, "fault", t0, max(t1, t0), {
                "type": kind, "diagnosis": DIAGNOSES[kind], "phase": phase, "last_good_t": round(good_t, 4),
                "last_good_anchor": good.id, "recall_t": round(recall, 4), "recall_state": _state_at(stream, recall),
                "evidence": cited}))
        return out
