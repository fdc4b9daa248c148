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

from ..backends import get_backend
from ..errors import ConfigError, SourceError
from ..export import DatasetWriter
from ..intent import plan_intent
from ..model import AnchorSet, Plan, Rejection, Sample, Source
from ..recipe import load_plan
from ..sources import load_source
from ..tasks import check_plan
from .inputs import SourceJob, list_sources
from .local import local_executor
from .result import RunTally, TailorOptions, TailorResult, plan_formats, plan_language, progress_bar, task_cap
from .shards import write_shard_index
from .step import SourceStats
from .work import WorkerConfig

log = logging.getLogger(__name__)

# An executor takes [(source dict, plan dict, skip ids, finished tasks)] and yields Outcomes in the same order.
Executor = Callable[[list[tuple[dict, dict, list[str], list[str]]], WorkerConfig], Iterator[dict[str, Any]]]


def _open(job: SourceJob) -> Source | tuple[str, str]:
    try:
        return load_source(job.path)
    except SourceError as exc:
        return exc.reason + (f" ({exc.hint})" if exc.hint else ""), exc.step
    except Exception as exc:  # noqa: BLE001 - one bad file never stops the batch
        return f"{type(exc).__name__}: {exc}", "open"


def run(inputs: str | Path | Iterable[str | Path], intent: str | None = None, backend: str = "rules",
        out: str | Path = "out/", *, recipe: str | Path | Plan | dict | None = None, plan: Plan | None = None,
        options: TailorOptions | None = None) -> TailorResult:
    """`tailor()` over many sources with a parallel, resumable engine (`options.engine`, default local)."""
    opts = options or TailorOptions(engine="local")
    engine = opts.engine or "local"
    if not isinstance(backend, str):
        raise ConfigError("the parallel engines need a backend by name (rules, openai, hf), not an object")
    t_start = time.perf_counter()
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    bad_entries: list[tuple[str, str]] = []  # as the API promises: a bad entry is skipped, the rest are made
    jobs = list_sources(inputs, bad_entries)
    workers = max(1, int(opts.workers or min(2, os.cpu_count() or 1)))
    formats = list(opts.formats or ["native"])
    out = Path(out)
    base_plan = plan if plan is not None else (load_plan(recipe) if recipe is not None else None)
    if base_plan is None and not (intent and intent.strip()) and not all(j.intent or j.recipe for j in jobs):
        raise ConfigError("tailor needs an intent (or a recipe / plan, or one per source in the manifest)")
    cfg = WorkerConfig(out=str(out.resolve()), backend=backend, options=opts)
    writer = DatasetWriter(out, resume=opts.resume)
    tally = RunTally(out, len(jobs) + len(bad_entries), writer)
    result = tally.result
    previously_skipped = {s["path"] for s in writer.skipped()} if opts.resume and not opts.retry_failed else set()

    try:
        for entry, reason in bad_entries:
            tally.skip(entry, reason, "inputs")
        # 1. open every source (content hash, kind), in parallel threads (hashing releases the GIL)
        t = time.perf_counter()
        todo_jobs = [j for j in jobs if j.path not in previously_skipped]
        for j in jobs:
            if j.path in previously_skipped:
                result.skipped.append({"path": j.path, "reason": "skipped by an earlier run (use --retry-failed)",
                                       "step": "resume"})
                tally.counts["sources_skipped"] += 1
        opened = [_open(j) for j in todo_jobs[:1]]  # the first one alone: reader registration is not thread-safe
        with ThreadPoolExecutor(max_workers=workers) as pool:
            opened += list(pool.map(_open, todo_jobs[1:]))
        loaded: list[tuple[SourceJob, Source]] = []
        for j, o in zip(todo_jobs, opened):
            if isinstance(o, Source):
                loaded.append((j, o))
            else:
                tally.skip(j.path, *o)
        tally.timings["load"] = time.perf_counter() - t

        # 2. plans: one for the run, one per distinct per-source intent / recipe
        kinds = sorted({s.kind for _, s in loaded}) or None
        plans: dict[tuple, Plan] = {}
        planner_be: list[Any] = []

        def planner() -> Any:  # a model backend also helps the planner (as in tailor())
            if backend == "rules":
                return None
            if not planner_be:
                planner_be.append(get_backend(backend, **opts.backend_options))
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
                check_plan(plans[key])
                plan_formats(plans[key], formats)
                plan_language(plans[key], opts.language)
                for spec in plans[key].tasks:
                    caps[spec.task] = task_cap(spec.samples, opts.max_samples_per_task,
                                               caps.get(spec.task))
            return plans[key]

        job_plans = [(j, s, plan_for(j)) for j, s in loaded]
        result.plan = plans.get(("run",)) or (job_plans[0][2] if job_plans else base_plan)

        # 3. resume state (the writer's)
        ids_by_source = writer.ids_by_source()
        accepted: Counter[str] = writer.samples_per_task()
        done_tasks = writer.done_tasks()
        work: list[tuple[dict, dict, list[str], list[str]]] = []
        seen_ids: set[str] = set()
        for j, s, p in job_plans:
            # as tailor(): a finished source is redone only for tasks it has not made yet (a new intent)
            if not writer.needs(s.id, {t.task for t in p.tasks}):
                tally.counts["sources_resumed"] += 1
                continue
            if s.id in seen_ids:  # the same content twice (a copy): made once
                continue
            seen_ids.add(s.id)
            work.append((s.model_dump(), p.model_dump(), ids_by_source.get(s.id, []), sorted(done_tasks.get(s.id, ()))))
        tally.counts["resumed_samples"] = sum(len(v) for v in ids_by_source.values())

        # 4. run, writing each Outcome as it arrives (in input order)
        with progress_bar(opts.quiet) as progress:
            bar = progress.add_task(f"{engine} x{workers}", total=len(work)) if progress else None

            def show(what: str) -> None:
                progress.update(bar, description=f"{engine} x{workers} {what}")

            executor = _executor(engine, workers, opts.ray_address, show if progress else None)
            for outcome in executor(work, cfg):
                _take(outcome, writer, caps, accepted, tally)
                if progress:
                    progress.advance(bar)

        manifest = tally.manifest(
            intent, result.plan,
            {"name": backend, **{k: v for k, v in opts.backend_options.items() if "key" not in k.lower()}},
            formats, opts, time.perf_counter() - t_start,
            plans={("/".join(str(x) for x in k if x)): p.model_dump() for k, p in plans.items() if k != ("run",)},
            engine={"name": engine, "workers": workers, "ray_address": opts.ray_address})
        result.paths = writer.finalize(manifest, formats) or {}
        if any(f in ("parquet", "webdataset") for f in formats):
            result.paths["shards"] = [str(write_shard_index(out))]
    finally:
        writer.close()
    return tally.done()


def _take(outcome: dict[str, Any], writer: DatasetWriter, caps: dict[str, int | None], accepted: Counter,
          tally: RunTally) -> None:
    """Writes one source's Outcome: anchors, samples (global per-task cap in input order), markers."""
    stats = SourceStats.model_validate(outcome["stats"])
    if outcome.get("anchorset") is not None:
        writer.add_anchors(AnchorSet.from_json(outcome["anchorset"]))
    for item in outcome["results"]:
        if "sample" in item:
            sample = Sample.model_validate(item["sample"])
            if item.get("raw"):
                sample.provenance["raw"] = item["raw"]
            cap = caps.get(sample.task)
            if cap is not None and accepted[sample.task] >= cap:
                continue
            per = tally.per_task(sample.task)
            if writer.add(sample):
                accepted[sample.task] += 1
                tally.counts["samples"] += 1
                per["accepted"] += 1
        else:
            rej = Rejection.model_validate(item["rejection"])
            writer.reject(rej)
            tally.counts["rejected"] += 1
            tally.per_task(rej.task)["rejected"] += 1
    tally.finish_source(stats)


def _executor(engine: str, workers: int, ray_address: str | None,
              progress: Callable[[str], None] | None = None) -> Executor:
    if engine == "ray":
        from .ray_engine import ray_executor  # noqa: PLC0415 - imports nothing of Ray until it runs

        return ray_executor(workers, ray_address)
    return local_executor(workers, progress=progress)
