"""The per-source unit of work both engines run: anchors, then every planned task -> an Outcome.

An Outcome is plain JSON-able data (sample rows, rejections, the source's info), so it crosses
process and Ray boundaries the same way; the driver alone writes it into the dataset folder.
Synthesis reuses `pipeline._run_source` (the sequential tailor's own per-source step) with a
recorder in place of the writer, so every engine makes exactly the samples `tailor()` makes.
Media (keyframes, clips) are written by the worker straight into `<out>/media` (atomic, idempotent).
"""
from __future__ import annotations

import inspect
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SourceError
from ..model import Anchor, Plan, Rejection, Sample, Source

log = logging.getLogger(__name__)


@dataclass
class RunConfig:
    """Settings every worker needs (picklable, JSON-able)."""

    out: str
    backend: str = "rules"
    backend_options: dict[str, Any] = field(default_factory=dict)
    experts: list[str] | None = None
    expert_params: dict[str, dict[str, Any]] | None = None
    max_repairs: int = 2
    keep_raw: bool = True
    concurrency: int = 1
    cap: int | None = None  # max accepted samples per task (the driver enforces it across sources)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- per-process state
_STATE: dict[str, Any] = {}


def _backend(cfg: RunConfig) -> Any:
    key = ("backend", cfg.backend, repr(sorted(cfg.backend_options.items())))
    if key not in _STATE:
        from ..backends import get_backend  # noqa: PLC0415

        _STATE[key] = get_backend(cfg.backend, **cfg.backend_options)
    return _STATE[key]


def _media(out: str) -> Any:
    key = ("media", out)
    if key not in _STATE:
        from ..media import MediaStore  # noqa: PLC0415

        _STATE[key] = MediaStore(out)
    return _STATE[key]


def _scratch() -> Path:
    if "scratch" not in _STATE:
        import tempfile  # noqa: PLC0415

        _STATE["scratch"] = tempfile.TemporaryDirectory(prefix="dataclaw-worker-")
    return Path(_STATE["scratch"].name)


def close_state() -> None:
    for key in list(_STATE):
        obj = _STATE.pop(key)
        try:
            obj.cleanup() if key == "scratch" else obj.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            log.debug("close failed", exc_info=True)


# ---------------------------------------------------------------- anchors
def anchorset_from_json(d: dict[str, Any]) -> Any:
    from ..anchors import AnchorSet  # noqa: PLC0415

    anchors = [Anchor(**a) for a in d["anchors"]]
    by_expert: dict[str, list[Anchor]] = {}
    for a in anchors:
        by_expert.setdefault(a.expert, []).append(a)
    return AnchorSet(source=Source(**d["source"]), anchors=anchors, by_expert=by_expert,
                     errors=dict(d.get("errors") or {}), timings=dict(d.get("timings") or {}),
                     meta=dict(d.get("meta") or {}))


def anchor_source(source: dict[str, Any], cfg: RunConfig) -> dict[str, Any]:
    """{"anchorset": ...json, "anchors_s": t} or {"skip": reason, "step": step} (never raises)."""
    from ..anchors import run_experts  # noqa: PLC0415

    src = Source(**source)
    t = time.perf_counter()
    try:
        aset = run_experts(src, cfg.experts, cfg.expert_params)
    except SourceError as exc:
        return {"skip": exc.reason, "step": exc.step}
    except Exception as exc:  # noqa: BLE001 - a source that breaks an expert is skipped, the batch goes on
        log.debug("anchors failed", exc_info=True)
        return {"skip": f"{type(exc).__name__}: {exc}", "step": "anchors"}
    if not aset.anchors:
        why = "; ".join(f"{k}: {v}" for k, v in aset.errors.items()) or "the experts found nothing"
        return {"skip": f"no anchors ({why})", "step": "anchors"}
    return {"anchorset": aset.to_json(), "anchors_s": time.perf_counter() - t}


# ---------------------------------------------------------------- synthesis
class _Recorder:
    """Stands in for the DatasetWriter inside a worker: keeps results, writes media for real."""

    def __init__(self, media: Any) -> None:
        self.media = media
        self.results: list[dict[str, Any]] = []

    def add_anchors(self, anchorset: Any) -> None:  # the driver writes anchors/<id>.json
        pass

    def add(self, sample: Sample) -> bool:
        from ..export import sample_row  # noqa: PLC0415

        # raw model I/O travels beside the row (the driver's writer puts it in raw.jsonl)
        self.results.append({"sample": sample_row(sample), "raw": (sample.provenance or {}).get("raw")})
        return True

    def reject(self, rejection: Rejection) -> None:
        self.results.append({"rejection": rejection.model_dump(mode="json")})


def synthesize(anchorset: dict[str, Any], plan: dict[str, Any], cfg: RunConfig,
               skip_ids: list[str] | tuple[str, ...] = (), finished: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """Every planned task on one source's anchors -> an Outcome (see `process_source`)."""
    from ..errors import ConfigError  # noqa: PLC0415
    from ..pipeline import TailorResult, _run_source  # noqa: PLC0415
    from ..tasks import get_task  # noqa: PLC0415

    aset = anchorset_from_json(anchorset)
    p = Plan.model_validate(plan)
    tasks = {}
    not_served: list[dict[str, str]] = []
    for spec in p.tasks:
        try:
            tasks[spec.task] = get_task(spec.task)
        except ConfigError as exc:
            not_served.append({"source": "*", "task": spec.task, "reason": str(exc)})
    rec = _Recorder(_media(cfg.out))
    counts: dict[str, Any] = {"per_task": {}, "samples": 0, "rejected": 0}
    timings = {"anchors": 0.0, "synthesis": 0.0}
    res = TailorResult(out=Path(cfg.out), plan=p)
    # by name, so a new parameter of the shared step fails loudly here instead of shifting arguments
    args = {"src": aset.source, "plan": p, "tasks": tasks, "be": _backend(cfg), "writer": rec,
            "run_experts": lambda *a, **k: aset, "experts": cfg.experts, "expert_params": cfg.expert_params,
            "done_ids": set(skip_ids), "accepted_per_task": {}, "cap": cfg.cap, "max_repairs": cfg.max_repairs,
            "keep_raw": cfg.keep_raw, "concurrency": cfg.concurrency, "counts": counts, "timings": timings,
            "result": res, "progress": None, "bar": None, "finished": set(finished),
            # per-task markers go to a scratch folder: the driver marks tasks done only after it has
            # written their samples (a kill in between must not skip unwritten samples on resume)
            "out": _scratch()}
    try:
        info = _run_source(**{k: v for k, v in args.items() if k in inspect.signature(_run_source).parameters})
    except Exception as exc:  # noqa: BLE001 - never lose the batch to one source
        log.debug("synthesis failed", exc_info=True)
        info = {"skip": f"{type(exc).__name__}: {exc}", "step": "synthesis"}
    out = {"source": aset.source.model_dump(), "anchorset": anchorset, "results": rec.results,
           "not_served": not_served + res.not_served, "synthesis_s": timings["synthesis"]}
    if info and "skip" in info:
        out.update(skip=info["skip"], step=info["step"])
    else:
        out["info"] = info
    return out


def process_source(source: dict[str, Any], plan: dict[str, Any], cfg: RunConfig,
                   skip_ids: list[str] | tuple[str, ...] = (), finished: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """The whole unit for one source: anchors, then synthesis. Returns the Outcome:

    {"source": {...}, "results": [{"sample": row} | {"rejection": row}], "anchorset": {...},
     "info": {...}, "not_served": [...], "anchors_s": t, "synthesis_s": t}  or  {..., "skip", "step"}.
    """
    a = anchor_source(source, cfg)
    if "skip" in a:
        return {"source": source, "results": [], "not_served": [], **a}
    outcome = synthesize(a["anchorset"], plan, cfg, skip_ids, finished)
    outcome["anchors_s"] = a["anchors_s"]
    return outcome
