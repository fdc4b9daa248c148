"""`tailor()`: sources + intent -> a verified dataset folder (the Python API the CLI wraps).

The in-process executor of the run's one step (engine/step.py): open every source, plan, then per
source anchors -> every planned task through the agent loop -> the DatasetWriter, samples and
rejections written as they come. A source that fails is skipped with its reason and the batch goes on.
Reruns resume from the writer's state: finished sources, finished tasks and samples already in
samples.jsonl are skipped. With `engine="local"` or `"ray"` the same step runs in parallel workers
(`dataclaw.engine.run`).
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError

from .backends import get_backend
from .backends.base import Backend
from .engine import run as run_engine
from .engine.result import RunTally, TailorOptions, TailorResult, plan_formats, plan_language, progress_bar
from .engine.step import plan_tasks, run_source
from .errors import ConfigError, SourceError
from .export import DatasetWriter
from .intent import plan_intent
from .model import Plan, Source
from .recipe import load_plan
from .sources import load_source

log = logging.getLogger(__name__)

__all__ = ["TailorOptions", "TailorResult", "load_plan", "tailor"]


def tailor(sources: str | Path | Iterable[str | Path], intent: str | None = None, backend: str | Backend = "rules",
           out: str | Path = "out/", *, recipe: str | Path | Plan | dict | None = None, plan: Plan | None = None,
           options: TailorOptions | None = None, **settings: Any) -> TailorResult:
    """Turns sources + an intent (or a recipe / plan) into a verified dataset folder at `out`.

    How the run goes is `options` (a TailorOptions), or its fields as keywords (`formats`, `experts`,
    `max_samples_per_task`, `quiet`, `engine`, ...). Returns counts, paths, skipped and unserved sources.
    """
    try:
        opts = TailorOptions.model_validate({**(options.model_dump() if options else {}), **settings})
    except ValidationError as exc:
        raise TypeError(f"tailor(): bad option(s): {exc}") from exc
    if opts.experts:  # a typo is a usage error before any work, not a skip of every source
        from .experts import get_expert  # noqa: PLC0415

        for name in opts.experts:
            get_expert(name)
    if opts.engine is not None:
        return run_engine(sources, intent, backend, out, recipe=recipe, plan=plan, options=opts)
    t_start = time.perf_counter()
    paths = [str(sources)] if isinstance(sources, (str, Path)) else [str(p) for p in sources]
    formats = list(opts.formats or ["native"])
    out = Path(out)
    if plan is None and recipe is not None:
        plan = load_plan(recipe)
    if plan is None and not (intent and intent.strip()):
        raise ConfigError("tailor needs an intent (or a recipe / plan)")
    writer = DatasetWriter(out, resume=opts.resume)  # takes the folder lock before any work
    try:
        be = get_backend(backend, **opts.backend_options)
    except BaseException:
        writer.close()
        raise
    tally = RunTally(out, len(paths), writer)
    try:
        # 1. open every source (content hash, kind) so the plan knows the source kinds
        loaded: list[Source] = []
        t = time.perf_counter()
        for p in paths:
            try:
                loaded.append(load_source(p))
            except SourceError as exc:
                tally.skip(p, exc.reason + (f" ({exc.hint})" if exc.hint else ""), exc.step)
            except Exception as exc:  # noqa: BLE001 - one bad file never stops the batch
                tally.skip(p, f"{type(exc).__name__}: {exc}", "open")
        tally.timings["load"] = time.perf_counter() - t

        # 2. the plan
        if plan is None:
            kinds = sorted({s.kind for s in loaded}) or None
            plan = plan_intent(intent or "", kinds, backend=None if be.name == "rules" else be)
        tally.result.plan = plan
        plan_formats(plan, formats)
        plan_language(plan, opts.language)
        tasks, missing = plan_tasks(plan)
        tally.result.not_served += missing

        # 3. each source: the step, straight into the writer
        done_ids = writer.done_ids()
        tally.counts["resumed_samples"] = len(done_ids)  # made by earlier runs: kept, not counted as new
        done_tasks = writer.done_tasks()
        accepted: dict[str, int] = {}
        with progress_bar(opts.quiet) as progress:
            bar = progress.add_task("sources", total=len(loaded)) if progress else None
            for src in loaded:
                if not writer.needs(src.id, set(tasks)):
                    tally.counts["sources_resumed"] += 1
                    if progress:
                        progress.advance(bar)
                    continue

                def show(what: str, name: str = Path(src.path).name) -> None:
                    if progress:
                        progress.update(bar, description=f"{name}: {what}")

                stats = run_source(src, plan, tasks, be, writer, opts, done_ids=done_ids,
                                   finished=done_tasks.get(src.id, set()), accepted=accepted, progress=show)
                for name, ts in stats.tasks.items():
                    if ts.served and not ts.resumed:
                        per = tally.per_task(name)
                        per["accepted"] += ts.accepted
                        per["rejected"] += ts.rejected
                        tally.counts["samples"] += ts.accepted
                        tally.counts["rejected"] += ts.rejected
                tally.finish_source(stats)
                if progress:
                    progress.advance(bar)

        manifest = tally.manifest(intent, plan, be.info(), formats, opts, time.perf_counter() - t_start)
        tally.result.paths = writer.finalize(manifest, formats) or {}
    finally:
        be.close()
        writer.close()
    return tally.done()
