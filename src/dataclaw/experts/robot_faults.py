"""Stagnation, hesitation and faults of a robot episode, with the last good state before each fault.

- `stagnation` anchors: `stall` (the arm barely moves for `stall_s` while the gripper is idle) and
  `hesitation` (back-and-forth: >= `min_reversals` direction reversals of at least `amplitude`,
  each within `max_gap_s` of the previous one).
- `fault` anchors (see `FaultParams` for every threshold):
  `hesitation_loop` (a hesitation);
  `missed_grasp` (the fingers close past any object width with no contact / no load, and, when the
  object is tracked, it does not move with the gripper as it lifts);
  `drop` (contact ends mid-transport without a release, then the fingers collapse to closed or the
  tracked object falls);
  `slip` (the tracked object moves in the hand by more than `slip_m` while the grasp holds);
  `regrasp` (a grasp that held is opened and closed again before lift-off);
  `collision` (the arm stops while its commanded target runs away from it: blocked);
  `early_stall` (a stall that lasts to the end of an unfinished episode, when no earlier fault
  explains it). Each names the last good state and the state to recall.
- `last_good_state` anchors: the row just before each fault, with its state vector.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..sources.robot import gripper_index
from .base import Expert, ExpertContext, register_expert
from .robot_gripper import gripper_levels, runs
from .robot_phases import ABSOLUTE_M, BLOCKED_S, BLOCKED_TRACK_M, blocked_spans

DIAGNOSES = {
    "hesitation_loop": "the arm moves back and forth without progressing toward the object",
    "missed_grasp": "the gripper closed on nothing: the fingers shut past the object's width with no contact",
    "drop": "the object fell out of the gripper during transport, before it was placed",
    "slip": "the object slid in the gripper during transport but stayed held",
    "regrasp": "the first grasp was not good: the gripper opened and grasped the object again",
    "collision": "the arm was blocked: it stopped while its commanded motion went on",
    "early_stall": "the arm stopped moving and the task was left unfinished",
}
# a fault after which the rest of the episode follows from it (a stall after it is its consequence)
ROOT_CAUSES = ("missed_grasp", "drop", "collision")


class FaultParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    empty_frac: float = Field(0.1, description="a close ending below this fraction of the opening range shut on "
                                               "nothing (past any object width)")
    contact_pad_s: float = Field(0.3, description="a contact starting this soon after a close belongs to it")
    release_s: float = Field(0.3, description="a full open this close to a contact's end released the object")
    collapse_s: float = Field(1.5, description="after a contact ends unreleased, the fingers collapse within this "
                                               "long (a drop)")
    fall_m: float = Field(0.03, description="a tracked object falling this far after contact ends was dropped")
    follow_m: float = Field(0.02, description="a tracked object moving less than this while the gripper moves "
                                              "`lift_m` did not go with the gripper")
    lift_m: float = Field(0.04, description="gripper travel after a close that tests whether the object followed")
    slip_m: float = Field(0.006, description="object motion in the hand (m, against the end effector) that is a slip: "
                                             "3x the noise of a median of tracked positions (~1-2 mm), below a drop")
    slip_window_s: float = Field(0.3, description="offsets are compared as medians over this long before and after "
                                                  "(a single noisy row is not a slip)")
    slip_margin_s: float = Field(0.3, description="in-hand motion this close to grasp or release is settling, not slip")
    regrasp_travel_m: float = Field(0.05, description="the gripper moving less than this between two grasps keeps "
                                                      "them at one place (a regrasp)")
    track_m: float = Field(BLOCKED_TRACK_M, description="commanded target this far from the end effector while "
                                                        "the arm is still: blocked (absolute position actions)")
    blocked_s: float = Field(BLOCKED_S, description="the arm must stay blocked this long")
    absolute_m: float = Field(ABSOLUTE_M, description="actions whose first three columns stay this close to the "
                                                      "end effector (median) are absolute position targets")


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


def _median3(x: np.ndarray) -> np.ndarray:
    """Per-axis running median of 3 rows: one noisy row is not a motion."""
    if len(x) < 3:
        return x
    from scipy.signal import medfilt  # noqa: PLC0415

    return np.stack([medfilt(x[:, k], 3) for k in range(x.shape[1])], axis=1)


def _slips(t: np.ndarray, ee: np.ndarray, obj: np.ndarray, spans: list[tuple[float, float]],
           p: FaultParams) -> list[tuple[float, float]]:
    """Times where the object moves against the end effector inside a held span."""
    rel = _median3(obj - ee)
    out = []
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    w = max(1, int(round(p.slip_window_s / max(dt, 1e-9))))
    for a, b in spans:
        idx = np.nonzero((t >= a + p.slip_margin_s) & (t <= b - p.slip_margin_s))[0]
        k = 0
        while k < len(idx):
            i = idx[k]
            j_end = min(len(t) - 1, i + w, idx[-1])
            moved = np.linalg.norm(rel[i:j_end + 1] - rel[i], axis=1)
            hit = np.nonzero(moved > p.slip_m)[0]
            if len(hit):
                j = i + int(hit[0])
                # the slide runs while the offset keeps changing by more than noise
                e = j
                while e + 1 <= idx[-1] and np.linalg.norm(rel[e + 1] - rel[e]) > p.slip_m / 4:
                    e += 1
                out.append((float(t[i]), float(t[e] + dt)))
                k = int(np.searchsorted(idx, e + 1))
            else:
                k += 1
    return out


def _blocked(stream: Any, speed: np.ndarray, thr: float, p: FaultParams) -> list[tuple[float, float]]:
    """Spans where the arm is still while its absolute position target is more than `track_m` away."""
    a, ee, t = stream.action, stream.ee_pos, stream.t
    if a is None or ee is None or a.shape[1] < 3:
        return []
    err = np.linalg.norm(np.asarray(a[:, :3], dtype=np.float64) - ee, axis=1)
    if float(np.median(err)) > p.absolute_m:  # delta / velocity commands: no target to compare with
        return []
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    out = []
    for s, e in runs((err > p.track_m) & (speed < 3 * thr)):
        if t[e - 1] + dt - t[s] < p.blocked_s:
            continue
        # onset: back to where the error started to grow
        i = s
        while i > 0 and err[i - 1] > p.track_m / 3 and err[i - 1] <= err[i] + 1e-9:
            i -= 1
        out.append((float(t[i]), float(t[e - 1] + dt)))
    return out


@register_expert
class RobotFaults(Expert):
    name = "robot_faults"
    version = "2"  # 2: missed grasp, drop, slip, regrasp, collision; stalls explained by a root cause
    kinds = ("robot",)
    requires = ("robot_gripper", "robot_contact", "robot_phases", "robot_stagnation")
    description = ("faults (hesitation loop, missed grasp, drop, slip, regrasp, collision, early stall) with the last "
                   "good state before each")
    Params = FaultParams

    def run(self, stream: Any, ctx: ExpertContext) -> list:
        p = self.params
        dur = stream.duration
        dt = 1.0 / stream.meta.fps
        t = stream.t
        events = sorted(ctx.anchors("robot_gripper"), key=lambda a: a.t0)
        contacts = sorted(ctx.anchors("robot_contact"), key=lambda a: a.t0)
        phases = ctx.anchors("robot_phases")
        ee = np.asarray(stream.ee_pos, dtype=np.float64) if stream.ee_pos is not None else None
        obj = np.asarray(stream.object_pos, dtype=np.float64) if getattr(stream, "object_pos", None) is not None else None
        g = np.asarray(stream.gripper, dtype=np.float64) if stream.gripper is not None else None
        closed = gripper_levels(g, None)[0] if g is not None else 0.0
        span = (gripper_levels(g, None)[1] - closed) if g is not None else 1.0
        faults: list[tuple[str, float, float, float, list[str]]] = []  # type, t0, t1, recall_t, cited ids

        def released(c: Any) -> bool:
            return any(e.data["event"] == "open" and e.data.get("full") and abs(e.t0 - c.t1) <= p.release_s + dt
                       for e in events)

        def phase_start(name: str, before: float) -> float | None:
            cands = [ph.t0 for ph in phases if ph.data["phase"] == name and ph.t0 <= before + dt]
            return max(cands) if cands else None

        first_hold = next((c.t0 for c in contacts), dur)
        for a in ctx.anchors("robot_stagnation"):
            # back and forth before the object is held; adjustments while carrying it are not a fault
            if a.data["type"] == "hesitation" and a.t0 < first_hold:
                faults.append(("hesitation_loop", a.t0, a.t1, a.t0, [a.id]))
        # drops: a contact that ends without a release before the episode ends
        lost_at: list[float] = []
        for c in contacts:
            if released(c) or c.t1 >= dur - dt:
                continue
            collapse = next((e for e in events if e.data["event"] == "close" and e.data.get("full")
                             and c.t1 - dt <= e.t0 <= c.t1 + p.collapse_s), None)
            fell = False
            if obj is not None:
                i, k = stream.index_at(c.t1 - dt), stream.index_at(min(dur, c.t1 + p.collapse_s))
                fell = float(obj[i, 2] - obj[i:k + 1, 2].min()) > p.fall_m
            if collapse is None and not fell:
                continue
            recall = phase_start("grasp", c.t0) or c.t0
            cited = [c.id] + ([collapse.id] if collapse is not None else [])
            faults.append(("drop", c.t1, min(dur, c.t1 + p.collapse_s / 3), recall, cited))
            lost_at.append(c.t1)
        # missed grasps: a close that shuts on nothing, not just after a drop
        for e in events:
            if e.data["event"] != "close" or (e.data["width_to"] - closed) / max(span, 1e-9) >= p.empty_frac:
                continue
            if any(e.t0 - p.collapse_s <= x <= e.t1 + dt for x in lost_at):
                continue  # the fingers collapsing after a drop
            if any(c.t0 <= e.t1 + p.contact_pad_s and c.t1 >= e.t0 for c in contacts):
                continue
            if any(c.t1 <= e.t0 + dt and e.t0 - c.t1 <= p.collapse_s and not released(c) for c in contacts):
                continue
            if obj is not None and ee is not None:  # the object must not have followed the gripper
                i = stream.index_at(e.t1)
                moved = np.linalg.norm(ee[i:] - ee[i], axis=1)
                j = i + int(np.argmax(moved > p.lift_m)) if (moved > p.lift_m).any() else None
                if j is not None and float(np.linalg.norm(obj[j] - obj[i])) >= p.follow_m:
                    continue
            recall = phase_start("reach", e.t0)
            recall = recall if recall is not None else 0.0
            faults.append(("missed_grasp", e.t0, e.t1, recall, [e.id]))
        # slips: in-hand motion of a tracked object while the grasp holds
        if obj is not None and ee is not None:
            held = [(c.t0, c.t1) for c in contacts]
            for a, b in _slips(t, ee, obj, held, p):
                c = next(c for c in contacts if c.t0 <= a <= c.t1)
                recall = phase_start("grasp", c.t0) or c.t0
                faults.append(("slip", a, b, recall, [c.id]))
        # regrasps: two grasps at one place with an open between and no lift-off
        closes = [e for e in events if e.data["event"] == "close" and (
            e.data.get("holding") or any(c.t0 <= e.t1 + p.contact_pad_s and c.t1 >= e.t0 for c in contacts))]
        for c1, c2 in zip(closes, closes[1:]):
            between = [e for e in events if c1.t1 <= e.t0 <= c2.t0 and e.data["event"] == "open"]
            if not between:
                continue
            i1, i2 = stream.index_at(c1.t0), stream.index_at(c2.t0)
            if ee is not None:
                travel = float(np.linalg.norm(ee[i1:i2 + 1] - ee[i1], axis=1).max())
                if travel >= p.regrasp_travel_m:
                    continue
            elif any(ph.data["phase"] in ("transport", "place") and c1.t1 <= ph.t0 <= c2.t0 for ph in phases):
                continue
            recall = phase_start("reach", c1.t0)
            faults.append(("regrasp", c1.t0, c2.t1, recall if recall is not None else 0.0, [c1.id, c2.id]))
        # collisions: blocked while commanded onward
        speed = stream.speed()
        thr = 0.08 * float(np.percentile(speed, 95)) if len(speed) else 0.0
        for a, b in blocked_spans(stream, speed, thr, p.track_m, p.blocked_s, p.absolute_m):
            ph = next((x for x in phases if x.t0 <= a < x.t1), None)
            recall = ph.t0 if ph is not None else max(0.0, a - 1.0)
            faults.append(("collision", a, b, recall, [ph.id] if ph is not None else []))
        # early stall: the episode ends stalled and unfinished, and nothing earlier explains it
        closes_h = [e for e in events if e.data["event"] == "close" and e.data.get("holding")]
        finished = bool(closes_h) and any(e.data["event"] == "open" and e.data.get("full") and e.t0 > closes_h[-1].t1
                                          for e in events)
        for a in ctx.anchors("robot_stagnation"):
            if a.data["type"] == "stall" and a.t1 >= dur - 2 * dt and not finished:
                if any(k in ROOT_CAUSES and t0 <= a.t1 for k, t0, *_ in faults):
                    continue
                faults.append(("early_stall", a.t0, a.t1, a.t0, [a.id]))
        out = []
        for kind, t0, t1, recall, cited in sorted(faults, key=lambda f: f[1]):
            good_t = max(0.0, t0 - dt)
            phase = next((ph.data["phase"] for ph in phases if ph.t0 <= t0 < ph.t1), "")
            good = self.anchor(ctx, "last_good_state", good_t, good_t, {"fault": kind, **_state_at(stream, good_t)})
            out.append(good)
            out.append(self.anchor(ctx, "fault", t0, max(t1, t0), {
                "type": kind, "diagnosis": DIAGNOSES[kind], "phase": phase, "last_good_t": round(good_t, 4),
                "last_good_anchor": good.id, "recall_t": min(round(recall, 4), t0),  # never after the fault
                "recall_state": _state_at(stream, min(recall, t0)), "evidence": cited}))
        return out
