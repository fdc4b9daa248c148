"""`segmentation` (embodied): an episode split into sub-task segments with language descriptions.

One sample per episode: each motion phase anchor (reach, grasp, transport, place, retreat) becomes
a span with a sentence that names the sub-task in terms of the episode's instruction, plus the
frame at its middle. These are the language annotations the LeRobot export writes per frame.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from ..model import AnchorSet, Query, Sample, TaskSpec
from .base import Evidence, Task, register_task
from .shared.common import (
    DraftError, build_prompt, duration_of, evidence_sample_id, provenance, validate_draft,
)
from .shared.robot_common import episode_clip, focus_window, interval_segments, phases, task_text, uncovered


class SegmentationParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    frames: bool = True
    min_segment: float = 0.2  # shorter phases are left out
    attach_video: bool = True  # the query carries the episode as a clip (what the question is about)


ORDINALS = ("", " again", " a third time", " a fourth time")


def describe(phase: str, text: str, task: str, nth: int = 0) -> str:
    """One sentence per segment; a phase that comes back (a retry) says so, so no two steps read the same."""
    again = ORDINALS[nth] if nth < len(ORDINALS) else f" (time {nth + 1})"
    return f"{phase.capitalize()}: {text}{again} (part of: {task})."


@register_task
class SegmentationTask(Task):
    name = "segmentation"
    domains = ("embodied",)
    source_kinds = ("robot",)
    needs = ("phase",)
    ordered = True
    description = "Sub-task segments of a robot episode with language descriptions (language annotations)."
    examples = ("segment the demonstrations into sub-tasks", "language annotations for robot episodes",
                "split each episode into steps", "segment robot episodes into subtasks",
                "label the phases of each manipulation")
    keywords = (r"segment", r"sub[- ]?tasks?", r"phases?", r"sub[- ]?steps?",
                r"(split|break|divide|cut)s?\b[^.]*\b(demonstrations?|episodes?|trajector(y|ies)|motions?)\b")
    keywords_zh = ('分段', '子任务', '阶段', '切分', '语言标注', '分解', '拆分', '子步骤', '环节')
    examples_zh = ('把机器人演示分成子任务', '标注操作的各个阶段', '把动作拆成几个部分')
    rewrite = "Split each episode into labelled subtask phases with start and end times."
    Params = SegmentationParams

    def draft_schema(self) -> dict[str, Any]:
        item = {"type": "object", "required": ["t0", "t1", "anchor", "text"],
                "properties": {"t0": {"type": "number"}, "t1": {"type": "number"}, "anchor": {"type": "string"},
                               "text": {"type": "string", "minLength": 5}}}
        return {"type": "object", "required": ["segments"],
                "properties": {"segments": {"type": "array", "items": item, "minItems": 1}}}

    def select(self, anchors: AnchorSet, spec: TaskSpec) -> list[Evidence]:
        p = self.params(spec)
        ph = [a for a in phases(anchors) if a.t1 - a.t0 >= p.min_segment]
        if not ph:
            return []
        return [Evidence(sources=[anchors.source], anchors=ph, frames=[round((a.t0 + a.t1) / 2, 3) for a in ph],
                         key="segments", meta={"variant": "phases", "duration": duration_of(anchors),
                                               "task": task_text(anchors)})]

    def prompt(self, ev: Evidence, spec: TaskSpec) -> list[dict[str, Any]]:
        return build_prompt(ev, spec, f"Split the episode ('{ev.meta['task']}') into sub-task segments, one per "
                            "phase anchor, each with a one-sentence description.", self.draft_schema())

    def rules(self, ev: Evidence, spec: TaskSpec) -> dict[str, Any]:
        seen: dict[str, int] = {}
        segs = []
        for a in ev.anchors:
            nth = seen.get(a.data["phase"], 0)
            seen[a.data["phase"]] = nth + 1
            segs.append({"t0": round(a.t0, 3), "t1": round(a.t1, 3), "anchor": a.id,
                         "text": describe(a.data["phase"], a.data.get("text", ""), ev.meta["task"], nth)})
        return {"segments": segs}

    def check(self, sample: Sample, ev: Evidence) -> list[str]:
        """A segmentation covers its episode (a model's one-span draft of a five-phase episode was grounded, and accepted)."""
        return uncovered(sample, ev.anchors, "segments", "a segmentation covers every phase of the episode")

    def build(self, draft: dict[str, Any], ev: Evidence, spec: TaskSpec, media: Any) -> Sample:
        errors = validate_draft(draft, self.draft_schema())
        if errors:
            raise DraftError(errors)
        sol, errors = interval_segments(ev, draft["segments"], "segments", "text", media,
                                        frames=self.params(spec).frames, frame_at="middle")
        if errors:
            raise DraftError(errors)
        part = focus_window(ev, ev.anchors, float(ev.meta["duration"]))
        # a focused segmentation answers for the part asked about: the question says which, or it teaches
        # "segment the episode" -> one phase
        where = f"the part {part} of this robot episode" if part else "this robot episode"
        q = Query(text=f"Segment {where} ('{ev.meta['task']}', 0-{ev.meta['duration']:.2f} s) into "
                       "sub-tasks and describe each.")
        if self.params(spec).attach_video and ev.meta.get("duration"):
            q.media += episode_clip(media, ev.source, float(ev.meta["duration"]))
        return Sample(id=evidence_sample_id(self.name, ev), task=self.name, domain="embodied", source=ev.source.id,
                      query=q, solution=sol, evidence=[a.id for a in ev.anchors],
                      meta={"variant": "phases", "n_segments": len(draft["segments"])}, provenance=provenance(ev, spec))
