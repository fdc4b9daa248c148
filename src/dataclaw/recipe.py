"""Plan <-> YAML recipe: what `dataclaw plan -o plan.yaml` saves and `dataclaw tailor --recipe` replays.

A recipe holds the Plan exactly as planned (task types, domains, rewritten instructions, params,
confidences), so replaying it never re-runs the planner (whose scores could change with a model
or a new task type). Task names are checked against the registry on load.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import __version__
from .errors import ConfigError
from .model import RUN_LIMITS, Plan
from .tasks import TASK_MODULES, check_plan

RECIPE_VERSION = 1


def recipe_dict(plan: Plan, sources: list[str] | None = None, planner: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"dataclaw_recipe": RECIPE_VERSION, "dataclaw": __version__,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "intent": plan.intent, "sources": list(sources or []), "planner": planner or {},
            "plan": plan.model_dump(mode="json")}


def save_recipe(plan: Plan, path: str | Path, sources: list[str] | None = None,
                planner: dict[str, Any] | None = None) -> Path:
    import yaml  # noqa: PLC0415

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(recipe_dict(plan, sources, planner), sort_keys=False, allow_unicode=True, width=100)
    path.write_text("# dataclaw recipe: replay with `dataclaw tailor --recipe " + path.name + " SOURCES`\n" + text)
    return path


def load_recipe(path: str | Path) -> Plan:
    import yaml  # noqa: PLC0415

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"recipe {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"recipe {path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("plan", data), dict):
        raise ConfigError(f"recipe {path}: expected a mapping with a `plan`")
    version = data.get("dataclaw_recipe", RECIPE_VERSION)
    if version != RECIPE_VERSION:
        raise ConfigError(f"recipe {path}: version {version} is not supported (this dataclaw reads {RECIPE_VERSION})")
    raw = data.get("plan", data)
    moved = _legacy_keys(raw)
    try:
        plan = Plan.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"recipe {path}: bad plan: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from exc
    unknown = [s.task for s in plan.tasks if s.task not in TASK_MODULES]
    if unknown:
        raise ConfigError(f"recipe {path}: unknown task type(s) {', '.join(unknown)}; known: {', '.join(TASK_MODULES)}")
    try:
        check_plan(plan)
    except ConfigError as exc:
        raise ConfigError(f"recipe {path}: {exc}") from exc
    if moved:
        plan.notes.append(f"recipe {path.name}: read {', '.join(moved)} from task params (an older recipe); "
                          "they are run limits / formats now (TaskSpec.samples, max_attempts, Plan.formats)")
    return plan


def _legacy_keys(raw: Any) -> list[str]:
    """Run limits and formats an older recipe kept inside task params (the records move them on load)."""
    keys: set[str] = set()
    for t in (raw.get("tasks") if isinstance(raw, dict) else None) or []:
        if isinstance(t, dict) and isinstance(t.get("params"), dict):
            keys |= set(t["params"]) & {*RUN_LIMITS, "format"}
    return sorted(keys)


def load_plan(recipe: str | Path | Plan | dict) -> Plan:
    """A Plan from a Plan, a dict (a recipe's mapping or a bare plan) or a recipe file."""
    if isinstance(recipe, Plan):
        return recipe
    if isinstance(recipe, dict):
        return Plan.model_validate(recipe.get("plan", recipe))
    return load_recipe(recipe)
