"""Atari gameplay recorded headless with the Arcade Learning Environment (`ale-py`, ROMs in its wheel).

`record_ale(out_dir, game, seed, seconds)` plays one episode with a random-with-intent policy (with
probability `intent` the player follows the ball for 0.1-0.3 s where the RAM names ball and player;
else an action from the game's minimal set is held for a random 0.2-1.0 s, as a player holds a
direction; FIRE after a life is lost so play goes on) and writes a game recording folder:

    video.mp4    the screen, one frame per logged step (ALE's 60 Hz / `frameskip`)
    game.jsonl   line 1: header {engine, game, seed, fps, frameskip, actions, ram_fields};
                 then one row per video frame: {i, t, action, reward, score, lives, ram: {...}}

Row i describes video frame i (score and lives shown on it) and the action pressed *from* frame i,
whose effect frame i+1 shows. Everything in the log is the emulator's own state (ALE's reward,
`lives()`, RAM bytes), never re-derived from pixels: it is the truth samples are checked against.
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
from ..export.lerobot import encode_mp4

# RAM bytes that name the player's place, from the Atari Annotated RAM Interface (AtariARI,
# Anand et al. 2019, atariari/benchmark/ram_annotations.py). Only games listed here get
# player-motion anchors; others still get actions, score and lives.
RAM_FIELDS: dict[str, dict[str, int]] = {
    "breakout": {"player_x": 72, "ball_x": 99, "ball_y": 101},
    "pong": {"player_y": 51, "enemy_y": 50, "ball_x": 49, "ball_y": 54},
    "freeway": {"player_y": 14},
    "montezuma_revenge": {"player_x": 42, "player_y": 43},
}


def record_ale(out_dir: str | Path, game: str = "breakout", seed: int = 0, seconds: float = 20.0,
               frameskip: int = 4, hold: tuple[float, float] = (0.2, 1.0), intent: float = 0.6) -> Path:
    """Plays and records one episode (stops at game over or after `seconds`); returns the folder."""
    import ale_py  # noqa: PLC0415 - optional extra `games`
    from ale_py import roms  # noqa: PLC0415

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ale = ale_py.ALEInterface()
    ale.setLoggerMode(ale_py.LoggerMode.Error)
    ale.setInt("random_seed", int(seed))
    ale.setFloat("repeat_action_probability", 0.0)  # deterministic given the seed and actions
    ale.loadROM(roms.get_rom_path(game))
    actions = list(ale.getMinimalActionSet())
    names = [a.name for a in actions]
    fps = 60.0 / frameskip
    rng = random.Random(seed)
    fields = RAM_FIELDS.get(game, {})
    frames: list[np.ndarray] = []
    rows: list[dict[str, Any]] = []
    score, lives = 0, ale.lives()
    current, left, fire_next = 0, 0, "FIRE" in names
    n_max = int(seconds * fps)
    track = {"ball_x", "player_x"} <= set(fields) and {"LEFT", "RIGHT"} <= set(names)
    for i in range(n_max):
        frames.append(ale.getScreenRGB().copy())
        ram = ale.getRAM()
        if fire_next:  # serve the ball / start the round, as a player would
            current, left, fire_next = names.index("FIRE"), max(1, int(0.1 * fps)), False
        elif left <= 0:
            if track and rng.random() < intent:  # intent: follow the ball for a short while
                bx, px = int(ram[fields["ball_x"]]), int(ram[fields["player_x"]])
                current = names.index("RIGHT" if bx > px else "LEFT")
                left = max(1, int(rng.uniform(0.1, 0.3) * fps))
            else:  # a random action, held
                current = rng.randrange(len(actions))
                left = max(1, int(rng.uniform(*hold) * fps))
        row = {"i": i, "t": round(i / fps, 4), "action": names[current], "score": score, "lives": lives,
               "ram": {k: int(ram[a]) for k, a in fields.items()}}
        reward = 0
        for _ in range(frameskip):
            reward += ale.act(actions[current])
        left -= 1
        row["reward"] = int(reward)
        rows.append(row)
        score += int(reward)
        if ale.lives() < lives and "FIRE" in names:
            fire_next = True
        lives = ale.lives()
        if ale.game_over():
            break
    header = {"engine": "ale", "engine_version": ale_py.__version__, "game": game, "seed": int(seed),
              "fps": fps, "frameskip": frameskip, "actions": names, "ram_fields": fields,
              "policy": f"random-with-intent (p={intent} follow the ball where RAM names it, else a random action "
                        f"held {hold[0]}-{hold[1]} s; FIRE after a lost life)",
              "game_over": bool(ale.game_over()), "n_frames": len(rows)}
    encode_mp4(np.stack(frames), out / "video.mp4", fps, crf=16)
    with open(out / "game.jsonl", "w") as fh:
        fh.write(json.dumps(header) + "\n")
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    return out


__all__ = ["RAM_FIELDS", "record_ale"]
