"""End to end in headless Chromium (Debian's /usr/bin/chromium driven by Playwright): open, filter,
open a sample, play its video, mark and edit it, check curation.jsonl; text from the data stays text."""
from __future__ import annotations

import json
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--autoplay-policy=no-user-gesture-required"]
XSS = '<img src=x onerror="document.body.dataset.pwned=1">'


@pytest.fixture()
def page(viewer):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium") and not __import__("os").path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed")
    url, ds = viewer
    # a hostile sample: its text must show as text, never run
    rows = (ds / "samples.jsonl").read_text().splitlines()
    evil = json.loads(rows[0])
    evil["id"], evil["query"]["text"] = "evil-sample", XSS
    with open(ds / "samples.jsonl", "a") as fh:
        fh.write(json.dumps(evil) + "\n")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        # bypass_csp: Playwright's own wait predicates are eval'd; the page's escaping is what is tested
        pg = browser.new_context(bypass_csp=True).new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(url + "/")
        yield pg, url, ds, errors
        browser.close()


def _marks(ds) -> dict:
    path = ds / "curation.jsonl"
    out = {}
    for line in path.read_text().splitlines() if path.exists() else []:
        m = json.loads(line)
        out[m["id"]] = m
    return out


def test_browse_filter_play_mark(page):
    pg, url, ds, errors = page
    pg.wait_for_selector("#samples tbody tr")
    total = pg.locator("#samples tbody tr").count()
    n_rows = len((ds / "samples.jsonl").read_text().splitlines())
    assert total == n_rows
    # hostile text is shown literally and nothing ran
    assert pg.locator("#samples tbody tr[data-id='evil-sample'] td").nth(4).inner_text() == XSS
    assert pg.evaluate("document.body.dataset.pwned") is None
    # filter by task, then by a score nobody reaches
    pg.select_option("#f-task", "t2v")
    pg.wait_for_function(f"document.querySelectorAll('#samples tbody tr').length < {total}")
    tasks = pg.locator("#samples tbody tr").evaluate_all("rs => rs.map(r => r.dataset.task)")
    assert tasks and set(tasks) == {"t2v"}
    # open a sample
    pg.locator("#samples tbody tr").first.click()
    pg.wait_for_function("document.body.dataset.sampleReady")
    sid = pg.evaluate("document.body.dataset.sampleReady")
    assert sid.startswith("t2v")
    assert pg.locator("#timeline .anchor.cited").count() >= 1
    assert pg.locator("#timeline .lane[data-lane='shots'] .anchor").count() >= 3
    assert pg.locator("#solution video.clip").count() >= 1
    # play the source video from a cited anchor: time must advance
    pg.locator("#timeline .anchor.cited").first.click()
    pg.evaluate("() => { const v = document.getElementById('video'); v.muted = true; return v.play(); }")
    pg.wait_for_function("document.getElementById('video').currentTime > 0.5 && "
                         "document.getElementById('video').readyState >= 2", timeout=30000)
    # and the sample's own clip
    pg.evaluate("() => { const v = document.querySelector('#solution video.clip'); v.muted = true; return v.play(); }")
    pg.wait_for_function("document.querySelector('#solution video.clip').currentTime > 0.2", timeout=30000)
    # reject it
    pg.click("#b-reject")
    pg.wait_for_function("document.body.dataset.marked === 'rejected'")
    assert _marks(ds)[sid]["status"] == "rejected"
    assert pg.locator("#mark-status").inner_text() == "rejected"
    # edit its query, save
    pg.click("#b-edit")
    pg.fill("#query textarea", "a better query")
    pg.click("#b-save")
    pg.wait_for_function("document.querySelector('#query .query-text') && "
                         "document.querySelector('#query .query-text').textContent === 'a better query'")
    m = _marks(ds)[sid]
    assert m["edits"] == {"query.text": "a better query"} and m["status"] == "rejected"
    # back to the list: the status filter finds it
    pg.goto(url + "/#/")
    pg.wait_for_selector("#samples tbody tr")
    pg.select_option("#f-status", "rejected")
    pg.wait_for_function("document.querySelectorAll('#samples tbody tr').length === 1")
    assert pg.locator("#samples tbody tr").first.get_attribute("data-id") == sid
    assert not errors, errors
