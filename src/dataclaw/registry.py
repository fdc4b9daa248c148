"""The one plug-in style: a package lists its plug-in modules by name in one place (experts, tasks,
CLI command groups); each module registers itself when imported (`@register_expert`,
`@register_task`, `@app.command`). `import_present` imports the listed modules that exist: a module
not written yet is skipped, an error inside one is raised."""
from __future__ import annotations

import importlib
from collections.abc import Iterable


def import_present(package: str, modules: Iterable[str]) -> None:
    for mod in modules:
        name = f"{package}.{mod}"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
