"""Property: driving_plan's rules output passes its verifier on any driving log (any lanes, speeds,
lane changes, cars ahead, a crash) and any task parameters."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testkit import assert_rules_output_verifies, recording_with_log


@st.composite
def logs(draw, n):
    lanes = draw(st.integers(1, 5))
    lane, speed, crash = draw(st.integers(0, lanes - 1)), draw(st.floats(0, 40)), draw(st.booleans())
    gap = draw(st.one_of(st.none(), st.floats(0, 120)))
    rows, target, lead = [], lane, 1
    for i in range(n):
        if target == lane and lanes > 1 and draw(st.integers(0, 12)) == 0:
            target = max(0, min(lanes - 1, lane + draw(st.sampled_from([-1, 1]))))
        elif target != lane and draw(st.integers(0, 3)) == 0:
            lane = target
        speed = max(0.0, speed + draw(st.sampled_from([0.0, 0.0, -1.7, -0.4, 0.3, 1.2])))
        if draw(st.integers(0, 15)) == 0:
            gap, lead = draw(st.one_of(st.none(), st.floats(0, 120))), lead + 1
        elif gap is not None:
            gap = max(0.0, gap + draw(st.floats(-3, 3)))
        rows.append({"i": i, "t": round(i / 5.0, 4), "action": draw(st.sampled_from(["IDLE", "FASTER", "SLOWER"])),
                     "ego": {"x": 10.0 * i, "y": 4.0 * lane, "speed": round(speed, 2), "heading": 0.0, "lane": lane,
                             "target_lane": target, "crashed": crash and i == n - 1},
                     "lead": None if gap is None else {"id": lead, "gap": round(gap, 2), "speed": draw(st.floats(0, 40))},
                     "vehicles": []})
    header = {"engine": "highway-env", "game": "highway", "fps": 5.0, "lanes": lanes,
              "actions": ["LANE_LEFT", "IDLE", "LANE_RIGHT", "FASTER", "SLOWER"], "game_over": crash}
    return header, rows


@given(data=st.data(), horizon=st.sampled_from([0.4, 1.0, 2.0, 3.0]), context=st.sampled_from([0.0, 0.6, 1.0]),
       n_context=st.integers(1, 4), stride=st.sampled_from([0.4, 1.0, 1.8]), min_dv=st.sampled_from([0.5, 1.0, 3.0]))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_rules_output_verifies_for_any_driving_log(drive_dirs, tmp_path_factory, data, horizon, context, n_context,
                                                   stride, min_dv):
    src = drive_dirs[0]
    n = len((src / "game.jsonl").read_text().splitlines()) - 1
    header, rows = data.draw(logs(n))
    d = recording_with_log(src, header, rows, tmp_path_factory.mktemp("drive"))
    assert_rules_output_verifies(d, "driving_plan", "embodied", {"horizon": horizon, "context": context,
                                 "n_context": n_context, "stride": stride, "min_dv": min_dv, "max_samples": 6},
                                 instruction="driving plans")
