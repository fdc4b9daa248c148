"""ViZDoom recordings: the same game.jsonl rows as ALE (engine vizdoom, game variables as fields), so
game_frames and edit_pair read them; everything checked against the engine's own log."""
from __future__ import annotations

import json

from dataclaw.model import TaskSpec
from testkit import PathMedia


def _log(d):
    lines = (d / "game.jsonl").read_text().splitlines()
    return json.loads(lines[0]), [json.loads(x) for x in lines[1:]]


def test_doom_log_and_anchors(doom_dirs):
    from dataclaw.anchors import run_experts
    from dataclaw.sources import detect_kind, load_source, open_stream

    for d in doom_dirs:
        header, rows = _log(d)
        assert detect_kind(d) == "game" and header["engine"] == "vizdoom"
        assert set(rows[0]["vars"]) == {"health", "ammo", "kills"} and "ATTACK" in header["actions"]
        with open_stream(load_source(d)) as st:
            assert st.frame_at(0.5).image.shape[:2] == (240, 320) and len(st.rows) == len(rows)
        aset = run_experts(d)
        for field in header["hud_fields"]:
            logged = [c["t"] for p, c in zip(rows, rows[1:]) if c["vars"][field] != p["vars"][field]]
            assert [a.t0 for a in aset.of_kind("counter_change") if a.data["field"] == field] == logged
        kills = [c["t"] for p, c in zip(rows, rows[1:]) if c["score"] != p["score"]]
        assert [a.t0 for a in aset.of_kind("score_change")] == kills
        assert not aset.of_kind("driving_state")  # no ego car in Doom: driving_log says nothing


def test_game_frames_and_edit_pairs_verify_on_doom(doom_dirs):
    from dataclaw.anchors import run_experts
    from dataclaw.tasks import get_task
    from dataclaw.verify import verify_sample

    made = {"game_frames": 0, "edit_pair": 0}
    for d in doom_dirs:
        aset = run_experts(d)
        for name in made:
            task = get_task(name)
            spec = TaskSpec(task=name, domain="aigc", instruction="gameplay")
            for ev in task.select(aset, spec):
                draft = task.rules(ev, spec)
                sample = task.build(draft, ev, spec, PathMedia())
                v = verify_sample(sample, aset, task=task, evidence=ev, draft=draft)
                assert v.ok, (v.errors, sample.query.text)
                made[name] += 1
                if name == "game_frames":
                    assert any(w in sample.query.text for w in ("TURN_LEFT", "TURN_RIGHT", "ATTACK", "NOOP"))
    assert made["game_frames"] >= 10
    # an edit pair needs the view to hold still and one logged change; Doom rarely gives both (the
    # turning view, the gun's recoil): candidates that do not are dropped with a reason, never made up


def test_doom_edit_candidates_are_dropped_with_reasons(doom_dirs):
    from dataclaw.anchors import run_experts
    from dataclaw.tasks.edit_pair import _game_blocker, _game_candidates

    aset = run_experts(doom_dirs[0])
    header, rows = _log(doom_dirs[0])
    cands = _game_candidates(aset, header["fps"])
    assert cands and all(c["anchors"][0].kind != "score_change" for c in cands)  # kills are not drawn
    assert all(c["place"] == header["hud_places"][c["anchors"][0].data["field"]] for c in cands)
    reasons = [_game_blocker(aset, c, c["before_t"] - 0.6, c["t"] + 0.8) for c in cands]
    assert any("view moves" in r or "another logged change" in r for r in reasons)


def test_a_focus_on_what_the_player_does_selects_the_windows_that_hold_it(doom_dirs):
    """"frames where the player shoots" on a real ViZDoom recording: the windows whose horizon holds a
    logged ATTACK, each verifying. The old code gave ATTACK anchors no words (ViZDoom's names were not
    split, game kinds had no words for the focus), so nothing matched; and a 0.1 s shot fills too little of
    a 1 s window for the share rule. "turns left" is the player's direction, not a place on screen."""
    from dataclaw.anchors import run_experts
    from dataclaw.experts.game_log import action_words
    from dataclaw.focus import focus_evidence, parse_focus
    from dataclaw.tasks import get_task
    from dataclaw.verify import verify_sample

    assert action_words("TURN_LEFT") == ["turn", "left"] and "shoot" in action_words("ATTACK")
    assert action_words("UPLEFTFIRE") == ["up", "left", "fire"]  # ALE's compounds as before
    turn = parse_focus("only the moments when the player turns left")
    assert turn.position is None and "left" in turn.readings[0].terms
    task = get_task("game_frames")
    for d in doom_dirs:
        header, rows = _log(d)
        aset = run_experts(d)
        spec = TaskSpec(task="game_frames", domain="aigc", instruction="gameplay")
        for intent, action in (("frames where the player shoots", "ATTACK"), (turn, "TURN_LEFT")):
            focus = parse_focus(intent) if isinstance(intent, str) else intent
            evs, match = focus_evidence(task, spec, aset, focus)
            pressed = [r["t"] for r in rows if r["action"] == action]
            assert pressed and evs, (d.name, intent, match and match.message)
            for ev in evs:
                t0, t1 = ev.meta["span"]
                assert any(t0 - 1e-6 <= t < t1 for t in pressed), (d.name, action, t0, t1)
                draft = task.rules(ev, spec)
                sample = task.build(draft, ev, spec, PathMedia())
                v = verify_sample(sample, aset, task=task, evidence=ev, draft=draft)
                assert v.ok, (v.errors, sample.query.text)
                assert ev.meta["focus"]["inside"] >= 0.5  # mostly inside, or holding the moment


def test_the_sample_cap_counts_the_windows_the_focus_keeps(doom_dirs):
    """max_samples caps what the focus keeps, not the source's first windows: a cap of k used to take the
    first k windows of the recording and then find none of them holding the focused action."""
    from dataclaw.anchors import run_experts
    from dataclaw.focus import focus_evidence, parse_focus
    from dataclaw.tasks import get_task

    task = get_task("game_frames")
    focus = parse_focus("frames where the player shoots")
    tried = 0
    for d in doom_dirs:
        _, rows = _log(d)
        shots = [r["t"] for r in rows if r["action"] == "ATTACK"]
        aset = run_experts(d)
        windows = task.select(aset, TaskSpec(task="game_frames", domain="aigc", instruction="g"))
        first = next((i for i, ev in enumerate(windows)
                      if any(ev.meta["span"][0] - 1e-6 <= t < ev.meta["span"][1] for t in shots)), None)
        if not first:  # no shot, or one in the very first window: nothing to show here
            continue
        tried += 1
        spec = TaskSpec(task="game_frames", domain="aigc", instruction="g", params={"max_samples": first})
        evs, match = focus_evidence(task, spec, aset, focus)
        assert 0 < len(evs) <= first, (d.name, first, match and match.message)
        assert all(any(ev.meta["span"][0] - 1e-6 <= t < ev.meta["span"][1] for t in shots) for ev in evs)
    assert tried, "no recording had its first shot after the first window"
