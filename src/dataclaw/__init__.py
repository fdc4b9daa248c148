"""dataclaw: agentic data tailoring from raw multimodal streams.

    import dataclaw
    anchors = dataclaw.extract_anchors("lecture.mp4")
    result = dataclaw.tailor(["lecture.mp4"], "turn this lesson into a tutorial", out="out/")

Importing dataclaw is cheap: heavy libraries (PyAV, onnxruntime, torch) load only when used.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "extract_anchors": ("dataclaw.anchors", "extract_anchors"),
    "run_experts": ("dataclaw.anchors", "run_experts"),
    "tailor": ("dataclaw.pipeline", "tailor"),
    "Anchor": ("dataclaw.model", "Anchor"),
    "Sample": ("dataclaw.model", "Sample"),
    "Segment": ("dataclaw.model", "Segment"),
    "Source": ("dataclaw.model", "Source"),
    "TaskSpec": ("dataclaw.model", "TaskSpec"),
    "Plan": ("dataclaw.model", "Plan"),
}

if TYPE_CHECKING:  # pragma: no cover
    from .anchors import extract_anchors, run_experts  # noqa: F401
    from .model import Anchor, Plan, Sample, Segment, Source, TaskSpec  # noqa: F401
    from .pipeline import tailor  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        return getattr(importlib.import_module(mod), attr)
    raise AttributeError(f"module 'dataclaw' has no attribute {name!r}")


__all__ = list(_LAZY) + ["__version__"]
