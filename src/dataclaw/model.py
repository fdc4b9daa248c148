"""Core records shared by every stage: sources, anchors, plans, samples.

Kept small and dependency-free (pydantic only) so every other module can import it.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SourceKind = Literal["video", "gui", "robot", "images"]
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


class TaskSpec(BaseModel):
    """One kind of data to make, as chosen by the intent planner."""

    task: str
    domain: str
    instruction: str
    params: dict[str, Any] = Field(default_factory=dict)
    confidence: float = 1.0


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
    focus: Focus | None = None  # what part of the sources the intent is about (None: all of it)


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
