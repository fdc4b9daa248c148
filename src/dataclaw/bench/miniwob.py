"""A third-party GUI corpus: MiniWoB++ task pages solved by scripted solvers, recorded for real.

The `miniwob` package (1.1.0, MIT, Farama Foundation / Stanford / OpenAI) ships 130 task pages
under `miniwob/html`; only those files are used (installed with `--no-deps`: no selenium, no
gymnasium), served on 127.0.0.1 and driven through Playwright + Debian chromium. Each recording
holds several consecutive episodes of one task (the user clicks the START cover, solves, submits),
recorded by `bench.gui_recorder.Session` in every form (screen video + events.jsonl, trace.zip,
screenshot steps) with the truth: each episode's own reward (`WOB_RAW_REWARD_GLOBAL`, set by the
page's `core.endEpisode`), every driven action with its target's DOM box. Some episodes are failed
on purpose (a wrong value or choice) or left unfinished, so the corpus is not all success.

`build_fragment_sets` cuts long recordings at random points into fragments (starting on a blank
screen, on the page's own loading frames, or mid-transition) and adds fragments of other tasks
as distractors: the stitching benchmark with known order.

    episodes = build_corpus(out, tasks=["click-button", "enter-text"], seeds=[0, 1])
    sets = build_fragment_sets(recordings(out), out / "sets", n_sets=20)

Reusable by GUI-agent work: each `Episode` names its recording folder, span, utterance, reward
and truth actions.
"""
from __future__ import annotations

import importlib.util
import io
import json
import random
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable
from .gui_recorder import Session, launch, serve_dir, slice_recording

VIEWPORT = {"width": 330, "height": 215}  # the task (160 x 210) and MiniWoB's reward panel beside it
SCALE = 2.0  # device scale factor: 10 px task text becomes readable to OCR; screen px = CSS px x 2
EPISODE_MS = 60000  # the pages time out after 10-20 s; our slowed, recorded driving needs longer
LICENSE_NOTE = ("MiniWoB++ task pages: MIT License, Copyright 2016 OpenAI, 2018 Stanford University, "
                "2022 Farama Foundation (https://github.com/Farama-Foundation/miniwob-plusplus, "
                "PyPI miniwob 1.1.0). These recordings show those pages, driven by dataclaw's scripted "
                "solvers (src/dataclaw/bench/miniwob.py).\n")


def html_dir() -> Path:
    """The installed package's task pages (found without importing it: its deps are not needed)."""
    spec = importlib.util.find_spec("miniwob")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the miniwob package is not installed (pip install --no-deps 'miniwob==1.1.0')")
    root = Path(list(spec.submodule_search_locations)[0]) / "html"
    if not (root / "miniwob").is_dir():
        raise RuntimeError(f"{root} has no miniwob/ task pages")
    return root


# ---------------------------------------------------------------------------- the driver
class GiveUp(Exception):
    """A partial episode: the user stops before finishing."""


class Driver:
    """What a solver sees: the page, the utterance, and recorded actions. In `mistake` mode the
    first typed value or choice goes wrong; in `partial` mode the episode stops after `budget` actions."""

    def __init__(self, session: Any, mode: str, rng: random.Random, budget: int = 10 ** 6) -> None:
        self.s, self.page, self.mode, self.rng = session, session.page, mode, rng
        self.budget = budget
        self.n = 0
        self.erred = False
        self._mark = 0

    @property
    def query(self) -> str:
        return self.page.evaluate("core.getUtterance()")

    def js(self, code: str, arg: Any = None) -> Any:
        return self.page.evaluate(code, arg)

    def tag(self, js_elements: str) -> list[str]:
        """Selectors for the elements a JS expression returns (each gets a data-dc attribute)."""
        n = self.js(f"""() => {{ const els = ({js_elements}); const out = [];
            for (const e of els) {{ const k = 'm' + (window.__dc = (window.__dc || 0) + 1);
              e.setAttribute('data-dc', k); out.push(k); }} return out; }}""")
        return [f'[data-dc="{k}"]' for k in n]

    def _step(self) -> None:
        if self.n >= self.budget:
            raise GiveUp()
        self.n += 1

    def _wrong(self) -> bool:
        if self.mode == "mistake" and not self.erred:
            self.erred = True
            return True
        return False

    def click(self, selector: str, kind: str = "click") -> None:
        self._step()
        self.s.click(selector, kind)

    def choose(self, right: str, wrong: list[str]) -> None:
        """A choice the user can get wrong (in mistake mode the first one is)."""
        self.click(wrong[0] if wrong and self._wrong() else right)

    def type(self, text: str, typo_ok: bool = True) -> None:
        """Types `text`; now and then a slip is typed first and erased (not in date / time fields,
        whose segments Backspace clears)."""
        self._step()
        if self._wrong():
            text = text[:-1] + ("x" if not text.endswith("x") else "y") if text else "x"
        slip = typo_ok and self.rng.random() < 0.2 and len(text) > 3
        self.s.type(text, typo=text[:2] if slip else "")

    def press(self, key: str) -> None:
        self._step()
        self.s.press(key)

    def hotkey(self, *keys: str) -> None:
        self._step()
        self.s.hotkey(*keys)

    def scroll_over(self, selector: str, dy: int) -> None:
        self._step()
        self.s.hover(selector)
        self.s.scroll(dy)

    def drag(self, src: str, dst: str, dy_extra: float = 0.0) -> None:
        self._step()
        x0, y0, _ = self.s.center(src)
        x1, y1, _ = self.s.center(dst)
        self.s.drag(x0, y0, x1, y1 + dy_extra)


def _q(pattern: str, text: str, group: int = 1) -> str:
    m = re.search(pattern, text)
    if not m:
        raise RuntimeError(f"utterance {text!r} does not match {pattern!r}")
    return m.group(group)


SOLVERS: dict[str, Callable[[Driver], None]] = {}


def solver(*names: str):
    def reg(fn):
        for n in names:
            SOLVERS[n] = fn
        return fn
    return reg


@solver("click-test")
def _click_test(d: Driver) -> None:
    d.click("#subbtn")


@solver("click-test-2")
def _click_test_2(d: Driver) -> None:
    d.choose("#subbtn", ["#subbtn2"])


@solver("click-button", "unicode-test")
def _click_button(d: Driver) -> None:
    want = _q(r'Click on the "(.*)" button', d.query)
    right = d.tag(f"[...document.querySelectorAll('#area button')].filter(b => b.textContent === {json.dumps(want)})")
    wrong = d.tag(f"[...document.querySelectorAll('#area button')].filter(b => b.textContent !== {json.dumps(want)})")
    d.choose(right[0], wrong)


@solver("click-button-sequence")
def _click_button_sequence(d: Driver) -> None:
    d.click("#subbtn")
    d.click("#subbtn2")


@solver("click-link")
def _click_link(d: Driver) -> None:
    want = _q(r'Click on the link "(.*)"', d.query)
    right = d.tag(f"[...document.querySelectorAll('#area .alink')].filter(e => e.textContent === {json.dumps(want)})")
    wrong = d.tag(f"[...document.querySelectorAll('#area .alink')].filter(e => e.textContent !== {json.dumps(want)})")
    d.choose(right[0], wrong)


@solver("click-dialog")
def _click_dialog(d: Driver) -> None:
    d.click(".ui-dialog-titlebar button")


@solver("click-dialog-2")
def _click_dialog_2(d: Driver) -> None:
    want = _q(r'labeled "(.*)"', d.query)
    right = ".ui-dialog-titlebar button" if want == "x" else f'.ui-dialog-buttonpane button:text-is("{want}")'
    others = [b for b in ("x", "OK", "Cancel") if b != want]
    wrong = [".ui-dialog-titlebar button" if b == "x" else f'.ui-dialog-buttonpane button:text-is("{b}")' for b in others]
    d.choose(right, wrong)


def _labels(d: Driver, box: str) -> list[dict]:
    return d.js(f"() => [...document.querySelectorAll('{box} label')].map(l => ({{id: l.querySelector('input').id, "
                "text: l.textContent.trim()}))")


@solver("click-checkboxes")
def _click_checkboxes(d: Driver) -> None:
    names = _q(r"Select (.*) and click Submit", d.query)
    want = [] if names == "nothing" else [n.strip() for n in names.split(",")]
    labels = _labels(d, "#boxes")
    picks = [lb for lb in labels if lb["text"] in want]
    if d._wrong():  # one box too few or one too many
        extra = [lb for lb in labels if lb["text"] not in want]
        picks = picks[:-1] if picks and not extra else picks + extra[:1]
    for lb in picks:
        d.click(f"#{lb['id']}")
    d.click("#subbtn")


@solver("click-option")
def _click_option(d: Driver) -> None:
    want = _q(r"Select (.*) and click Submit", d.query)
    labels = _labels(d, "#boxes")
    right = [f"#{lb['id']}" for lb in labels if lb["text"] == want]
    d.choose(right[0], [f"#{lb['id']}" for lb in labels if lb["text"] != want])
    d.click("#subbtn")


@solver("click-tab")
def _click_tab(d: Driver) -> None:
    n = _q(r"Tab #(\d)", d.query)
    d.choose(f'#area ul a[href="#tabs-{n}"]', [f'#area ul a[href="#tabs-{k}"]' for k in "123" if k != n])


@solver("click-tab-2")
def _click_tab_2(d: Driver) -> None:
    want = _q(r'link "(.*)"', d.query)
    tab = d.js(f"() => {{ const e = [...document.querySelectorAll('#area .alink')].find(x => x.textContent === {json.dumps(want)});"
               " return e.closest('div[id^=tabs-]').id; }")
    visible = d.js(f"() => document.getElementById('{tab}').style.display !== 'none' && "
                   f"document.getElementById('{tab}').getAttribute('aria-hidden') !== 'true'")
    if not visible:
        d.click(f'#area ul a[href="#{tab}"]')
    target = d.tag(f"[...document.querySelectorAll('#{tab} .alink')].filter(e => e.textContent === {json.dumps(want)})")
    d.click(target[0])


@solver("click-collapsible", "click-collapsible-nodelay")
def _click_collapsible(d: Driver) -> None:
    d.click("#area h3")
    d.page.wait_for_timeout(600)  # the section slides open
    d.click("#subbtn")


@solver("click-widget")
def _click_widget(d: Driver) -> None:
    want = _q(r'Click on a "(.*)" widget', d.query)
    right = d.tag(f"[...document.querySelectorAll('#area [data-type=\"{want}\"]')]")
    wrong = d.tag(f"[...document.querySelectorAll('#area [data-type]')].filter(e => e.dataset.type !== '{want}')")
    d.choose(right[0], wrong)


@solver("enter-text")
def _enter_text(d: Driver) -> None:
    want = _q(r'Enter "(.*)" into', d.query)
    d.click("#tt")
    d.type(want)
    d.click("#subbtn")


@solver("enter-text-2")
def _enter_text_2(d: Driver) -> None:
    q = d.query
    word = _q(r'Type "(.*)" in', q)
    d.click("#tt")
    d.type(word.upper() if "upper case" in q else word.lower())
    d.click("#subbtn")


@solver("enter-password")
def _enter_password(d: Driver) -> None:
    pw = _q(r'password "(.*)" into', d.query)
    d.click("#password")
    d.type(pw)
    d.click("#verify")
    d.type(pw)
    d.click("#subbtn")


@solver("focus-text")
def _focus_text(d: Driver) -> None:
    d.click("#tt")


@solver("focus-text-2")
def _focus_text_2(d: Driver) -> None:
    k = {"1st": 1, "2nd": 2, "3rd": 3}[_q(r"the (\w+) input", d.query)]
    d.choose(f"#tt{k}", [f"#tt{j}" for j in (1, 2, 3) if j != k])


@solver("login-user")
def _login_user(d: Driver) -> None:
    q = d.query
    user, pw = _q(r'username "(.*?)"', q), _q(r'password "(.*?)"', q)
    d.click("#username")
    d.type(user)
    d.click("#password")
    d.type(pw)
    d.click("#subbtn")


@solver("choose-list")
def _choose_list(d: Driver) -> None:
    want = _q(r"Select (.*) from the list", d.query)
    d.click("#options")  # opens the drop-down; typing its name picks the option, Enter closes it
    d.type(want)
    d.press("Enter")
    d.click("#area button")


@solver("enter-date")
def _enter_date(d: Driver) -> None:
    mm, dd, yyyy = _q(r"Enter (\d\d/\d\d/\d{4})", d.query).split("/")
    d.click("#tt")
    d.press("ArrowLeft")  # to the month part, wherever the click landed
    d.press("ArrowLeft")
    d.type(f"{mm}{dd}{yyyy}", typo_ok=False)
    d.click("#subbtn")


@solver("enter-time")
def _enter_time(d: Driver) -> None:
    h, m, ampm = re.search(r"Enter (\d+):(\d\d) ?(AM|PM)", d.query).groups()
    d.click("#tt")
    d.press("ArrowLeft")
    d.press("ArrowLeft")
    d.type(f"{int(h):02d}{m}{ampm[0]}", typo_ok=False)
    d.click("#subbtn")


@solver("use-autocomplete", "use-autocomplete-nodelay")
def _use_autocomplete(d: Driver) -> None:
    q = d.query
    start = _q(r'starts with "(.*?)"', q)
    end = re.search(r'ends with "(.*?)"', q)
    item = d.js("([s, e]) => ui_utils.COUNTRIES.find(c => c.startsWith(s) && (!e || c.endsWith(e)))",
                [start, end.group(1) if end else None])
    d.click("#tags")
    d.type(item)
    d.press("Escape")  # close the suggestions so they do not cover Submit
    d.click("#subbtn")


@solver("navigate-tree")
def _navigate_tree(d: Driver) -> None:
    want = _q(r'named "(.*)"', d.query)
    path = d.tag(f"""(() => {{ const t = [...document.querySelectorAll('#tree span')].find(s => s.textContent === {json.dumps(want)});
        const chain = []; let li = t.closest('li').parentElement.closest('li');
        while (li) {{ if (li.classList.contains('expandable')) chain.unshift(li.querySelector(':scope > span')); li = li.parentElement.closest('li'); }}
        chain.push(t); return chain; }})()""")
    for sel in path:
        d.click(sel)


@solver("scroll-text-2")
def _scroll_text_2(d: Driver) -> None:
    down = "bottom" in d.query
    d.scroll_over("#text-area", 1500 if down else -1500)
    d.click("#subbtn")


@solver("scroll-text")
def _scroll_text(d: Driver) -> None:
    word = d.js("() => document.getElementById('text-area').value.trim().split(/\\s+/).pop()")
    d.scroll_over("#text-area", 300)
    d.click("#answer-input")
    d.type(word)
    d.click("#subbtn")


@solver("text-transform")
def _text_transform(d: Driver) -> None:
    text = d.js("() => document.getElementById('captcha').textContent")
    d.click("#tt")
    d.type(text)
    d.click("#subbtn")


@solver("simple-arithmetic")
def _simple_arithmetic(d: Driver) -> None:
    a, op, b = d.js("() => document.getElementById('math-problem').textContent").split()[:3]
    val = {"+": int(a) + int(b), "-": int(a) - int(b), "x": int(a) * int(b)}[op]
    d.click("#math-answer")
    d.type(str(val))
    d.click("#subbtn")


@solver("odd-or-even")
def _odd_or_even(d: Driver) -> None:
    rows = d.js("() => [...document.querySelectorAll('#numbers .row')].map((r, i) => "
                "{ r.setAttribute('data-row', i); return parseInt(r.querySelector('.display-number').textContent); })")
    for i, n in enumerate(rows):
        right, wrong = ("even", "odd") if n % 2 == 0 else ("odd", "even")
        d.choose(f'[data-row="{i}"] .{right}', [f'[data-row="{i}"] .{wrong}'])
    d.click("#submit")


@solver("find-word")
def _find_word(d: Driver) -> None:
    nth = _q(r"the (\d+)\w* word", d.query)
    word = d.js("(k) => document.querySelector('#area p').textContent.trim().split(/\\s+/)[k - 1]", int(nth))
    d.click("#answer-input")
    d.type(word)
    d.click("#subbtn")


@solver("read-table")
def _read_table(d: Driver) -> None:
    key = _q(r"value of (.*) into", d.query)
    val = d.js(f"() => [...document.querySelectorAll('#tab tr')].find(r => r.cells[0].textContent === {json.dumps(key)})"
               ".cells[1].textContent")
    d.click("#tt")
    d.type(val)
    d.click("#subbtn")


@solver("use-spinner")
def _use_spinner(d: Driver) -> None:
    n = int(_q(r"Select (-?\d+) with", d.query))
    btn = ".ui-spinner-up" if n > 0 else ".ui-spinner-down"
    for _ in range(abs(n)):
        d.click(btn)
    d.click("#subbtn")


@solver("copy-paste")
def _copy_paste(d: Driver) -> None:
    d.click("#to-copy")
    d.hotkey("Control", "a")
    d.hotkey("Control", "c")
    d.click("#answer-input")
    d.hotkey("Control", "v")
    d.click("#subbtn")


@solver("drag-items")
def _drag_items(d: Driver) -> None:
    q = d.query
    name = _q(r"Drag (\w+) ", q)
    items = d.js("() => [...document.querySelectorAll('#sortable li')].map((li, i) => { li.setAttribute('data-li', i); "
                 "return li.textContent.trim(); })")
    ix = items.index(name)
    n = len(items)
    if "to the top" in q:
        tgt = 0
    elif "to the bottom" in q:
        tgt = n - 1
    elif "down by one" in q:
        tgt = ix + 1
    elif "up by one" in q:
        tgt = ix - 1
    else:
        tgt = int(_q(r"to the (\d)", q)) - 1
    # drop past the target's middle, on the side we come from
    extra = 6 if tgt > ix else -6
    d.drag(f'[data-li="{ix}"]', f'[data-li="{tgt}"]', extra)


# ---------------------------------------------------------------------------- records
@dataclass
class Episode:
    task: str
    seed: str
    recording: str  # folder with gui/, trace.zip, steps/, truth.json (the whole recording)
    index: int  # episode number within the recording
    t0: float  # span of this episode on the recording's timeline (START click .. reward)
    t1: float
    mode: str  # solve | mistake | partial
    utterance: str = ""
    reward: float = 0.0  # the page's reward (time-discounted)
    raw_reward: float = 0.0  # the page's reward before the time discount (some pages give partial credit)
    reason: str | None = None
    done: bool = False
    actions: list[dict] = field(default_factory=list)  # truth actions (screen px), incl. the START click
    error: str | None = None

    @property
    def success(self) -> bool:
        """The page's full reward (partial credit, e.g. most check boxes right, is not success)."""
        return self.done and self.raw_reward >= 1.0 - 1e-6


def _reward(page: Any, timeout_ms: int = 1500) -> dict:
    for _ in range(max(1, timeout_ms // 50)):
        r = page.evaluate("() => ({done: WOB_DONE_GLOBAL, reward: WOB_REWARD_GLOBAL, raw: WOB_RAW_REWARD_GLOBAL, "
                          "reason: WOB_REWARD_REASON})")
        if r["done"]:
            return r
        page.wait_for_timeout(50)
    return r


def record_recording(browser: Any, base: str, task: str, seeds: list[str], modes: list[str], out: Path,
                     rng: random.Random, trace: bool = True) -> list[Episode]:
    """One recording of consecutive episodes of `task` (one per seed) into `out`."""
    ctx = browser.new_context(viewport=VIEWPORT, device_scale_factor=SCALE)
    if trace:
        ctx.tracing.start(screenshots=True, snapshots=True)
    page = ctx.new_page()
    episodes: list[Episode] = []
    try:
        s = Session(ctx, page, app="chromium", scale=SCALE).start(trace_chunk=trace)
        s.goto(f"{base}/miniwob/{task}.html")  # recorded from a blank page: real loading frames
        page.wait_for_selector("#sync-task-cover", state="visible", timeout=10000)
        page.evaluate(f"core.EPISODE_MAX_TIME = {EPISODE_MS}")
        for i, (seed, mode) in enumerate(zip(seeds, modes)):
            page.evaluate(f"Math.seedrandom({json.dumps(seed)})")
            n0 = len([a for a in s.truth if a["type"] != "mark"])
            ep = Episode(task=task, seed=seed, recording=str(out), index=i, t0=s._t(), t1=0.0, mode=mode)
            s.mark(event="episode_start", episode=i, seed=seed)
            s.click("#sync-task-cover")  # the START cover: the page draws a new problem
            ep.utterance = page.evaluate("core.getUtterance()")
            n_steps = 10 ** 6
            if mode == "partial":
                n_steps = max(1, rng.randint(1, 2))
            drv = Driver(s, mode, rng, budget=n_steps)
            try:
                SOLVERS[task](drv)
            except GiveUp:
                pass
            except Exception as exc:  # noqa: BLE001 - a solver that breaks loses this episode only
                ep.error = f"{type(exc).__name__}: {str(exc)[:200]}"
            r = _reward(page, 1500 if ep.error is None and mode != "partial" else 100)
            if not r["done"]:  # unfinished: the user leaves it; the page's own end resets the cover
                page.evaluate("core.endEpisode(0, false, 'unfinished')")
                page.wait_for_timeout(300)
            ep.done = bool(r["done"])
            ep.reward, ep.raw_reward, ep.reason = float(r["reward"] or 0), float(r["raw"] or 0), r["reason"]
            ep.t1 = s._t()
            s.mark(event="episode_end", episode=i, reward=ep.reward, raw_reward=ep.raw_reward, done=ep.done)
            page.wait_for_timeout(400)
            ep.actions = [a for a in s.truth if a["type"] != "mark"][n0:]
            episodes.append(ep)
        s.stop(out, trace_chunk=trace)
    finally:
        ctx.close()
    meta = {"task": task, "episodes": [asdict(e) for e in episodes], "url": f"miniwob/{task}.html"}
    (out / "episodes.json").write_text(json.dumps(meta, indent=1))
    return episodes


def build_corpus(out: str | Path, tasks: list[str] | None = None, seeds: list[str] | None = None,
                 episodes_per_recording: int = 3, fail_share: float = 0.2, seed: int = 0,
                 trace: bool = True, progress: Callable[[str], None] | None = None,
                 modes: dict[str, list[str]] | None = None) -> list[Episode]:
    """Records `tasks` (default: every task with a solver) over `seeds`, `episodes_per_recording`
    consecutive episodes per recording; about `fail_share` of the episodes are failed on purpose or
    left unfinished (`modes` sets them per recording name, e.g. {"login-user__0": ["solve",
    "mistake"]}). Returns every episode with its truth; reruns reuse finished recordings."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "LICENSE-miniwob.txt").write_text(LICENSE_NOTE)
    tasks = list(tasks or sorted(SOLVERS))
    seeds = list(seeds or ["0", "1", "2"])
    unknown = [t for t in tasks if t not in SOLVERS]
    if unknown:
        raise ValueError(f"no scripted solver for {unknown} (known: {', '.join(sorted(SOLVERS))})")
    rng = random.Random(seed)
    server, base = serve_dir(html_dir())
    episodes: list[Episode] = []
    try:
        with sync_playwright() as p:
            browser = launch(p)
            try:
                for task in tasks:
                    for k in range(0, len(seeds), episodes_per_recording):
                        group = [f"{task}:{s}" for s in seeds[k:k + episodes_per_recording]]
                        modes_drawn = [("mistake" if rng.random() < 0.5 else "partial") if rng.random() < fail_share
                                       else "solve" for _ in group]
                        rec = out / f"{task}__{k // episodes_per_recording}"
                        modes_here = (modes or {}).get(rec.name, modes_drawn)
                        if (rec / "episodes.json").exists() and (rec / "gui" / "events.jsonl").exists():
                            episodes += load_episodes(rec)
                            continue
                        shutil.rmtree(rec, ignore_errors=True)
                        episodes += record_recording(browser, base, task, group, modes_here, rec, rng, trace=trace)
                        if progress:
                            progress(f"{rec.name}: " + ", ".join(f"{e.mode}:{e.raw_reward:+.0f}" for e in episodes[-len(group):]))
            finally:
                browser.close()
    finally:
        server.shutdown()
    return episodes


def load_episodes(rec: str | Path) -> list[Episode]:
    meta = json.loads((Path(rec) / "episodes.json").read_text())
    return [Episode(**e) for e in meta["episodes"]]


def recordings(root: str | Path) -> list[Path]:
    return sorted(p.parent for p in Path(root).glob("*/episodes.json"))


# ---------------------------------------------------------------------------- fragment sets
@dataclass
class FragmentSet:
    path: str
    order: list[str]  # fragment names in true order
    distractors: list[str]
    starts: dict[str, str]  # fragment name -> how it starts: blank | loading | transition
    recording: str
    task: str
    distractor_tasks: list[str]


def _gaps(actions: list[dict], marks: list[dict]) -> list[tuple[int, float, float]]:
    """(index of the action after, lo, hi) of each pause between two actions where a cut may fall:
    never on the START cover between two episodes (that screen is the same for every episode of a
    task, only a counter differs: no stitcher can tell such fragments apart from the screen)."""
    starts = [m["t"] for m in marks if m.get("event") == "episode_start"]
    out = []
    for i, (a, b) in enumerate(zip(actions, actions[1:]), 1):
        lo, hi = a.get("t1", a["t"]) + 0.02, b["t0"] - 0.05
        if hi > lo and not any(lo - 0.5 <= s <= hi + 0.5 for s in starts):
            out.append((i, lo, hi))
    return out


def _cut_points(actions: list[dict], marks: list[dict], rng: random.Random, k: int) -> list[float] | None:
    """A window of the recording from its start (its real loading frames) to a random pause before
    its end, cut at k-1 random pauses inside: k+1 times. The window never ends on the final START
    cover, so the first and last fragments do not both show it (a rotation nothing could resolve)."""
    gaps = _gaps(actions, marks)
    if len(gaps) < k:
        return None
    end = rng.choice(gaps[k - 1:])
    inner = sorted(rng.sample([g for g in gaps if g[0] < end[0]], k - 1))
    # mostly early in the pause (mid-transition, before the screen settles), sometimes anywhere
    at = [lo + (hi - lo) * (rng.random() ** 2) for _, lo, hi in inner]
    return [0.0] + at + [end[1] + (end[2] - end[1]) * rng.random()]


def _lead_frames(kind: str, rec: Path, size: tuple[int, int], rng: random.Random) -> list[tuple[float, bytes]]:
    """Frames a fragment starts on before its first real frame."""
    from PIL import Image  # noqa: PLC0415

    if kind == "blank":
        buf = io.BytesIO()
        Image.new("RGB", size, rng.choice([(255, 255, 255), (0, 0, 0), (32, 33, 36)])).save(buf, "JPEG")
        return [(rng.uniform(0.3, 0.8), buf.getvalue())]
    if kind == "loading":  # the recording's own first frames: a blank tab, then the page painting
        from ..sources.video import VideoStream  # noqa: PLC0415

        out = []
        with VideoStream(rec / "gui" / "screen.mp4") as v:
            frames = [f for f in v.frames(fps=None, max_side=None) if f.t <= 0.6]
        for a, b in zip(frames, frames[1:] + [None]):
            buf = io.BytesIO()
            Image.fromarray(a.image).save(buf, "JPEG", quality=92)
            out.append(((b.t if b else 0.6) - a.t if b else 0.2, buf.getvalue()))
        return [(max(0.04, d), j) for d, j in out][:6]
    return []


def build_fragment_sets(recs: list[Path], out: str | Path, n_sets: int = 20, parts: tuple[int, ...] = (2, 3, 4),
                        distractors: tuple[int, ...] = (1, 2, 3), seed: int = 0, keep_url: bool = True
                        ) -> list[FragmentSet]:
    """Fragment sets with known order: one recording cut into 2-4 fragments (each starting on a
    blank screen, the page's loading frames or mid-transition), plus fragments of other tasks.
    Names are shuffled so that name order says nothing. `keep_url=False` drops URL and title
    from the events (a screen-only logger)."""
    rng = random.Random(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sets: list[FragmentSet] = []
    pool = [r for r in recs if len(json.loads((r / "truth.json").read_text())["actions"]) >= 3]
    attempts = 0
    while len(sets) < n_sets and attempts < n_sets * 10 and pool:
        attempts += 1
        rec = rng.choice(pool)
        truth = json.loads((rec / "truth.json").read_text())
        k = rng.choice([p for p in parts if p <= len(truth["actions"])] or [2])
        cuts = _cut_points(truth["actions"], truth.get("marks", []), rng, k)
        if cuts is None:
            continue
        task = json.loads((rec / "episodes.json").read_text())["task"]
        others = [r for r in pool if json.loads((r / "episodes.json").read_text())["task"] != task]
        n_d = min(rng.choice(distractors), len(others))
        d_recs = rng.sample(others, n_d)
        root = out / f"set_{len(sets):03d}"
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir()
        names = [f"frag_{c}" for c in rng.sample("abcdefghijklmnop", k + n_d)]
        size = tuple(truth["screen"])
        bounds = cuts
        starts = {}
        order = []
        for j in range(k):
            kind = "loading" if j == 0 else rng.choice(["blank", "loading", "transition"])
            lead = _lead_frames(kind, rec, size, rng) if j else []
            slice_recording(rec, root / names[j], bounds[j], bounds[j + 1], lead=lead, keep_url=keep_url)
            starts[names[j]] = kind
            order.append(names[j])
        d_tasks = []
        for j, dr in enumerate(d_recs):
            dt = json.loads((dr / "truth.json").read_text())
            acts = dt["actions"]
            a = rng.randrange(0, max(1, len(acts) - 2))
            b = min(len(acts), a + rng.randint(2, 4))
            t0 = max(0.0, acts[a]["t0"] - 0.1) if a else 0.0
            t1 = min(dt["duration"], acts[b - 1].get("after_t", acts[b - 1]["t"]) + 0.3)
            kind = rng.choice(["blank", "loading", "transition"])
            name = names[k + j]
            slice_recording(dr, root / name, t0, t1, lead=_lead_frames(kind, dr, tuple(dt["screen"]), rng),
                            keep_url=keep_url)
            starts[name] = kind
            d_tasks.append(json.loads((dr / "episodes.json").read_text())["task"])
        fs = FragmentSet(path=str(root), order=order, distractors=names[k:], starts=starts, recording=str(rec),
                         task=task, distractor_tasks=d_tasks)
        (root.parent / f"{root.name}.truth.json").write_text(json.dumps(asdict(fs), indent=1))
        sets.append(fs)
    return sets
