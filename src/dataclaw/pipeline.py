"""`tailor()`: sources + intent -> a verified dataset folder (the Python API the CLI wraps).

Per source: load -> anchors (cached) -> for each planned task: can it be served? -> agent loop ->
samples / rejections written as they come. A source that fails is skipped with its reason and the
batch goes on. Reruns resume: finished sources and samples already in samples.jsonl are skipped.
"""
from __future__ import annotations

import asyncio
import json
import logging
import platform
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .errors import ConfigError, SourceError
from .model import Plan, Rejection, Sample, Source

log = logging.getLogger(__name__)


@dataclass
class TailorResult:
    out: Path
    plan: Plan | None
    counts: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, Any] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)
    not_served: list[dict[str, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["out"] = str(self.out)
        d["plan"] = self.plan.model_dump() if self.plan else None
        return json.loads(json.dumps(d, default=str))


def load_plan(recipe: str | Path | Plan | dict) -> Plan:
    """A Plan from a Plan, a dict or a YAML/JSON recipe file (the planner's own loader when it has one)."""
    if isinstance(recipe, Plan):
        return recipe
    if isinstance(recipe, dict):
        return Plan.model_validate(recipe.get("plan", recipe))
    from . import intent as intent_mod

    loader = getattr(intent_mod, "load_recipe", None)
    if loader is not None:
        loaded = loader(recipe)
        return loaded if isinstance(loaded, Plan) else load_plan(loaded)
    import yaml  # noqa: PLC0415

    path = Path(recipe)
    if not path.is_file():
        raise ConfigError(f"recipe {path} does not exist")
    data = yaml.safe_load(path.read_text())
    if not isinstance(data, dict):
        raise ConfigError(f"recipe {path}: expected a mapping with a plan")
    return Plan.model_validate(data.get("plan", data))


def _versions() -> dict[str, str]:
    from importlib import metadata  # noqa: PLC0415

    from . import __version__  # noqa: PLC0415

    out = {"dataclaw": __version__, "python": platform.python_version()}
    for dist in ("av", "numpy", "pydantic", "rapidocr", "onnxruntime", "faster-whisper", "opencv-python-headless"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def _progress(quiet: bool) -> Any:
    if quiet:
        return nullcontext(None)
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True)


def tailor(
    sources: str | Path | Iterable[str | Path],
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
    engine: str | None = None,
    workers: int | None = None,
    ray_address: str | None = None,
    retry_failed: bool = False,
) -> TailorResult:
    """Turns sources + an intent into a verified dataset folder at `out`; returns counts and paths.

    `engine="local"` (processes) or `"ray"` runs the same per-source step (`_run_source`) through
    `dataclaw.engine` over files, folders, globs and manifests with `workers` in parallel.
    """
    if engine is not None:
        from .engine import run as run_engine  # noqa: PLC0415

        return run_engine(sources, intent, backend, out, formats, experts, recipe, max_samples_per_task,
                          backend_options, quiet, plan=plan, expert_params=expert_params, max_repairs=max_repairs,
                          keep_raw=keep_raw, concurrency=concurrency, resume=resume, engine=engine, workers=workers,
                          ray_address=ray_address, retry_failed=retry_failed)
    from .anchors import run_experts  # noqa: PLC0415
    from .backends import get_backend  # noqa: PLC0415
    from .export import DatasetWriter  # noqa: PLC0415
    from .intent import plan_intent  # noqa: PLC0415
    from .sources import load_source  # noqa: PLC0415
    from .tasks import get_task  # noqa: PLC0415

    t_start = time.perf_counter()
    if isinstance(sources, (str, Path)):
        sources = [sources]
    paths = [str(p) for p in sources]
    formats = [f for f in (formats or ["native"])]
    out = Path(out)
    if plan is None and recipe is not None:
        plan = load_plan(recipe)
    if plan is None and not (intent and intent.strip()):
        raise ConfigError("tailor needs an intent (or a recipe / plan)")
    be = get_backend(backend, **(backend_options or {}))
    writer = DatasetWriter(out, resume=resume)
    result = TailorResult(out=out, plan=None)
    counts: dict[str, Any] = {"sources": len(paths), "sources_done": 0, "sources_resumed": 0, "sources_skipped": 0,
                              "samples": 0, "rejected": 0, "resumed_samples": 0, "per_task": {}}
    timings: dict[str, float] = {"load": 0.0, "anchors": 0.0, "synthesis": 0.0}
    source_info: list[dict[str, Any]] = []

    def skip(path: str, reason: str, step: str) -> None:
        writer.skip_source(path, reason, step)
        result.skipped.append({"path": path, "reason": reason, "step": step})
        counts["sources_skipped"] += 1

    try:
        # 1. load every source (content hash, kind) so the plan knows the source kinds
        loaded: list[Source] = []
        t = time.perf_counter()
        for p in paths:
            try:
                loaded.append(load_source(p))
            except SourceError as exc:
                skip(p, exc.reason + (f" ({exc.hint})" if exc.hint else ""), exc.step)
            except Exception as exc:  # noqa: BLE001 - one bad file never stops the batch
                skip(p, f"{type(exc).__name__}: {exc}", "open")
        timings["load"] = time.perf_counter() - t

        # 2. the plan
        if plan is None:
            kinds = sorted({s.kind for s in loaded}) or None
            plan = plan_intent(intent or "", kinds, backend=None if be.name == "rules" else be)
        result.plan = plan
        from .export import EXPORTERS  # noqa: PLC0415

        for spec in plan.tasks:  # a format named in the intent ("... for LLaMA-Factory") is exported too
            fmt = spec.params.get("format")
            if fmt in EXPORTERS and fmt not in formats:
                formats.append(fmt)
        tasks = {}
        for spec in plan.tasks:
            try:
                tasks[spec.task] = get_task(spec.task)
            except ConfigError as exc:
                result.not_served.append({"source": "*", "task": spec.task, "reason": str(exc)})

        done_sources = writer.done_sources() if resume else set()
        done_ids = set(writer.done_ids()) if resume else set()
        done_tasks = _tasks_done(out) if resume else {}
        accepted_per_task: dict[str, int] = {}

        # 3. each source: anchors, then every planned task through the agent loop
        with _progress(quiet) as progress:
            bar = progress.add_task("sources", total=len(loaded)) if progress else None
            for src in loaded:
                name = Path(src.path).name
                finished = done_tasks.get(src.id)
                if src.id in done_sources and (finished is None or set(tasks) <= finished):
                    counts["sources_resumed"] += 1
                    if progress:
                        progress.advance(bar)
                    continue
                if progress:
                    progress.update(bar, description=f"{name}: anchors")
                info = _run_source(src, plan, tasks, be, writer, run_experts, experts, expert_params, done_ids,
                                   accepted_per_task, max_samples_per_task, max_repairs, keep_raw, concurrency,
                                   counts, timings, result, progress, bar, done_tasks.get(src.id, set()), out)
                if info is None:
                    continue
                if "skip" in info:
                    skip(src.path, info["skip"], info["step"])
                else:
                    writer.mark_source_done(src.id, info)
                    source_info.append(info)
                    counts["sources_done"] += 1
                if progress:
                    progress.advance(bar)

        timings["total"] = time.perf_counter() - t_start
        manifest = {
            "intent": intent if intent is not None else plan.intent,
            "plan": plan.model_dump(),
            "backend": be.info(),
            "formats": formats,
            "experts": experts,
            "versions": _versions(),
            "sources": {i["id"]: i for i in source_info},
            "skipped": result.skipped,
            "not_served": result.not_served,
            "run_counts": counts,  # this run; the writer counts the whole folder under "counts"
            "timings": {k: round(v, 3) for k, v in timings.items()},
            "settings": {"max_repairs": max_repairs, "keep_raw": keep_raw, "concurrency": concurrency,
                         "max_samples_per_task": max_samples_per_task},
        }
        result.paths = writer.finalize(manifest, formats) or {}
    finally:
        be.close()
        closer = getattr(writer, "close", None) or getattr(getattr(writer, "media", None), "close", None)
        if closer:
            closer()
    result.counts = counts
    result.timings = {k: round(v, 3) for k, v in timings.items()}
    return result


TASKS_DONE = Path("progress") / "tailor_tasks.jsonl"  # (source, task) pairs finished, for resume


def _tasks_done(out: Path) -> dict[str, set[str]]:
    done: dict[str, set[str]] = {}
    path = out / TASKS_DONE
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                row = json.loads(line)
                done.setdefault(row["source"], set()).add(row["task"])
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a torn last line after a crash
    return done


def _mark_task_done(out: Path, source_id: str, task: str) -> None:
    path = out / TASKS_DONE
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"source": source_id, "task": task}) + "\n")


def _run_source(src: Source, plan: Plan, tasks: dict, be: Any, writer: Any, run_experts: Any,
                experts: list[str] | None, expert_params: dict | None, done_ids: set[str],
                accepted_per_task: dict[str, int], cap: int | None, max_repairs: int, keep_raw: bool,
                concurrency: int, counts: dict, timings: dict, result: TailorResult, progress: Any,
                bar: Any, finished: set[str], out: Path) -> dict[str, Any] | None:
    """Anchors + every task for one source; returns its info, or {"skip": reason, "step": step}."""
    from .agent import arun_task, iter_task  # noqa: PLC0415

    t = time.perf_counter()
    try:
        aset = run_experts(src, experts, expert_params)
    except SourceError as exc:
        return {"skip": exc.reason, "step": exc.step}
    except Exception as exc:  # noqa: BLE001 - a source that breaks an expert is skipped, the batch goes on
        log.debug("anchors failed", exc_info=True)
        return {"skip": f"{type(exc).__name__}: {exc}", "step": "anchors"}
    finally:
        timings["anchors"] += time.perf_counter() - t
    if not aset.anchors:
        why = "; ".join(f"{k}: {v}" for k, v in aset.errors.items()) or "the experts found nothing"
        return {"skip": f"no anchors ({why})", "step": "anchors"}
    writer.add_anchors(aset)
    kinds = {a.kind for a in aset.anchors}
    info: dict[str, Any] = {"id": src.id, "path": src.path, "kind": src.kind, "anchors": len(aset.anchors),
                            "expert_errors": aset.errors, "expert_timings": aset.timings, "tasks": {}}
    t = time.perf_counter()
    for spec in plan.tasks:
        task = tasks.get(spec.task)
        if task is None:
            continue
        if spec.task in finished:
            info["tasks"][spec.task] = {"served": True, "resumed": True}
            continue
        why = task.can_serve(src.kind, kinds)
        if why:
            result.not_served.append({"source": src.path, "task": spec.task, "reason": why})
            info["tasks"][spec.task] = {"served": False, "reason": why}
            _mark_task_done(out, src.id, spec.task)
            continue
        per = counts["per_task"].setdefault(spec.task, {"accepted": 0, "rejected": 0})
        mine = {"accepted": 0, "rejected": 0}
        task_cap = min([c for c in (cap, spec.params.get("samples")) if isinstance(c, int)], default=None)
        remaining = None if task_cap is None else max(0, task_cap - accepted_per_task.get(spec.task, 0))
        if remaining == 0:
            continue
        if progress:
            progress.update(bar, description=f"{Path(src.path).name}: {spec.task}")

        def record(res: Sample | Rejection) -> None:
            if isinstance(res, Rejection) and res.sample_id is None and res.reasons[0].startswith("focus: "):
                # the focus matched nothing here: said in the manifest, not counted as a bad sample
                result.not_served.append({"source": src.path, "task": spec.task, "reason": res.reasons[0]})
                info["tasks"].setdefault(spec.task, {})["focus"] = res.reasons[0]
                return
            if isinstance(res, Sample):
                writer.add(res)
                done_ids.add(res.id)
                key = "accepted"
                accepted_per_task[spec.task] = accepted_per_task.get(spec.task, 0) + 1
                counts["samples"] += 1
            else:
                writer.reject(res)
                key = "rejected"
                counts["rejected"] += 1
            per[key] += 1
            mine[key] += 1

        try:
            if concurrency > 1:
                asyncio.run(arun_task(task, spec, aset, be, writer.media, max_repairs=max_repairs, keep_raw=keep_raw,
                                      skip_ids=done_ids, max_samples=remaining, concurrency=concurrency,
                                      on_result=record, focus=plan.focus))
            else:
                for res in iter_task(task, spec, aset, be, writer.media, max_repairs=max_repairs, keep_raw=keep_raw,
                                     skip_ids=done_ids, max_samples=remaining, focus=plan.focus):
                    record(res)
        except Exception as exc:  # noqa: BLE001 - e.g. the disk filled; keep what is written, say why
            log.debug("task failed", exc_info=True)
            info["tasks"][spec.task] = {"served": True, **mine, "error": f"{type(exc).__name__}: {exc}"}
            timings["synthesis"] += time.perf_counter() - t
            return {"skip": f"task {spec.task}: {type(exc).__name__}: {exc}", "step": "synthesis"}
        info["tasks"][spec.task] = {"served": True, **mine, **({"focus": info["tasks"][spec.task]["focus"]}
                                                                if "focus" in info["tasks"].get(spec.task, {}) else {})}
        _mark_task_done(out, src.id, spec.task)
    timings["synthesis"] += time.perf_counter() - t
    return info
