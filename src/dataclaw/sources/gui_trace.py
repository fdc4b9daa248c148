"""Parsers for the non-video GUI forms: Playwright trace events and per-step action rows.

Both turn their input into raw events of the `gui_events.schema.json` shape, so one reducer
(experts/gui_actions) handles every form.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
import ast

# Playwright API methods that are user input, by trace `method` name.
_TITLE = re.compile(r'\["TITLE",\{\},"((?:[^"\\]|\\.)*)"\]')
_CLICKS = {"mouseClick", "click", "tap", "check", "uncheck", "selectOption", "setChecked"}
_MODIFIERS = {"control": "ctrl", "ctrl": "ctrl", "shift": "shift", "alt": "alt", "meta": "win",
              "controlormeta": "ctrl", "command": "command"}


@dataclass
class ParsedTrace:
    frames: list[tuple[float, str]] = field(default_factory=list)  # (t, zip member) of the main page
    size: tuple[int, int] = (0, 0)
    events: list[tuple[int, dict]] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hold: float = 0.5  # the last screenshot is shown this long (the trace has no end frame time)


def _key_name(key: str) -> list[str]:
    parts = [p for p in re.split(r"\+(?!$)", key) if p]
    return [_MODIFIERS.get(p.lower(), p.lower() if len(p) > 1 else p) for p in parts]


def parse_trace(rows: list[tuple[int, dict]], path: str) -> ParsedTrace:
    """Playwright trace rows (before/input/after/screencast-frame/frame-snapshot) -> events + frames.

    Times are trace monotonic milliseconds; t = 0 is the first screenshot of the page acted on.
    """
    out = ParsedTrace()
    viewport = None
    frames_by_page: dict[str, list[tuple[float, str]]] = {}
    urls: list[tuple[float, str]] = []
    titles: dict[str, str] = {}
    calls: dict[str, dict] = {}
    order: list[str] = []
    for line, r in rows:
        typ = r.get("type")
        if typ == "context-options":
            viewport = (r.get("options") or {}).get("viewport")
        elif typ == "screencast-frame" and (r.get("file") or r.get("sha1")):
            name = r.get("file") or f"resources/{r['sha1']}"
            frames_by_page.setdefault(r.get("pageId", ""), []).append((float(r["timestamp"]), name))
            if viewport is None:
                out.size = (int(r["width"]), int(r["height"]))
        elif typ == "frame-snapshot":
            snap = r.get("snapshot") or {}
            if snap.get("isMainFrame", True) and snap.get("frameUrl"):
                ts = float(snap.get("timestamp", 0))
                urls.append((ts, snap["frameUrl"]))
                m = _TITLE.search(json.dumps(snap.get("html"), separators=(",", ":"))[:20000])
                if m:  # later snapshots are diffs without <title>: keep the first one per URL
                    titles.setdefault(snap["frameUrl"], json.loads(f'"{m.group(1)}"'))
        elif typ == "before":
            calls[r["callId"]] = {"line": line, "method": r.get("method", ""), "params": r.get("params") or {},
                                  "start": float(r.get("startTime", 0)), "page": (r.get("pageId") or "")}
            order.append(r["callId"])
        elif typ == "input" and r.get("callId") in calls:
            calls[r["callId"]]["point"] = r.get("point")
            calls[r["callId"]]["box"] = r.get("box")
        elif typ == "after" and r.get("callId") in calls:
            calls[r["callId"]]["end"] = float(r.get("endTime", 0))
            if r.get("error"):
                calls[r["callId"]]["error"] = str(r["error"].get("message", r["error"]) if isinstance(r["error"], dict) else r["error"])[:200]
    if viewport:
        out.size = (int(viewport["width"]), int(viewport["height"]))
    if not frames_by_page:
        return out
    page = max(frames_by_page, key=lambda k: len(frames_by_page[k]))
    frames = sorted(frames_by_page[page])
    origin = frames[0][0]
    out.frames = [((ts - origin) / 1000.0, name) for ts, name in frames]
    if len(frames_by_page) > 1:
        out.notes.append(f"trace has {len(frames_by_page)} pages; using the one with most screenshots")
    mouse = [out.size[0] / 2, out.size[1] / 2]
    down_at: list[float] | None = None
    for cid in order:
        c = calls[cid]
        ev = _call_event(c, mouse)
        if c["method"] == "mouseDown":
            down_at = list(mouse)
        if c["method"] == "mouseUp" and down_at is not None:
            dx, dy = mouse[0] - down_at[0], mouse[1] - down_at[1]
            ev = ({"type": "drag", "x": down_at[0], "y": down_at[1], "dx": dx, "dy": dy}
                  if abs(dx) + abs(dy) > 3 else {"type": "click", "x": mouse[0], "y": mouse[1], "button": "left"})
            down_at = None
        if ev is None:
            continue
        if c.get("error"):
            out.skipped.append({"line": c["line"], "reason": f"action {c['method']} failed: {c['error']}",
                                "event": c["params"]})
            continue
        t = (c["start"] - origin) / 1000.0
        ev["t"] = round(t, 4)
        url = _last_before(urls, c["start"])
        title = titles.get(url or "")
        ev.update({"app": "chromium", "url": url, "title": title})
        box = c.get("box")
        if box and ev["type"] in ("click", "double_click", "right_click"):
            ev["bbox"] = [box["x"], box["y"], box["width"], box["height"]]
        out.events.append((c["line"], ev))
    return out


def _last_before(series: list[tuple[float, str]], t: float) -> str | None:
    best = None
    for ts, v in series:
        if ts <= t + 1:
            best = v
    return best


def _call_event(c: dict, mouse: list[float]) -> dict | None:
    m, p = c["method"], c["params"]
    point = c.get("point")
    if m == "mouseMove":
        mouse[:] = [p["x"], p["y"]]
        return {"type": "move", "x": p["x"], "y": p["y"]}
    if m in _CLICKS or m == "dblclick":
        if m == "mouseClick":
            x, y = p["x"], p["y"]
        elif point:
            x, y = point["x"], point["y"]
        else:
            return None
        mouse[:] = [x, y]
        button = p.get("button", "left")
        if m == "dblclick" or int(p.get("clickCount", 1)) == 2:
            return {"type": "double_click", "x": x, "y": y, "button": button}
        return {"type": "right_click" if button == "right" else "click", "x": x, "y": y, "button": button}
    if m == "mouseWheel":
        return {"type": "scroll", "x": mouse[0], "y": mouse[1], "dx": p.get("deltaX", 0), "dy": p.get("deltaY", 0)}
    if m in ("keyboardType", "keyboardInsertText", "type", "fill", "pressSequentially"):
        text = p.get("text", p.get("value"))
        return {"type": "type", "text": text} if text else None
    if m in ("keyboardPress", "press"):
        keys = _key_name(p.get("key", ""))
        if not keys:
            return None
        return {"type": "hotkey" if len(keys) > 1 else "key", "keys": keys}
    return None  # navigation, waits, evaluation: not user input


# ---------------------------------------------------------------------------- steps form
_CALL = re.compile(r"pyautogui\.(\w+)\((.*)\)\s*$", re.S)


def _args(argtext: str) -> tuple[list[Any], dict[str, Any]]:
    node = ast.parse(f"f({argtext})", mode="eval").body
    return ([ast.literal_eval(a) for a in node.args],
            {k.arg: ast.literal_eval(k.value) for k in node.keywords})


def parse_step_action(action: Any, size: tuple[int, int]) -> dict | None:
    """One step's action (structured dict or a pyautogui call) -> raw event (no `t`).

    Coordinates in [0, 1] (AgentNet's normalized form) are scaled to the image size.
    Returns None for terminal actions (done, wait, terminate). Raises ValueError when unreadable.
    """
    if action is None:
        return None
    if isinstance(action, str):
        code = action.strip().splitlines()[0] if action.strip() else ""
        if code.startswith("computer.") or code in ("DONE", "WAIT", "FAIL"):
            return None
        m = _CALL.match(code)
        if not m:
            raise ValueError(f"unreadable action {action[:80]!r}")
        try:
            args, kw = _args(m.group(2))
        except Exception as exc:  # noqa: BLE001
            raise ValueError(f"unreadable action arguments {action[:80]!r}") from exc
        fn = m.group(1)
        ev = _from_pyautogui(fn, args, kw)
    elif isinstance(action, dict):
        ev = {k: v for k, v in action.items() if v is not None}
        if ev.get("type") in ("done", "wait", "terminate"):
            return None
    else:
        raise ValueError(f"action must be an object or a pyautogui call, not {type(action).__name__}")
    xs = [ev.get("x"), ev.get("y")]
    if all(isinstance(v, float) and 0 <= v <= 1 for v in xs):
        ev["x"], ev["y"] = round(xs[0] * size[0], 1), round(xs[1] * size[1], 1)
    return ev


def _from_pyautogui(fn: str, args: list[Any], kw: dict[str, Any]) -> dict:
    def xy():
        x = kw.get("x", args[0] if len(args) > 0 else None)
        y = kw.get("y", args[1] if len(args) > 1 else None)
        return {"x": x, "y": y}

    if fn in ("click", "leftClick"):
        ev = {"type": "click", **xy(), "button": kw.get("button", "left")}
        if ev["button"] == "right":
            ev["type"] = "right_click"
        if int(kw.get("clicks", 1)) == 2:
            ev["type"] = "double_click"
        return ev
    if fn == "doubleClick":
        return {"type": "double_click", **xy(), "button": "left"}
    if fn == "rightClick":
        return {"type": "right_click", **xy(), "button": "right"}
    if fn in ("write", "typewrite"):
        text = kw.get("message", args[0] if args else "")
        if isinstance(text, list):
            return {"type": "key", "keys": [str(k) for k in text]}
        return {"type": "type", "text": text}
    if fn == "press":
        keys = kw.get("keys", args[0] if args else "")
        return {"type": "key", "keys": [keys] if isinstance(keys, str) else list(keys)}
    if fn == "hotkey":
        return {"type": "hotkey", "keys": [str(a) for a in args]}
    if fn in ("scroll", "vscroll", "hscroll"):
        clicks = kw.get("clicks", args[0] if args else 0)
        pos = {"x": kw.get("x", args[1] if len(args) > 1 else None), "y": kw.get("y", args[2] if len(args) > 2 else None)}
        pos = {k: v for k, v in pos.items() if v is not None}
        # pyautogui: positive clicks scroll up; events: dy > 0 scrolls down. 100 px per click.
        d = -float(clicks) * 100
        return {"type": "scroll", **pos, "dx": d if fn == "hscroll" else 0, "dy": 0 if fn == "hscroll" else d}
    if fn == "moveTo":
        return {"type": "move", **xy()}
    if fn == "dragTo":
        start = xy()
        return {"type": "drag", "x": kw.get("start_x", start["x"]), "y": kw.get("start_y", start["y"]),
                "dx": 0, "dy": 0}
    raise ValueError(f"unsupported pyautogui call {fn!r}")
