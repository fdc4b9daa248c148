"""Property: game_frames' rules output passes its verifier on any game log (any action names, scores,
lives, player positions, game name) and any task parameters."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testkit import assert_rules_output_verifies, recording_with_log

ACTION = st.sampled_from(["NOOP", "FIRE", "LEFT", "RIGHT", "UP", "DOWN", "UPLEFT", "DOWNRIGHTFIRE", "LEFTFIRE",
                          "TURN_LEFT", "TURN_RIGHT", "ATTACK", "MOVE_FORWARD"])  # ALE and ViZDoom names
GAME = st.from_regex(r"[a-z]{3,10}(_[a-z]{2,8})?", fullmatch=True)


@st.composite
def logs(draw, n):
    actions = draw(st.lists(ACTION, min_size=2, max_size=6, unique=True))
    holds = draw(st.lists(st.tuples(st.sampled_from(actions), st.integers(1, 20)), min_size=1, max_size=40))
    seq = [a for a, k in holds for _ in range(k)]
    seq = (seq * (n // len(seq) + 1))[:n]
    score, lives, x = draw(st.integers(-50, 50)), draw(st.integers(0, 9)), draw(st.integers(0, 255))
    rows, with_x, with_vars = [], draw(st.booleans()), draw(st.booleans())
    hud = {"health": draw(st.integers(0, 200)), "ammo": draw(st.integers(0, 50))}
    for i, a in enumerate(seq):
        rows.append({"i": i, "t": round(i / 15.0, 4), "action": a, "score": score, "lives": lives,
                     "ram": {"player_x": x} if with_x else {}, "reward": 0})
        if with_vars:  # ViZDoom-style on-screen counters
            rows[-1]["vars"] = dict(hud)
            if draw(st.integers(0, 10)) == 0:
                f = draw(st.sampled_from(sorted(hud)))
                hud[f] = max(0, hud[f] + draw(st.sampled_from([-12, -1, 1, 25])))
        if draw(st.integers(0, 30)) == 0:
            score += draw(st.sampled_from([-5, -1, 1, 3, 100]))
        if lives and draw(st.integers(0, 60)) == 0:
            lives -= 1
        x = max(0, min(255, x + draw(st.sampled_from([0, 0, 0, -9, -2, 3, 12]))))
    header = {"engine": "test", "game": draw(GAME), "fps": 15.0, "actions": actions, "game_over": draw(st.booleans())}
    if with_vars:
        header["hud_fields"] = sorted(hud)
    return header, rows


@given(data=st.data(), horizon=st.sampled_from([0.2, 0.5, 1.0, 2.0]), context=st.sampled_from([0.0, 0.3, 1.0]),
       n_context=st.integers(1, 4), stride=st.sampled_from([0.5, 1.0, 1.7]))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_rules_output_verifies_for_any_log(game_dirs, tmp_path_factory, data, horizon, context, n_context, stride):
    src = game_dirs[0]
    n = len((src / "game.jsonl").read_text().splitlines()) - 1
    header, rows = data.draw(logs(n))
    d = recording_with_log(src, header, rows, tmp_path_factory.mktemp("rec"))
    assert_rules_output_verifies(d, "game_frames", "aigc", {"horizon": horizon, "context": context,
                                 "n_context": n_context, "stride": stride, "max_samples": 6}, instruction="gameplay")
