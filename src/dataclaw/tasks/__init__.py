"""Task types: output schema, evidence selection, prompt and deterministic rules synthesizer."""
from __future__ import annotations

import importlib

from ..errors import ConfigError
from .base import TASK_MODULES, TASKS, Evidence, Task, register_task


def load_all() -> dict[str, type[Task]]:
    for mod in sorted(set(TASK_MODULES.values())):
        try:
            importlib.import_module(f"{__name__}.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{mod}":
                raise
    return TASKS


def get_task(name: str) -> Task:
    load_all()
    if name not in TASKS:
        if name in TASK_MODULES:
            raise ConfigError(f"task {name!r} is known but not available in this build")
        raise ConfigError(f"unknown task {name!r}; known: {', '.join(sorted(TASK_MODULES))}")
    return TASKS[name]()


__all__ = ["Evidence", "Task", "TASKS", "TASK_MODULES", "register_task", "load_all", "get_task"]
