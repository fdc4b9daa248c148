"""Records real browser sessions for the GUI tests and benchmark.

Headless Chromium (Debian `chromium`) is driven through Playwright over the small web apps in
`apps/`. One session writes, on one clock:
  gui/screen.mp4 + gui/events.jsonl   (dataclaw's GUI trace: the screen video comes from the
                                       DevTools screencast, encoded at the frames' true times)
  trace.zip                            (Playwright trace with screenshots and snapshots)
  steps/steps.jsonl + step_NNN.png     (screenshot-per-step form, AgentNet / Mind2Web shape)
  truth.json                           (what the driver did: the ground truth of the tests)
The events log holds raw input as a logger sees it (pointer moves, one key event per character,
wheel ticks); the truth holds the intended actions. Playwright's own video recording does not work
on this machine, so the screen is taken from `Page.startScreencast`.
"""
from __future__ import annotations

import functools
import http.server
import io
import json
import threading
import time
from fractions import Fraction
from pathlib import Path

APPS = Path(__file__).parent / "apps"
CHROMIUM = "/usr/bin/chromium"
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 800, "height": 600}

_ELEMENT_JS = """([x, y]) => {
  const e = document.elementFromPoint(x, y);
  if (!e) return null;
  const r = e.getBoundingClientRect();
  const role = e.getAttribute('role') || {BUTTON: 'button', A: 'link', INPUT: (e.type === 'checkbox' ? 'checkbox' : 'textbox'),
      TEXTAREA: 'textbox', SELECT: 'combobox'}[e.tagName] || e.tagName.toLowerCase();
  const name = e.getAttribute('aria-label') || (e.innerText || '').trim() || e.placeholder || e.name || '';
  return {role, name: name.slice(0, 80), bbox: [r.x, r.y, r.width, r.height]};
}"""


def serve_apps() -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serves apps/ on 127.0.0.1 (random port) in a thread; returns (server, base url)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep test output clean
            pass

    handler = functools.partial(Quiet, directory=str(APPS))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class Session:
    """One recording: screencast + events + steps + truth. Use `start()` ... `stop(out)`."""

    def __init__(self, context, page, app: str = "chromium") -> None:
        self.context, self.page, self.app = context, page, app
        self.frames: list[tuple[float, bytes]] = []
        self.events: list[dict] = []
        self.truth: list[dict] = []
        self.steps: list[tuple[dict, bytes]] = []
        self.origin = 0.0
        self.mouse = (VIEWPORT["width"] // 2, VIEWPORT["height"] // 2)
        self.cdp = None

    # ------------------------------------------------------------ recording
    def start(self, trace_chunk: bool = True) -> "Session":
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
        self.page.wait_for_timeout(350)
        return self

    def _t(self) -> float:
        return round(time.time() - self.origin, 4)

    def _ident(self) -> dict:
        return {"app": self.app, "url": self.page.url, "title": self.page.title()}

    def _log(self, ev: dict, t: float | None = None) -> None:
        self.events.append({"t": self._t() if t is None else t, **ev, **self._ident()})

    def _step_shot(self, action: dict) -> None:
        self.steps.append(({**action, **self._ident()}, self.page.screenshot(type="png")))

    def _settle(self, ms: int = 450) -> None:
        self.page.wait_for_timeout(ms)

    # ------------------------------------------------------------ actions
    def goto(self, url: str) -> None:
        self.page.goto(url)
        self._settle(500)

    def click(self, selector: str, kind: str = "click") -> None:
        loc = self.page.locator(selector)
        loc.scroll_into_view_if_needed()
        box = loc.bounding_box()
        x, y = int(box["x"] + box["width"] / 2), int(box["y"] + box["height"] / 2)
        elem = self.page.evaluate(_ELEMENT_JS, [x, y]) or {}
        self._step_shot({"type": kind, "x": x, "y": y})
        t_start = self._t()
        mx, my = self.mouse
        for i in range(1, 5):  # a human-like approach: raw moves the reducer must fold away
            px, py = int(mx + (x - mx) * i / 4), int(my + (y - my) * i / 4)
            t = self._t()  # logged at dispatch, as an OS input hook would
            self.page.mouse.move(px, py)
            self._log({"type": "move", "x": px, "y": py}, t=t)
            self.page.wait_for_timeout(25)
        t_click = self._t()
        button = "right" if kind == "right_click" else "left"
        if kind == "double_click":
            self.page.mouse.dblclick(x, y)
        else:
            self.page.mouse.click(x, y, button=button)
        self._log({"type": kind, "x": x, "y": y, "button": button, **elem}, t=t_click)
        self.mouse = (x, y)
        self.truth.append({"type": kind, "x": x, "y": y, "t0": t_start, "t": t_click, "t1": self._t(),
                           "target": elem.get("name", ""), "role": elem.get("role", ""),
                           "bbox": elem.get("bbox")})
        self._settle()
        self.truth[-1]["after_t"] = self._t()

    def type(self, text: str, typo: str = "") -> None:
        """Types text one key event per character; `typo` is typed first and erased with Backspace."""
        self._step_shot({"type": "type", "text": text})
        t0 = self._t()
        for ch in typo:
            t = self._t()
            self.page.keyboard.type(ch)
            self._log({"type": "key", "keys": [ch]}, t=t)
            self.page.wait_for_timeout(35)
        for _ in typo:
            t = self._t()
            self.page.keyboard.press("Backspace")
            self._log({"type": "key", "keys": ["backspace"]}, t=t)
            self.page.wait_for_timeout(35)
        for ch in text:
            t = self._t()
            self.page.keyboard.type(ch)
            self._log({"type": "key", "keys": [ch]}, t=t)
            self.page.wait_for_timeout(35)
        self.truth.append({"type": "type", "text": text, "t0": t0, "t": t0, "t1": self._t()})
        self._settle()
        self.truth[-1]["after_t"] = self._t()

    def press(self, key: str) -> None:
        self._step_shot({"type": "key", "keys": [key.lower()]})
        t0 = self._t()
        self.page.keyboard.press(key)
        self._log({"type": "key", "keys": [key.lower()]}, t=t0)
        self.truth.append({"type": "key", "keys": [key.lower()], "t0": t0, "t": t0, "t1": self._t()})
        self._settle()
        self.truth[-1]["after_t"] = self._t()

    def hotkey(self, *keys: str) -> None:
        self._step_shot({"type": "hotkey", "keys": [k.lower() for k in keys]})
        t0 = self._t()
        self.page.keyboard.press("+".join(keys))
        self._log({"type": "hotkey", "keys": [k.lower() for k in keys]}, t=t0)
        self.truth.append({"type": "hotkey", "keys": [k.lower() for k in keys], "t0": t0, "t": t0,
                           "t1": self._t()})
        self._settle()
        self.truth[-1]["after_t"] = self._t()

    def scroll(self, dy: int, ticks: int = 3) -> None:
        x, y = self.mouse
        self._step_shot({"type": "scroll", "x": x, "y": y, "dx": 0, "dy": dy})
        t0 = self._t()
        for _ in range(ticks):
            t = self._t()
            self.page.mouse.wheel(0, dy / ticks)
            self._log({"type": "scroll", "x": x, "y": y, "dx": 0, "dy": round(dy / ticks, 2)}, t=t)
            self.page.wait_for_timeout(60)
        self.truth.append({"type": "scroll", "x": x, "y": y, "dx": 0, "dy": dy, "t0": t0, "t": t0,
                           "t1": self._t()})
        self._settle(600)
        self.truth[-1]["after_t"] = self._t()

    # ------------------------------------------------------------ output
    def stop(self, out: str | Path, trace_chunk: bool = True) -> Path:
        out = Path(out)
        (out / "gui").mkdir(parents=True, exist_ok=True)
        self.page.wait_for_timeout(300)
        t_end = time.time()
        self.cdp.send("Page.stopScreencast")
        self.cdp.detach()
        if trace_chunk:
            self.context.tracing.stop_chunk(path=str(out / "trace.zip"))
        _encode(self.frames, t_end, out / "gui" / "screen.mp4")
        with open(out / "gui" / "events.jsonl", "w") as fh:
            fh.write(json.dumps({"type": "session", "video": "screen.mp4", "width": VIEWPORT["width"],
                                 "height": VIEWPORT["height"], "duration": round(t_end - self.origin, 3)}) + "\n")
            for ev in self.events:
                fh.write(json.dumps(ev) + "\n")
        steps = out / "steps"
        steps.mkdir(exist_ok=True)
        with open(steps / "steps.jsonl", "w") as fh:
            for i, (action, png) in enumerate(self.steps):
                name = f"step_{i:03d}.png"
                (steps / name).write_bytes(png)
                act = {k: v for k, v in action.items() if k not in ("app", "url", "title")}
                fh.write(json.dumps({"image": name, "action": act, "app": action["app"],
                                     "url": action["url"], "title": action["title"]}) + "\n")
        (out / "truth.json").write_text(json.dumps({"actions": self.truth, "duration": t_end - self.origin,
                                                    "viewport": VIEWPORT}, indent=1))
        return out


def _encode(frames: list[tuple[float, bytes]], t_end: float, path: Path) -> None:
    """Screencast JPEGs -> H.264 MP4 at their true times (ms time base), held to t_end."""
    import av
    import numpy as np
    from PIL import Image

    origin = frames[0][0]
    with av.open(str(path), "w", format="mp4") as out:
        vs = out.add_stream("libx264", rate=30)
        vs.width, vs.height, vs.pix_fmt = VIEWPORT["width"], VIEWPORT["height"], "yuv420p"
        vs.codec_context.time_base = Fraction(1, 1000)
        vs.options = {"crf": "16", "preset": "veryfast"}
        last_pts = -1
        img = None
        for ts, data in frames + [(t_end, None)]:
            if data is not None:
                img = Image.open(io.BytesIO(__import__("base64").b64decode(data))).convert("RGB")
                if img.size != (VIEWPORT["width"], VIEWPORT["height"]):
                    img = img.resize((VIEWPORT["width"], VIEWPORT["height"]))
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


# ---------------------------------------------------------------- the recorded scenarios
def record_all(out: str | Path) -> dict[str, Path]:
    """Records every scenario the tests use; returns name -> folder.

    form      a contact form: clicks, typing with a corrected typo, Tab, select-all + retype, checkbox
    settings  a settings page: toggles, scrolling, save (also the stitch distractor)
    shop1-3   one shop purchase split into three fragments (recording paused between them)
    """
    from playwright.sync_api import sync_playwright

    out = Path(out)
    server, base = serve_apps()
    paths: dict[str, Path] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
            try:
                paths.update(_record_form(browser, base, out))
                paths.update(_record_settings(browser, base, out))
                paths.update(_record_shop(browser, base, out))
            finally:
                browser.close()
    finally:
        server.shutdown()
    return paths


def _context(browser):
    ctx = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    ctx.tracing.start(screenshots=True, snapshots=True)
    return ctx, ctx.new_page()


def _record_form(browser, base: str, out: Path) -> dict[str, Path]:
    ctx, page = _context(browser)
    page.goto(f"{base}/form.html")
    s = Session(ctx, page).start()
    s.click("#cname")
    s.type("Bob Lee", typo="Bib")
    s.press("Tab")
    s.type("bob@example.org")
    s.click("#cmsg")
    s.type("Please call me")
    s.hotkey("Control", "a")
    s.type("Call me today")
    s.click("#news")
    s.click("#send")
    path = s.stop(out / "form")
    ctx.close()
    return {"form": path}


def _record_settings(browser, base: str, out: Path) -> dict[str, Path]:
    ctx, page = _context(browser)
    page.goto(f"{base}/settings.html")
    s = Session(ctx, page).start()
    s.click("#dark")
    s.click("#notif")
    s.scroll(360)
    s.click("#share")
    s.click("#save")
    path = s.stop(out / "settings")
    ctx.close()
    return {"settings": path}


def _record_shop(browser, base: str, out: Path) -> dict[str, Path]:
    ctx, page = _context(browser)
    page.goto(f"{base}/shop.html")
    page.evaluate("localStorage.clear()")
    page.reload()
    page.wait_for_timeout(300)
    s = Session(ctx, page).start()
    s.click("button[data-item='Blue mug']")
    s.scroll(420)
    s.click("button[data-item='Green teapot']")
    s.click("#view-cart")
    p1 = s.stop(out / "shop1")
    page.wait_for_timeout(400)
    s = Session(ctx, page).start()
    s.click("#checkout")
    s.click("#name")
    s.type("Alice Smith")
    p2 = s.stop(out / "shop2")
    page.wait_for_timeout(400)
    s = Session(ctx, page).start()
    s.click("#address")
    s.type("12 Oak Street")
    s.click("#place")
    p3 = s.stop(out / "shop3")
    ctx.close()
    return {"shop1": p1, "shop2": p2, "shop3": p3}


if __name__ == "__main__":
    import sys

    t = time.time()
    print(record_all(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gui_rec"), f"{time.time() - t:.1f}s")
