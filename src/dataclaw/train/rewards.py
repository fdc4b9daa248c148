"""Rule-driven rewards for RL on raw model output, each in [0, 1], all computed by `verify.score_draft`:

    format      clean JSON object matching the task's draft schema (partial credit inside prose/fences,
                halved when ordered steps are out of time order)
    grounding   share of the draft's claims the evidence anchors support (cited ids exist, times inside
                the cited anchors, quotes match OCR / speech)
    efficiency  conciseness (no bloat, no near-duplicate steps, no repetition)
    overall     weighted mean (default weights 1 / 1 / 1; configs may change them)

The ground truth is the `ground_truth` column the corpus writes (evidence anchors + source + task), or
the one the verl export writes (the same, plus the reference `answer`). Against an export's ground
truth, a completion that is not a clean JSON draft is read as an answer in the export's own format
(`[t0s-t1s] text` lines, `action: {...}`; `export.chat.parse_answer`), verified the same way, and scored
with a fourth component:
    match       how close it is to the reference answer: temporal IoU of its timed segments with the
                reference's, and word overlap of its text (rapidfuzz token_set_ratio)
Adapters: TRL's GRPOTrainer (`trl_reward_funcs`: callables taking completions + dataset columns) and
verl / EasyR1 (`compute_score(data_source, solution_str, ground_truth, extra_info)`).
"""
from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # verl may load this file by path: no package import at load time
    from dataclaw.model import AnchorSet

COMPONENTS = ("format", "grounding", "efficiency")
DEFAULT_WEIGHTS = {"format": 1.0, "grounding": 1.0, "efficiency": 1.0}


@functools.lru_cache(maxsize=512)
def _context(gt: str) -> tuple[Any, Any, Any]:
    from dataclaw.train.corpus import load_ground_truth  # noqa: PLC0415 - absolute: verl may load this file by path

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
    from dataclaw.verify import score_draft  # noqa: PLC0415

    gt = ground_truth if isinstance(ground_truth, str) else json.dumps(ground_truth)
    task, anchorset, ev = _context(gt)
    text = completion_text(completion)
    try:
        reference = _reference(gt)
        if reference is not None and parse_draft_credit(text) < 1.0:
            return score_answer(text, reference, task, anchorset, ev, weights)
        return score_draft(text, anchorset, task=task, evidence=ev, weights={**DEFAULT_WEIGHTS, **(weights or {})})
    except Exception as exc:  # noqa: BLE001 - a reward must never crash a training step
        return {"format": 0.0, "grounding": 0.0, "efficiency": 0.0, "overall": 0.0, "ok": False,
                "errors": [f"score: {type(exc).__name__}: {exc}"]}


@functools.lru_cache(maxsize=512)
def _reference(gt: str) -> str | None:
    answer = json.loads(gt).get("answer")
    return answer if isinstance(answer, str) else None


def parse_draft_credit(text: str) -> float:
    from dataclaw.verify import parse_draft  # noqa: PLC0415

    return parse_draft(text)[1]


def _iou(a: tuple[float, float], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else float(abs(a[0] - b[0]) < 0.5)


def answer_match(segments: list[Any], reference: list[Any]) -> float:
    """Closeness to the reference answer in [0, 1]: the mean, over the reference's timed segments, of
    the best temporal IoU with a timed segment of the answer, averaged with the word overlap of the texts."""
    from rapidfuzz import fuzz  # noqa: PLC0415

    def text_of(segs: list[Any]) -> str:
        return " ".join(s.text or (json.dumps(s.action, sort_keys=True) if s.action else "") for s in segs).strip()

    parts = []
    ref_spans = [(s.t0, s.t1 if s.t1 is not None else s.t0) for s in reference if s.t0 is not None]
    spans = [(s.t0, s.t1 if s.t1 is not None else s.t0) for s in segments if s.t0 is not None]
    if ref_spans:
        parts.append(sum(max((_iou(r, a) for a in spans), default=0.0) for r in ref_spans) / len(ref_spans))
    ref_text = text_of(reference)
    if ref_text:
        parts.append(fuzz.token_set_ratio(ref_text.lower(), text_of(segments).lower()) / 100.0)
    return sum(parts) / len(parts) if parts else 0.0


def score_answer(text: str, reference: str, task: Any, anchorset: AnchorSet | list[AnchorSet], evidence: Any,
                 weights: dict[str, float] | None = None) -> dict[str, Any]:
    """Reward components for an answer in the export's format (see the module docstring)."""
    from dataclaw.export.chat import parse_answer  # noqa: PLC0415
    from dataclaw.model import Sample  # noqa: PLC0415
    from dataclaw.verify import verify_sample  # noqa: PLC0415

    w = {**DEFAULT_WEIGHTS, "match": 1.0, **(weights or {})}
    segs = parse_answer(text)
    ref = parse_answer(reference)
    if not segs:
        res = {"format": 0.0, "grounding": 0.0, "efficiency": 0.0, "match": 0.0, "ok": False,
               "errors": ["format: empty answer"]}
    else:
        name = getattr(task, "name", "answer")
        first = anchorset[0] if isinstance(anchorset, (list, tuple)) else anchorset
        src = evidence.source.id if evidence is not None and evidence.sources else first.source.id
        sample = Sample(id="answer", task=name, domain="", source=src, query={"text": "answer"}, solution=segs)
        v = verify_sample(sample, anchorset, None, None, evidence)
        errors = [e for e in v.errors if "segment needs" not in e]
        fmt = v.scores.format
        if any(s.t0 is not None for s in ref) and not any(s.t0 is not None for s in segs):
            fmt *= 0.5  # the reference answers with times; this answer gives none
            errors.append("format: the answer gives no [t0s-t1s] times")
        res = {"format": round(fmt, 4), "grounding": v.scores.grounding, "efficiency": v.scores.efficiency,
               "match": round(answer_match(segs, ref), 4), "ok": not errors, "errors": errors}
        if any("no checkable claims" in x for x in v.warnings) and not any(s.t0 is not None for s in ref):
            w["grounding"] = 0.0  # a plain caption: nothing to check, in the answer or the reference
    keys = [k for k in ("format", "grounding", "efficiency", "match") if w.get(k, 0)]
    res["overall"] = round(sum(w[k] * res[k] for k in keys) / sum(w[k] for k in keys), 4) if keys else 0.0
    return res


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
    return {"score": float(s["overall"]), **{k: float(s[k]) for k in COMPONENTS + ("match",) if k in s}}
