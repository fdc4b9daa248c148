"""Intent -> Plan of TaskSpecs.

First version: keyword rules over the task registry (the embedding planner replaces the scoring;
the API stays). Fuzzy intents keep several ranked candidates.
"""
from __future__ import annotations

import re

from .model import Plan, TaskSpec

# task -> (default domain, keyword patterns)
_RULES: dict[str, tuple[str, list[str]]] = {
    "tutorial": ("daily_life", [r"tutorial", r"step[- ]by[- ]step", r"how[- ]to", r"lesson", r"recipe",
                                r"\bsteps?\b", r"stuck", r"teach", r"guide"]),
    "temporal_qa": ("daily_life", [r"\bq ?&? ?a\b", r"question", r"\bwhen\b", r"temporal", r"timestamp",
                                   r"order", r"locali[sz]", r"vqa"]),
    "t2v": ("aigc", [r"text[- ]to[- ]video", r"\bt2v\b", r"video generation", r"generat", r"caption",
                     r"prompt", r"clips?"]),
    "gui_trajectory": ("gui", [r"\bgui\b", r"trajector", r"agent", r"screen", r"click", r"computer use"]),
    "gui_stitch": ("gui", [r"stitch", r"fragment", r"long[- ]horizon"]),
    "gui_grounding": ("gui", [r"grounding", r"element", r"bbox", r"locate"]),
    "world_model": ("embodied", [r"world[- ]model", r"next frame", r"action[- ]condition", r"predict"]),
    "contact": ("embodied", [r"contact", r"grasp", r"hand[- ]object"]),
    "segmentation": ("embodied", [r"segment", r"sub[- ]?task", r"phases?"]),
    "recovery": ("embodied", [r"recover", r"failure", r"fault", r"mistake"]),
}
_EDU = [r"lecture", r"lesson", r"student", r"class", r"course", r"teach", r"exam", r"math", r"solution"]
_SOURCE_TASKS = {
    "video": ["tutorial", "temporal_qa", "t2v"],
    "gui": ["gui_trajectory", "gui_stitch", "gui_grounding"],
    "robot": ["world_model", "contact", "segmentation", "recovery", "t2v"],
    "images": ["temporal_qa", "t2v"],
}


def plan_intent(intent: str, source_kinds: list[str] | None = None, max_tasks: int = 3) -> Plan:
    text = intent.lower()
    allowed = None
    if source_kinds:
        allowed = {t for k in source_kinds for t in _SOURCE_TASKS.get(k, [])}
    scored: list[tuple[float, str]] = []
    for task, (_, pats) in _RULES.items():
        hits = sum(1 for p in pats if re.search(p, text))
        if hits and (allowed is None or task in allowed):
            scored.append((hits, task))
    scored.sort(key=lambda x: -x[0])
    notes: list[str] = []
    fuzzy = not scored
    if fuzzy:
        candidates = sorted(allowed) if allowed else ["tutorial", "temporal_qa", "t2v"]
        order = [t for t in _SOURCE_TASKS.get((source_kinds or ["video"])[0], candidates)]
        scored = [(1.0, t) for t in order]
        notes.append("intent names no data form; keeping several candidates")
    total = sum(s for s, _ in scored) or 1.0
    specs = []
    for s, task in scored[:max_tasks]:
        domain = _RULES[task][0]
        if task == "tutorial" and any(re.search(p, text) for p in _EDU):
            domain = "education"
        specs.append(TaskSpec(task=task, domain=domain, instruction=intent.strip(),
                              confidence=round(s / total, 3)))
    return Plan(intent=intent, tasks=specs, fuzzy=fuzzy, notes=notes)
