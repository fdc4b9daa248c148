"""Ground-truth comparisons shared by the GUI tests and benchmarks/bench_gui.py."""
from __future__ import annotations

def _keys(ks):
    """Key names in one spelling (pyautogui's: "ArrowLeft" is "left"), as the reducer writes them."""
    from dataclaw.experts.gui_actions import key_name

    return [key_name(k) for k in ks or []]


def same_action(pred: dict, truth: dict, tol: float = 3.0) -> bool:
    """One reduced action (gui_action data) against one driver action from truth.json."""
    if pred["type"] != truth["type"]:
        return False
    if truth["type"] in ("click", "double_click", "right_click"):
        return abs(pred["x"] - truth["x"]) <= tol and abs(pred["y"] - truth["y"]) <= tol
    if truth["type"] == "type":
        return pred.get("text") == truth["text"]
    if truth["type"] in ("key", "hotkey"):
        return _keys(pred.get("keys")) == _keys(truth["keys"])
    if truth["type"] == "drag":
        return all(abs(pred.get(k, 0) - truth[k]) <= tol for k in ("x", "y", "dx", "dy"))
    if truth["type"] == "scroll":
        return abs(pred.get("dy", 0) - truth["dy"]) <= 1 and abs(pred.get("dx", 0) - truth.get("dx", 0)) <= 1
    return False


def action_prf(pred: list[dict], truth: list[dict]) -> dict:
    """Order-aware matching (LCS over same_action): recall, precision, and whether all match in order."""
    n, m = len(pred), len(truth)
    dp = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            dp[i][j] = dp[i + 1][j + 1] + 1 if same_action(pred[i], truth[j]) else max(dp[i + 1][j], dp[i][j + 1])
    hit = dp[0][0]
    return {"matched": hit, "pred": n, "truth": m, "recall": hit / m if m else 1.0,
            "precision": hit / n if n else 1.0, "exact": hit == n == m}


def in_box(x: float, y: float, box, pad: float = 1.0) -> bool:
    bx, by, bw, bh = box
    return bx - pad <= x <= bx + bw + pad and by - pad <= y <= by + bh + pad
