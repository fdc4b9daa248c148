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

import json
import time
from pathlib import Path

from dataclaw.bench.gui_recorder import CHROME_ARGS, CHROMIUM, serve_dir
from dataclaw.bench.gui_recorder import Session as _Session

APPS = Path(__file__).parent / "apps"
VIEWPORT = {"width": 800, "height": 600}
__all__ = ["CHROME_ARGS", "CHROMIUM", "Session", "record_all", "serve_apps"]

# the element namer these tests were written against (no <label> lookup: the trace/OCR tests rely
# on the checkbox having no logged name)
_ELEMENT_JS = """([x, y]) => {
  const e = document.elementFromPoint(x, y);
  if (!e) return null;
  const r = e.getBoundingClientRect();
  const role = e.getAttribute('role') || {BUTTON: 'button', A: 'link', INPUT: (e.type === 'checkbox' ? 'checkbox' : 'textbox'),
      TEXTAREA: 'textbox', SELECT: 'combobox'}[e.tagName] || e.tagName.toLowerCase();
  const name = e.getAttribute('aria-label') || (e.innerText || '').trim() || e.placeholder || e.name || '';
  return {role, name: name.slice(0, 80), bbox: [r.x, r.y, r.width, r.height]};
}"""


def serve_apps():
    """Serves apps/ on 127.0.0.1 (random port) in a thread; returns (server, base url)."""
    return serve_dir(APPS)


def Session(context, page, app: str = "chromium") -> _Session:  # noqa: N802 - the recorder's class, these tests' namer
    return _Session(context, page, app=app, element_js=_ELEMENT_JS)


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


# ---------------------------------------------------------------- the issue's own shop scenario
def record_store(out: str | Path) -> dict[str, Path]:
    """The multi-page shop of apps/store (search, open a product, set the `<select>` quantity to 2,
    add to cart, fill name + e-mail, place the order), recorded with the library's recorder and its
    element namer (labels), headless Chromium:

    store          the whole purchase as one session
    store_a        its first part (search .. add to cart), recording stopped on the cart page
    store_b        the rest, recorded later from a blank tab while the cart page loads again
    store_other    a contact form filled in another tab: the distractor
    Returns name -> folder; each `truth.json` also holds the page's own result (`outcome`)."""
    from playwright.sync_api import sync_playwright

    from dataclaw.bench.gui_recorder import Session as LibSession
    from dataclaw.bench.gui_recorder import launch

    out = Path(out)
    server, base = serve_apps()
    paths: dict[str, Path] = {}

    def fresh(browser):
        ctx, page = _context(browser)
        page.goto(f"{base}/store/index.html")
        page.evaluate("localStorage.clear()")
        page.reload()
        return ctx, page

    def first_part(s, page):
        s.click("#q")
        s.type("kettle")
        s.press("Enter")  # the search form submits: another page
        s.click("a[href='product.html?id=blue-kettle']")
        s.click("#qty")  # a native drop-down: click it, type the option, Enter
        s.type("2")
        s.press("Enter")
        s.click("#add")

    def second_part(s, page):
        s.click("#checkout")
        s.click("#name")
        s.type("Ana Lima")
        s.click("#email")
        s.type("ana.lima@example.org")
        s.click("#place")

    def outcome(page, path: Path) -> None:
        order = page.evaluate("JSON.parse(localStorage.getItem('order') || 'null')")
        t = json.loads((path / "truth.json").read_text())
        t["outcome"] = {"order": order, "done_text": page.inner_text("#done")}
        (path / "truth.json").write_text(json.dumps(t, indent=1))

    try:
        with sync_playwright() as p:
            browser = launch(p)
            try:
                ctx, page = fresh(browser)
                s = LibSession(ctx, page).start()
                first_part(s, page)
                second_part(s, page)
                paths["store"] = s.stop(out / "store")
                outcome(page, paths["store"])
                ctx.close()

                ctx, page = fresh(browser)
                s = LibSession(ctx, page).start()
                first_part(s, page)
                paths["store_a"] = s.stop(out / "store_a")
                page.goto("about:blank")
                s = LibSession(ctx, page).start()
                s.goto(f"{base}/store/cart.html")  # not an action: the recording begins while the page loads
                second_part(s, page)
                paths["store_b"] = s.stop(out / "store_b")
                outcome(page, paths["store_b"])
                ctx.close()

                ctx, page = _context(browser)
                page.goto(f"{base}/form.html")
                s = LibSession(ctx, page).start()
                s.click("#cname")
                s.type("Bob Lee")
                s.click("#send")
                paths["store_other"] = s.stop(out / "store_other")
                ctx.close()
            finally:
                browser.close()
    finally:
        server.shutdown()
    return paths


if __name__ == "__main__":
    import sys

    t = time.time()
    print(record_all(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gui_rec"), f"{time.time() - t:.1f}s")


def record_form_zh(out: str | Path) -> Path:
    """A Chinese contact form (apps/form_zh.html) recorded with the bench recorder's own element namer
    (labels, aria-label): clicks, Chinese typed text with a corrected typo, Tab, select-all + retype,
    a check box, submit. Returns the recording folder."""
    from playwright.sync_api import sync_playwright

    from dataclaw.bench.gui_recorder import Session as BenchSession

    out = Path(out)
    server, base = serve_apps()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
            try:
                ctx, page = _context(browser)
                page.goto(f"{base}/form_zh.html")
                s = BenchSession(ctx, page).start()
                s.click("#xm")
                s.type("李明", typo="王")
                s.press("Tab")
                s.type("liming@example.cn")
                s.click("#ly")
                s.type("请给我打电话")
                s.hotkey("Control", "a")
                s.type("请明天上午给我回电话")
                s.click("#dy")
                s.click("#tj")
                path = s.stop(out / "form_zh")
                ctx.close()
            finally:
                browser.close()
    finally:
        server.shutdown()
    return path
