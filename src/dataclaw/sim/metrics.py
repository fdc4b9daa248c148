"""Scores of robot anchors against the simulator's truth (used by tests and benchmarks/bench_robot.py)."""
from __future__ import annotations

from typing import Any


def _length(spans: list[tuple[float, float]]) -> float:
    return sum(max(0.0, b - a) for a, b in spans)


def _intersection(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    return sum(max(0.0, min(x1, y1) - max(x0, y0)) for x0, x1 in a for y0, y1 in b)


def interval_iou(pred: list[tuple[float, float]], truth: list[tuple[float, float]]) -> float:
    """Temporal IoU of two sets of (non-overlapping) intervals; 1.0 when both are empty."""
    inter = _intersection(pred, truth)
    union = _length(pred) + _length(truth) - inter
    return 1.0 if union <= 0 else inter / union


def phase_boundaries(spans: list[dict[str, Any]]) -> list[tuple[str, float]]:
    """(`a->b`, time) for each change of phase."""
    return [(f"{p['phase']}->{q['phase']}", float(q["t0"])) for p, q in zip(spans, spans[1:])]


def boundary_errors(pred: list[dict[str, Any]], truth: list[dict[str, Any]]) -> tuple[list[float], int]:
    """|error| (s) of each true boundary matched to the predicted boundary of the same transition
    (nearest in time), and how many true boundaries had no predicted counterpart."""
    pb = phase_boundaries(pred)
    errs, missed = [], 0
    for name, t in phase_boundaries(truth):
        cands = [pt for pn, pt in pb if pn == name]
        if cands:
            errs.append(min(abs(pt - t) for pt in cands))
        else:
            missed += 1
    return errs, missed


def fault_matches(pred: list[dict[str, Any]], truth: list[dict[str, Any]], tol: float = 1.0) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives): a prediction matches a true fault of the
    same type whose span it overlaps or whose start is within `tol` seconds."""
    used: set[int] = set()
    tp = 0
    for p in pred:
        hit = next((i for i, t in enumerate(truth) if i not in used and t["type"] == p["type"] and
                    (abs(t["t0"] - p["t0"]) <= tol or (p["t0"] < t["t1"] and t["t0"] < p["t1"]))), None)
        if hit is not None:
            used.add(hit)
            tp += 1
    return tp, len(pred) - tp, len(truth) - len(used)


def project(view: Any, proj: Any, xyz: Any) -> tuple[float, float]:
    """Normalised image coordinates (0..1, origin top-left) of a world point in a pybullet camera."""
    import numpy as np  # noqa: PLC0415

    v = np.array(view, dtype=float).reshape(4, 4).T  # pybullet matrices are column-major
    p = np.array(proj, dtype=float).reshape(4, 4).T
    c = p @ v @ np.array([*xyz, 1.0])
    x, y = c[0] / c[3], c[1] / c[3]
    return float((x + 1) / 2), float((1 - y) / 2)


def bbox_contains(bbox: list[float], uv: tuple[float, float], margin: float = 0.02) -> bool:
    return bbox[0] - margin <= uv[0] <= bbox[2] + margin and bbox[1] - margin <= uv[1] <= bbox[3] + margin
