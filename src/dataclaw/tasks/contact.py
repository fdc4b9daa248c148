"""`contact` (embodied): labelled gripper-object contact intervals of an episode.

One sample per episode with contact anchors: the query shows a frame of the episode and asks when
the gripper touches the object; the solution is one span per contact interval (with the frame at
its start), each citing its contact anchor. Trains contact detection and scores Contact mAP.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from ..model import AnchorSet, Query, Sample, TaskSpec
from .base import Evidence, Task, register_task
from .shared.common import (
    DraftError, build_prompt, duration_of, evidence_sample_id, provenance, validate_draft,
)
from .shared.robot_common import episode_clip, focus_window, interval_segments, task_text, uncovered


class ContactParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    frames: bool = True  # an image at each contact start
    attach_video: bool = True  # the query carries the episode as a clip (what the question is about)


@register_task
class ContactTask(Task):
    name = "contact"
    domains = ("embodied",)
    source_kinds = ("robot",)
    needs = ("contact",)
    ordered = True
    description = "Labelled hand/gripper-object contact intervals (for contact detection and Contact mAP)."
    examples = ("label gripper contact intervals", "contact detection data", "when does the robot touch the object",
                "find grasp and contact moments", "hand-object contact annotations")
    keywords = (r"contact", r"grasp", r"hand[- ]object", r"gripper", r"pick(ing)? up")
    keywords_zh = ('接触', '抓取', '抓住', '夹爪', '碰到', '触碰', '摸到', '手物交互', '拿起')
    examples_zh = ('标注夹爪接触物体的时间', '机器人什么时候碰到东西', '物理接触的时刻')
    rewrite = ("Mark when the hand or gripper touches, grasps and releases objects, with the frames around each "
               "event.")
    Params = ContactParams

    def draft_schema(self) -> dict[str, Any]:
        item = {"type": "object", "required": ["t0", "t1", "anchor", "label"],
                "properties": {"t0": {"type": "number"}, "t1": {"type": "number"}, "anchor": {"type": "string"},
                               "label": {"type": "string", "minLength": 3}}}
        return {"type": "object", "required": ["contacts"],
                "properties": {"contacts": {"type": "array", "items": item, "minItems": 1}}}

    def select(self, anchors: AnchorSet, spec: TaskSpec) -> list[Evidence]:
        contacts = sorted(anchors.of_kind("contact"), key=lambda a: a.t0)
        if not contacts:
            return []
        dur = duration_of(anchors)
        return [Evidence(sources=[anchors.source], anchors=contacts, frames=[round(c.t0, 3) for c in contacts],
                         key="contacts", meta={"variant": "intervals", "duration": dur, "task": task_text(anchors),
                                               "fps": anchors.meta.get("fps")})]

    def prompt(self, ev: Evidence, spec: TaskSpec) -> list[dict[str, Any]]:
        return build_prompt(ev, spec, "List every interval where the gripper touches the object, each with its "
                            "contact anchor id, in time order.", self.draft_schema())

    def rules(self, ev: Evidence, spec: TaskSpec) -> dict[str, Any]:
        return {"contacts": [{"t0": round(a.t0, 3), "t1": round(a.t1, 3), "anchor": a.id,
                              "label": f"gripper in contact with the object from {a.t0:.2f} s to {a.t1:.2f} s "
                                       f"({a.data.get('method', 'observed')})"}
                             for a in ev.anchors if a.kind == "contact"]}

    def check(self, sample: Sample, ev: Evidence) -> list[str]:
        """The question asks for every contact of the episode: a draft naming one of two is wrong, not short."""
        return uncovered(sample, [a for a in ev.anchors if a.kind == "contact"], "contacts",
                         "the answer lists every contact interval of the episode")

    def build(self, draft: dict[str, Any], ev: Evidence, spec: TaskSpec, media: Any) -> Sample:
        errors = validate_draft(draft, self.draft_schema())
        if errors:
            raise DraftError(errors)
        sol, errors = interval_segments(ev, draft["contacts"], "contacts", "label", media,
                                        frames=self.params(spec).frames)
        if errors:
            raise DraftError(errors)
        part = focus_window(ev, [a for a in ev.anchors if a.kind == "contact"], float(ev.meta["duration"]))
        where = (f"Within {part} of the episode (0-{ev.meta['duration']:.2f} s)" if part else
                 f"Over the whole episode (0-{ev.meta['duration']:.2f} s)")  # a focused answer lists only its part
        q = Query(text=f"The robot performs: {ev.meta['task']}. {where}, when is the gripper in contact with the object?")
        if self.params(spec).attach_video and ev.meta.get("duration"):
            q.media += episode_clip(media, ev.source, float(ev.meta["duration"]))
        return Sample(id=evidence_sample_id(self.name, ev), task=self.name, domain="embodied", source=ev.source.id,
                      query=q, solution=sol, evidence=[a.id for a in ev.anchors],
                      meta={"variant": "intervals", "n_contacts": len(draft["contacts"])},
                      provenance=provenance(ev, spec))
