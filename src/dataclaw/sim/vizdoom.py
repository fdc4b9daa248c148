"""Doom gameplay recorded headless with ViZDoom (`vizdoom`; Freedoom and the scenarios ship in its wheel).

`record_vizdoom(out_dir, scenario, seed, seconds)` plays one episode with a random-with-intent policy
and writes a game recording folder in the layout `sources/game.py` reads (the same as ALE's):

    video.mp4    the player's view with the status bar (HUD on), one frame per logged step
                 (Doom's 35 tics/s / `frameskip`)
    game.jsonl   line 1: header {engine: "vizdoom", game, seed, fps, frameskip, actions, hud_fields, ...};
                 then one row per video frame: {i, t, action, reward, score, lives,
                   vars: {health, ammo, kills}}   the engine's game variables

`score` is the kill count (KILLCOUNT; this scenario's reward is +1 a kill) and is not drawn on the
screen; `lives` is 1 on every row (the engine renders no frame after the death; the header's `died`
and `game_over` say how the episode ended). Health and ammo are
drawn in the status bar (`hud_fields`), so their changes are visible edits. Row i is frame i and the
action pressed from it. The policy: ATTACK when the engine's labels buffer shows a monster in the
middle of the view (the intent: shoot what is in front; at most one shot each 0.6 s), with
probability `watch` a careful shot: standing still to aim 0.7-1.0 s before it and to watch 0.8-1.4 s
after it (NOOP), else a turn held 0.3-1.0 s, and with
probability `explore` a random action.
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
from ..export.lerobot import encode_mp4

VARS = {"health": "HEALTH", "ammo": "AMMO2", "kills": "KILLCOUNT"}
# Where the status bar draws them, as shares of the screen [x0, y0, x1, y1]: Doom's st_stuff.c puts the
# ammo number right-aligned at x 44 and health at x 90 (tall digits, y 171-187 of 320x200).
HUD_PLACES = {"ammo": [0.0, 0.84, 0.15, 0.96], "health": [0.14, 0.84, 0.34, 0.96]}


def record_vizdoom(out_dir: str | Path, scenario: str = "defend_the_center", seed: int = 0, seconds: float = 20.0,
                   frameskip: int = 4, hold: tuple[float, float] = (0.3, 1.0), explore: float = 0.1,
                   watch: float = 0.5, skill: int = 1) -> Path:
    """Plays and records one episode (stops when the player dies, the scenario ends or after `seconds`)."""
    import vizdoom as vzd  # noqa: PLC0415 - optional extra `games`

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    game = vzd.DoomGame()
    game.load_config(str(Path(vzd.scenarios_path) / f"{scenario}.cfg"))
    game.set_doom_config_path(str(out / "_vizdoom.ini"))  # the engine's settings file, not in the cwd
    game.set_window_visible(False)
    game.set_sound_enabled(False)
    game.set_screen_format(vzd.ScreenFormat.RGB24)
    game.set_screen_resolution(vzd.ScreenResolution.RES_320X240)
    game.set_render_hud(True)  # health and ammo on screen: the visible side of the log
    game.set_labels_buffer_enabled(True)
    game.set_available_game_variables([getattr(vzd.GameVariable, v) for v in VARS.values()])
    game.set_doom_skill(int(skill))  # 1 = easiest: the player lives long enough to play a while
    game.set_seed(int(seed))
    game.set_mode(vzd.Mode.PLAYER)
    game.init()
    try:
        buttons = [b.name for b in game.get_available_buttons()]
        names = ["NOOP", *buttons]
        fps = 35.0 / frameskip
        rng = random.Random(seed)
        game.new_episode()
        frames: list[np.ndarray] = []
        rows: list[dict[str, Any]] = []
        current, left, reload, careful = 0, 0, 0, False
        for i in range(int(seconds * fps)):
            if game.is_episode_finished():
                break
            state = game.get_state()
            frames.append(np.asarray(state.screen_buffer).copy())
            vals = {k: int(v) for k, v in zip(VARS, state.game_variables)}
            reload -= 1
            if "ATTACK" in names and reload <= 0 and _enemy_ahead(state):
                if names[current].startswith("TURN") and rng.random() < watch:  # a careful shot: aim first
                    current, left, reload, careful = 0, int(rng.uniform(0.7, 1.0) * fps), 0, True
                elif names[current] != "NOOP" or left <= 0:
                    current, left, reload = names.index("ATTACK"), 1, int(0.6 * fps)  # a shot, then aim again
            elif names[current] == "ATTACK" and careful:  # ... and watch what it did
                current, left, reload, careful = 0, int(rng.uniform(0.8, 1.4) * fps), int(1.4 * fps), False
            elif left <= 0 or names[current] == "ATTACK":
                turns = [n for n in names if n.startswith("TURN")] or names
                current = rng.randrange(len(names)) if rng.random() < explore else names.index(rng.choice(turns))
                left = max(1, int(rng.uniform(*hold) * fps))
            row = {"i": i, "t": round(i / fps, 4), "action": names[current], "score": vals["kills"], "lives": 1,
                   "vars": vals}
            press = [int(names[current] == b) for b in buttons]
            row["reward"] = round(float(game.make_action(press, frameskip)), 4)
            left -= 1
            rows.append(row)
        dead = bool(game.is_player_dead())  # the engine renders no frame after the death: every row is alive
        header = {"engine": "vizdoom", "engine_version": vzd.__version__, "game": scenario, "seed": int(seed), "skill": int(skill),
                  "fps": fps, "frameskip": frameskip, "actions": names, "ram_fields": {},
                  "var_fields": list(VARS), "hud_fields": ["health", "ammo"], "hud_places": HUD_PLACES, "score_field": "kills",
                  "still_actions": [n for n in names if n in ("NOOP", "ATTACK", "USE")],  # the view holds still
                  "score_on_screen": False,
                  "policy": f"random-with-intent (ATTACK when the labels buffer shows a monster mid-view, else a turn "
                            f"held {hold[0]}-{hold[1]} s; p={explore} random action)",
                  "game_over": bool(game.is_episode_finished()), "died": dead, "n_frames": len(rows)}
    finally:
        game.close()
    encode_mp4(np.stack(frames[: len(rows)]), out / "video.mp4", fps, crf=18)
    with open(out / "game.jsonl", "w") as fh:
        fh.write(json.dumps(header) + "\n")
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    return out


def _enemy_ahead(state: Any, band: float = 0.06) -> bool:
    """A labelled object other than the player covers the middle column of the view."""
    for lab in state.labels or []:
        if lab.object_name in ("DoomPlayer",) or "Ammo" in lab.object_name or "Medikit" in lab.object_name:
            continue
        w = state.labels_buffer.shape[1]
        if lab.x <= w * (0.5 + band) and lab.x + lab.width >= w * (0.5 - band):
            return True
    return False


__all__ = ["VARS", "record_vizdoom"]
