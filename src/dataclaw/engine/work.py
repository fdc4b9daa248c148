"""The worker side of the engines: the step (engine/step.py) on one source into an `OutcomeSink`.

An Outcome is plain JSON-able data (the source's anchors, sample rows, rejections, its SourceStats),
so it crosses process and Ray boundaries the same way; the driver alone writes it into the dataset
folder. Media (keyframes, clips) are written by the worker straight into `<out>/media` (atomic,
idempotent). Each worker process keeps one backend and one media writer open across sources.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from ..backends import get_backend
from ..backends.base import Backend
from ..export import sample_row
from ..media import MediaStore
from ..model import AnchorSet, Plan, Rejection, Sample, Source
from .result import TailorOptions
from .step import SourceStats, extract, plan_tasks, synthesize

log = logging.getLogger(__name__)


class WorkerConfig(BaseModel):
    """What every worker needs (JSON-able): the dataset folder, the backend by name, the run's options."""

    out: str
    backend: str = "rules"
    options: TailorOptions = TailorOptions()


# ---------------------------------------------------------------- per-process state
_STATE: dict[Any, Any] = {}


def _backend(cfg: WorkerConfig) -> Backend:
    key = ("backend", cfg.backend, repr(sorted(cfg.options.backend_options.items())))
    if key not in _STATE:
        _STATE[key] = get_backend(cfg.backend, **cfg.options.backend_options)
    return _STATE[key]


def _media(out: str) -> MediaStore:
    key = ("media", out)
    if key not in _STATE:
        _STATE[key] = MediaStore(out)
    return _STATE[key]


def close_state() -> None:
    for key in list(_STATE):
        obj = _STATE.pop(key)
        try:
            obj.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            log.debug("close failed", exc_info=True)


class OutcomeSink:
    """A worker's Sink: keeps what the step made as JSON rows for the driver to write; media are
    written for real (into the shared dataset folder)."""

    def __init__(self, media: MediaStore) -> None:
        self.media = media
        self.anchorset: dict[str, Any] | None = None
        self.results: list[dict[str, Any]] = []

    def add_anchors(self, anchorset: AnchorSet) -> None:
        self.anchorset = anchorset.to_json()

    def add(self, sample: Sample) -> bool:
        # raw model I/O travels beside the row (the driver's writer puts it in raw.jsonl)
        self.results.append({"sample": sample_row(sample), "raw": (sample.provenance or {}).get("raw")})
        return True

    def reject(self, rejection: Rejection) -> None:
        self.results.append({"rejection": rejection.model_dump(mode="json")})


def outcome(stats: SourceStats, sink: OutcomeSink | None = None) -> dict[str, Any]:
    """{"stats": SourceStats, "anchorset": {...} | None, "results": [{"sample": row} | {"rejection": row}]}"""
    return {"stats": stats.model_dump(mode="json"), "anchorset": sink.anchorset if sink else None,
            "results": sink.results if sink else []}


def anchor_source(source: dict[str, Any], cfg: WorkerConfig,
                  progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The first half of the step (Ray runs it as its own stage): {"stats", "anchorset"} (never raises)."""
    stats = SourceStats(source=Source(**source))
    aset = extract(stats.source, cfg.options, stats, progress)
    return {"stats": stats.model_dump(mode="json"), "anchorset": aset.to_json() if aset else None}


def synthesize_source(anchored: dict[str, Any], plan: dict[str, Any], cfg: WorkerConfig,
                      skip_ids: list[str] | tuple[str, ...] = (),
                      finished: list[str] | tuple[str, ...] = (),
                      progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The second half: every planned task on the anchors `anchor_source` gave -> an Outcome."""
    stats = SourceStats.model_validate(anchored["stats"])
    if anchored.get("anchorset") is None:
        return outcome(stats)
    p = Plan.model_validate(plan)
    tasks, missing = plan_tasks(p)
    stats.not_served += missing
    sink = OutcomeSink(_media(cfg.out))
    try:
        synthesize(AnchorSet.from_json(anchored["anchorset"]), p, tasks, _backend(cfg), sink, cfg.options, stats,
                   done_ids=set(skip_ids), finished=set(finished), accepted={}, progress=progress)
    except Exception as exc:  # noqa: BLE001 - never lose the batch to one source (e.g. the backend will not load)
        log.debug("synthesis failed", exc_info=True)
        stats.skip, stats.step = f"{type(exc).__name__}: {exc}", "synthesis"
    return outcome(stats, sink)


def process_source(source: dict[str, Any], plan: dict[str, Any], cfg: WorkerConfig,
                   skip_ids: list[str] | tuple[str, ...] = (),
                   finished: list[str] | tuple[str, ...] = (),
                   progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The whole step for one source (the local engine's unit of work) -> its Outcome; `progress` is
    told each stage (run_source's words), when the caller shows them."""
    if progress:
        progress("anchors")
    return synthesize_source(anchor_source(source, cfg, progress), plan, cfg, skip_ids, finished, progress)


def failed_outcome(source: dict[str, Any], reason: str, step: str) -> dict[str, Any]:
    """The Outcome of a source whose worker died (out of memory, a crash in native code)."""
    return outcome(SourceStats(source=Source(**source), skip=reason, step=step))
