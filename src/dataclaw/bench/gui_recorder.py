"""Records real browser sessions in every GUI form dataclaw reads, with the driver's truth.

Headless Chromium (Debian `chromium`, never `playwright install`) is driven through Playwright.
One `Session` writes, on one clock:
  gui/screen.mp4 + gui/events.jsonl   (the screen video comes from the DevTools screencast,
                                       encoded at the frames' true times; events as a logger sees
                                       them: pointer moves, one key event per character, wheel ticks)
  trace.zip                            (Playwright trace with screenshots and snapshots)
  steps/steps.jsonl + step_NNN.png     (screenshot-per-step form, AgentNet / Mind2Web shape)
  truth.json                           (what the driver did, with each target's DOM box)
`slice_recording` writes a time span of a recording as its own events-form recording (fragments for
stitching). Coordinates in events, steps and truth are screen pixels: CSS pixels x `scale` (the
device scale factor), as an OS-level logger on a HiDPI screen writes them; the trace keeps
Playwright's CSS pixels (its own frames are at that size). Playwright's own video recording does
not work on this machine, so the screen is taken from `Page.startScreencast`.
"""
from __future__ import annotations

import base64
import functools
import http.server
import io
import json
import threading
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# the element under a point, as an accessibility-aware logger names it: role, accessible name, box
ELEMENT_JS = """([x, y]) => {
  const e = document.elementFromPoint(x, y);
  if (!e) return null;
  const r = e.getBoundingClientRect();
  const t = e.tagName, type = (e.type || '').toLowerCase();
  const inputRole = {checkbox: 'checkbox', radio: 'radio', button: 'button', submit: 'button',
                     range: 'slider', number: 'spinbutton'}[type] || 'textbox';
  const role = e.getAttribute('role') || {BUTTON: 'button', A: 'link', INPUT: inputRole, TEXTAREA: 'textbox',
      SELECT: 'combobox', OPTION: 'option', LI: 'listitem', IMG: 'img', LABEL: 'label'}[t] || t.toLowerCase();
  const field = t === 'INPUT' || t === 'TEXTAREA' || t === 'SELECT';
  let name = e.getAttribute('aria-label') || '';
  if (!name && e.labels && e.labels.length) name = e.labels[0].innerText || '';
  if (!name && field) name = e.placeholder || e.title || '';
  // a form field named by the label just before it (<label>Username</label><input>), as people read it
  const prev = e.previousElementSibling;
  if (!name && field && prev && prev.tagName === 'LABEL') name = prev.innerText || '';
  if (!name && t === 'INPUT' && ['button', 'submit'].includes(type)) name = e.value || '';
  if (!name && !field) name = (e.innerText || '').trim() || e.name || '';
  return {role, name: name.replace(/\\s+/g, ' ').trim().slice(0, 80), bbox: [r.x, r.y, r.width, r.height]};
}"""


def serve_dir(directory: str | Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serves a folder on 127.0.0.1 (random port) in a thread; returns (server, base url)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep output clean
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)


class Session:
    """One recording: screencast + events + steps + truth. `start()` ... actions ... `stop(out)`."""

    def __init__(self, context: Any, page: Any, app: str = "chromium", element_js: str = ELEMENT_JS,
                 scale: float = 1.0) -> None:
        self.context, self.page, self.app = context, page, app
        self.element_js, self.scale = element_js, scale
        vp = page.viewport_size or {"width": 800, "height": 600}
        self.viewport = {"width": int(vp["width"]), "height": int(vp["height"])}
        self.size = (int(round(self.viewport["width"] * scale)), int(round(self.viewport["height"] * scale)))
        self.frames: list[tuple[float, bytes]] = []
        self.events: list[dict] = []
        self.truth: list[dict] = []
        self.steps: list[tuple[dict, bytes]] = []
        self.origin = 0.0
        self.mouse = (self.viewport["width"] // 2, self.viewport["height"] // 2)  # CSS px
        self.cdp = None
        self.t_end: float | None = None

    # ------------------------------------------------------------ recording
    def start(self, trace_chunk: bool = True, lead_ms: int = 350) -> "Session":
        if trace_chunk:
            self.context.tracing.start_chunk()
        self.cdp = self.context.new_cdp_session(self.page)

        def on_frame(f):
            self.frames.append((f["metadata"]["timestamp"], f["data"]))
            try:
                self.cdp.send("Page.screencastFrameAck", {"sessionId": f["sessionId"]})
            except Exception:  # noqa: BLE001 - session closing
                pass

        self.cdp.on("Page.screencastFrame", on_frame)
        self.cdp.send("Page.startScreencast", {"format": "jpeg", "quality": 92, "everyNthFrame": 1})
        deadline = time.time() + 5
        while not self.frames and time.time() < deadline:
            self.page.wait_for_timeout(20)
        if not self.frames:
            raise RuntimeError("screencast gave no frame")
        self.origin = self.frames[0][0]
        self.page.wait_for_timeout(lead_ms)
        return self

    def _t(self) -> float:
        return round(time.time() - self.origin, 4)

    def _px(self, v: float) -> float:
        return round(v * self.scale, 1) if self.scale != 1 else v

    def _ident(self) -> dict:
        return {"app": self.app, "url": self.page.url, "title": self.page.title()}

    def _log(self, ev: dict, t: float | None = None) -> None:
        self.events.append({"t": self._t() if t is None else t, **ev, **self._ident()})

    def _step_shot(self, action: dict) -> None:
        self.steps.append(({**action, **self._ident()}, self.page.screenshot(type="png")))

    def _settle(self, ms: int = 450) -> None:
        self.page.wait_for_timeout(ms)

    def _done(self, settle_ms: int = 450) -> None:
        self._settle(settle_ms)
        self.truth[-1]["after_t"] = self._t()

    def _element(self, x: float, y: float) -> dict:
        el = self.page.evaluate(self.element_js, [x, y]) or {}
        if el.get("bbox"):
            el["bbox"] = [self._px(v) for v in el["bbox"]]
        return el

    def _approach(self, x: float, y: float) -> None:
        """A human-like approach: raw moves the reducer must fold away."""
        mx, my = self.mouse
        for i in range(1, 5):
            px, py = mx + (x - mx) * i / 4, my + (y - my) * i / 4
            t = self._t()  # logged at dispatch, as an OS input hook would
            self.page.mouse.move(px, py)
            self._log({"type": "move", "x": self._px(int(px)), "y": self._px(int(py))}, t=t)
            self.page.wait_for_timeout(25)
        self.mouse = (x, y)

    # ------------------------------------------------------------ actions
    def goto(self, url: str) -> None:
        self.page.goto(url)
        self._settle(500)

    def center(self, selector: str) -> tuple[int, int, dict]:
        loc = self.page.locator(selector).first
        loc.scroll_into_view_if_needed()
        box = loc.bounding_box()
        if box is None:
            raise RuntimeError(f"{selector!r} has no box (not visible)")
        return int(box["x"] + box["width"] / 2), int(box["y"] + box["height"] / 2), box

    def click(self, selector: str, kind: str = "click", settle_ms: int = 450) -> None:
        x, y, _ = self.center(selector)
        self.click_at(x, y, kind, settle_ms)

    def click_at(self, x: float, y: float, kind: str = "click", settle_ms: int = 450) -> None:
        elem = self._element(x, y)
        sx, sy = self._px(x), self._px(y)
        self._step_shot({"type": kind, "x": sx, "y": sy})
        t_start = self._t()
        self._approach(x, y)
        t_click = self._t()
        button = "right" if kind == "right_click" else "left"
        if kind == "double_click":
            self.page.mouse.dblclick(x, y)
        else:
            self.page.mouse.click(x, y, button=button)
        self._log({"type": kind, "x": sx, "y": sy, "button": button, **elem}, t=t_click)
        self.truth.append({"type": kind, "x": sx, "y": sy, "t0": t_start, "t": t_click, "t1": self._t(),
                           "target": elem.get("name", ""), "role": elem.get("role", ""),
                           "bbox": elem.get("bbox")})
        self._done(settle_ms)

    def type(self, text: str, typo: str = "", key_ms: int = 35) -> None:
        """Types text one key event per character; `typo` is typed first and erased with Backspace."""
        self._step_shot({"type": "type", "text": text})
        t0 = self._t()
        for ch in typo:
            t = self._t()
            self.page.keyboard.type(ch)
            self._log({"type": "key", "keys": [ch]}, t=t)
            self.page.wait_for_timeout(key_ms)
        for _ in typo:
            t = self._t()
            self.page.keyboard.press("Backspace")
            self._log({"type": "key", "keys": ["backspace"]}, t=t)
            self.page.wait_for_timeout(key_ms)
        for ch in text:
            t = self._t()
            self.page.keyboard.type(ch)
            self._log({"type": "key", "keys": [" "] if ch == " " else [ch]}, t=t)
            self.page.wait_for_timeout(key_ms)
        self.truth.append({"type": "type", "text": text, "t0": t0, "t": t0, "t1": self._t()})
        self._done()

    def press(self, key: str) -> None:
        self._step_shot({"type": "key", "keys": [key.lower()]})
        t0 = self._t()
        self.page.keyboard.press(key)
        self._log({"type": "key", "keys": [key.lower()]}, t=t0)
        self.truth.append({"type": "key", "keys": [key.lower()], "t0": t0, "t": t0, "t1": self._t()})
        self._done()

    def hotkey(self, *keys: str) -> None:
        self._step_shot({"type": "hotkey", "keys": [k.lower() for k in keys]})
        t0 = self._t()
        self.page.keyboard.press("+".join(keys))
        self._log({"type": "hotkey", "keys": [k.lower() for k in keys]}, t=t0)
        self.truth.append({"type": "hotkey", "keys": [k.lower() for k in keys], "t0": t0, "t": t0,
                           "t1": self._t()})
        self._done()

    def scroll(self, dy: int, ticks: int = 3) -> None:
        x, y = self.mouse
        sx, sy = self._px(x), self._px(y)
        sdy = self._px(dy)
        self._step_shot({"type": "scroll", "x": sx, "y": sy, "dx": 0, "dy": sdy})
        t0 = self._t()
        for _ in range(ticks):
            t = self._t()
            self.page.mouse.wheel(0, dy / ticks)
            self._log({"type": "scroll", "x": sx, "y": sy, "dx": 0, "dy": round(sdy / ticks, 2)}, t=t)
            self.page.wait_for_timeout(60)
        self.truth.append({"type": "scroll", "x": sx, "y": sy, "dx": 0, "dy": sdy, "t0": t0, "t": t0,
                           "t1": self._t()})
        self._done(600)

    def hover(self, selector: str) -> None:
        """Moves the pointer over an element without clicking (logged as raw moves only)."""
        x, y, _ = self.center(selector)
        self._approach(x, y)

    def drag(self, x0: float, y0: float, x1: float, y1: float, steps: int = 8) -> None:
        """Press at (x0, y0), move to (x1, y1) in steps, release: logged as one `drag` event."""
        elem = self._element(x0, y0)
        sx, sy = self._px(x0), self._px(y0)
        self._step_shot({"type": "drag", "x": sx, "y": sy, "dx": self._px(x1 - x0), "dy": self._px(y1 - y0)})
        t0 = self._t()
        self._approach(x0, y0)
        t_down = self._t()  # a drag is logged when the button goes down, as a click is at dispatch
        self.page.mouse.down()
        for i in range(1, steps + 1):
            self.page.mouse.move(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)
            self.page.wait_for_timeout(30)
        self.page.mouse.up()
        self.mouse = (x1, y1)
        dx, dy = self._px(x1 - x0), self._px(y1 - y0)
        self._log({"type": "drag", "x": sx, "y": sy, "dx": dx, "dy": dy, "button": "left", **elem}, t=t_down)
        self.truth.append({"type": "drag", "x": sx, "y": sy, "dx": dx, "dy": dy, "t0": t0, "t": t_down,
                           "t1": self._t(), "target": elem.get("name", ""), "role": elem.get("role", ""),
                           "bbox": elem.get("bbox")})
        self._done()

    def mark(self, **info: Any) -> None:
        """Notes a moment of the session in the truth (an episode starts, a reward arrives)."""
        self.truth.append({"type": "mark", "t": self._t(), **info})

    # ------------------------------------------------------------ output
    def stop(self, out: str | Path, trace_chunk: bool = True, hold_ms: int = 300) -> Path:
        out = Path(out)
        (out / "gui").mkdir(parents=True, exist_ok=True)
        self.page.wait_for_timeout(hold_ms)
        self.t_end = time.time()
        self.cdp.send("Page.stopScreencast")
        self.cdp.detach()
        if trace_chunk:
            self.context.tracing.stop_chunk(path=str(out / "trace.zip"))
        duration = self.t_end - self.origin
        encode_frames(self.frames, self.t_end, out / "gui" / "screen.mp4", self.size)
        actions = [a for a in self.truth if a["type"] != "mark"]
        _write_events(out / "gui" / "events.jsonl", self.events, self.size, duration)
        steps = out / "steps"
        steps.mkdir(exist_ok=True)
        with open(steps / "steps.jsonl", "w") as fh:
            for i, (action, png) in enumerate(self.steps):
                name = f"step_{i:03d}.png"
                (steps / name).write_bytes(png)
                act = {k: v for k, v in action.items() if k not in ("app", "url", "title")}
                fh.write(json.dumps({"image": name, "action": act, "app": action["app"],
                                     "url": action["url"], "title": action["title"]}) + "\n")
        (out / "truth.json").write_text(json.dumps({"actions": actions, "marks": [a for a in self.truth if a["type"] == "mark"],
                                                    "duration": duration, "viewport": self.viewport,
                                                    "screen": list(self.size), "scale": self.scale}, indent=1))
        return out


def slice_recording(rec: str | Path, out: str | Path, t0: float, t1: float,
                    lead: list[tuple[float, bytes]] | None = None, keep_url: bool = True) -> Path:
    """The span [t0, t1] of a recording (a folder `stop()` wrote) as its own events-form recording:
    a fragment. Frames, events and truth are shifted to start at 0; the screen shown at t0 is its
    first real frame. `lead`: (seconds, JPEG bytes) frames shown first, as a recorder that starts on
    a blank or loading screen shows them. `keep_url=False` drops URL and title (a screen-only logger)."""
    import av  # noqa: PLC0415

    rec, out = Path(rec), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    truth = json.loads((rec / "truth.json").read_text())
    size = tuple(truth.get("screen") or (truth["viewport"]["width"], truth["viewport"]["height"]))
    jpegs: list[tuple[float, bytes]] = []
    with av.open(str(rec / "gui" / "screen.mp4")) as c:
        vs = c.streams.video[0]
        for fr in c.decode(vs):
            t = float(fr.pts * vs.time_base)
            if t > t1:
                break
            buf = io.BytesIO()
            fr.to_image().save(buf, "JPEG", quality=92)
            jpegs.append((t, buf.getvalue()))
    lead = lead or []
    lead_s = sum(d for d, _ in lead)
    frames: list[tuple[float, bytes]] = []
    t = 0.0
    for d, jpeg in lead:
        frames.append((t, jpeg))
        t += d
    before = [f for f in jpegs if f[0] <= t0]
    if before:
        frames.append((lead_s, before[-1][1]))
    frames += [(ts - t0 + lead_s, data) for ts, data in jpegs if t0 < ts <= t1]
    end = t1 - t0 + lead_s
    encode_frames(frames, end, out / "screen.mp4", size, origin=0.0)
    evs = []
    for line in (rec / "gui" / "events.jsonl").read_text().splitlines():
        e = json.loads(line)
        if e.get("type") == "session" or not (t0 <= e["t"] <= t1):
            continue
        e["t"] = round(e["t"] - t0 + lead_s, 4)
        if not keep_url:
            e.pop("url", None)
            e.pop("title", None)
        evs.append(e)
    _write_events(out / "events.jsonl", evs, size, end)
    shift = lead_s - t0
    acts = [{**a, **{k: round(a[k] + shift, 4) for k in ("t0", "t", "t1", "after_t") if k in a}}
            for a in truth["actions"] if t0 <= a["t0"] and a.get("t1", a["t"]) <= t1]
    (out / "truth.json").write_text(json.dumps({"actions": acts, "duration": end, "span": [t0, t1],
                                                "lead_s": lead_s, "screen": list(size)}, indent=1))
    return out


def _write_events(path: Path, events: list[dict], size: tuple[int, int], duration: float) -> None:
    with open(path, "w") as fh:
        fh.write(json.dumps({"type": "session", "video": "screen.mp4", "width": size[0], "height": size[1],
                             "duration": round(duration, 3)}) + "\n")
        for ev in events:
            fh.write(json.dumps(ev) + "\n")


def encode_frames(frames: list[tuple[float, Any]], t_end: float, path: Path, size: tuple[int, int],
                  origin: float | None = None) -> None:
    """Screencast JPEGs (base64 or bytes) -> H.264 MP4 at their true times (ms time base), held to
    t_end. Times are seconds from `origin` (default: the first frame's time)."""
    import av  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415

    origin = frames[0][0] if origin is None else origin
    with av.open(str(path), "w", format="mp4") as out:
        vs = out.add_stream("libx264", rate=30)
        vs.width, vs.height, vs.pix_fmt = size[0], size[1], "yuv420p"
        vs.codec_context.time_base = Fraction(1, 1000)
        vs.options = {"crf": "16", "preset": "veryfast", "bf": "0"}  # no B-frames: MP4 durations stay true
        last_pts = -1
        img = None
        for ts, data in list(frames) + [(t_end, None)]:
            if data is not None:
                raw = data if isinstance(data, bytes) else base64.b64decode(data)
                img = Image.open(io.BytesIO(raw)).convert("RGB")
                if img.size != tuple(size):
                    img = img.resize(tuple(size))
            pts = int(round((ts - origin) * 1000))
            if pts <= last_pts:
                pts = last_pts + 1
            frame = av.VideoFrame.from_ndarray(np.asarray(img), format="rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 1000)
            last_pts = pts
            for pkt in vs.encode(frame):
                out.mux(pkt)
        for pkt in vs.encode(None):
            out.mux(pkt)
