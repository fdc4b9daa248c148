"""`driving_plan` (embodied): driving frames up to t + the scene -> what the ego car does next, and why.

Data for driving planners (a VLM that reads a clip and answers with a manoeuvre). One sample per
start time t (every `stride` s) of a driving recording (`dataclaw.sim.highway`):

    query     `context` frames up to t, and the scene at t from the `driving_state` anchor: ego lane,
              speed, the car ahead (gap, speed) or a clear lane
    solution  the logged future over [t, t+h] as a plan: manoeuvre (keep_lane / change_lane_left /
              change_lane_right), target lane, speed change (brake / accelerate / keep, from -> to m/s),
              following the same car ahead, collision; a sentence saying it with the reason the scene
              gives (a slower car close ahead, a clear lane)

The plan is never guessed: it is read from the log's states at t and t+h (the lane the car is in
or was sent to, its speed). `check` re-reads game.jsonl and requires the plan and the scene to be
the log's. On a plain driving video (no log) the answer names the motion anchors only and says what
cannot be known; no plan is written.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..experts.driving_log import lead_of, scene_of
from ..model import Anchor, AnchorSet, Query, Sample, Segment, TaskSpec
from .base import Evidence, Task, register_task
from .game_frames import game_log
from .shared.common import (
    DraftError, IDS_SCHEMA, build_prompt, duration_of, evidence_sample_id, overlap, provenance, validate_draft,
)

UNKNOWN = ("The plan cannot be known from this video: it has no driving log, so the ego car's lane, speed "
           "and the other cars' states are unknown.")
MANOEUVRES = ("keep_lane", "change_lane_left", "change_lane_right")
SPEEDS = ("brake", "accelerate", "keep")
EVENT_KINDS = ("lane_change", "speed_change", "lead_vehicle", "collision")


class DrivingPlanParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    horizon: float = Field(2.0, gt=0, description="s of logged future the plan covers")
    context: float = Field(1.0, ge=0, description="s of context before t (frames shown in the query)")
    n_context: int = Field(3, ge=1, le=16, description="context frames shown, evenly over [t - context, t]")
    stride: float = Field(1.0, gt=0, description="s between sample start times")
    min_dv: float = Field(1.0, gt=0, description="m/s of speed change over the horizon that counts as braking / "
                                                  "accelerating (less is keeping the speed)")
    close_gap: float = Field(40.0, gt=0, description="m: a lead car this close is a reason the plan names")
    max_samples: int = 40


def _frame_rows(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Frame index -> row, for rows with an ego state (a dropped or broken row leaves a gap, never a shift)."""
    return {r["i"]: r for r in rows if isinstance(r.get("ego"), dict) and isinstance(r["ego"].get("lane"), int)
            and isinstance(r["ego"].get("speed"), (int, float))}


def plan_of(rows: list[dict[str, Any]], fps: float, t: float, h: float, min_dv: float, max_gap: float) -> dict[str, Any] | None:
    """The logged plan over [t, t+h]: lane the car ends in (or was sent to), speed change, following, crash;
    None when the log has no usable row at t or t+h. `max_gap` is the driving_log expert's (in its
    driving_state anchors): farther is no lead car."""
    by_i = _frame_rows(rows)
    i0, i1 = int(round(t * fps)), int(round((t + h) * fps))
    if i0 not in by_i or i1 not in by_i:
        return None
    e0, e1 = by_i[i0]["ego"], by_i[i1]["ego"]
    lane0 = int(e0["lane"])
    dest = int(e1["lane"]) if int(e1["lane"]) != lane0 else int(e1.get("target_lane", lane0))
    v0, v1 = round(float(e0["speed"]), 1), round(float(e1["speed"]), 1)
    dv = round(v1 - v0, 1)
    l0, l1 = lead_of(by_i[i0], max_gap), lead_of(by_i[i1], max_gap)
    return {"manoeuvre": "keep_lane" if dest == lane0 else "change_lane_left" if dest < lane0 else "change_lane_right",
            "from_lane": lane0, "target_lane": dest, "done": int(e1["lane"]) == dest,
            "speed": "brake" if dv <= -min_dv else "accelerate" if dv >= min_dv else "keep",
            "speed_from": v0, "speed_to": v1,
            "follow": bool(dest == lane0 and l0 and l1 and l0.get("id") == l1.get("id")),
            "collision": any(bool(by_i[i]["ego"].get("crashed")) for i in range(i0 + 1, i1 + 1) if i in by_i),
            "horizon": h}


def scene_text(scene: dict[str, Any], t: float) -> str:
    # Numbers follow "lane" / "speed", never at/from/to: those words make a number read as a time.
    text = (f"At {t:.2f} s the ego car drives in lane {scene['lane']} of {scene['lanes']} (lanes are numbered "
            f"from the left), speed {scene['speed']:.1f} m/s; ")
    if scene.get("lead_gap") is not None:
        text += f"the car ahead in its lane is {scene['lead_gap']:.1f} m away, speed {scene['lead_speed']:.1f} m/s."
    else:
        text += "its lane ahead is clear."
    return text


def plan_text(plan: dict[str, Any], scene: dict[str, Any], close_gap: float, side: bool) -> str:
    """The answer: what the logged future does, then the reason the scene at t gives."""
    if plan["manoeuvre"] == "keep_lane":
        parts = [f"keep lane {plan['from_lane']}"]
    else:
        parts = [f"change lane {plan['from_lane']} for lane {plan['target_lane']}"
                 + (f", to the {plan['manoeuvre'].rsplit('_', 1)[1]}" if side else "")
                 + ("" if plan["done"] else " (still under way at the end)")]
    word = {"brake": "brake", "accelerate": "accelerate", "keep": "keep its speed"}[plan["speed"]]
    parts.append(f"{word} (speed {plan['speed_from']:.1f} m/s now, {plan['speed_to']:.1f} m/s then)")
    if plan["follow"]:
        parts.append("follow the same car ahead")
    text = f"Over the next {plan['horizon']:g} s the ego car should " + ", ".join(parts[:-1]) + " and " + parts[-1] + "."
    if plan["collision"]:
        text += " It collides with another car."
    gap, lead_v = scene.get("lead_gap"), scene.get("lead_speed")
    if gap is not None and gap <= close_gap:
        slower = lead_v is not None and lead_v < scene["speed"] - 0.5
        text += f" Why: the car ahead is {gap:.1f} m away" + (", slower than the ego car" if slower else "") + "."
    elif gap is None and (plan["speed"] == "accelerate" or plan["manoeuvre"] == "keep_lane"):
        text += " Why: its lane ahead is clear."
    return text


@register_task
class DrivingPlanTask(Task):
    name = "driving_plan"
    domains = ("embodied",)
    source_kinds = ("game", "video")
    focus_holds = True  # a window holds the focused moment
    focus_mode = "filter"  # the window's prompt needs every action in it, not the focused ones only
    asked_only = ("video",)  # a plain video is gameplay / a drive only when the intent says so
    description = ("Driving frames up to t and the scene -> what the ego car does over the next seconds (manoeuvre, "
                   "target lane, speed change) and why, read from the logged future.")
    examples = ("driving planning answers from dashcam or highway clips", "what should the ego car do next",
                "autonomous driving planning data: lane change, braking, following",
                "self-driving car manoeuvre prediction from driving video", "highway driving plans for a VLM planner")
    keywords = (r"\bdriv(e|es|ing)\b", r"\bego[- ]?(car|vehicle)\b", r"dash ?cam", r"self[- ]driving",
                r"autonomous (driving|vehicles?|cars?)", r"lane[- ]chang\w*", r"\bhighway\b", r"manoeuvr\w*|maneuver\w*",
                r"\bbrak(e|es|ing)\b")
    keywords_zh = ('驾驶', '自动驾驶', '行车', '变道', '车道', '刹车', '行车记录仪', '高速公路')
    examples_zh = ('把行车录像做成驾驶规划数据：下一步变道、刹车还是跟车', '自动驾驶规划问答：自车接下来该怎么做')
    rewrite = "Turn each driving moment into what the ego car does next (lane, speed, following) and why, from the logged future."
    Params = DrivingPlanParams

    def draft_schema(self) -> dict[str, Any]:
        plan = {"type": "object", "required": ["manoeuvre", "target_lane", "speed", "speed_from", "speed_to"],
                "properties": {"manoeuvre": {"enum": list(MANOEUVRES)}, "target_lane": {"type": "integer"},
                               "speed": {"enum": list(SPEEDS)}, "speed_from": {"type": "number"},
                               "speed_to": {"type": "number"}}}
        return {"type": "object", "required": ["t", "horizon", "plan", "answer", "anchors"],
                "properties": {"t": {"type": "number"}, "horizon": {"type": "number", "exclusiveMinimum": 0},
                               "plan": {"anyOf": [plan, {"type": "null"}]},
                               "answer": {"type": "string", "minLength": 5}, "anchors": IDS_SCHEMA}}

    def select(self, anchors: AnchorSet, spec: TaskSpec) -> list[Evidence]:
        p = self.params(spec)
        src = anchors.source
        dur = duration_of(anchors)
        fps = float(anchors.meta.get("fps") or 5.0)
        states = anchors.of_kind("driving_state")
        has_log = src.kind == "game" and bool(states)
        if src.kind == "game" and not states:
            return []  # a game log without an ego car (Atari, Doom): nothing to plan
        rows: list[dict[str, Any]] = []
        if has_log:
            header, rows = game_log(src.path)
            fps = float(header["fps"])
            n_last = min(max(r["i"] for r in rows), int(round(dur * fps)) - 1)
        else:
            n_last = int(round((dur - 1.0 / fps) * fps))
            if not anchors.of_kind("motion", "static"):
                return []
        n_h, n_c = max(1, int(round(p.horizon * fps))), int(round(p.context * fps))
        # start frames: with a log, the frames a driving_state anchor gives the scene of, `stride` apart
        if has_log:
            cands = sorted({int(round(a.t0 * fps)) for a in states})
        else:
            cands = list(range(n_c, n_last + 1, max(1, int(round(p.stride * fps)))))
        starts: list[int] = []
        for i in cands:
            if i >= n_c and i + n_h <= n_last and (not starts or i - starts[-1] >= p.stride * fps - 1e-6):
                starts.append(i)
        out: list[Evidence] = []
        for i in starts[: p.max_samples]:
            t0, t1, h = round(i / fps, 4), round((i + n_h) / fps, 4), round(n_h / fps, 4)
            ctx = sorted({round((i - round(n_c * k / max(1, p.n_context - 1))) / fps, 4) for k in range(p.n_context)})
            meta: dict[str, Any] = {"variant": f"h{h:g}", "duration": dur, "span": [t0, t1], "t": t0, "horizon": h,
                                    "context": ctx, "fps": fps, "has_log": has_log, "min_dv": p.min_dv}
            if has_log:
                state = next(a for a in states if abs(a.t0 - t0) < 1e-3)
                plan = plan_of(rows, fps, t0, h, p.min_dv, float(state.data.get("max_gap", 60.0)))
                if plan is None:
                    continue  # a broken log row at t or t+h loses this sample only
                future = [a for a in anchors.of_kind(*EVENT_KINDS) if overlap(a.t0, a.t1, t0, t1) > 1e-6
                          or (a.t0 == a.t1 and t0 < a.t0 <= t1 + 1e-6)]
                side = any(a.kind == "lane_change" and a.data.get("to_lane") == plan["target_lane"] for a in future)
                meta.update(scene=state.data, state=state.id, plan=plan,
                            query=scene_text(state.data, t0) +
                            f" What should the ego car do over the next {h:g} s, and why?",
                            answer=plan_text(plan, state.data, p.close_gap, side))
                # the logged meta-actions cover the whole window, so the plan's span is cited end to end
                acts = [a for a in anchors.of_kind("game_action") if overlap(a.t0, a.t1, ctx[0], t1) > 1e-6
                        or a.t0 - 1e-3 <= ctx[0] <= a.t1 + 1e-3]
                cited = [state] + future + [a for a in acts if a not in future]
            else:
                from .t2v import motion_desc  # noqa: PLC0415

                motion = [a for a in anchors.of_kind("motion", "static") if overlap(a.t0, a.t1, ctx[0], t1) > 1e-6]
                if not motion:
                    continue
                level = motion_desc(anchors.of_kind("motion"), anchors.of_kind("static"), ctx[0], t0) or "moving"
                meta.update(plan=None, query=f"What should the car do over the next {h:g} s, and why?",
                            answer=f"Until {t0:.2f} s the picture is {level}. {UNKNOWN}")
                cited = motion
            out.append(Evidence(sources=[src], anchors=cited, frames=ctx, key=f"dp:{t0:.3f}+{h:.3f}", meta=meta))
        return out

    def prompt(self, ev: Evidence, spec: TaskSpec) -> list[dict[str, Any]]:
        m = ev.meta
        text = (f"{m['query']} The log's future over the horizon gives this plan: {m['plan']}. Answer as the planner: "
                "`plan` copies manoeuvre, target_lane, speed, speed_from and speed_to; `answer` says it in one or "
                "two sentences with the reason the scene gives (the car ahead, a clear lane), naming nothing no "
                "anchor gives" + ("" if m.get("has_log") else f"; `plan` is null and `answer` says: {UNKNOWN}") +
                "; copy `t` and `horizon`; `anchors` = ids you used.")
        return build_prompt(ev, spec, text, self.draft_schema())

    def rules(self, ev: Evidence, spec: TaskSpec) -> dict[str, Any]:
        m = ev.meta
        plan = ({k: m["plan"][k] for k in ("manoeuvre", "target_lane", "speed", "speed_from", "speed_to")}
                if m.get("plan") else None)
        return {"t": m["t"], "horizon": m["horizon"], "plan": plan, "answer": m["answer"],
                "anchors": [a.id for a in ev.anchors]}

    def build(self, draft: dict[str, Any], ev: Evidence, spec: TaskSpec, media: Any) -> Sample:
        errors = validate_draft(draft, self.draft_schema())
        if errors:
            raise DraftError(errors)
        m = ev.meta
        t0, h = float(draft["t"]), float(draft["horizon"])
        if abs(t0 - m["t"]) > 1e-3 or abs(h - m["horizon"]) > 1e-3:
            raise DraftError([f"t/horizon must be copied ({m['t']}, {m['horizon']}), got ({t0}, {h})"])
        ids = list(draft["anchors"])
        if not ids or any(ev.anchor(i) is None for i in ids):
            raise DraftError(["anchors must be ids from the evidence"])
        if m.get("has_log") and draft["plan"] is None:
            raise DraftError(["`plan` is required: this recording has a driving log"])
        t1 = round(t0 + h, 4)
        state = [m["state"]] if m.get("state") else []
        timeline = [a for a in ev.anchors if a.kind in ("motion", "static", "game_action")]
        query = Query(text=m["query"], media=[
            Segment(type="image", path=media.keyframe(ev.source, c), t0=c, t1=c,
                    anchors=state if abs(c - t0) < 1e-3 else [a.id for a in _covering(timeline, c)][:1])
            for c in m["context"]])
        sol = [Segment(type="text", text=draft["answer"], t0=t0, t1=t1, anchors=ids)]
        if draft["plan"] is not None:
            full = dict(m["plan"])
            full.update(draft["plan"])
            sol.append(Segment(type="action", t0=t0, t1=t1, anchors=ids,
                               action={"type": "driving_plan", **full, "scene": m.get("scene")}))
        return Sample(id=evidence_sample_id(self.name, ev), task=self.name, domain="embodied", source=ev.source.id,
                      query=query, solution=sol, evidence=[a.id for a in ev.anchors],
                      meta={"variant": m["variant"], "horizon": h, "has_log": bool(m.get("has_log"))},
                      provenance=provenance(ev, spec))

    def check(self, sample: Sample, ev: Evidence) -> list[str]:
        """Against the recording's own log: the plan is the logged future, the scene the logged state."""
        ctx_t = [s.t0 for s in sample.query.media if s.type == "image"]
        if not ctx_t:
            return ["needs context frames"]
        t0, h = max(ctx_t), float(sample.meta.get("horizon", 0))
        act = next((s for s in sample.solution if s.type == "action"), None)
        answer = " ".join(s.text or "" for s in sample.solution if s.type == "text")
        src = ev.source if ev.sources else None
        if src is None or src.kind != "game":
            errs = ["a plan on a video without a driving log (it cannot be known)"] if act is not None else []
            return errs + ([] if UNKNOWN in answer else ["the answer must say the plan cannot be known (no log)"])
        header, rows = game_log(src.path)
        fps = float(header["fps"])
        if act is None:
            return ["no plan (the recording has a driving log)"]
        scene = act.action.get("scene") or {}
        max_gap = float(scene.get("max_gap", 60.0)) if isinstance(scene, dict) else 60.0
        truth = plan_of(rows, fps, t0, h, float(ev.meta.get("min_dv", 1.0)), max_gap)
        if truth is None:
            return [f"the log has no usable row at {t0:.2f} s or {t0 + h:.2f} s"]
        errs = [f"plan {k} is {act.action.get(k)!r}, the log says {truth[k]!r}"
                for k in ("manoeuvre", "target_lane", "speed", "follow", "collision")
                if act.action.get(k) != truth[k]]
        errs += [f"plan {k} is {act.action.get(k)}, the log says {truth[k]}" for k in ("speed_from", "speed_to")
                 if not isinstance(act.action.get(k), (int, float)) or abs(act.action[k] - truth[k]) > 0.051]
        logged = scene_of(_frame_rows(rows)[int(round(t0 * fps))], int(header.get("lanes") or 1), max_gap)
        if scene != logged:
            errs.append(f"scene at {t0:.2f} s is {scene}, the log says {logged}")
        return errs


def _covering(anchors: list[Anchor], t: float, tol: float = 1e-3) -> list[Anchor]:
    return [a for a in anchors if a.t0 - tol <= t <= a.t1 + tol]


__all__ = ["DrivingPlanTask", "UNKNOWN", "plan_of", "plan_text", "scene_text"]
