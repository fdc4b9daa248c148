"""Engines for many sources: `local` (spawned processes) and `ray` (Ray Data), both resumable.

`run()` is `tailor()` over files, folders, globs and manifests; `list_sources()` expands those inputs.
"""
from __future__ import annotations

from .driver import run
from .inputs import SourceJob, list_sources

__all__ = ["SourceJob", "list_sources", "run"]
