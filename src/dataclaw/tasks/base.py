"""The task contract: what one kind of sample looks like and how it is made from anchors.

A task turns (anchors of one or more sources, a TaskSpec) into drafts and drafts into Samples:

    select(anchors, spec)      -> [Evidence]      one bundle per sample to make
    prompt(evidence, spec)     -> chat messages   for a model backend (anchors citable by id)
    rules(evidence, spec)      -> draft dict      deterministic, anchors only (the default backend)
    build(draft, evidence, spec, media) -> Sample  validates the draft, writes its media

A *draft* is the JSON a backend writes; `draft_schema()` is its JSON Schema. `rules()` and a model
backend produce the same shape, so the same `build` and the same verifier handle both.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from ..model import Anchor, AnchorSet, Sample, Source, TaskSpec


class NoTaskParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass
class Evidence:
    """What one sample may draw on: selected anchors (citable by id) and frame times to show."""

    sources: list[Source]
    anchors: list[Anchor]
    frames: list[float] = field(default_factory=list)  # times (s) on sources[0] of frames to show a model
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. video duration, fps, focus span, variant
    key: str = ""  # stable id of this bundle within the source (for resume and sample ids)

    @property
    def source(self) -> Source:
        return self.sources[0]

    def anchor(self, anchor_id: str) -> Anchor | None:
        for a in self.anchors:
            if a.id == anchor_id:
                return a
        return None


class Task:
    """Everything about one kind of sample: what the planner knows of it (description, examples,
    keywords, rewrite, domains, source kinds, needs), its params, its schema and how it is made."""

    name: ClassVar[str]
    domains: ClassVar[tuple[str, ...]]  # domains it serves; the first is the default
    source_kinds: ClassVar[tuple[str, ...]] = ("video",)
    needs: ClassVar[tuple[str, ...]] = ()  # anchor kinds that must be present to serve it
    # source kinds this task serves only when an intent asks for it: a plain video is gameplay or a
    # drive only if the user says so, so the corpus builder never makes it from any video by default
    asked_only: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""
    examples: ClassVar[tuple[str, ...]] = ()  # intent phrasings, used by the planner
    keywords: ClassVar[tuple[str, ...]] = ()  # regexes on the lower-cased intent that name this task (planner)
    # Chinese words that name this task (whole jieba tokens of the intent, see lang.py) and Chinese
    # intent phrasings (the planner scores a Chinese intent by its word overlap with them)
    keywords_zh: ClassVar[tuple[str, ...]] = ()
    examples_zh: ClassVar[tuple[str, ...]] = ()
    rewrite: ClassVar[str] = ""  # the synthesis-ready instruction the planner writes into a TaskSpec
    Params: ClassVar[type[BaseModel]] = NoTaskParams
    ordered: ClassVar[bool] = False  # solution steps must follow the source's time order (verify checks it)
    budget: ClassVar[dict[str, Any]] = {}  # efficiency budget overrides (see docs/formats.md, "Scores")
    # how the intent's focus narrows this task (dataclaw.focus): "restrict" = select from the focused
    # part's anchors only; "filter" = select from all, keep bundles inside the focus (evidence that needs
    # context outside the part); None = focus.FILTER_TASKS decides. A task may also define
    # `focus_select(anchorset, spec, match) -> list[Evidence]` for handling of its own.
    focus_mode: ClassVar[str | None] = None
    # its bundles are fixed windows (frames a horizon ahead): a window is on focus when a focused moment
    # ("the player shoots": a 0.1 s ATTACK) happens inside it, though the moment fills little of it
    focus_holds: ClassVar[bool] = False

    def params(self, spec: TaskSpec) -> BaseModel:
        return self.Params(**spec.params)

    def can_serve(self, source_kind: str, anchor_kinds: set[str]) -> str | None:
        """None if this task can be made from such a source, else the reason it cannot."""
        if source_kind not in self.source_kinds:
            return f"task {self.name!r} needs a {' or '.join(self.source_kinds)} source, not {source_kind!r}"
        missing = [k for k in self.needs if k not in anchor_kinds]
        if missing:
            return f"task {self.name!r} needs anchors of kind {', '.join(missing)}, which this source lacks"
        return None

    def serves_unasked(self, source_kind: str) -> bool:
        """Whether the task may be made from such a source when no intent names it (corpus building)."""
        return source_kind not in self.asked_only

    def draft_schema(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def select(self, anchors: AnchorSet | list[AnchorSet], spec: TaskSpec) -> list[Evidence]:  # pragma: no cover
        """`anchors` is an AnchorSet (or a list of them for multi-source tasks)."""
        raise NotImplementedError

    def prompt(self, ev: Evidence, spec: TaskSpec) -> list[dict[str, Any]]:  # pragma: no cover
        raise NotImplementedError

    def narrow(self, schema: dict[str, Any], ev: Evidence) -> dict[str, Any]:
        """The evidence-grounded decoding schema (`shared.common.ground_schema`), narrowed further
        where this task's answer must copy a value of the evidence (a schema-enforcing decoder then
        writes it as given). Only decoding sees it: drafts are still validated and verified as before."""
        return schema

    def rules(self, ev: Evidence, spec: TaskSpec) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def build(self, draft: dict[str, Any], ev: Evidence, spec: TaskSpec, media: Any) -> Sample:  # pragma: no cover
        raise NotImplementedError

    def check(self, sample: Sample, ev: Evidence) -> list[str]:
        """Task-specific verification errors (the verifier's generic checks run as well)."""
        return []


TASKS: dict[str, type[Task]] = {}

# Every task type the planner knows, with its module; tasks not built yet are known by name so the
# planner can say so instead of failing.
TASK_MODULES = {
    "tutorial": "tutorial", "temporal_qa": "temporal_qa", "t2v": "t2v",
    "gui_trajectory": "gui_trajectory", "gui_stitch": "gui_stitch", "gui_grounding": "gui_grounding",
    "world_model": "world_model", "contact": "contact", "segmentation": "segmentation", "recovery": "recovery",
    "game_frames": "game_frames", "edit_pair": "edit_pair", "driving_plan": "driving_plan",
}


def register_task(cls: type[Task]) -> type[Task]:
    TASKS[cls.name] = cls
    return cls
