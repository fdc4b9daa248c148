"""`world_model` (embodied): (frame and state, action chunk) -> the frame after the chunk.

One sample per start time (every `stride` s) and horizon: the query shows the frame at t with the
robot state, the solution is the real action chunk executed over [t, t+h) and the real frame at
t+h (optionally the clip). A log without cameras (robosuite / robomimic low-dim demos) gives the
state variant: (state, action chunk) -> the logged state after the chunk, a dynamics-model sample. Everything comes from the episode's log, cited by the phase anchors
covering the span; `check` re-reads the episode and compares state and actions.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from ..model import AnchorSet, Query, Sample, Segment, TaskSpec
from .base import Evidence, Task, register_task
from .shared.common import (
    DraftError, IDS_SCHEMA, build_prompt, duration_of, evidence_sample_id, provenance, span_errors, validate_draft,
)
from .shared.robot_common import camera_frame, covering, episode, phase_at, phases, rows, state_at, task_text


def object_at(st: Any, t0: float, t1: float) -> dict[str, list[float]]:
    """The tracked object's position before and after the chunk, when the log has it (the state variant's
    world is the arm and the object)."""
    if getattr(st, "object_pos", None) is None:
        return {}
    at = lambda t: [round(float(v), 5) for v in st.object_pos[st.index_at(t)][:3]]  # noqa: E731
    return {"object_pos": at(t0), "next_object_pos": at(t1)}


class WorldModelParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    horizons: list[float] = [0.5, 1.0]
    stride: float = 1.0
    clip: bool = False  # also write the clip [t, t+h)
    max_samples: int = 40
    cameras: list[str] | None = None  # cameras shown (default: every camera of the episode)


@register_task
class WorldModelTask(Task):
    name = "world_model"
    domains = ("embodied",)
    source_kinds = ("robot",)
    focus_holds = True  # a window holds the focused moment
    needs = ("phase",)
    description = ("World-model / action-conditioned video data: (frame, state, action chunk) -> next frame or clip; "
                   "logs without cameras: (state, action chunk) -> next state.")
    examples = ("train a world model on my robot demos", "action-conditioned video prediction data",
                "predict the next frame from actions", "world model training data from robot episodes",
                "predict the next frame given the action")
    keywords = (r"world[- ]model", r"next (frame|observation|state)", r"action[- ]condition", r"dynamics")
    keywords_zh = ('世界模型', '下一帧', '动作条件', '动力学', '未来帧', '视频预测')
    examples_zh = ('用机器人演示训练世界模型', '预测机器人动作之后的画面', '动作会让场景怎样变化')
    rewrite = "Pair each robot observation and action with the observation that follows it."
    ordered = True
    Params = WorldModelParams

    def draft_schema(self) -> dict[str, Any]:
        return {"type": "object", "required": ["t", "horizon", "state", "actions", "description", "anchors"],
                "properties": {"t": {"type": "number"}, "horizon": {"type": "number", "exclusiveMinimum": 0},
                               "state": {"type": "array", "items": {"type": "number"}},
                               "next_state": {"type": "array", "items": {"type": "number"}},
                               "actions": {"type": "array", "items": {"type": "array"}},
                               "description": {"type": "string", "minLength": 5}, "anchors": IDS_SCHEMA}}

    def select(self, anchors: AnchorSet, spec: TaskSpec) -> list[Evidence]:
        p = self.params(spec)
        dur = duration_of(anchors)
        st = episode(anchors.source)
        if st.action is None:  # nothing conditions the prediction
            return []
        cams = [c for c in st.meta.cameras if p.cameras is None or c in p.cameras]
        ph = phases(anchors)
        out: list[Evidence] = []
        for h in p.horizons:
            t = 0.0
            while t + h <= dur - 1e-6 and len(out) < p.max_samples:
                t0, t1 = round(t, 3), round(t + h, 3)
                cited = covering(ph, t0, t1)
                if cited:
                    out.append(Evidence(
                        sources=[anchors.source], anchors=cited, frames=[t0, t1], key=f"wm:{t0:.3f}+{h:.3f}",
                        meta={"variant": f"h{h:g}" + ("" if cams else "-state"), "duration": dur, "span": [t0, t1], "t": t0, "horizon": h,
                              "state": state_at(st, t0), "actions": rows(st, t0, t1),
                              "state_names": st.state_names, "action_names": st.action_names,
                              "task": task_text(anchors), "fps": st.meta.fps, "cameras": cams,
                              **({} if cams else {"next_state": state_at(st, t1), **object_at(st, t0, t1)})}))
                t += p.stride
        return out

    def prompt(self, ev: Evidence, spec: TaskSpec) -> list[dict[str, Any]]:
        m = ev.meta
        if not m.get("cameras"):
            text = (f"Robot task: {m['task']}. From state {m['state']} at {m['t']:.2f} s"
                    + (f" (object at {m['object_pos']})" if "object_pos" in m else "") + " and the action chunk of "
                    f"{len(m['actions'])} steps over {m['horizon']} s, give `next_state` (state_names "
                    f"{m['state_names']}) after the chunk and describe the motion; copy `t`, `horizon`, `state` and "
                    "`actions` exactly; `anchors` = phase ids covering the span.")
            return build_prompt(ev, spec, text, self.draft_schema())
        text = (f"Robot task: {m['task']}. From the frame at {m['t']:.2f} s, state {m['state']} and the action "
                f"chunk of {len(m['actions'])} steps over {m['horizon']} s, describe the next frame; copy `t`, "
                "`horizon`, `state` and `actions` exactly; `anchors` = phase ids covering the span.")
        return build_prompt(ev, spec, text, self.draft_schema())

    def rules(self, ev: Evidence, spec: TaskSpec) -> dict[str, Any]:
        m = ev.meta
        t0, t1 = m["span"]
        a, b = phase_at(ev.anchors, t0), phase_at(ev.anchors, t1 - 1e-3)
        desc = f"The arm is in the {a.data['phase']} phase ({a.data['text']})" if a else "The arm moves"
        if b is not None and a is not None and b.id != a.id:
            desc += f"; after {m['horizon']:g} s it has moved on to {b.data['phase']} ({b.data['text']})"
        else:
            desc += f" for the next {m['horizon']:g} s"
        out = {"t": t0, "horizon": m["horizon"], "state": m["state"], "actions": m["actions"],
               "description": desc + ".", "anchors": [x.id for x in ev.anchors]}
        if "next_state" in m:
            out["next_state"] = m["next_state"]
        return out

    def build(self, draft: dict[str, Any], ev: Evidence, spec: TaskSpec, media: Any) -> Sample:
        errors = validate_draft(draft, self.draft_schema())
        if errors:
            raise DraftError(errors)
        t0 = float(draft["t"])
        t1 = round(t0 + float(draft["horizon"]), 3)
        errors = span_errors(ev, draft["anchors"], t0, t0, "t") + span_errors(ev, draft["anchors"], t1, t1, "t+h")
        if errors:
            raise DraftError(errors)
        p = self.params(spec)
        a0 = [a.id for a in covering(ev.anchors, t0, t0)]
        a1 = [a.id for a in covering(ev.anchors, t1, t1)]
        m = ev.meta
        if not m.get("cameras"):
            return self._state_sample(draft, ev, spec, t0, t1)
        cams = m["cameras"]
        views = f" ({', '.join(cams)} cameras)"
        query = Query(text=(f"Task: {m['task']}. Robot state at {t0:.2f} s: {draft['state']}. Predict the camera "
                            f"frames{views} after executing these {len(draft['actions'])} actions over "
                            f"{draft['horizon']:g} s: {draft['actions']}"),
                      media=[Segment(type="image", path=camera_frame(media, ev.source, t0, c), t0=t0, t1=t0, anchors=a0)
                             for c in cams])
        sol = [Segment(type="action", t0=t0, t1=t1, anchors=list(draft["anchors"]),
                       action={"names": m["action_names"], "chunk": draft["actions"], "state": draft["state"],
                               "state_names": m["state_names"], "fps": m["fps"]}),
               *[Segment(type="image", path=camera_frame(media, ev.source, t1, c), t0=t1, t1=t1, anchors=a1)
                 for c in cams],
               Segment(type="text", text=draft["description"], t0=t0, t1=t1, anchors=list(draft["anchors"]))]
        if p.clip:
            sol.insert(1 + len(cams), Segment(type="clip", path=media.clip(ev.source, t0, t1), t0=t0, t1=t1,
                                  anchors=list(draft["anchors"])))
        return Sample(id=evidence_sample_id(self.name, ev), task=self.name, domain="embodied", source=ev.source.id,
                      query=query, solution=sol, evidence=[a.id for a in ev.anchors],
                      meta={"variant": m["variant"], "horizon": draft["horizon"]}, provenance=provenance(ev, spec))

    def _state_sample(self, draft: dict[str, Any], ev: Evidence, spec: TaskSpec, t0: float, t1: float) -> Sample:
        """No camera: the prediction target is the logged state after the chunk."""
        if "next_state" not in draft:
            raise DraftError(["next_state: required when the episode has no camera (the state variant)"])
        m = ev.meta
        obj = f" Object position: {m['object_pos']}." if "object_pos" in m else ""
        query = Query(text=(f"Task: {m['task']}. Robot state at {t0:.2f} s: {draft['state']} ({', '.join(m['state_names'])})."
                            f"{obj} Predict the robot state{' and the object position' if obj else ''} after executing these {len(draft['actions'])} actions over "
                            f"{draft['horizon']:g} s: {draft['actions']}"))
        sol = [Segment(type="action", t0=t0, t1=t1, anchors=list(draft["anchors"]),
                       action={"names": m["action_names"], "chunk": draft["actions"], "state": draft["state"],
                               "next_state": draft["next_state"], "state_names": m["state_names"], "fps": m["fps"],
                               **{k: m[k] for k in ("object_pos", "next_object_pos") if k in m}}),
               Segment(type="text", text=draft["description"], t0=t0, t1=t1, anchors=list(draft["anchors"]))]
        return Sample(id=evidence_sample_id(self.name, ev), task=self.name, domain="embodied", source=ev.source.id,
                      query=query, solution=sol, evidence=[a.id for a in ev.anchors],
                      meta={"variant": m["variant"], "horizon": draft["horizon"]}, provenance=provenance(ev, spec))

    def check(self, sample: Sample, ev: Evidence) -> list[str]:
        """The state and action chunk must be the episode's own (re-read from the source)."""
        act = next((s for s in sample.solution if s.type == "action"), None)
        if act is None or not ev.sources:
            return ["no action segment"]
        st = episode(ev.source)
        errs = []
        if act.action.get("state") != state_at(st, act.t0):
            errs.append(f"state at {act.t0:.2f} s differs from the episode log")
        if act.action.get("chunk") != rows(st, act.t0, act.t1):
            errs.append(f"action chunk {act.t0:.2f}-{act.t1:.2f} s differs from the episode log")
        if "next_state" in act.action and act.action["next_state"] != state_at(st, act.t1):
            errs.append(f"next state at {act.t1:.2f} s differs from the episode log")
        logged = object_at(st, act.t0, act.t1)
        if any(act.action.get(k) != v for k, v in logged.items() if k in act.action):
            errs.append(f"object position {act.t0:.2f} / {act.t1:.2f} s differs from the episode log")
        return errs
