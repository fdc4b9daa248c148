"""Task types: output schema, evidence selection, prompt and deterministic rules synthesizer."""
from __future__ import annotations

from pydantic import ValidationError

from ..errors import ConfigError
from ..model import Plan
from ..registry import import_present
from .base import TASK_MODULES, TASKS, Evidence, Task, register_task


def load_all() -> dict[str, type[Task]]:
    import_present(__name__, sorted(set(TASK_MODULES.values())))
    return TASKS


def get_task(name: str) -> Task:
    load_all()
    if name not in TASKS:
        if name in TASK_MODULES:
            raise ConfigError(f"task {name!r} is known but not available in this build")
        raise ConfigError(f"unknown task {name!r}; known: {', '.join(sorted(TASK_MODULES))}")
    return TASKS[name]()


def check_plan(plan: Plan) -> None:
    """Every task's params are that task's `Params` (no unknown keys, right types), else ConfigError.
    A task this build lacks is left to the run, which reports it as not served."""
    for spec in plan.tasks:
        try:
            task = get_task(spec.task)
        except ConfigError:
            continue
        try:
            task.Params(**spec.params)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(x) for x in err["loc"]) or "params"
            raise ConfigError(f"task {spec.task!r}: bad params: {where}: {err['msg']} "
                              f"(known: {', '.join(task.Params.model_fields) or 'none'})") from exc


__all__ = ["Evidence", "Task", "TASKS", "TASK_MODULES", "register_task", "load_all", "get_task", "check_plan"]
