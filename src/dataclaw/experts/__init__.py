"""Deterministic experts: each reads a stream and returns factual anchors.

One file per expert; importing this package registers them all (the modules themselves import
their heavy libraries lazily, inside `setup()` / `run()`).
"""
from __future__ import annotations

from ..errors import ConfigError
from ..registry import import_present
from .base import EXPERTS, Expert, ExpertContext, NoParams, register_expert

# Modules that register experts. Missing ones (not yet written) are skipped.
_MODULES = ["features", "shots", "keyframes", "motion", "ocr", "speech",
            "robot_gripper", "robot_phases", "robot_faults", "robot_objects",
            "gui_actions", "gui_screens", "hands", "camera", "people", "scene", "subjects", "game_log",
            "driving_log"]


def load_all() -> dict[str, type[Expert]]:
    import_present(__name__, _MODULES)
    return EXPERTS


def get_expert(name: str) -> type[Expert]:
    load_all()
    if name not in EXPERTS:
        raise ConfigError(f"unknown expert {name!r}; known: {', '.join(sorted(EXPERTS))}")
    return EXPERTS[name]


def default_experts(kind: str) -> list[str]:
    load_all()
    return [n for n, e in EXPERTS.items() if kind in e.kinds and e.default]


__all__ = ["EXPERTS", "Expert", "ExpertContext", "NoParams", "register_expert", "load_all",
           "get_expert", "default_experts"]
