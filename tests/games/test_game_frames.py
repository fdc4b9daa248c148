"""Game recordings (ALE) -> game_frames samples, checked against the engine's own log."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from dataclaw.model import TaskSpec
from testkit import PathMedia


def _log(d):
    lines = (d / "game.jsonl").read_text().splitlines()
    return json.loads(lines[0]), [json.loads(x) for x in lines[1:]]


def test_game_source_reads_video_and_log(game_dirs):
    from dataclaw.sources import detect_kind, load_source, open_stream

    for d in game_dirs:
        assert detect_kind(d) == "game"
        header, rows = _log(d)
        with open_stream(load_source(d)) as st:
            assert len(st.rows) == len(rows) and abs(st.meta.n_frames - len(rows)) <= 1
            assert st.actions == header["actions"] and st.frame_at(1.0).image.shape[:2] == (210, 160)


def test_bad_log_is_named_and_bad_rows_dropped(game_dirs, tmp_path):
    import shutil

    from dataclaw.errors import SourceError
    from dataclaw.sources.game import GameStream

    d = tmp_path / "rec"
    shutil.copytree(game_dirs[0], d)
    lines = (d / "game.jsonl").read_text().splitlines()
    lines[5] = "{not json"
    (d / "game.jsonl").write_text("\n".join(lines) + "\n")
    with GameStream(d) as st:
        assert [s["line"] for s in st.skipped] == [6] and len(st.rows) == len(lines) - 2
    (d / "game.jsonl").write_text("no header\n")
    with pytest.raises(SourceError, match="game.jsonl"):
        GameStream(d)


def test_anchors_agree_with_the_engine_log(game_dirs):
    from dataclaw.anchors import run_experts

    for d in game_dirs:
        _, rows = _log(d)
        aset = run_experts(d)
        lost = [a for a in aset.of_kind("life_lost")]
        drops = [r for p, r in zip(rows, rows[1:]) if r["lives"] < p["lives"]]
        assert [a.t0 for a in lost] == [r["t"] for r in drops]
        gained = [r for p, r in zip(rows, rows[1:]) if r["score"] != p["score"]]
        assert len(aset.of_kind("score_change")) == len(gained)
        acts = aset.of_kind("game_action")
        assert sum(a.data["frames"] for a in acts) == len(rows)
        for a in aset.of_kind("player_move"):
            i0, i1 = round(a.t0 * 15), round(a.t1 * 15)
            x0, x1 = rows[i0]["ram"]["player_x"], rows[i1]["ram"]["player_x"]
            assert (x1 > x0) == (a.data["direction"] == "right") and x1 != x0


def test_tailor_makes_verified_game_frames(game_dataset, game_dirs):
    res, rows, out = game_dataset
    per = res.counts["per_task"]["game_frames"]
    assert per["accepted"] >= 25 and per["rejected"] == 0
    logged = [r for r in rows if r["meta"]["has_log"]]
    plain = [r for r in rows if not r["meta"]["has_log"]]
    assert logged and plain
    for r in plain:  # a plain video: actions unknown, never invented
        assert "unknown" in r["query"]["text"] and not any(s["type"] == "action" for s in r["solution"])
    assert any("life is lost" in r["query"]["text"] for r in logged)
    assert any("score" in r["query"]["text"] for r in logged)
    for r in logged:
        act = next(s for s in r["solution"] if s["type"] == "action")
        target = next(s for s in r["solution"] if s["type"] == "image")
        assert abs(target["t0"] - act["t1"]) < 1e-3 and len(r["query"]["media"]) == 3
        for name in {x["action"] for x in act["action"]["runs"]}:
            assert name in r["query"]["text"]
        for p in [m["path"] for m in r["query"]["media"]] + [target["path"]]:
            assert (out / p).stat().st_size > 0


def test_game_exports_read_back(game_dataset, game_dirs):
    from dataclaw.sources.robot import RobotStream, episode_paths

    res, rows, out = game_dataset
    frames = [json.loads(x) for x in (out / "game" / "frames.jsonl").read_text().splitlines()]
    assert len(frames) == len(rows) and all(f["prompt"] and f["target_image"] for f in frames)
    eps = episode_paths(out / "lerobot")
    assert len(eps) == len(game_dirs)
    meta = [json.loads(x) for x in (out / "lerobot" / "meta" / "episodes.jsonl").read_text().splitlines()]
    for p, m in zip(eps, meta):  # our own LeRobot reader reads the layout back: actions are the log's
        header, log = _log(Path(m["source_path"]))
        with RobotStream(p) as st:
            assert [header["actions"][int(a)] for a in st.action[:, 0]] == [r["action"] for r in log]
            assert st.state_names[:2] == ["score", "lives"] and st.state[:, 0].tolist() == [r["score"] for r in log]


def test_check_catches_tampering(game_dirs):
    from dataclaw.anchors import run_experts
    from dataclaw.tasks import get_task

    task = get_task("game_frames")
    spec = TaskSpec(task="game_frames", domain="aigc", instruction="x")
    aset = run_experts(game_dirs[0])
    evs = task.select(aset, spec)

    ev = next(e for e in evs if len(set(e.meta["actions"])) >= 2)
    sample = task.build(task.rules(ev, spec), ev, spec, PathMedia())
    assert task.check(sample, ev) == []
    bad = sample.model_copy(deep=True)
    act = next(s for s in bad.solution if s.type == "action")
    act.action["chunk"][0] = "NOOP" if act.action["chunk"][0] != "NOOP" else "FIRE"
    assert any("action chunk" in e for e in task.check(bad, ev))
    unpressed = next(a for a in ("LEFT", "RIGHT", "FIRE", "NOOP") if a not in ev.meta["actions"])
    bad = sample.model_copy(deep=True)
    bad.query.text += f" The player presses {unpressed}."
    assert any(f"names {unpressed}" in e for e in task.check(bad, ev))
    bad = sample.model_copy(deep=True)
    next(s for s in bad.solution if s.type == "image").t0 += 0.2
    assert any("not 1 s after" in e for e in task.check(bad, ev))


def test_planner_routes_gameplay_intents():
    from dataclaw.intent import plan_intent

    for q in ("action-conditioned video generation data from my Atari gameplay",
              "gameplay clips to prompt and target frames", "world model data from these game recordings"):
        assert plan_intent(q, source_kinds=["game"]).tasks[0].task == "game_frames", q
    assert plan_intent("gameplay to prompt and target frames").tasks[0].task == "game_frames"
    assert plan_intent("train a world model on my robot demos").tasks[0].task == "world_model"


def test_corpus_makes_game_frames_only_from_game_logs(game_dataset, game_dirs, plain_video):
    """A plain video is gameplay or a drive only when the intent says so: the corpus builder (no
    intent of the user's) never makes game_frames or driving_plan from one, and does from a game log."""
    from dataclaw.anchors import run_experts
    from dataclaw.train.corpus import naive_rows

    plain = run_experts(plain_video)
    assert not {r.task for r in naive_rows(plain.source, plain, max_samples=2)} & {"game_frames", "driving_plan"}
    game = run_experts(game_dirs[0])
    tasks = {r.task for r in naive_rows(game.source, game, max_samples=2)}
    assert "game_frames" in tasks and "driving_plan" not in tasks
