"""The one step of a run: a source's anchors, then every task the plan names through the agent loop,
each result handed to a `Sink`, and typed stats back.

    Source --extract--> AnchorSet --synthesize (tasks -> agent)--> Sink.add / Sink.reject
                                                                   -> SourceStats

Every executor runs this same step and only schedules it: `tailor()` in this process with the
DatasetWriter as the sink; the local and Ray engines in workers with an `OutcomeSink` (engine/work.py),
whose record the driver writes. Resume markers are the executor's: it marks a task done only once
the task's samples are written (`RunTally.finish_source`).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel, Field

from ..agent import arun_task, iter_task
from ..anchors import run_experts
from ..backends.base import Backend
from ..errors import ConfigError, SourceError
from ..model import AnchorSet, Plan, Rejection, Sample, Source, TaskSpec
from ..tasks import Task, check_plan, get_task
from .result import TailorOptions, task_cap

log = logging.getLogger(__name__)


class Sink(Protocol):
    """Where a step's results go: the dataset writer, or a worker's record of them."""

    @property
    def media(self) -> Any: ...  # a MediaStore: keyframes and clips are written where they belong

    def add(self, sample: Sample) -> bool: ...

    def reject(self, rejection: Rejection) -> None: ...

    def add_anchors(self, anchorset: AnchorSet) -> None: ...


class TaskStats(BaseModel):
    """One planned task on one source."""

    served: bool = True
    resumed: bool = False  # finished by an earlier run
    capped: bool = False  # the run's per-task cap was already reached: not tried
    reason: str | None = None  # why it cannot be served
    error: str | None = None  # why it stopped part way
    focus: str | None = None  # the plan's focus matched nothing here (said, not counted as a rejection)
    accepted: int = 0
    rejected: int = 0

    def info(self) -> dict[str, Any]:
        if self.resumed:
            return {"served": True, "resumed": True}
        if not self.served:
            return {"served": False, "reason": self.reason}
        return {"served": True, "accepted": self.accepted, "rejected": self.rejected,
                **({"error": self.error} if self.error else {}), **({"focus": self.focus} if self.focus else {})}


class SourceStats(BaseModel):
    """What one step did on one source (JSON-able: it crosses process and Ray boundaries)."""

    source: Source
    anchors: int = 0
    expert_errors: dict[str, str] = Field(default_factory=dict)
    expert_timings: dict[str, float] = Field(default_factory=dict)
    tasks: dict[str, TaskStats] = Field(default_factory=dict)
    not_served: list[dict[str, str]] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # what the reader noticed (a declared fps the timestamps refute, ...)
    skip: str | None = None  # why the source was skipped (then `step` says where)
    step: str = ""
    anchors_s: float = 0.0
    synthesis_s: float = 0.0

    def info(self) -> dict[str, Any]:
        """The manifest's entry for this source."""
        s = self.source
        return {"id": s.id, "path": s.path, "kind": s.kind, "anchors": self.anchors,
                "expert_errors": self.expert_errors, "expert_timings": self.expert_timings,
                "tasks": {name: t.info() for name, t in self.tasks.items() if not t.capped},
                **({"notes": self.notes} if self.notes else {})}

    def finished_tasks(self) -> list[str]:
        """Tasks whose samples are all made (resume skips them next time)."""
        return [n for n, t in self.tasks.items() if not (t.resumed or t.capped or t.error)]


def plan_tasks(plan: Plan) -> tuple[dict[str, Task], list[dict[str, str]]]:
    """The plan's tasks that this build has, and a not-served row for each it lacks (ConfigError when
    a task's params are not its Params)."""
    check_plan(plan)
    tasks: dict[str, Task] = {}
    missing: list[dict[str, str]] = []
    for spec in plan.tasks:
        try:
            tasks[spec.task] = get_task(spec.task)
        except ConfigError as exc:
            missing.append({"source": "*", "task": spec.task, "reason": str(exc)})
    return tasks, missing


def extract(src: Source, options: TailorOptions, stats: SourceStats,
            progress: Callable[[str], None] | None = None) -> AnchorSet | None:
    """The source's anchors, or None with `stats.skip` saying why (never raises); `progress` is told
    "anchors: <expert>" as each expert starts."""
    t = time.perf_counter()
    per_expert = (lambda name: progress(f"anchors: {name}")) if progress else None
    try:
        aset = run_experts(src, options.experts, options.expert_params, progress=per_expert)
    except SourceError as exc:
        stats.skip, stats.step = exc.reason, exc.step
        return None
    except Exception as exc:  # noqa: BLE001 - a source that breaks an expert is skipped, the batch goes on
        log.debug("anchors failed", exc_info=True)
        stats.skip, stats.step = f"{type(exc).__name__}: {exc}", "anchors"
        return None
    finally:
        stats.anchors_s += time.perf_counter() - t
    if not aset.anchors:
        why = "; ".join(f"{k}: {v}" for k, v in aset.errors.items()) or "the experts found nothing"
        stats.skip, stats.step = f"no anchors ({why})", "anchors"
        return None
    stats.anchors, stats.expert_errors, stats.expert_timings = len(aset.anchors), aset.errors, aset.timings
    stats.notes = [str(n) for n in (aset.meta or {}).get("notes") or []]
    return aset


def synthesize(aset: AnchorSet, plan: Plan, tasks: dict[str, Task], backend: Backend, sink: Sink,
               options: TailorOptions, stats: SourceStats, *, done_ids: set[str], finished: set[str],
               accepted: dict[str, int], progress: Callable[[str], None] | None = None) -> SourceStats:
    """Every planned task on one source's anchors into `sink`.

    `done_ids` (sample ids already written; accepted ones are added), `finished` (tasks an earlier run
    finished for this source) and `accepted` (accepted samples per task so far, for the cap) are the
    resume state the executor hands in.
    """
    src = aset.source
    sink.add_anchors(aset)
    kinds = {a.kind for a in aset.anchors}
    t = time.perf_counter()
    try:
        for spec in plan.tasks:
            task = tasks.get(spec.task)
            if task is None:
                continue
            if spec.task in finished:
                stats.tasks[spec.task] = TaskStats(resumed=True)
                continue
            why = task.can_serve(src.kind, kinds)
            if not why and plan.fuzzy and src.kind in task.asked_only:
                # a fuzzy intent's candidate: "只要五个问题" on a lecture made driving plans ("what should the
                # car do next?") from its slides; a plain video is a drive or gameplay only when the user says so
                why = (f"task {spec.task!r} is made from a plain {src.kind} only when the intent asks for it; "
                       f"this one names no kind of data (a candidate of a fuzzy plan)")
            if why:
                stats.not_served.append({"source": src.path, "task": spec.task, "reason": why})
                stats.tasks[spec.task] = TaskStats(served=False, reason=why)
                continue
            ts = stats.tasks[spec.task] = TaskStats()
            cap = task_cap(spec.samples, options.max_samples_per_task)
            remaining = None if cap is None else max(0, cap - accepted.get(spec.task, 0))
            if remaining == 0:
                ts.capped = True
                continue
            if progress:
                progress(spec.task)

            results = [0]

            def record(res: Sample | Rejection, task_name: str = spec.task, ts: TaskStats = ts) -> None:
                results[0] += 1
                if isinstance(res, Rejection) and res.sample_id is None and res.reasons[0].startswith("focus: "):
                    # the focus matched nothing here: said in the manifest, not counted as a bad sample
                    stats.not_served.append({"source": src.path, "task": task_name, "reason": res.reasons[0]})
                    ts.focus = res.reasons[0]
                    return
                if isinstance(res, Sample):
                    sink.add(res)
                    done_ids.add(res.id)
                    accepted[task_name] = accepted.get(task_name, 0) + 1
                    ts.accepted += 1
                    if progress:
                        progress(f"{task_name}: {ts.accepted} accepted")
                else:
                    sink.reject(res)
                    ts.rejected += 1

            try:
                if options.concurrency > 1:
                    asyncio.run(arun_task(task, spec, aset, backend, sink.media, max_repairs=options.max_repairs,
                                          keep_raw=options.keep_raw, skip_ids=done_ids, max_samples=remaining,
                                          concurrency=options.concurrency, on_result=record, focus=plan.focus))
                else:
                    for res in iter_task(task, spec, aset, backend, sink.media, max_repairs=options.max_repairs,
                                         keep_raw=options.keep_raw, skip_ids=done_ids, max_samples=remaining,
                                         focus=plan.focus):
                        record(res)
            except Exception as exc:  # noqa: BLE001 - e.g. the disk filled; keep what is written, say why
                log.debug("task failed", exc_info=True)
                ts.error = f"{type(exc).__name__}: {exc}"
                stats.skip, stats.step = f"task {spec.task}: {ts.error}", "synthesis"
                break
            if not results[0] and not _has_material(task, spec, aset):  # no result at all, and not resumed work
                why = f"task {spec.task!r} found nothing in this source to make a sample from ({source_length(aset)})"
                stats.not_served.append({"source": src.path, "task": spec.task, "reason": why})
                stats.tasks[spec.task] = TaskStats(served=False, reason=why)
    finally:
        stats.synthesis_s += time.perf_counter() - t
    return stats


def _has_material(task: Task, spec: TaskSpec, aset: AnchorSet) -> bool:
    """Whether the task selects any evidence here (a task that yielded nothing either had none, or had
    only bundles an earlier run already made)."""
    try:
        return bool(task.select(aset, spec))
    except Exception:  # noqa: BLE001 - a select that fails is reported by iter_task as a rejection
        return True


def source_length(aset: AnchorSet) -> str:
    """'1 frame, 0.10 s long' (or what the reader's meta says), for reasons that a length explains."""
    meta = aset.meta or {}
    parts = []
    n = meta.get("n_frames") or meta.get("frames") or meta.get("n_steps")
    if isinstance(n, (int, float)) and n >= 0:
        parts.append(f"{int(n)} frame{'s' if int(n) != 1 else ''}")
    dur = meta.get("duration")
    if isinstance(dur, (int, float)):
        parts.append(f"{dur:.2f} s long")
    kinds = sorted({a.kind for a in aset.anchors})
    return "the source is " + ", ".join(parts) + f"; anchors: {', '.join(kinds)}" if parts else \
        f"anchors: {', '.join(kinds)}"


def run_source(src: Source, plan: Plan, tasks: dict[str, Task], backend: Backend, sink: Sink,
               options: TailorOptions, *, done_ids: set[str], finished: set[str], accepted: dict[str, int],
               progress: Callable[[str], None] | None = None) -> SourceStats:
    """The whole step on one source: `extract`, then `synthesize` (stats say when it was skipped)."""
    stats = SourceStats(source=src)
    if progress:
        progress("anchors")
    aset = extract(src, options, stats, progress)
    if aset is None:
        return stats
    return synthesize(aset, plan, tasks, backend, sink, options, stats, done_ids=done_ids, finished=finished,
                      accepted=accepted, progress=progress)
