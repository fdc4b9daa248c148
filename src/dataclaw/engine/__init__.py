"""The run: one step per source (`step.run_source`: anchors -> tasks -> agent -> a Sink) and the
executors that schedule it. `dataclaw.tailor()` runs it in this process; `run()` here runs it over
files, folders, globs and manifests in `local` processes or on Ray, resumably.

    result.py      TailorOptions in, TailorResult out, the RunTally both executors keep
    step.py        the step itself, its Sink protocol and its typed stats
    work.py        the worker side: the step into an OutcomeSink (JSON across processes)
    driver.py      open, plan, resume, hand work to an executor, write Outcomes in input order
    local.py       spawned worker processes
    ray_engine.py  Ray Data (anchors as tasks, synthesis in an actor pool)
    inputs.py      files, folders, globs, manifests -> source jobs
    shards.py      the merged index of Parquet / WebDataset shards
"""
from __future__ import annotations

from .driver import run
from .inputs import SourceJob, list_sources
from .result import TailorOptions, TailorResult
from .step import Sink, SourceStats, TaskStats, run_source

__all__ = ["Sink", "SourceJob", "SourceStats", "TailorOptions", "TailorResult", "TaskStats", "list_sources", "run",
           "run_source"]
