"""`game_frames` (AIGC): (context frames, action / text prompt) -> the frames a fixed horizon ahead.

Data for action-conditioned video generation and world models. One sample per start time t (every
`stride` s): the query shows `context` frames up to t and a prompt; the solution is the logged
per-frame action chunk over [t, t+h), the frame at t+h (and optionally the clip [t, t+h]).

The prompt is written from anchors only: the held actions of the window (`game_action`), and what
the engine logged in it (`score_change`, `life_lost`, `player_move`, `game_over`). `check` re-reads
the recording's own log: the action chunk is the log's, every action the prompt names was pressed in
the window, every event it states happened there, and the target frame lies h after the context.

A gameplay video without a log (a plain `video` source) gets a prompt from its motion anchors
only, and says that the actions are unknown; no action chunk is written.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..model import Anchor, AnchorSet, Query, Sample, Segment, TaskSpec
from ..sources.game import LOG_NAME, read_log
from .base import Evidence, Task, register_task
from .shared.common import IDS_SCHEMA, build_prompt, copied_draft, duration_of, evidence_sample_id, overlap, provenance

EVENT_KINDS = ("score_change", "life_lost", "player_move", "counter_change", "game_over")
UNKNOWN = "The actions are unknown: this video has no game log."
_ACTION_RE = re.compile(r"\b[A-Z][A-Z0-9_]*[A-Z0-9]\b")  # LEFT, UPFIRE, TURN_LEFT, LANE_RIGHT


class GameFramesParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    horizon: float = Field(1.0, gt=0, description="s from the last context frame to the target frame")
    context: float = Field(0.5, ge=0, description="s of context before t (frames shown in the query)")
    n_context: int = Field(3, ge=1, le=16, description="context frames shown, evenly over [t - context, t]")
    stride: float = Field(1.0, gt=0, description="s between sample start times")
    clip: bool = True  # also write the target clip [t, t+h]
    max_samples: int = 40


def _covering(anchors: list[Anchor], t: float, tol: float = 1e-3) -> list[Anchor]:
    return [a for a in anchors if a.t0 - tol <= t <= a.t1 + tol]


def _fmt(t: float) -> str:
    return f"{t:.2f}"


def _title(game: str) -> str:
    return game.replace("_", " ").title()


def _event_text(a: Anchor) -> str:
    d = a.data
    if a.kind == "score_change":
        delta = d.get("delta", 0)
        return f"the score {'rises' if delta > 0 else 'falls'} by {abs(delta):g}, now {d.get('after'):g}"
    if a.kind == "life_lost":
        return f"a life is lost, {d.get('lives')} lives remain"
    if a.kind == "player_move":
        return f"the player moves {d.get('direction')}"
    if a.kind == "counter_change":
        delta = d.get("delta", 0)
        return f"the {d.get('field')} {'rises' if delta > 0 else 'falls'} by {abs(delta):g}, now {d.get('after'):g}"
    if a.kind == "game_over":
        return "the game ends"
    return ""


def game_prompt(ev: Evidence) -> str:
    """The prompt of a window: held actions in order, then the logged events (all from anchors)."""
    m = ev.meta
    t0, t1 = m["span"]
    if not m.get("has_log"):
        level = m.get("motion") or "moving"
        return f"Continue the gameplay for {m['horizon']:g} s; the picture is {level}. {UNKNOWN}"
    acts = [f"{r['action']} for {r['duration']:.2f} s" for r in action_runs(m["actions"], m["fps"])]
    text = f"{_title(m['game'])}: over the next {m['horizon']:g} s the player presses " + ", followed by ".join(acts) + "."
    events = [e for e in (_event_text(a) for a in sorted(ev.anchors, key=lambda a: (a.t0, a.kind))
                          if a.kind in EVENT_KINDS) if e]
    if events:
        text += " Then " + "; ".join(events) + "."
    return text


@lru_cache(maxsize=32)
def _log(path: str, mtime: float) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    header, rows, _ = read_log(path)
    return header, rows


def game_log(source_path: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(header, rows) of a recording's log, read once per file version."""
    p = Path(source_path) / LOG_NAME
    return _log(str(p), p.stat().st_mtime)


def action_runs(actions: list[str], fps: float) -> list[dict[str, Any]]:
    """[{action, duration (s held)}, ...] of a per-frame action chunk, in order."""
    runs: list[list[Any]] = []
    for a in actions:
        if runs and runs[-1][0] == a:
            runs[-1][2] += 1
        else:
            runs.append([a, 0.0, 1])
    return [{"action": a, "duration": round(n / fps, 2)} for a, _, n in runs]


def log_actions(rows: list[dict[str, Any]], fps: float, t0: float, t1: float) -> list[str]:
    """The actions pressed from the frames in [t0, t1) (row i is frame i at i / fps)."""
    i0, i1 = int(round(t0 * fps)), int(round(t1 * fps))
    return [str(r["action"]) for r in rows[i0:i1]]


@register_task
class GameFramesTask(Task):
    name = "game_frames"
    domains = ("aigc",)
    source_kinds = ("game", "video")
    focus_holds = True  # a window holds the focused moment
    focus_mode = "filter"  # the window's prompt needs every action in it, not the focused ones only
    asked_only = ("video",)  # a plain video is gameplay / a drive only when the intent says so
    description = ("Gameplay -> (context frames, action / text prompt) -> target frames a fixed horizon ahead, "
                   "for action-conditioned video generation and world models.")
    examples = ("action-conditioned video generation data from gameplay", "game world model training data",
                "predict the next frames of an Atari game from the actions", "gameplay to prompt and target frames",
                "video game frame prediction")
    keywords = (r"game ?play", r"\bgames?\b.*(frame|world|predict|generat)",
                r"(world[- ]model|frames?|predict\w*|generat\w*|action[- ]condition\w*)\b.*\bgames?\b",
                r"\batari\b", r"\bale\b", r"vizdoom|\bdoom\b", r"game[- ]frames?")
    keywords_zh = ('游戏画面', '游戏录像', '游戏世界模型', '雅达利', '游戏')
    examples_zh = ('把游戏录像做成动作条件的视频生成数据', '用雅达利游戏录像做世界模型训练数据')
    rewrite = "Pair each gameplay context and the actions pressed with the frames that follow a fixed horizon ahead."
    Params = GameFramesParams

    def draft_schema(self) -> dict[str, Any]:
        return {"type": "object", "required": ["t", "horizon", "actions", "prompt", "anchors"],
                "properties": {"t": {"type": "number"}, "horizon": {"type": "number", "exclusiveMinimum": 0},
                               "actions": {"type": ["array", "null"], "items": {"type": "string"}},
                               "prompt": {"type": "string", "minLength": 5}, "anchors": IDS_SCHEMA}}

    def select(self, anchors: AnchorSet, spec: TaskSpec) -> list[Evidence]:
        p = self.params(spec)
        dur = duration_of(anchors)
        src = anchors.source
        has_log = src.kind == "game"
        fps = float(anchors.meta.get("fps") or 15.0)
        if has_log:
            header, rows = game_log(src.path)
            fps, game = float(header["fps"]), str(header.get("game", "game"))
            timeline = anchors.of_kind("game_action")
        else:
            rows, game = [], ""
            timeline = anchors.of_kind("motion", "static")
        if not timeline:
            return []
        last = dur - 1.0 / fps  # the last frame's start: the target must be a real frame
        out: list[Evidence] = []
        n_h = max(1, int(round(p.horizon * fps)))
        n_c = int(round(p.context * fps))
        n_last = int(round(last * fps))
        i = n_c
        while i + n_h <= n_last and len(out) < p.max_samples:
            t0, t1, h = round(i / fps, 4), round((i + n_h) / fps, 4), round(n_h / fps, 4)
            ctx = sorted({round((i - round(n_c * k / max(1, p.n_context - 1))) / fps, 4) for k in range(p.n_context)})
            cited = [a for a in timeline if a.t1 > ctx[0] - 1e-6 and a.t0 <= t1 + 1e-6]
            if has_log:
                cited += [a for a in anchors.of_kind(*EVENT_KINDS)
                          if (a.t0 > t0 + 1e-6 and a.t0 <= t1 + 1e-6) or (a.kind == "player_move"
                                                                          and a.t0 >= t0 - 1e-6 and a.t1 <= t1 + 1e-6)]
            meta = {"variant": f"h{h:g}", "duration": dur, "span": [t0, t1], "t": t0, "horizon": h,
                    "context": ctx, "fps": fps, "has_log": has_log, "game": game}
            if has_log:
                meta["actions"] = log_actions(rows, fps, t0, t1)
            else:
                from .t2v import motion_desc  # noqa: PLC0415

                meta["motion"] = motion_desc(anchors.of_kind("motion"), anchors.of_kind("static"), t0, t1)
                meta["actions"] = None
            out.append(Evidence(sources=[src], anchors=cited, frames=ctx, key=f"gf:{t0:.3f}+{h:.3f}", meta=meta))
            i += max(1, int(round(p.stride * fps)))
        return out

    def prompt(self, ev: Evidence, spec: TaskSpec) -> list[dict[str, Any]]:
        m = ev.meta
        text = (f"From the gameplay frames up to {m['t']:.2f} s, write the prompt that conditions the next "
                f"{m['horizon']:g} s: the actions pressed (copy `actions` exactly: {m['actions']}) and what the "
                "game_action / score_change / life_lost / player_move anchors say happens; name no action or event "
                "that no anchor gives" + ("" if m.get("has_log") else f"; say: {UNKNOWN}") +
                "; copy `t` and `horizon`; `anchors` = ids you used.")
        return build_prompt(ev, spec, text, self.draft_schema())

    def rules(self, ev: Evidence, spec: TaskSpec) -> dict[str, Any]:
        m = ev.meta
        return {"t": m["t"], "horizon": m["horizon"], "actions": m["actions"], "prompt": game_prompt(ev),
                "anchors": [a.id for a in ev.anchors]}

    def build(self, draft: dict[str, Any], ev: Evidence, spec: TaskSpec, media: Any) -> Sample:
        m = ev.meta
        cited = copied_draft(draft, self.draft_schema(), ev, {"t": m["t"], "horizon": m["horizon"]})
        ids = [a.id for a in cited]
        t0, h = float(draft["t"]), float(draft["horizon"])
        t1 = round(t0 + h, 4)
        timeline = [a for a in ev.anchors if a.kind in ("game_action", "motion", "static")]
        p = self.params(spec)
        query = Query(text=draft["prompt"], media=[
            Segment(type="image", path=media.keyframe(ev.source, c), t0=c, t1=c,
                    anchors=[a.id for a in _covering(timeline, c)][:1]) for c in m["context"]])
        window = [a.id for a in timeline if overlap(a.t0, a.t1, t0, t1) > 1e-6] or [a.id for a in _covering(timeline, t0)]
        sol: list[Segment] = []
        if m.get("has_log"):
            sol.append(Segment(type="action", t0=t0, t1=t1, anchors=window,
                               action={"names": ["action"], "chunk": draft["actions"], "fps": m["fps"],
                                       "runs": action_runs(draft["actions"], m["fps"]),
                                       "game": m["game"]}))
        sol.append(Segment(type="image", path=media.keyframe(ev.source, t1), t0=t1, t1=t1,
                           anchors=[a.id for a in _covering(timeline, t1)][-1:]))
        if p.clip:
            sol.append(Segment(type="clip", path=media.clip(ev.source, t0, t1), t0=t0, t1=t1, anchors=window))
        return Sample(id=evidence_sample_id(self.name, ev), task=self.name, domain="aigc", source=ev.source.id,
                      query=query, solution=sol, evidence=[a.id for a in ev.anchors],
                      meta={"variant": m["variant"], "horizon": h, "has_log": bool(m.get("has_log")),
                            "game": m.get("game", ""), "cited": ids},
                      provenance=provenance(ev, spec))

    def check(self, sample: Sample, ev: Evidence) -> list[str]:
        """Against the recording's own log: the action chunk, the actions and events the prompt names,
        and the target frame's place after the context."""
        errs: list[str] = []
        ctx_t = [s.t0 for s in sample.query.media if s.type == "image"]
        target = [s for s in sample.solution if s.type == "image"]
        if not ctx_t or len(target) != 1:
            return ["needs context frames and one target frame"]
        t0, h = max(ctx_t), float(sample.meta.get("horizon", 0))
        if abs(target[0].t0 - (t0 + h)) > 1e-3:
            errs.append(f"target frame at {target[0].t0:.3f} s is not {h:g} s after the last context frame ({t0:.3f} s)")
        src = ev.source if ev.sources else None
        act = next((s for s in sample.solution if s.type == "action"), None)
        if src is None or src.kind != "game":
            if act is not None:
                errs.append("an action chunk on a video without a game log (actions are unknown)")
            if UNKNOWN not in (sample.query.text or ""):
                errs.append("the prompt must say the actions are unknown (no game log)")
            return errs
        header, rows = game_log(src.path)
        fps = float(header["fps"])
        pressed = log_actions(rows, fps, t0, t0 + h)
        if act is None or act.action.get("chunk") != pressed:
            errs.append(f"action chunk {t0:.2f}-{t0 + h:.2f} s differs from the game log")
        elif act.action.get("runs") != action_runs(pressed, fps):
            errs.append("action runs (held seconds) differ from the logged chunk")
        names = set(str(a) for a in header.get("actions", []))
        for word in _ACTION_RE.findall(sample.query.text or ""):
            if word in names and word not in pressed:
                errs.append(f"prompt names {word}, which was not pressed in {t0:.2f}-{t0 + h:.2f} s")
        for aid in sample.meta.get("cited", []):
            a = ev.anchor(aid)
            if a is not None and a.kind in EVENT_KINDS:
                err = _event_in_log(a, rows, fps, t0, t0 + h)
                if err:
                    errs.append(err)
        return errs


def _event_in_log(a: Anchor, rows: list[dict[str, Any]], fps: float, t0: float, t1: float) -> str:
    """'' when the log shows the event inside (t0, t1], else what is wrong."""
    i = int(round(a.t0 * fps))
    first = 0 if a.kind == "player_move" else 1  # an event is seen against the frame before it
    if not (t0 - 1e-3 <= a.t0 <= t1 + 1e-3) or not first <= i < len(rows):
        return f"{a.kind} at {a.t0:.2f} s is outside the window {t0:.2f}-{t1:.2f} s"
    if a.kind == "game_over":
        return "" if i >= len(rows) - 1 else f"game_over at {a.t0:.2f} s is not the log's last frame"
    cur, prev = rows[i], rows[i - 1]
    if a.kind == "score_change" and cur.get("score") - prev.get("score") != a.data.get("delta"):
        return f"the log shows no score change of {a.data.get('delta')} at {a.t0:.2f} s"
    if a.kind == "counter_change":
        f = a.data.get("field")
        b, c = (prev.get("vars") or {}).get(f), (cur.get("vars") or {}).get(f)
        if not isinstance(b, (int, float)) or not isinstance(c, (int, float)) or c - b != a.data.get("delta"):
            return f"the log shows no {f} change of {a.data.get('delta')} at {a.t0:.2f} s"
    if a.kind == "life_lost" and not cur.get("lives", 0) < prev.get("lives", 0):
        return f"the log shows no life lost at {a.t0:.2f} s"
    if a.kind == "player_move":
        j = int(round(a.t1 * fps))
        x0, x1 = (rows[i].get("ram") or {}).get("player_x"), (rows[min(j, len(rows) - 1)].get("ram") or {}).get("player_x")
        if x0 is None or x1 is None or ("right" if x1 > x0 else "left") != a.data.get("direction") or x1 == x0:
            return f"the log's player position does not move {a.data.get('direction')} over {a.t0:.2f}-{a.t1:.2f} s"
    return ""
