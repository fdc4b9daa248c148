"""Local engine: the step (anchors -> tasks -> agent -> samples) for each source in a pool of
spawned processes, a bounded window of sources in flight (memory stays flat however many sources),
Outcomes yielded in input order (so the same inputs always give the same samples).

With one worker the units run in this process (no spawn, models loaded once).
"""
from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from .work import WorkerConfig, close_state, failed_outcome, process_source


def local_executor(workers: int, window: int | None = None,
                   progress: Callable[[str], None] | None = None) -> Callable[..., Iterator[dict[str, Any]]]:
    """`progress` is told "<source>: <stage>" when the units run in this process (a spawned worker's
    stages cannot reach the display; there it shows sources done)."""
    window = window or 2 * workers

    def execute(work: list[tuple[dict, dict, list[str], list[str]]], cfg: WorkerConfig) -> Iterator[dict[str, Any]]:
        if workers <= 1 or len(work) <= 1:
            try:
                for src, plan, skip_ids, finished in work:
                    show = (lambda what, name=Path(src["path"]).name: progress(f"{name}: {what}")) if progress else None
                    yield process_source(src, plan, cfg, skip_ids, finished, show)
            finally:
                close_state()
            return
        # spawn, not fork: PyAV / onnxruntime / torch state must not be shared with a forked child
        with ProcessPoolExecutor(max_workers=min(workers, len(work)), mp_context=mp.get_context("spawn")) as pool:
            pending: deque[tuple[Future, dict]] = deque()
            items = iter(work)

            def submit(item: tuple[dict, dict, list[str], list[str]]) -> None:
                src, plan, skip_ids, finished = item
                pending.append((pool.submit(process_source, src, plan, cfg, skip_ids, finished), src))

            for item in items:
                submit(item)
                if len(pending) >= window:
                    break
            while pending:
                fut, src = pending.popleft()
                try:
                    outcome = fut.result()
                except Exception as exc:  # noqa: BLE001 - a worker died (e.g. out of memory): skip it, go on
                    outcome = failed_outcome(src, f"worker failed: {type(exc).__name__}: {exc}", "engine")
                nxt = next(items, None)
                if nxt is not None:
                    submit(nxt)
                yield outcome

    return execute
