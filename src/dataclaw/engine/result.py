"""What a run takes and gives: `TailorOptions` in, `TailorResult` out, and the `RunTally` every
executor keeps while it writes (counts, timings, skipped and unserved sources, the manifest)."""
from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..export import EXPORTERS, versions
from ..model import Plan


class TailorOptions(BaseModel):
    """How a run goes (everything but what to read, what to make and where to write it)."""

    model_config = ConfigDict(extra="forbid")

    formats: list[str] = Field(default_factory=lambda: ["native"], description="export formats besides native")
    backend_options: dict[str, Any] = Field(default_factory=dict, description="keyword options of the backend")
    experts: list[str] | None = Field(None, description="expert names; None: the default set per source kind")
    expert_params: dict[str, dict[str, Any]] | None = Field(None, description="expert name -> its Params")
    max_samples_per_task: int | None = Field(None, description="accepted samples per task, over all sources")
    max_repairs: int = Field(2, description="repair rounds per sample (model backends)")
    keep_raw: bool = Field(True, description="keep raw model input/output per sample")
    concurrency: int = Field(1, description="generations in flight per task (model backends)")
    resume: bool = Field(True, description="continue an existing dataset folder")
    quiet: bool = Field(False, description="no progress display")
    engine: Literal["local", "ray"] | None = Field(None, description="None: in this process")
    workers: int | None = Field(None, description="sources in parallel (engines)")
    ray_address: str | None = Field(None, description="join this Ray cluster instead of starting one")
    retry_failed: bool = Field(False, description="engines: retry sources an earlier run skipped")
    language: Literal["en", "zh"] | None = Field(None, description="language the samples are written in; None: "
                                                                   "the intent's (quotes keep the source's)")

    def settings(self) -> dict[str, Any]:
        """The manifest's `settings`."""
        return {"max_repairs": self.max_repairs, "keep_raw": self.keep_raw, "concurrency": self.concurrency,
                "max_samples_per_task": self.max_samples_per_task}


@dataclass
class TailorResult:
    out: Path
    plan: Plan | None
    counts: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, Any] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)
    not_served: list[dict[str, str]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)  # {"source", "note"}: what the readers noticed
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["out"] = str(self.out)
        d["plan"] = self.plan.model_dump() if self.plan else None
        return json.loads(json.dumps(d, default=str))


def plan_formats(plan: Plan, formats: list[str]) -> None:
    """A format named in the intent ("... for LLaMA-Factory") is exported too (added to `formats`)."""
    for fmt in plan.formats:
        if fmt in EXPORTERS and fmt not in formats:
            formats.append(fmt)


def plan_language(plan: Plan, language: str | None) -> None:
    """Every task of the plan writes in `language` (the run's option) or, without one, the intent's."""
    for spec in plan.tasks:
        spec.language = language or plan.language or spec.language


def task_cap(*caps: int | None) -> int | None:
    """The smallest of the caps given (a task's `samples`, the run's per-task cap), or None."""
    return min([c for c in caps if isinstance(c, int)], default=None)


class RunTally:
    """Counts, timings and lists one run keeps as it writes, and the manifest they make."""

    def __init__(self, out: Path, n_sources: int, writer: Any) -> None:
        self.writer = writer
        self.result = TailorResult(out=out, plan=None)
        self.counts: dict[str, Any] = {"sources": n_sources, "sources_done": 0, "sources_resumed": 0,
                                       "sources_skipped": 0, "samples": 0, "rejected": 0, "resumed_samples": 0,
                                       "per_task": {}}
        self.timings: dict[str, float] = {"load": 0.0, "anchors": 0.0, "synthesis": 0.0}
        self.source_info: list[dict[str, Any]] = []

    def per_task(self, task: str) -> dict[str, int]:
        return self.counts["per_task"].setdefault(task, {"accepted": 0, "rejected": 0})

    def skip(self, path: str, reason: str, step: str) -> None:
        self.writer.skip_source(path, reason, step)
        self.result.skipped.append({"path": path, "reason": reason, "step": step})
        self.counts["sources_skipped"] += 1

    def finish_source(self, stats: Any) -> None:
        """A source's step is over and its samples are written: resume markers, then counts."""
        self.timings["anchors"] += stats.anchors_s
        self.timings["synthesis"] += stats.synthesis_s
        self.result.not_served += stats.not_served
        self.result.notes += [{"source": stats.source.path, "note": n} for n in getattr(stats, "notes", [])]
        # only now that its samples are written: a kill before this line redoes the task, skipping ids
        self.writer.mark_tasks_done(stats.source.id, stats.finished_tasks())
        if stats.skip is not None:
            self.skip(stats.source.path, stats.skip, stats.step)
            return
        info = stats.info()
        self.writer.mark_source_done(stats.source.id, info)
        self.source_info.append(info)
        self.counts["sources_done"] += 1

    def manifest(self, intent: str | None, plan: Plan | None, backend: dict[str, Any], formats: list[str],
                 options: TailorOptions, t_total: float, **extra: Any) -> dict[str, Any]:
        self.timings["total"] = t_total
        return {
            "intent": intent if intent is not None else (plan.intent if plan else None),
            "plan": plan.model_dump() if plan else None,
            **({"plans": extra.pop("plans")} if "plans" in extra else {}),
            "backend": backend,
            "formats": formats,
            "experts": options.experts,
            "versions": versions(),
            "sources": {i["id"]: i for i in self.source_info},
            "skipped": self.result.skipped,
            "not_served": self.result.not_served,
            "run_counts": self.counts,  # this run; the writer counts the whole folder under "counts"
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            **extra,
            "settings": options.settings(),
        }

    def done(self) -> TailorResult:
        self.result.counts = self.counts
        self.result.timings = {k: round(v, 3) for k, v in self.timings.items()}
        return self.result


def progress_bar(quiet: bool) -> Any:
    """A rich progress display on stderr (a no-op context with `quiet`)."""
    if quiet:
        return nullcontext(None)
    from rich.console import Console  # noqa: PLC0415 - rich only when something is shown
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True)
