"""GUI action anchors: raw input events -> pyautogui-style actions, each with its screens.

Reduction (after OpenCUA's action reduction): pointer moves fold into the click / scroll / drag
they lead to, key runs become typed text (Backspace edits the text), wheel ticks at one place
coalesce into one scroll, two quick clicks on one spot become a double click.

Screens: the frames are grouped into visual states (a new state starts where the screen changes).
For each action, `obs_t` is the start of the last state that began before the action's first raw
event (no future leak: obs_t < t0 always), `after_t` the first state after the action that stays
unchanged for `settle` seconds (or the last one before the next action), and `changed_bbox` the
screen region that differs between them.

Anchors: `gui_action` (one per action, t0..t1 = its raw events), `screen` (its before / after
frame times), `window` (spans of one app / URL / title), `gui_skip` (events skipped, with why).
In a fragment set each fragment is reduced on its own.
"""
from __future__ import annotations

import bisect
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from ..model import Anchor
from .base import Expert, ExpertContext, register_expert

POINTER = ("click", "double_click", "right_click", "drag", "scroll")
_SPECIAL_CHARS = {"space": " "}
# One spelling per key (pyautogui's names), whatever the logger wrote.
_KEY_ALIASES = {"control": "ctrl", "return": "enter", "esc": "escape", "meta": "win", "cmd": "command",
                "arrowup": "up", "arrowdown": "down", "arrowleft": "left", "arrowright": "right",
                "del": "delete", "pgup": "pageup", "pgdn": "pagedown", " ": "space"}


def key_name(k: str) -> str:
    return _KEY_ALIASES.get(k.lower(), k.lower()) if len(k) > 1 or k == " " else k


class GuiActionParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fold_gap: float = 1.0  # s: moves this close before a pointer action fold into it
    type_gap: float = 5.0  # s: key events closer than this (nothing else between) form one typed text
    scroll_gap: float = 0.8  # s: wheel ticks closer than this (same place) coalesce
    double_click_gap: float = 0.4  # s
    settle: float = 0.3  # s: a state lasting this long after an action is its settled result
    lead_margin: float = 0.0  # s: extra gap kept between the observation and the action
    analysis_side: int = 400  # px: long side of frames used to find visual states
    pixel_delta: int = 24  # gray levels: a pixel changed by more than this counts as changed
    min_changed: int = 3  # changed pixels (at analysis size) that make a new visual state


# ---------------------------------------------------------------------------- reduction
def reduce_events(events: list[dict], p: GuiActionParams | None = None) -> list[dict]:
    """Raw events (sorted by t) -> actions with t0/t1, raw line numbers and element / window info."""
    p = p or GuiActionParams()
    actions: list[dict] = []
    moves: list[dict] = []

    def new(ev: dict, typ: str, t0: float, lines: list[int], **fields: Any) -> dict:
        a = {"type": typ, "t0": t0, "t1": ev["t"], "t_event": ev["t"], "lines": lines, **fields}
        for k in ("app", "url", "title"):
            a[k] = ev.get(k)
        if any(ev.get(k) is not None for k in ("role", "name", "bbox")):
            a["element"] = {k: ev.get(k) for k in ("role", "name", "bbox")}
        actions.append(a)
        return a

    def flush_moves(before_t: float | None) -> tuple[float | None, list[int]]:
        """Folds the pointer's approach (returns its start); moves before a pause longer than
        `fold_gap` stay a hover `move` action of their own."""
        nonlocal moves
        k = len(moves)
        if before_t is not None:
            nxt = before_t
            while k > 0 and nxt - moves[k - 1]["t"] <= p.fold_gap:  # walk back through the approach
                k -= 1
                nxt = moves[k]["t"]
        near, far = moves[k:], moves[:k]
        if far:
            last = far[-1]
            new(last, "move", far[0]["t"], [m["line"] for m in far], x=last["x"], y=last["y"])
        moves = []
        return (near[0]["t"] if near else None), [m["line"] for m in near]

    for ev in events:
        typ, t = ev["type"], ev["t"]
        last = actions[-1] if actions else None
        if typ == "move":
            moves.append(ev)
            continue
        if typ in POINTER:
            t_fold, fold_lines = flush_moves(t)
            t0 = t_fold if t_fold is not None else t
            lines = fold_lines + [ev["line"]]
            if typ == "scroll" and last and last["type"] == "scroll" and t - last["t1"] <= p.scroll_gap \
                    and abs(ev.get("x", last["x"]) - last["x"]) + abs(ev.get("y", last["y"]) - last["y"]) < 40:
                last["dx"] += ev.get("dx", 0)
                last["dy"] += ev.get("dy", 0)
                last["t1"] = last["t_event"] = t
                last["lines"] += lines
                continue
            if typ == "click" and last and last["type"] == "click" and t - last["t1"] <= p.double_click_gap \
                    and abs(ev["x"] - last["x"]) + abs(ev["y"] - last["y"]) < 6 and not fold_lines:
                last["type"] = "double_click"
                last["t1"] = t
                last["lines"] += lines
                continue
            fields: dict[str, Any] = {"x": ev.get("x"), "y": ev.get("y")}
            if typ == "scroll":
                fields.update(dx=ev.get("dx", 0), dy=ev.get("dy", 0))
                if fields["x"] is None and last is not None:
                    fields.update(x=last.get("x"), y=last.get("y"))
            elif typ == "drag":
                fields.update(dx=ev["dx"], dy=ev["dy"], button=ev.get("button", "left"))
            else:
                fields["button"] = ev.get("button", "right" if typ == "right_click" else "left")
            new(ev, typ, t0, lines, **fields)
            continue
        flush_moves(None)
        if typ in ("type", "key"):
            keys = ev.get("keys") or []
            char = ev.get("text") if typ == "type" else (
                keys[0] if len(keys) == 1 and len(keys[0]) == 1 else _SPECIAL_CHARS.get(keys[0].lower()) if len(keys) == 1 else None)
            typing = last is not None and last["type"] == "type" and t - last["t1"] <= p.type_gap
            if char is not None:
                if typing:
                    last["text"] += char
                    last["t1"] = t
                    last["lines"].append(ev["line"])
                else:
                    new(ev, "type", t, [ev["line"]], text=char)
                continue
            if len(keys) == 1 and keys[0].lower() == "backspace" and typing and last["text"]:
                last["text"] = last["text"][:-1]
                last["t1"] = t
                last["lines"].append(ev["line"])
                continue
            new(ev, "key", t, [ev["line"]], keys=[key_name(k) for k in keys])
            continue
        if typ == "hotkey":
            new(ev, "hotkey", t, [ev["line"]], keys=[key_name(k) for k in ev["keys"]])
    flush_moves(None)
    for i, a in enumerate(actions):
        a["index"] = i
        a["code"] = pyautogui_code(a)
    return [a for a in actions if not (a["type"] == "type" and not a["text"])]


def pyautogui_code(a: dict, size: tuple[int, int] | None = None) -> str:
    """The action as pyautogui code; with `size`, coordinates normalized to [0, 1] (AgentNet style)."""
    def xy(x: float, y: float) -> str:
        if size:
            return f"x={x / size[0]:.4f}, y={y / size[1]:.4f}"
        return f"x={int(round(x))}, y={int(round(y))}"

    typ = a["type"]
    if typ == "click":
        btn = "" if a.get("button", "left") == "left" else f", button={a['button']!r}"
        return f"pyautogui.click({xy(a['x'], a['y'])}{btn})"
    if typ == "double_click":
        return f"pyautogui.doubleClick({xy(a['x'], a['y'])})"
    if typ == "right_click":
        return f"pyautogui.rightClick({xy(a['x'], a['y'])})"
    if typ == "move":
        return f"pyautogui.moveTo({xy(a['x'], a['y'])})"
    if typ == "drag":
        return (f"pyautogui.moveTo({xy(a['x'], a['y'])})\n"
                f"pyautogui.dragTo({xy(a['x'] + a['dx'], a['y'] + a['dy'])}, button={a.get('button', 'left')!r})")
    if typ == "scroll":
        # pyautogui: positive clicks scroll up; events: dy > 0 scrolls down. 100 px per click.
        pos = f", {xy(a['x'], a['y'])}" if a.get("x") is not None else ""
        if abs(a.get("dx", 0)) > abs(a.get("dy", 0)):
            return f"pyautogui.hscroll({-round(a['dx'] / 100)}{pos})"
        return f"pyautogui.scroll({-round(a['dy'] / 100)}{pos})"
    if typ == "type":
        return f"pyautogui.write({a['text']!r})"
    if typ == "key":
        return f"pyautogui.press({a['keys'][0]!r})" if len(a["keys"]) == 1 else f"pyautogui.press({a['keys']!r})"
    if typ == "hotkey":
        return "pyautogui.hotkey(" + ", ".join(repr(k) for k in a["keys"]) + ")"
    raise ValueError(f"no pyautogui form for action type {typ!r}")


# ---------------------------------------------------------------------------- visual states
def visual_states(stream: Any, p: GuiActionParams, t0: float = 0.0,
                  t1: float | None = None) -> tuple[list[float], list[np.ndarray], float]:
    """(state start times, gray thumbnails, scale thumbnail px per screen px) over [t0, t1]."""
    starts: list[float] = []
    thumbs: list[np.ndarray] = []
    for fr in stream.frames(fps=None, max_side=p.analysis_side, gray=True, t0=t0, t1=t1):
        img = fr.image.astype(np.int16)
        if thumbs and (img.shape != thumbs[-1].shape
                       or int((np.abs(img - thumbs[-1]) > p.pixel_delta).sum()) < p.min_changed):
            if img.shape == thumbs[-1].shape:
                continue
        starts.append(fr.t)
        thumbs.append(img)
    w = stream.meta.width
    scale = thumbs[0].shape[1] / w if thumbs else 1.0
    return starts, thumbs, scale


def attach_screens(actions: list[dict], starts: list[float], thumbs: list[np.ndarray], scale: float,
                   duration: float, p: GuiActionParams) -> None:
    """Adds obs_t, after_t, changed_bbox (screen px) and visible_change to each action."""
    for i, a in enumerate(actions):
        limit = a["t0"] - p.lead_margin
        k = bisect.bisect_left(starts, limit) - 1  # last state starting strictly before the action
        if k < 0:
            a["obs_t"], a["obs_state"] = None, None  # nothing on screen before it: no observation
        else:
            a["obs_t"], a["obs_state"] = starts[k], k
        nxt = actions[i + 1]["t0"] - p.lead_margin if i + 1 < len(actions) else duration
        j0 = bisect.bisect_right(starts, a["t1"])
        cands = [j for j in range(j0, len(starts)) if starts[j] < nxt]
        after = None
        for j in cands:
            end = starts[j + 1] if j + 1 < len(starts) else duration
            if min(end, nxt) - starts[j] >= p.settle:
                after = j
                break
        if after is None and cands:
            after = cands[-1]
        if after is None:  # the screen did not change after the action (before the next one)
            after = max(0, bisect.bisect_right(starts, a["t1"]) - 1)
            a["after_t"] = min(max(a["t1"], starts[after]), duration)
        else:
            a["after_t"] = starts[after]
        a["after_state"] = after
        a["changed_bbox"] = None
        if a["obs_state"] is not None and after != a["obs_state"]:
            a["changed_bbox"] = _changed_bbox(thumbs[a["obs_state"]], thumbs[after], scale, p)
        a["visible_change"] = a["changed_bbox"] is not None


def _changed_bbox(a: np.ndarray, b: np.ndarray, scale: float, p: GuiActionParams) -> list[int] | None:
    mask = np.abs(a - b) > p.pixel_delta
    if int(mask.sum()) < p.min_changed:
        return None
    ys, xs = np.nonzero(mask)
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    return [int(x0 / scale), int(y0 / scale), int(np.ceil((x1 - x0) / scale)), int(np.ceil((y1 - y0) / scale))]


def window_spans(events: list[dict], duration: float) -> list[tuple[float, float, dict]]:
    """Spans of constant (app, url, title) from the events that name them."""
    spans: list[tuple[float, float, dict]] = []
    for ev in events:
        ident = {k: ev.get(k) for k in ("app", "url", "title")}
        if not any(ident.values()):
            continue
        if spans and spans[-1][2] == ident:
            continue
        if spans:
            spans[-1] = (spans[-1][0], ev["t"], spans[-1][2])
        spans.append((ev["t"] if spans else 0.0, duration, ident))
    return spans


@register_expert
class GuiActions(Expert):
    name = "gui_actions"
    kinds = ("gui",)
    version = "3"
    description = ("raw GUI events -> pyautogui-style actions with the last distinct frame before each, "
                   "the settled frame after, the changed region, element and window identity")
    Params = GuiActionParams

    def run(self, stream: Any, ctx: ExpertContext) -> list[Anchor]:
        p: GuiActionParams = self.params  # type: ignore[assignment]
        duration = stream.meta.duration
        actions: list[dict] = []
        for k, (f0, f1) in enumerate(fragment_spans(stream)):
            # each fragment on its own: no folding, observation or settled frame across a gap
            evs = [e for e in stream.events if e.get("fragment", 0) == k]
            acts = reduce_events(evs, p)
            starts, thumbs, scale = visual_states(stream, p, f0, f1)
            attach_screens(acts, starts, thumbs, scale, f1, p)
            for a in acts:
                a["fragment"] = k
            actions += acts
        for s in stream.skipped:
            ctx.warn(f"{stream.path}: line {s['line']}: skipped: {s['reason']}")
        out: list[Anchor] = []
        for i, a in enumerate(actions):
            a["index"] = i
            if a["obs_t"] is None:
                ctx.warn(f"{stream.path}: action {i} ({a['type']}) at {a['t0']:.2f}s has no frame before it; skipped")
                continue
            data = {k: v for k, v in a.items() if k not in ("t0", "t1", "obs_state", "after_state")}
            data["screen"] = [stream.meta.width, stream.meta.height]
            act = self.anchor(ctx, "gui_action", a["t0"], a["t1"], data)
            out.append(act)
            # the frames a step shows, as anchors of their own so samples can cite their times
            out.append(self.anchor(ctx, "screen", a["obs_t"], a["obs_t"],
                                   {"role": "before", "action": act.id, "index": i, "fragment": a["fragment"]}))
            out.append(self.anchor(ctx, "screen", a["after_t"], a["after_t"],
                                   {"role": "after", "action": act.id, "index": i, "fragment": a["fragment"],
                                    "changed_bbox": a["changed_bbox"]}))
        for t0, t1, ident in window_spans(stream.events, duration):
            out.append(self.anchor(ctx, "window", t0, t1, ident))
        for s in stream.skipped:  # recorded skips stay visible next to the anchors they would have made
            t = s["event"].get("t") if isinstance(s["event"], dict) else None
            t = min(max(float(t), 0.0), duration) if isinstance(t, (int, float)) else 0.0
            out.append(self.anchor(ctx, "gui_skip", t, t, {"line": s["line"], "reason": s["reason"]},
                                   confidence=0.0))
        return out


def fragment_spans(stream: Any) -> list[tuple[float, float]]:
    """(t0, t1) of each fragment of a fragment set; the whole stream otherwise."""
    frags = getattr(stream, "fragments", None) if stream.meta.form == "fragments" else None
    return [(f["t0"], f["t1"]) for f in frags] if frags else [(0.0, stream.meta.duration)]
