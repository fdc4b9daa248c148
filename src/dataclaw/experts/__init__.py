"""Deterministic experts: each reads a stream and returns factual anchors.

One file per expert; importing this package registers them all (the modules themselves import
their heavy libraries lazily, inside `setup()` / `run()`).
"""
from __future__ import annotations

import importlib

from .base import EXPERTS, Expert, ExpertContext, NoParams, register_expert

# Modules that register experts. Missing ones (not yet written) are skipped.
_MODULES = ["features", "shots", "keyframes", "motion", "ocr", "speech",
            "robot_gripper", "robot_phases", "robot_faults", "robot_objects",
            "gui_actions", "gui_screens", "hands", "camera", "people", "scene"]


def load_all() -> dict[str, type[Expert]]:
    for mod in _MODULES:
        try:
            importlib.import_module(f"{__name__}.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{mod}":
                raise
    return EXPERTS


def get_expert(name: str) -> type[Expert]:
    load_all()
    from ..errors import ConfigError

    if name not in EXPERTS:
        raise ConfigError(f"unknown expert {name!r}; known: {', '.join(sorted(EXPERTS))}")
    return EXPERTS[name]


def default_experts(kind: str) -> list[str]:
    load_all()
    return [n for n, e in EXPERTS.items() if kind in e.kinds and e.default]


__all__ = ["EXPERTS", "Expert", "ExpertContext", "NoParams", "register_expert", "load_all",
           "get_expert", "default_experts"]
