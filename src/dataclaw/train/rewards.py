"""Rule-driven rewards for RL on raw model output, each in [0, 1], all computed by `verify.score_draft`:

    format      clean JSON object matching the task's draft schema (partial credit inside prose/fences,
                halved when ordered steps are out of time order)
    grounding   share of the draft's claims the evidence anchors support (cited ids exist, times inside
                the cited anchors, quotes match OCR / speech)
    efficiency  conciseness (no bloat, no near-duplicate steps, no repetition)
    overall     weighted mean (default weights 1 / 1 / 1; configs may change them)

The ground truth is the `ground_truth` column the corpus writes (evidence anchors + source + task).
Adapters: TRL's GRPOTrainer (`trl_reward_funcs`: callables taking completions + dataset columns) and
verl / EasyR1 (`compute_score(data_source, solution_str, ground_truth, extra_info)`).
"""
from __future__ import annotations

import functools
import json
from typing import Any, Callable
from ..verify import score_draft
from .corpus import load_ground_truth

COMPONENTS = ("format", "grounding", "efficiency")
DEFAULT_WEIGHTS = {"format": 1.0, "grounding": 1.0, "efficiency": 1.0}


@functools.lru_cache(maxsize=512)
def _context(gt: str) -> tuple[Any, Any, Any]:
    return load_ground_truth(gt)


def completion_text(completion: Any) -> str:
    """TRL passes plain strings or, for conversational data, [{"role": "assistant", "content": ...}]."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        return "".join(str(m.get("content", "")) for m in completion if isinstance(m, dict))
    if isinstance(completion, dict):
        return str(completion.get("content", ""))
    return str(completion or "")


def score(completion: Any, ground_truth: str | dict[str, Any], weights: dict[str, float] | None = None) -> dict[str, Any]:
    """All components for one completion: {"format", "grounding", "efficiency", "overall", "ok", "errors"}."""
    gt = ground_truth if isinstance(ground_truth, str) else json.dumps(ground_truth)
    task, anchorset, ev = _context(gt)
    text = completion_text(completion)
    try:
        return score_draft(text, anchorset, task=task, evidence=ev, weights={**DEFAULT_WEIGHTS, **(weights or {})})
    except Exception as exc:  # noqa: BLE001 - a reward must never crash a training step
        return {"format": 0.0, "grounding": 0.0, "efficiency": 0.0, "overall": 0.0, "ok": False,
                "errors": [f"score: {type(exc).__name__}: {exc}"]}


def format_reward(completion: Any, ground_truth: Any) -> float:
    return float(score(completion, ground_truth)["format"])


def grounding_reward(completion: Any, ground_truth: Any) -> float:
    return float(score(completion, ground_truth)["grounding"])


def efficiency_reward(completion: Any, ground_truth: Any) -> float:
    return float(score(completion, ground_truth)["efficiency"])


def overall_reward(completion: Any, ground_truth: Any, weights: dict[str, float] | None = None) -> float:
    return float(score(completion, ground_truth, weights)["overall"])


# ---------------------------------------------------------------------------- TRL
def trl_reward_funcs(components: tuple[str, ...] = COMPONENTS) -> list[Callable[..., list[float]]]:
    """One TRL reward callable per component; GRPOTrainer sums them with `reward_weights` from the
    config. Each takes `completions` and the dataset's `ground_truth` column as keyword arguments."""
    funcs = []
    for name in components:
        def fn(completions: list[Any], ground_truth: list[str], _name: str = name, **_: Any) -> list[float]:
            return [float(score(c, g)[_name]) for c, g in zip(completions, ground_truth)]

        fn.__name__ = f"{name}_reward"
        funcs.append(fn)
    return funcs


# ---------------------------------------------------------------------------- verl / EasyR1
def compute_score(data_source: str, solution_str: str, ground_truth: str, extra_info: dict | None = None,
                  **_: Any) -> dict[str, Any]:
    """verl's custom reward function (`custom_reward_function.path=.../rewards.py`, name=compute_score):
    returns {"score": overall, "format", "grounding", "efficiency"} (verl logs the extra keys)."""
    weights = (extra_info or {}).get("reward_weights") if isinstance(extra_info, dict) else None
    s = score(solution_str, ground_truth, weights)
    return {"score": float(s["overall"]), **{k: float(s[k]) for k in COMPONENTS}}
