"""`driving_log`: a driving recording's log (dataclaw.sim.highway) as anchors; no pixels are read.

    driving_state  every `every` s: the ego car's lane (of `lanes`), speed (m/s), and the car ahead in
                   its lane (gap in m bumper to bumper, its speed), or none within `max_gap`
    lane_change    the ego car moves to another lane: from_lane, to_lane, direction (left = lower id),
                   from the frame the simulator set the new target lane to the first frame in it
    speed_change   a run where the ego speed falls (brake) or rises (accelerate) by >= `min_dv` m/s
    lead_vehicle   a run with the same car ahead in the ego lane within `max_gap`: gaps, closing or not
    collision      the first frame the simulator says the ego car crashed

Only recordings whose header says `engine: highway-env` (or whose rows carry `ego`) get these; the
Atari / ViZDoom logs have no ego car.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..model import Anchor
from .base import Expert, ExpertContext, register_expert


class DrivingLogParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    every: float = Field(0.5, gt=0, description="s between driving_state anchors")
    min_dv: float = Field(1.0, gt=0, description="m/s a speed_change run must cover (smaller is holding speed)")
    max_gap: float = Field(60.0, gt=0, description="m: a car farther ahead is not the lead vehicle")


def is_driving_log(header: dict[str, Any], rows: list[dict[str, Any]]) -> bool:
    return header.get("engine") == "highway-env" or bool(rows and isinstance(rows[0].get("ego"), dict))


def lead_of(row: dict[str, Any], max_gap: float) -> dict[str, Any] | None:
    lead = row.get("lead")
    if isinstance(lead, dict) and isinstance(lead.get("gap"), (int, float)) and lead["gap"] <= max_gap:
        return lead
    return None


def scene_of(row: dict[str, Any], lanes: int, max_gap: float) -> dict[str, Any]:
    """The scene a row shows: ego lane, speed, and the car ahead (the facts a plan is asked from)."""
    ego = row["ego"]
    lead = lead_of(row, max_gap)
    return {"lane": int(ego["lane"]), "lanes": int(lanes), "speed": round(float(ego["speed"]), 1),
            "lead_gap": round(float(lead["gap"]), 1) if lead else None,
            "lead_speed": round(float(lead["speed"]), 1) if lead else None,
            "lead": lead.get("id") if lead else None, "max_gap": max_gap}


@register_expert
class DrivingLogExpert(Expert):
    name = "driving_log"
    version = "1"
    kinds = ("game",)
    description = "Ego lane, speed, lane changes, braking, the car ahead and collisions from a driving log"
    Params = DrivingLogParams

    def run(self, stream: Any, ctx: ExpertContext) -> list[Anchor]:
        p: DrivingLogParams = self.params
        rows, fps = stream.rows, stream.fps
        if not is_driving_log(stream.header, rows):
            return []
        rows = [r for r in rows if isinstance(r.get("ego"), dict)
                and isinstance(r["ego"].get("lane"), int) and isinstance(r["ego"].get("speed"), (int, float))]
        if not rows:
            return []
        lanes = int(stream.header.get("lanes") or 1 + max(r["ego"]["lane"] for r in rows))
        out: list[Anchor] = []
        step = max(1, int(round(p.every * fps)))
        for r in rows:
            if r["i"] % step == 0:
                out.append(self.anchor(ctx, "driving_state", r["t"], r["t"], scene_of(r, lanes, p.max_gap)))
        out += self._lane_changes(ctx, rows)
        out += self._speed_runs(ctx, rows, p.min_dv)
        out += self._leads(ctx, rows, p.max_gap)
        hit = next((r for r in rows if r["ego"].get("crashed")), None)
        if hit is not None:
            out.append(self.anchor(ctx, "collision", hit["t"], hit["t"], {"lane": hit["ego"]["lane"],
                                                                          "speed": round(hit["ego"]["speed"], 1)}))
        return sorted(out, key=lambda a: (a.t0, a.kind))

    def _lane_changes(self, ctx: ExpertContext, rows: list[dict[str, Any]]) -> list[Anchor]:
        out = []
        for k in range(1, len(rows)):
            a, b = rows[k - 1]["ego"]["lane"], rows[k]["ego"]["lane"]
            if a == b:
                continue
            s = k - 1  # back to the frame the new lane became the target
            while s > 0 and rows[s - 1]["ego"].get("target_lane") == b and rows[s - 1]["ego"]["lane"] == a:
                s -= 1
            out.append(self.anchor(ctx, "lane_change", rows[s]["t"], rows[k]["t"],
                                   {"from_lane": a, "to_lane": b, "direction": "left" if b < a else "right"}))
        return out

    def _speed_runs(self, ctx: ExpertContext, rows: list[dict[str, Any]], min_dv: float) -> list[Anchor]:
        v = [float(r["ego"]["speed"]) for r in rows]
        out, i, eps = [], 0, 0.02
        while i < len(v) - 1:
            j, sign = i, 0
            while j < len(v) - 1:
                d = v[j + 1] - v[j]
                s = (d > eps) - (d < -eps)
                if s == 0 or (sign and s != sign):
                    break
                sign, j = s, j + 1
            if sign and abs(v[j] - v[i]) >= min_dv:
                out.append(self.anchor(ctx, "speed_change", rows[i]["t"], rows[j]["t"],
                                       {"change": "brake" if sign < 0 else "accelerate", "from_speed": round(v[i], 1),
                                        "to_speed": round(v[j], 1), "delta": round(v[j] - v[i], 1)}))
            i = max(j, i + 1)
        return out

    def _leads(self, ctx: ExpertContext, rows: list[dict[str, Any]], max_gap: float) -> list[Anchor]:
        out, start = [], None
        ids = [(lead_of(r, max_gap) or {}).get("id") for r in rows]
        for k in range(len(rows) + 1):
            if start is not None and (k == len(rows) or ids[k] != ids[start]):
                run = [lead_of(r, max_gap) for r in rows[start:k]]
                gaps = [float(x["gap"]) for x in run]
                out.append(self.anchor(ctx, "lead_vehicle", rows[start]["t"], rows[k - 1]["t"],
                                       {"lead": ids[start], "gap_start": round(gaps[0], 1), "gap_end": round(gaps[-1], 1),
                                        "min_gap": round(min(gaps), 1), "closing": gaps[-1] < gaps[0] - 0.5}))
                start = None
            if start is None and k < len(rows) and ids[k] is not None:
                start = k
        return out


__all__ = ["DrivingLogExpert", "is_driving_log", "lead_of", "scene_of"]
