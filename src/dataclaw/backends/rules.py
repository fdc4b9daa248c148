"""The embedded default backend: each task's deterministic synthesizer, anchors only, no model."""
from __future__ import annotations

import json
import time
from typing import Any

from .base import Backend, Generation, empty_usage


class RulesBackend(Backend):
    name = "rules"
    can_repair = False
    wants_images = False

    def __init__(self, **options: Any) -> None:
        self.options = options

    def generate(self, messages: list[dict], schema: dict, *, task: Any = None, evidence: Any = None,
                 spec: Any = None) -> Generation:
        if task is None or evidence is None:
            return Generation(None, "", empty_usage(), "the rules backend needs the task and its evidence")
        t = time.perf_counter()
        draft = task.rules(evidence, spec)
        usage = empty_usage()
        usage["latency_s"] = round(time.perf_counter() - t, 6)
        return Generation(draft, json.dumps(draft, ensure_ascii=False), usage)
