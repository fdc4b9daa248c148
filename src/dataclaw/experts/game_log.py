"""`game_log`: the engine's own log of a game recording as anchors (no pixels are read).

    game_action   a run of one held action (the log's action name, e.g. LEFT, FIRE, NOOP)
    score_change  the frame where the score changes (delta, score before and after)
    life_lost     the frame where the lives count drops (lives before and after)
    player_move   a run where the player's logged position (a RAM field named `player_x`) moves
                  one way: left or right, with from_x, to_x and distance in RAM units
    counter_change  the frame where a value the screen shows (a header `hud_fields` name in the row's
                  `vars`, e.g. ViZDoom's health and ammo) changes: field, before, after, delta
    game_over     the last frame, when the engine said the game ended

Times are on the video's clock: row i is frame i at i / fps; an action run spans the frames it was
pressed from, [first, last + 1/fps). An event is stamped at the first frame that shows it.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..model import Anchor
from .base import Expert, ExpertContext, register_expert

# direction words of the action names ALE writes (LEFT, UPRIGHT, DOWNLEFTFIRE, ...)
_DIRS = ("UP", "DOWN", "LEFT", "RIGHT")
# what a player says for an engine's button: ViZDoom's ATTACK fires the weapon ("when the player shoots")
_SAID = {"attack": ("shoot", "fire"), "altattack": ("shoot", "fire"), "turn180": ("turn", "around")}


def action_words(name: str) -> list[str]:
    """The words of an action name, lower-cased: ALE's compounds by part ('UPLEFTFIRE' -> ['up', 'left',
    'fire']), ViZDoom's by underscore ('TURN_LEFT' -> ['turn', 'left']), plus the verbs players use for a
    button ('ATTACK' -> ['attack', 'shoot', 'fire'])."""
    out: list[str] = []
    for chunk in name.upper().split("_"):
        rest, parts = chunk, []
        for part in ("UP", "DOWN", "LEFT", "RIGHT", "FIRE", "NOOP"):
            if part in rest:
                parts.append(part.lower())
                rest = rest.replace(part, "", 1)
        words = parts if parts and not rest else [chunk.lower()] if chunk else []
        for w in words:
            out += [x for x in (w, *_SAID.get(w, ())) if x not in out]
    return out or [name.lower()]


class GameLogParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_move: int = Field(4, description="RAM units a player_move run must cover (smaller jitter is not a move)")


@register_expert
class GameLogExpert(Expert):
    name = "game_log"
    version = "3"  # 3: ViZDoom names split at "_", players' verbs
    kinds = ("game",)
    description = "Actions, score and on-screen counter changes, lost lives, player moves and game over from a game recording's log"
    Params = GameLogParams

    def run(self, stream: Any, ctx: ExpertContext) -> list[Anchor]:
        p: GameLogParams = self.params
        rows, fps, game = stream.rows, stream.fps, stream.game
        dt = 1.0 / fps
        out: list[Anchor] = []
        start = 0
        for i in range(1, len(rows) + 1):  # runs of one held action
            if i == len(rows) or rows[i]["action"] != rows[start]["action"]:
                a = rows[start]["action"]
                end = rows[i]["t"] if i < len(rows) else round(rows[-1]["t"] + dt, 4)
                out.append(self.anchor(ctx, "game_action", rows[start]["t"], end,
                                       {"action": a, "words": action_words(a), "frames": i - start, "game": game}))
                start = i
        for prev, cur in zip(rows, rows[1:]):
            if cur.get("score") != prev.get("score") and isinstance(cur.get("score"), (int, float)):
                out.append(self.anchor(ctx, "score_change", cur["t"], cur["t"],
                                       {"before": prev["score"], "after": cur["score"],
                                        "delta": cur["score"] - prev["score"], "game": game}))
            if isinstance(cur.get("lives"), int) and isinstance(prev.get("lives"), int) and cur["lives"] < prev["lives"]:
                out.append(self.anchor(ctx, "life_lost", cur["t"], cur["t"],
                                       {"before": prev["lives"], "lives": cur["lives"], "game": game}))
        for field in stream.header.get("hud_fields") or []:
            for prev, cur in zip(rows, rows[1:]):
                a, b = (prev.get("vars") or {}).get(field), (cur.get("vars") or {}).get(field)
                if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a != b:
                    out.append(self.anchor(ctx, "counter_change", cur["t"], cur["t"],
                                           {"field": str(field), "before": a, "after": b, "delta": b - a,
                                            "game": game}))
        out += self._moves(ctx, rows, dt, p.min_move, game)
        if stream.header.get("game_over") and rows:
            out.append(self.anchor(ctx, "game_over", rows[-1]["t"], rows[-1]["t"], {"game": game}))
        return sorted(out, key=lambda a: (a.t0, a.kind))

    def _moves(self, ctx: ExpertContext, rows: list[dict[str, Any]], dt: float, min_move: int,
               game: str) -> list[Anchor]:
        xs = [(r["t"], (r.get("ram") or {}).get("player_x")) for r in rows]
        if not xs or any(x is None for _, x in xs):
            return []
        out, i = [], 0
        while i < len(xs) - 1:
            j, sign = i, 0
            while j < len(xs) - 1:
                d = xs[j + 1][1] - xs[j][1]
                s = (d > 0) - (d < 0)
                if s == 0 or (sign and s != sign):
                    break
                sign, j = s, j + 1
            if sign and abs(xs[j][1] - xs[i][1]) >= min_move:
                out.append(self.anchor(ctx, "player_move", xs[i][0], xs[j][0],
                                       {"direction": "right" if sign > 0 else "left", "from_x": xs[i][1],
                                        "to_x": xs[j][1], "distance": abs(xs[j][1] - xs[i][1]), "game": game}))
            i = max(j, i + 1)
        return out


__all__ = ["GameLogExpert", "action_words"]
