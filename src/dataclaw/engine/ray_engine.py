"""Ray engine: the same per-source unit on Ray Data, streaming Outcomes back to the driver's writer.

    sources --map(anchor task, 1 CPU each)--> anchor sets --map(synthesis actors, bounded pool)--> Outcomes

Anchor extraction runs as stateless CPU tasks; synthesis runs in a fixed pool of actors (each keeps
its backend and media writer open, and bounds model requests in flight). Order is preserved, so the
driver writes exactly what the local engine writes. Without `ray_address` a local Ray is started with
`num_cpus=workers` (no dashboard) and shut down afterwards. Media are written by the workers into the
dataset folder, so on a multi-node cluster `out` must be on a file system every node shares.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import ConfigError
from .work import WorkerConfig, anchor_source, synthesize_source


def _anchor_row(row: dict[str, Any]) -> dict[str, Any]:
    job = json.loads(row["job"])
    res = anchor_source(job["source"], WorkerConfig.model_validate(job["cfg"]))
    return {"job": row["job"], "anchors": json.dumps(res)}


class Synthesizer:
    """A Ray Data actor: synthesis for one source per call (its process keeps the backend loaded)."""

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        job = json.loads(row["job"])
        outcome = synthesize_source(json.loads(row["anchors"]), job["plan"], WorkerConfig.model_validate(job["cfg"]),
                                    job["skip_ids"], job["finished"])
        return {"outcome": json.dumps(outcome, default=str)}


def ray_executor(workers: int, ray_address: str | None = None) -> Callable[..., Iterator[dict[str, Any]]]:
    def execute(work: list[tuple[dict, dict, list[str], list[str]]], cfg: WorkerConfig) -> Iterator[dict[str, Any]]:
        if not work:
            return
        try:
            import ray  # noqa: PLC0415
            import ray.data  # noqa: PLC0415
        except ModuleNotFoundError as exc:
            raise ConfigError('the ray engine needs Ray Data: pip install "dataclaw0[ray]"') from exc
        started = False
        if not ray.is_initialized():
            env = {k: v for k, v in os.environ.items() if k.startswith("DATACLAW_")}
            if ray_address:
                ray.init(address=ray_address, runtime_env={"env_vars": env} if env else None,
                         log_to_driver=False)
            else:
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                         runtime_env={"env_vars": env} if env else None)
            started = True
        try:
            ctx = ray.data.DataContext.get_current()
            ctx.execution_options.preserve_order = True
            ctx.enable_progress_bars = False
            rows = [{"job": json.dumps({"source": s, "plan": p, "skip_ids": ids, "finished": fin,
                                        "cfg": cfg.model_dump(mode="json")})} for s, p, ids, fin in work]
            ds = ray.data.from_items(rows, override_num_blocks=len(rows))
            ds = ds.map(_anchor_row, num_cpus=1)
            ds = ds.map(Synthesizer, compute=ray.data.ActorPoolStrategy(size=max(1, min(workers, len(rows)))),
                        num_cpus=0)
            for row in ds.iter_rows():
                yield json.loads(row["outcome"])
        finally:
            if started:
                ray.shutdown()

    return execute
