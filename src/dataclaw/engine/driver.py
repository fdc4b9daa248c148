"""The engines' shared driver: expand inputs, open and plan every source, hand the unfinished ones
to an executor (local processes or Ray), and write each Outcome into the dataset folder in input order.

Resume: a source with a completion marker is not redone; inside an unfinished source, samples already
in samples.jsonl are skipped by id (and the writer drops duplicates), so a kill -9 at any point followed
by a rerun loses nothing and duplicates nothing. Sources skipped by an earlier run stay skipped unless
`retry_failed`.
"""
from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..errors import ConfigError, SourceError
from ..model import Plan, Rejection, Sample, Source
from .inputs import SourceJob, list_sources
from .work import RunConfig

log = logging.getLogger(__name__)

# An executor takes [(source dict, plan dict, skip ids, finished tasks)] and yields Outcomes in the same order.
Executor = Callable[[list[tuple[dict, dict, list[str], list[str]]], RunConfig], Iterator[dict[str, Any]]]


class _AnchorsView:
    """What DatasetWriter.add_anchors reads (source.id, to_json()) over an Outcome's anchor JSON."""

    def __init__(self, d: dict[str, Any]) -> None:
        self._d = d
        self.source = Source(**d["source"])

    def to_json(self) -> dict[str, Any]:
        return self._d


def _open(job: SourceJob) -> Source | tuple[str, str]:
    from ..sources import load_source  # noqa: PLC0415

    try:
        return load_source(job.path)
    except SourceError as exc:
        return exc.reason + (f" ({exc.hint})" if exc.hint else ""), exc.step
    except Exception as exc:  # noqa: BLE001 - one bad file never stops the batch
        return f"{type(exc).__name__}: {exc}", "open"


def run(
    inputs: str | Path | Iterable[str | Path],
    intent: str | None = None,
    backend: Any = "rules",
    out: str | Path = "out/",
    formats: Iterable[str] = ("native",),
    experts: list[str] | None = None,
    recipe: str | Path | Plan | dict | None = None,
    max_samples_per_task: int | None = None,
    backend_options: dict[str, Any] | None = None,
    quiet: bool = False,
    *,
    plan: Plan | None = None,
    expert_params: dict[str, dict[str, Any]] | None = None,
    max_repairs: int = 2,
    keep_raw: bool = True,
    concurrency: int = 1,
    resume: bool = True,
    engine: str = "local",
    workers: int | None = None,
    ray_address: str | None = None,
    retry_failed: bool = False,
    shard_size: int | None = None,
) -> Any:
    """`tailor()` over many sources with a parallel, resumable engine; returns a TailorResult."""
    from ..export import EXPORTERS, DatasetWriter, read_rows  # noqa: PLC0415
    from ..intent import plan_intent  # noqa: PLC0415
    from ..pipeline import TailorResult, _progress, _tasks_done, _versions, load_plan  # noqa: PLC0415

    if engine not in ("local", "ray"):
        raise ConfigError(f"unknown engine {engine!r}; known: local, ray")
    if not isinstance(backend, str):
        raise ConfigError("the parallel engines need a backend by name (rules, openai, hf), not an object")
    t_start = time.perf_counter()
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    jobs = list_sources(inputs)
    workers = max(1, int(workers or min(2, os.cpu_count() or 1)))
    formats = list(formats or ["native"])
    out = Path(out)
    base_plan = plan if plan is not None else (load_plan(recipe) if recipe is not None else None)
    if base_plan is None and not (intent and intent.strip()) and not all(j.intent or j.recipe for j in jobs):
        raise ConfigError("tailor needs an intent (or a recipe / plan, or one per source in the manifest)")
    cfg = RunConfig(out=str(out.resolve()), backend=backend, backend_options=dict(backend_options or {}),
                    experts=experts, expert_params=expert_params, max_repairs=max_repairs, keep_raw=keep_raw,
                    concurrency=concurrency, cap=max_samples_per_task)
    writer = DatasetWriter(out, resume=resume)
    result = TailorResult(out=out, plan=None)
    counts: dict[str, Any] = {"sources": len(jobs), "sources_done": 0, "sources_resumed": 0, "sources_skipped": 0,
                              "samples": 0, "rejected": 0, "resumed_samples": 0, "per_task": {}}
    timings: dict[str, float] = {"load": 0.0, "anchors": 0.0, "synthesis": 0.0}
    source_info: list[dict[str, Any]] = []
    previously_skipped = {s["path"] for s in writer.skipped()} if resume and not retry_failed else set()

    def skip(path: str, reason: str, step: str) -> None:
        writer.skip_source(path, reason, step)
        result.skipped.append({"path": path, "reason": reason, "step": step})
        counts["sources_skipped"] += 1

    try:
        # 1. open every source (content hash, kind), in parallel threads (hashing releases the GIL)
        t = time.perf_counter()
        todo_jobs = [j for j in jobs if j.path not in previously_skipped]
        for j in jobs:
            if j.path in previously_skipped:
                result.skipped.append({"path": j.path, "reason": "skipped by an earlier run (use --retry-failed)",
                                       "step": "resume"})
                counts["sources_skipped"] += 1
        opened = [_open(j) for j in todo_jobs[:1]]  # the first one alone: reader registration is not thread-safe
        with ThreadPoolExecutor(max_workers=workers) as pool:
            opened += list(pool.map(_open, todo_jobs[1:]))
        loaded: list[tuple[SourceJob, Source]] = []
        for j, o in zip(todo_jobs, opened):
            if isinstance(o, Source):
                loaded.append((j, o))
            else:
                skip(j.path, *o)
        timings["load"] = time.perf_counter() - t

        # 2. plans: one for the run, one per distinct per-source intent / recipe
        kinds = sorted({s.kind for _, s in loaded}) or None
        plans: dict[tuple, Plan] = {}
        planner_be: list[Any] = []

        def planner() -> Any:  # a model backend also helps the planner (as in tailor())
            if backend == "rules":
                return None
            if not planner_be:
                from ..backends import get_backend  # noqa: PLC0415

                planner_be.append(get_backend(backend, **cfg.backend_options))
            return planner_be[0]
        caps: dict[str, int | None] = {}  # accepted samples per task, over all sources

        def plan_for(job: SourceJob) -> Plan:
            key = (job.recipe, job.intent) if (job.recipe or job.intent) else ("run",)
            if key not in plans:
                if job.recipe:
                    plans[key] = load_plan(job.recipe)
                elif job.intent:
                    plans[key] = plan_intent(job.intent, kinds, backend=planner())
                else:
                    plans[key] = base_plan if base_plan is not None else plan_intent(intent or "", kinds, backend=planner())
                for spec in plans[key].tasks:  # as tailor(): a format named in the intent is exported too
                    fmt = spec.params.get("format")
                    if fmt in EXPORTERS and fmt not in formats:
                        formats.append(fmt)
                    caps[spec.task] = min([c for c in (cfg.cap, spec.params.get("samples"), caps.get(spec.task))
                                           if isinstance(c, int)], default=None)
            return plans[key]

        job_plans = [(j, s, plan_for(j)) for j, s in loaded]
        result.plan = plans.get(("run",)) or (job_plans[0][2] if job_plans else base_plan)

        # 3. resume state
        done_sources = writer.done_sources() if resume else set()
        ids_by_source: dict[str, list[str]] = {}
        accepted: Counter[str] = Counter()
        for row in read_rows(out, curated=False) if resume else []:
            ids_by_source.setdefault(row["source"], []).append(row["id"])
            accepted[row["task"]] += 1
        work: list[tuple[dict, dict, list[str]]] = []
        seen_ids: set[str] = set()
        done_tasks = _tasks_done(out) if resume else {}
        for j, s, p in job_plans:
            finished = done_tasks.get(s.id)
            # as tailor(): a finished source is redone only for tasks it has not made yet (a new intent)
            if s.id in done_sources and (finished is None or {t.task for t in p.tasks} <= finished):
                counts["sources_resumed"] += 1
                continue
            if s.id in seen_ids:  # the same content twice (a copy): made once
                continue
            seen_ids.add(s.id)
            work.append((s.model_dump(), p.model_dump(), ids_by_source.get(s.id, []), sorted(finished or ())))
        counts["resumed_samples"] = sum(len(v) for v in ids_by_source.values())

        # 4. run, writing each Outcome as it arrives (in input order)
        executor = _executor(engine, workers, ray_address)
        with _progress(quiet) as progress:
            bar = progress.add_task(f"{engine} x{workers}", total=len(work)) if progress else None
            for outcome in executor(work, cfg):
                _take(outcome, writer, caps, accepted, counts, timings, result, source_info, skip)
                if progress:
                    progress.advance(bar)

        timings["total"] = time.perf_counter() - t_start
        manifest = {
            "intent": intent if intent is not None else (result.plan.intent if result.plan else None),
            "plan": result.plan.model_dump() if result.plan else None,
            "plans": {("/".join(str(x) for x in k if x)): p.model_dump() for k, p in plans.items() if k != ("run",)},
            "backend": {"name": backend, **{k: v for k, v in cfg.backend_options.items() if "key" not in k.lower()}},
            "formats": formats,
            "experts": experts,
            "versions": _versions(),
            "sources": {i["id"]: i for i in source_info},
            "skipped": result.skipped,
            "not_served": result.not_served,
            "run_counts": counts,
            "timings": {k: round(v, 3) for k, v in timings.items()},
            "engine": {"name": engine, "workers": workers, "ray_address": ray_address},
            "settings": {"max_repairs": max_repairs, "keep_raw": keep_raw, "concurrency": concurrency,
                         "max_samples_per_task": max_samples_per_task},
        }
        shard_formats = [f for f in formats if f in ("parquet", "webdataset")]
        result.paths = writer.finalize(manifest, formats) or {}
        if shard_formats:
            from .shards import write_shard_index  # noqa: PLC0415

            result.paths["shards"] = [str(write_shard_index(out))]
    finally:
        writer.close()
    result.counts = counts
    result.timings = {k: round(v, 3) for k, v in timings.items()}
    return result


def _take(outcome: dict[str, Any], writer: Any, caps: dict[str, int | None], accepted: Counter, counts: dict,
          timings: dict, result: Any, source_info: list, skip: Callable[..., None]) -> None:
    """Writes one source's Outcome: anchors, samples (global per-task cap in input order), marker."""
    src = outcome["source"]
    timings["anchors"] += outcome.get("anchors_s", 0.0)
    timings["synthesis"] += outcome.get("synthesis_s", 0.0)
    result.not_served += outcome.get("not_served", [])
    if "anchorset" in outcome:
        writer.add_anchors(_AnchorsView(outcome["anchorset"]))
    for item in outcome["results"]:
        if "sample" in item:
            sample = Sample.model_validate(item["sample"])
            if item.get("raw"):
                sample.provenance["raw"] = item["raw"]
            cap = caps.get(sample.task)
            if cap is not None and accepted[sample.task] >= cap:
                continue
            per = counts["per_task"].setdefault(sample.task, {"accepted": 0, "rejected": 0})
            if writer.add(sample):
                accepted[sample.task] += 1
                counts["samples"] += 1
                per["accepted"] += 1
        else:
            rej = Rejection.model_validate(item["rejection"])
            writer.reject(rej)
            counts["rejected"] += 1
            counts["per_task"].setdefault(rej.task, {"accepted": 0, "rejected": 0})["rejected"] += 1
    if "skip" in outcome:
        skip(src["path"], outcome["skip"], outcome.get("step", "anchors"))
        return
    info = outcome["info"]
    from ..pipeline import _mark_task_done  # noqa: PLC0415

    for task, tinfo in (info.get("tasks") or {}).items():  # only now that its samples are written
        if not tinfo.get("resumed") and "error" not in tinfo:
            _mark_task_done(writer.out, src["id"], task)
    writer.mark_source_done(src["id"], info)
    source_info.append(info)
    counts["sources_done"] += 1


def _executor(engine: str, workers: int, ray_address: str | None) -> Executor:
    if engine == "ray":
        from .ray_engine import ray_executor  # noqa: PLC0415

        return ray_executor(workers, ray_address)
    from .local import local_executor  # noqa: PLC0415

    return local_executor(workers)
