"""Core records shared by every stage: sources, anchors, plans, samples.

Kept small and dependency-free (pydantic only) so every other module can import it.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SourceKind = Literal["video", "gui", "robot", "images", "game"]
SegmentType = Literal["text", "image", "clip", "span", "action"]
DOMAINS = ("daily_life", "education", "embodied", "gui", "aigc")


class Source(BaseModel):
    """A raw input. `id` is a content hash, so renaming a file keeps its cache."""

    model_config = ConfigDict(frozen=True)

    id: str
    path: str
    kind: SourceKind
    meta: dict[str, Any] = Field(default_factory=dict)


class Anchor(BaseModel):
    """A verifiable fact extracted by a deterministic expert.

    Times are seconds on the source's own timeline; point events have t0 == t1.
    """

    id: str = ""
    source: str = ""
    kind: str
    t0: float
    t1: float
    data: dict[str, Any] = Field(default_factory=dict)
    expert: str = ""
    confidence: float = 1.0

    def model_post_init(self, _ctx: Any) -> None:
        if not self.id:
            self.id = anchor_id(self.source, self.kind, self.t0, self.t1, self.data)

    @property
    def duration(self) -> float:
        return self.t1 - self.t0


def anchor_id(source: str, kind: str, t0: float, t1: float, data: dict[str, Any]) -> str:
    """Stable short id: same fact -> same id across runs, so samples can cite it."""
    key = json.dumps([source, kind, round(t0, 3), round(t1, 3), data], sort_keys=True, default=str)
    return f"{kind}-{hashlib.sha1(key.encode()).hexdigest()[:10]}"


@dataclass
class AnchorSet:
    """All anchors of one source, plus what went wrong per expert and how long each took.

    `to_json` / `from_json` are the one way it crosses a file or a process boundary (the dataset
    folder's anchors/<id>.json, engine workers, training corpora, benchmark truth).
    """

    source: Source
    anchors: list[Anchor] = field(default_factory=list)
    by_expert: dict[str, list[Anchor]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    cached: dict[str, bool] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[Anchor]:
        return [a for a in self.anchors if a.kind in kinds]

    def get(self, anchor_id: str) -> Anchor | None:
        return self._index().get(anchor_id)

    def _index(self) -> dict[str, Anchor]:
        if not hasattr(self, "_idx") or len(self._idx) != len(self.anchors):
            self._idx = {a.id: a for a in self.anchors}
        return self._idx

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source.model_dump(),
            "meta": self.meta,
            "errors": self.errors,
            "timings": self.timings,
            "anchors": [a.model_dump() for a in self.anchors],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "AnchorSet":
        """The AnchorSet `to_json` wrote (anchors regrouped by expert)."""
        anchors = [a if isinstance(a, Anchor) else Anchor(**a) for a in d.get("anchors") or []]
        by_expert: dict[str, list[Anchor]] = {}
        for a in anchors:
            by_expert.setdefault(a.expert, []).append(a)
        src = d["source"]
        return cls(source=src if isinstance(src, Source) else Source(**src), anchors=anchors, by_expert=by_expert,
                   errors=dict(d.get("errors") or {}), timings=dict(d.get("timings") or {}),
                   meta=dict(d.get("meta") or {}))


RUN_LIMITS = ("samples", "max_attempts")  # TaskSpec fields that older plans kept inside `params`


class TaskSpec(BaseModel):
    """One kind of data to make, as chosen by the intent planner.

    `params` are the task's own parameters (validated against the task's `Params`, no extras); how many
    samples to make and how many bundles to try are run limits with fields of their own.
    """

    task: str
    domain: str
    instruction: str
    params: dict[str, Any] = Field(default_factory=dict)
    samples: int | None = None  # accepted samples of this task at most, over the run
    max_attempts: int | None = None  # evidence bundles tried at most, accepted or not (a model-cost cap)
    confidence: float = 1.0
    language: str = "en"  # what language the sample's own words are in (quotes keep the source's); see lang.py

    @model_validator(mode="before")
    @classmethod
    def _limits_out_of_params(cls, data: Any) -> Any:
        """A spec written with its limits inside `params` (older recipes, older callers) reads the same."""
        if isinstance(data, dict) and isinstance(data.get("params"), dict) and set(RUN_LIMITS) & set(data["params"]):
            data, params = dict(data), dict(data["params"])
            for key in RUN_LIMITS:
                if key in params:
                    value = params.pop(key)
                    if data.get(key) is None:
                        data[key] = value
            data["params"] = params
        return data


class FocusReading(BaseModel):
    """One way to read what the intent is about: the words to look for and what kind of thing they are."""

    model_config = ConfigDict(extra="forbid")

    text: str  # the words as the user wrote them ("the part where they check the answer")
    terms: str  # what to match against the anchors ("check the answer")
    kind: Literal["topic", "object", "person", "ui", "robot"] = "topic"
    weight: float = 1.0  # rank among the readings (they sum to 1 when there are several)


class FocusTime(BaseModel):
    """A time constraint: absolute seconds (negative = from the end), or before / after an event."""

    model_config = ConfigDict(extra="forbid")

    text: str = ""
    t0: float | None = None
    t1: float | None = None
    after: str | None = None  # "cut", "transition", ...: after the `nth` such event
    before: str | None = None
    nth: int = 1  # which event (1 = the first, -1 = the last)
    unit: Literal["s", "fraction"] = "s"  # fraction: t0/t1 are shares of the duration ("the first half")


class Focus(BaseModel):
    """Which part of the sources the intent asks about, plus how many, how hard, for whom and in
    what style. Made by `dataclaw.focus.parse_focus`; empty when the intent names no part."""

    model_config = ConfigDict(extra="forbid")

    readings: list[FocusReading] = Field(default_factory=list)  # ranked; the first that matches is used
    time: FocusTime | None = None
    position: str | None = None  # left / right / middle / top / bottom (a person or object)
    failures: bool = False  # only failed attempts, faults, mistakes
    single: bool = False  # "the part where ...": one part, not every mention
    count: int | None = None
    difficulty: str | None = None  # easy / medium / hard
    audience: str | None = None
    style: list[str] = Field(default_factory=list)
    language: str | None = None  # of the output, when the intent asks for one
    fuzzy: bool = False  # several readings kept
    method: str = "rules"  # rules | model

    @property
    def selects(self) -> bool:
        """Whether this focus narrows the evidence (count, difficulty, audience and style do not)."""
        return bool(self.readings or self.time or self.failures or self.position)


class Plan(BaseModel):
    intent: str
    tasks: list[TaskSpec]
    fuzzy: bool = False
    notes: list[str] = Field(default_factory=list)
    formats: list[str] = Field(default_factory=list)  # export formats the intent names ("... for LLaMA-Factory")
    focus: Focus | None = None  # what part of the sources the intent is about (None: all of it)
    language: str = "en"  # the intent's language (lang.detect_language): the samples' default language

    @model_validator(mode="before")
    @classmethod
    def _formats_out_of_params(cls, data: Any) -> Any:
        """Older plans kept a named format in each task's `params["format"]`."""
        if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
            return data
        if not any(isinstance(t, dict) and isinstance(t.get("params"), dict) and "format" in t["params"]
                   for t in data["tasks"]):
            return data
        data, formats, tasks = dict(data), list(data.get("formats") or []), []
        for t in data["tasks"]:
            if isinstance(t, dict) and isinstance(t.get("params"), dict) and "format" in t["params"]:
                params = dict(t["params"])
                fmt = params.pop("format")
                if fmt and fmt not in formats:
                    formats.append(fmt)
                t = {**t, "params": params}
            tasks.append(t)
        data["tasks"], data["formats"] = tasks, formats
        return data


def _json_dict(v: Any) -> Any:
    return json.loads(v) if isinstance(v, str) and (v.lstrip().startswith("{") or v.strip() == "null") else v


def _action_of(v: Any) -> Any:
    """The stored action object (typed fields + `extra_json`, see export/native.py) back to the dict it
    was; older folders stored the whole action as JSON text."""
    v = _json_dict(v)
    if isinstance(v, dict) and "extra_json" in v:
        extra = v.get("extra_json")
        out = {k: x for k, x in v.items() if k != "extra_json" and x is not None}
        out.update(json.loads(extra) if isinstance(extra, str) and extra else {})
        return out
    return v


class Segment(BaseModel):
    """One typed item of a solution. Media paths are relative to the dataset folder."""

    type: SegmentType
    text: str | None = None
    path: str | None = None
    t0: float | None = None
    t1: float | None = None
    action: dict[str, Any] | None = None
    anchors: list[str] = Field(default_factory=list)

    # samples.jsonl stores actions as typed objects (one Arrow type across tasks)
    _decode_action = field_validator("action", mode="before")(lambda v: _action_of(v))


class Query(BaseModel):
    text: str
    media: list[Segment] = Field(default_factory=list)


class Scores(BaseModel):
    format: float = 0.0
    grounding: float = 0.0
    efficiency: float = 0.0

    @property
    def overall(self) -> float:
        return (self.format + self.grounding + self.efficiency) / 3


class Sample(BaseModel):
    id: str
    task: str
    domain: str
    source: str
    query: Query
    solution: list[Segment]
    evidence: list[str] = Field(default_factory=list)
    scores: Scores = Field(default_factory=Scores)
    meta: dict[str, Any] = Field(default_factory=dict)
    provenance: dict[str, Any] = Field(default_factory=dict)

    _decode_dicts = field_validator("meta", "provenance", mode="before")(lambda v: _json_dict(v))


class Rejection(BaseModel):
    """A draft that failed verification (or could not be made), with why."""

    source: str
    task: str
    reasons: list[str]
    draft: dict[str, Any] | None = None
    sample_id: str | None = None
    attempts: int = 0  # generations tried (1 + repair rounds)
    raw: list[dict[str, Any]] | None = None  # raw model input/output per round (when kept)
    usage: dict[str, Any] | None = None


class SkippedSource(BaseModel):
    path: str
    reason: str
    step: str = ""
