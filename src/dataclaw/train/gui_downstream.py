"""`dataclaw downstream gui`: does tailored GUI data teach an agent more than the raw log, at the same budget?

Closed loop on MiniWoB++ (`bench.miniwob`: real task pages in Chromium, scripted solvers, the page's
own reward). The recordings are split by seed (episodes of the train seeds label the training data)
and by task type (a few types are held out entirely). Two (or more) annotators make per-step rows
from the SAME training recordings, and the same number of rows is drawn from each:

  naive   the raw event log, one row per event (pointer moves, one key per character, wheel ticks,
          clicks), each seen on a uniformly sampled screenshot (the last frame of a 1 fps grid)
  rules   dataclaw's `gui_trajectory` samples (rules backend, verified) cut into one row per step:
          reduced actions (a typed string, a click on a named element), each on its observation
          frame (the last distinct screen before the action)
  LABEL=BACKEND[:MODEL]  the same as rules, with `gui_trajectory` written by that backend

Every row has the observation a screen-only agent has: the task utterance, the screen's OCR lines
with their boxes (our `ocr` expert's RapidOCR engine, task area only) and the actions so far in the
episode; its completion is one action as compact JSON in screen pixels. A text-only student
(SmolLM2-135M by default) is fine-tuned (`train.trainers.train("sft")`) with the same steps and seed
on each dataset, then scored:

  step SR  offline, on held-out successful episodes: the predicted action has the recorded one's
           type, a click lands inside the target's DOM box, typed text and keys are the same
  task SR  online: the student drives Chromium on fresh seeds of held-out and seen task types (the
           harness clicks START, the student has `max_steps` actions); success = MiniWoB's full reward

The untrained student (zero-shot, same prompt) is the floor. CIs are percentile bootstraps over
episodes. Results: OUT/gui_downstream.json, OUT/gui_downstream.md, OUT/gui_downstream.png.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import random
import re
import time
from pathlib import Path
from typing import Any, Callable

from ..bench import miniwob
from ..bench.gui_recorder import launch, serve_dir
from ..bench.miniwob import EPISODE_MS, SCALE, VIEWPORT, html_dir, load_episodes, recordings
from ..errors import ConfigError
from ..experts.ocr import OcrParams, load_engine, read_frame
from ..intent import Plan
from ..model import TaskSpec
from ..models_llm import resolve_model
from .downstream import parse_annotator
from .trainers import train

log = logging.getLogger(__name__)

# the 8 task types the MiniWoB++ benchmark (docs/benchmarks.md) holds out
HELD_TYPES = ("click-tab-2", "copy-paste", "enter-time", "navigate-tree", "odd-or-even", "read-table",
              "unicode-test", "use-autocomplete")
FORMAT = ('Reply with one action as JSON in screen pixels, e.g. {"type":"click","x":120,"y":80} or '
          '{"type":"type","text":"abc"} or {"type":"key","keys":["enter"]}.')
NO_OCR = {"gui_screens": {"ocr": False, "ocr_elements": "never"}}
CLICKS = ("click", "double_click", "right_click")
HISTORY = 6  # actions so far shown in the prompt (the last ones)
MAX_LINES = 16  # OCR lines shown


# ---------------------------------------------------------------------------- actions
def compact(a: dict[str, Any]) -> str:
    """One action as the student reads and writes it (screen px, integers)."""
    t = a.get("type", "")
    out: dict[str, Any] = {"type": t}
    if t in CLICKS or t in ("move", "scroll", "drag"):
        out["x"], out["y"] = int(round(float(a.get("x", 0)))), int(round(float(a.get("y", 0))))
    if t == "type":
        out["text"] = a.get("text", "")
    if t in ("key", "hotkey"):
        out["keys"] = [str(k).lower() for k in a.get("keys", [])]
    if t == "scroll":
        out["dy"] = int(round(float(a.get("dy", 0))))
    if t == "drag":
        out["dx"], out["dy"] = int(round(float(a.get("dx", 0)))), int(round(float(a.get("dy", 0))))
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False)


def parse_action(text: str) -> dict[str, Any] | None:
    """The first JSON object with a `type` in a student's answer, or None."""
    for m in re.finditer(r"\{[^{}]*\}", text or ""):
        try:
            a = json.loads(m.group(0))
        except json.JSONDecodeError:
            continue
        if isinstance(a, dict) and isinstance(a.get("type"), str):
            return a
    return None


def _in_box(x: float, y: float, box: list[float]) -> bool:
    bx, by, bw, bh = box
    return bx <= x <= bx + bw and by <= y <= by + bh


def step_match(pred: dict[str, Any] | None, truth: dict[str, Any]) -> bool:
    """Same type; a click / drag starts inside the target's DOM box; same text; same keys; scroll same way."""
    if not pred or pred.get("type") != truth["type"]:
        return False
    t = truth["type"]
    try:
        if t in CLICKS or t == "drag":
            return bool(truth.get("bbox")) and _in_box(float(pred["x"]), float(pred["y"]), truth["bbox"])
        if t == "type":
            return str(pred.get("text", "")).strip() == str(truth.get("text", "")).strip()
        if t in ("key", "hotkey"):
            return [str(k).lower() for k in pred.get("keys", [])] == [str(k).lower() for k in truth.get("keys", [])]
        if t == "scroll":
            return (float(pred.get("dy", 0)) > 0) == (float(truth.get("dy", 0)) > 0)
    except (KeyError, TypeError, ValueError):
        return False
    return False


# ---------------------------------------------------------------------------- observations
class Screens:
    """OCR lines with boxes of the task area of a screen (cached on disk by image content)."""

    def __init__(self, cache: Path, threads: int = 1) -> None:
        self.cache = cache
        cache.mkdir(parents=True, exist_ok=True)
        self.params = OcrParams(threads=threads)
        self.engine = load_engine(self.params)
        self.width = int(round(165 * SCALE))  # the 160 CSS px task area; the reward panel beside it is left out
        self.calls = 0
        self.seconds = 0.0

    def lines(self, image: Any) -> list[dict[str, Any]]:
        """`image`: a path, PNG/JPEG bytes or an RGB array."""
        import numpy as np  # noqa: PLC0415
        from PIL import Image  # noqa: PLC0415

        if isinstance(image, (str, Path)):
            image = Path(image).read_bytes()
        if isinstance(image, bytes):
            key = hashlib.sha1(image).hexdigest()[:20]
            rgb = None
        else:
            rgb = np.ascontiguousarray(image)
            key = hashlib.sha1(rgb.tobytes()).hexdigest()[:20]
        hit = self.cache / f"{key}.json"
        if hit.is_file():
            return json.loads(hit.read_text())
        if rgb is None:
            rgb = np.asarray(Image.open(io.BytesIO(image)).convert("RGB"))
        crop = rgb[:, : self.width]
        t = time.perf_counter()
        dets = read_frame(self.engine, crop, (crop.shape[1], crop.shape[0]), self.params)
        self.seconds += time.perf_counter() - t
        self.calls += 1
        out = [{"text": d["text"], "box": [int(round(v)) for v in d["box"]]}
               for d in sorted(dets, key=lambda d: (round(d["box"][1] / 8), d["box"][0]))]
        hit.write_text(json.dumps(out))
        return out


def prompt(utterance: str, lines: list[dict[str, Any]], history: list[str]) -> str:
    screen = "\n".join(f"{ln['text']} @{ln['box']}" for ln in lines[:MAX_LINES]) or "(no text)"
    done = "; ".join(history[-HISTORY:]) or "none"
    return f"{FORMAT}\nTask: {utterance}\nScreen:\n{screen}\nDone: {done}\nNext action:"


# ---------------------------------------------------------------------------- split
def split_recordings(root: Path, train_seeds: set[str], held_types: set[str]) -> dict[str, list[Path]]:
    """train: recordings of seen task types whose episodes all have a train seed; the rest are held out."""
    out: dict[str, list[Path]] = {"train": [], "heldout": []}
    for rec in recordings(root):
        eps = load_episodes(rec)
        seeds = {e.seed.rsplit(":", 1)[-1] for e in eps}
        task = eps[0].task if eps else ""
        out["train" if task not in held_types and seeds <= train_seeds else "heldout"].append(rec)
    return out


def _episode_of(eps: list[Any], t: float) -> Any | None:
    for e in eps:
        if e.t0 <= t <= e.t1 + 1e-3:
            return e
    return None


# ---------------------------------------------------------------------------- annotators
def naive_rows(rec: Path, screens: Screens, fps: float = 1.0, pick: Callable[[int], list[int]] | None = None
               ) -> list[dict[str, Any]]:
    """One row per raw logged event inside an episode, observed on the last frame of a uniform `fps` grid."""
    eps = load_episodes(rec)
    events = [json.loads(x) for x in (rec / "gui" / "events.jsonl").read_text().splitlines() if x.strip()]
    events = [e for e in events if e.get("type") not in ("session",) and _episode_of(eps, e["t"])]
    keep = pick(len(events)) if pick else range(len(events))
    if not keep:
        return []
    grid = _grid_frames(rec / "gui" / "screen.mp4", fps, {int(events[i]["t"] * fps) for i in keep})
    rows = []
    for i in keep:
        e = events[i]
        ep = _episode_of(eps, e["t"])
        hist = [compact(h) for h in events[:i] if ep.t0 <= h["t"] and h["t"] < e["t"]]
        frame = grid.get(int(e["t"] * fps))
        if frame is None:
            continue
        rows.append({"prompt": prompt(ep.utterance, screens.lines(frame), hist), "completion": " " + compact(e),
                     "task": ep.task, "recording": rec.name})
    return rows


def _grid_frames(video: Path, fps: float, slots: set[int]) -> dict[int, Any]:
    """For each grid slot k, the last decoded frame at or before k / fps (RGB arrays)."""
    import av  # noqa: PLC0415

    out: dict[int, Any] = {}
    want = sorted(slots)
    last = None
    j = 0
    with av.open(str(video)) as c:
        vs = c.streams.video[0]
        for fr in c.decode(vs):
            t = float(fr.pts * vs.time_base)
            while j < len(want) and want[j] / fps < t:
                if last is not None:
                    out[want[j]] = last
                j += 1
            if j >= len(want):
                break
            last = fr.to_ndarray(format="rgb24")
    for k in want[j:]:
        if last is not None:
            out[k] = last
    return out


def trajectory_rows(rec: Path, work: Path, screens: Screens, backend: str = "rules",
                    options: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """`gui_trajectory` samples of one recording (tailored by `backend`, verified), one row per step."""
    import dataclaw  # noqa: PLC0415

    intent = "make GUI agent training data"
    plan = Plan(intent=intent, tasks=[TaskSpec(task="gui_trajectory", domain="gui", instruction=intent)])
    out = work / rec.name
    res = dataclaw.tailor(rec / "gui", plan=plan, out=out, quiet=True, expert_params=NO_OCR, backend=backend,
                          **({"backend_options": options} if options else {}))
    eps = load_episodes(rec)
    rows: list[dict[str, Any]] = []
    path = out / "samples.jsonl"
    for line in (path.read_text().splitlines() if path.is_file() else []):
        s = json.loads(line)
        last_img = None
        steps: list[tuple[dict[str, Any], str | None]] = []
        for seg in s["solution"]:
            if seg["type"] == "image":
                last_img = seg["path"]
            elif seg["type"] == "action" and seg.get("action"):
                steps.append(({**seg["action"], "t": seg["t0"]}, last_img))
        for k, (act, img) in enumerate(steps):
            ep = _episode_of(eps, act["t"])
            if ep is None or img is None or not (out / img).is_file():
                continue
            hist = [compact(a) for a, _ in steps[:k] if a["t"] >= ep.t0]
            # the prompt is written (OCR run) only for the rows drawn into the budget: `observe`
            rows.append({"image": str(out / img), "utterance": ep.utterance, "history": hist,
                         "completion": " " + compact(act), "task": ep.task, "recording": rec.name})
    return rows, {"samples": res.counts.get("samples", 0), "rejected": res.counts.get("rejected", 0)}


# ---------------------------------------------------------------------------- student
class Student:
    """A causal LM answering prompts greedily (CPU)."""

    def __init__(self, path: str | Path, max_new_tokens: int = 40) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: PLC0415

        p = resolve_model(path)
        self.tok = AutoTokenizer.from_pretrained(p)
        self.tok.padding_side = "left"
        if self.tok.pad_token is None:
            self.tok.pad_token = self.tok.eos_token
        self.model = AutoModelForCausalLM.from_pretrained(p).eval()
        self.max_new_tokens = max_new_tokens
        self.seconds = 0.0

    def answer(self, prompts: list[str]) -> list[str]:
        import torch  # noqa: PLC0415

        t = time.perf_counter()
        enc = self.tok(prompts, return_tensors="pt", padding=True)
        with torch.inference_mode():
            gen = self.model.generate(**enc, max_new_tokens=self.max_new_tokens, do_sample=False,
                                      pad_token_id=self.tok.pad_token_id)
        self.seconds += time.perf_counter() - t
        return self.tok.batch_decode(gen[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)


# ---------------------------------------------------------------------------- evaluation
def observe(row: dict[str, Any], screens: Screens) -> dict[str, Any]:
    """A row's prompt from its observation frame (OCR), utterance and history."""
    if "prompt" in row:
        return row
    out = {k: v for k, v in row.items() if k not in ("image", "utterance", "history")}
    return {"prompt": prompt(row["utterance"], screens.lines(row["image"]), row["history"]), **out}


def offline_steps(recs: list[Path], screens: Screens, max_steps: int | None = None, seed: int = 0
                  ) -> list[dict[str, Any]]:
    """Held-out steps: every action after START of each held-out episode that got the full reward,
    observed on the screenshot taken just before it; whole episodes, drawn at random up to `max_steps`."""
    steps = []
    for rec in recs:
        n = 0
        for ep in load_episodes(rec):
            base, n = n, n + len(ep.actions)
            if not ep.success:
                continue
            for k, a in enumerate(ep.actions):
                if a.get("target") == "START" and k == 0:
                    continue
                img = rec / "steps" / f"step_{base + k:03d}.png"
                if not img.is_file():
                    continue
                steps.append({"episode": f"{rec.name}#{ep.index}", "task": ep.task, "truth": a, "image": str(img),
                              "utterance": ep.utterance, "history": [compact(h) for h in ep.actions[:k]]})
    if max_steps and len(steps) > max_steps:
        eps = sorted({s["episode"] for s in steps})
        random.Random(seed).shuffle(eps)
        keep: set[str] = set()
        n = 0
        for e in eps:
            if n >= max_steps:
                break
            keep.add(e)
            n += sum(1 for s in steps if s["episode"] == e)
        steps = [s for s in steps if s["episode"] in keep]
    return [observe(s, screens) for s in steps]


def score_offline(student: Student, steps: list[dict[str, Any]], batch: int = 8) -> list[dict[str, Any]]:
    out = []
    for i in range(0, len(steps), batch):
        chunk = steps[i:i + batch]
        for s, text in zip(chunk, student.answer([s["prompt"] for s in chunk])):
            pred = parse_action(text)
            out.append({"episode": s["episode"], "task": s["task"], "ok": float(step_match(pred, s["truth"])),
                        "valid": float(pred is not None), "answer": text[:200], "truth": compact(s["truth"])})
    return out


_KEYS = {"enter": "Enter", "escape": "Escape", "tab": "Tab", "backspace": "Backspace", "arrowleft": "ArrowLeft",
         "arrowright": "ArrowRight", "arrowup": "ArrowUp", "arrowdown": "ArrowDown", "left": "ArrowLeft",
         "right": "ArrowRight", "up": "ArrowUp", "down": "ArrowDown", "control": "Control", "ctrl": "Control",
         "shift": "Shift", "alt": "Alt", "space": " ", "delete": "Delete"}


def _key(k: str) -> str:
    k = str(k)
    return _KEYS.get(k.lower(), k if len(k) == 1 else k.capitalize())


def execute(page: Any, a: dict[str, Any], scale: float) -> None:
    """Runs one student action on the page (screen px -> CSS px)."""
    t = a["type"]
    x, y = float(a.get("x", 0)) / scale, float(a.get("y", 0)) / scale
    if t == "click":
        page.mouse.click(x, y)
    elif t == "double_click":
        page.mouse.dblclick(x, y)
    elif t == "right_click":
        page.mouse.click(x, y, button="right")
    elif t == "move":
        page.mouse.move(x, y)
    elif t == "type":
        page.keyboard.type(str(a.get("text", "")))
    elif t == "key":
        for k in a.get("keys", []):
            page.keyboard.press(_key(k))
    elif t == "hotkey":
        page.keyboard.press("+".join(_key(k) for k in a.get("keys", [])))
    elif t == "scroll":
        page.mouse.move(x, y)
        page.mouse.wheel(0, float(a.get("dy", 0)) / scale)
    elif t == "drag":
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + float(a.get("dx", 0)) / scale, y + float(a.get("dy", 0)) / scale, steps=8)
        page.mouse.up()
    else:
        raise ValueError(f"unknown action type {t!r}")


def run_online(students: dict[str, Student], episodes: list[tuple[str, str]], screens: Screens,
               max_steps: int = 6, say: Callable[[str], None] = log.info) -> dict[str, list[dict[str, Any]]]:
    """Each student drives Chromium through each (task, seed) episode; MiniWoB's own reward decides."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    server, base = serve_dir(html_dir())
    results: dict[str, list[dict[str, Any]]] = {k: [] for k in students}
    try:
        with sync_playwright() as p:
            browser = launch(p)
            try:
                for task, seed in episodes:
                    for label, st in students.items():
                        results[label].append(_online_episode(browser, base, task, seed, st, screens, max_steps,
                                                              VIEWPORT, SCALE, EPISODE_MS))
                    say(f"online {task}:{seed}: " + ", ".join(f"{k}={v[-1]['success']:.0f}" for k, v in results.items()))
            finally:
                browser.close()
    finally:
        server.shutdown()
    return results


def _online_episode(browser: Any, base: str, task: str, seed: str, st: Student, screens: Screens, max_steps: int,
                    viewport: dict, scale: float, episode_ms: int) -> dict[str, Any]:
    ctx = browser.new_context(viewport=viewport, device_scale_factor=scale)
    page = ctx.new_page()
    rec: dict[str, Any] = {"task": task, "seed": seed, "steps": 0, "success": 0.0, "raw_reward": 0.0, "actions": []}
    try:
        page.goto(f"{base}/miniwob/{task}.html")
        page.wait_for_selector("#sync-task-cover", state="visible", timeout=10000)
        page.evaluate(f"core.EPISODE_MAX_TIME = {episode_ms}")
        page.evaluate(f"Math.seedrandom({json.dumps(f'{task}:{seed}')})")
        box = page.locator("#sync-task-cover").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.click(cx, cy)  # the harness starts the episode, as the recordings' START click did
        page.wait_for_timeout(300)
        utterance = page.evaluate("core.getUtterance()")
        hist = [compact({"type": "click", "x": cx * scale, "y": cy * scale})]
        for _ in range(max_steps):
            lines = screens.lines(page.screenshot(type="png"))
            text = st.answer([prompt(utterance, lines, hist)])[0]
            a = parse_action(text)
            rec["steps"] += 1
            rec["actions"].append(text[:120])
            if a is None:
                rec["stop"] = "no action in the answer"
                break
            try:
                execute(page, a, scale)
            except Exception as exc:  # noqa: BLE001 - a bad action ends this episode only
                rec["stop"] = f"action failed: {type(exc).__name__}"
                break
            hist.append(compact(a))
            page.wait_for_timeout(350)
            if page.evaluate("WOB_DONE_GLOBAL"):
                break
        r = page.evaluate("() => ({done: WOB_DONE_GLOBAL, raw: WOB_RAW_REWARD_GLOBAL})")
        rec["raw_reward"] = float(r["raw"] or 0) if r["done"] else 0.0
        rec["success"] = float(bool(r["done"]) and rec["raw_reward"] >= 1.0 - 1e-6)
    except Exception as exc:  # noqa: BLE001 - the page failing loses this episode, with the reason
        rec["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        ctx.close()
    return rec


def bootstrap(values_by_group: dict[str, list[float]], n: int = 1000, seed: int = 0) -> tuple[float, float, float]:
    """Mean over all items and a 95% percentile CI, resampling groups (episodes) with replacement."""
    import numpy as np  # noqa: PLC0415

    groups = [np.asarray(v, dtype=float) for v in values_by_group.values() if len(v)]
    if not groups:
        return float("nan"), float("nan"), float("nan")
    sums = np.array([g.sum() for g in groups])
    counts = np.array([len(g) for g in groups])
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(groups), size=(n, len(groups)))
    means = sums[idx].sum(1) / counts[idx].sum(1)
    return float(sums.sum() / counts.sum()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def _summ(items: list[dict[str, Any]], key: str, group: str, seed: int) -> dict[str, Any]:
    by: dict[str, list[float]] = {}
    for it in items:
        by.setdefault(it[group], []).append(it[key])
    m, lo, hi = bootstrap(by, seed=seed)
    return {"mean": round(m, 4), "lo": round(lo, 4), "hi": round(hi, 4), "n": len(items)}


# ---------------------------------------------------------------------------- the run
def run_gui_downstream(corpus: str | Path, out: str | Path, annotators: list[str] | None = None, *,
                       tasks: list[str] | None = None, seeds: list[str] | None = None,
                       train_seeds: list[str] | None = None, held_types: list[str] | None = None,
                       budget: int = 400, steps: int = 150, batch: int = 4, lr: float = 1e-4, max_length: int = 512,
                       student: str = "smollm2", train_seed: int = 0, online_seeds: list[str] | None = None,
                       online_tasks: list[str] | None = None, max_steps: int = 6, max_eval_steps: int | None = None,
                       threads: int = 2, zero_shot: bool = True, progress: Callable[[str], None] | None = None
                       ) -> dict[str, Any]:
    """Records the MiniWoB++ corpus into `corpus` where it is missing, builds each annotator's rows,
    trains one student per annotator, scores them offline and online; writes the report into `out`."""
    import torch  # noqa: PLC0415

    say = progress or log.info
    torch.set_num_threads(threads)
    corpus, out = Path(corpus), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    annotators = list(annotators or ["naive", "rules"])
    held = set(held_types if held_types is not None else HELD_TYPES)
    train_set = set(train_seeds or ["0", "1"])
    timing: dict[str, float] = {}
    t = t_all = time.perf_counter()
    if not miniwob.recordings(corpus) or tasks:
        say(f"recording the MiniWoB++ corpus into {corpus}")
        miniwob.build_corpus(corpus, tasks=tasks, seeds=seeds or ["0", "1", "2", "3"], episodes_per_recording=2,
                             trace=False, progress=say)
    timing["record_s"] = round(time.perf_counter() - t, 1)
    split = split_recordings(corpus, train_set, held)
    if not split["train"] or not split["heldout"]:
        raise ConfigError(f"{corpus}: the split needs training and held-out recordings "
                          f"(train seeds {sorted(train_set)}, held-out types {sorted(held)})")
    screens = Screens(out / "ocr_cache", threads=min(threads, 2))

    # -- data: each annotator labels the same training recordings
    t = time.perf_counter()
    rows: dict[str, list[dict[str, Any]]] = {}
    info: dict[str, dict[str, Any]] = {}
    for spec in annotators:
        label, backend, options = parse_annotator(spec)
        if label == "naive":
            continue
        got: list[dict[str, Any]] = []
        counts = {"samples": 0, "rejected": 0}
        for rec in split["train"]:
            try:
                r, c = trajectory_rows(rec, out / "tailored" / label, screens, backend, options)
            except Exception as exc:  # noqa: BLE001 - one recording failing loses only its rows
                log.warning("%s: %s failed: %s", rec.name, label, exc)
                counts["rejected"] += 1
                continue
            got += r
            counts = {k: counts[k] + c[k] for k in counts}
        rows[label], info[label] = got, {**counts, "rows": len(got)}
        say(f"{label}: {len(got)} step rows from {counts['samples']} trajectories ({counts['rejected']} rejected)")
    n = min([budget] + [len(r) for r in rows.values()])
    if "naive" in [parse_annotator(s)[0] for s in annotators]:
        got = []
        rng = random.Random(train_seed)
        sizes = {rec: _n_events(rec) for rec in split["train"]}
        total = sum(sizes.values())
        want = min(n, total)
        chosen = set(rng.sample(range(total), want))
        off = 0
        for rec in split["train"]:
            mine = [i - off for i in chosen if off <= i < off + sizes[rec]]
            off += sizes[rec]
            got += naive_rows(rec, screens, pick=lambda _n, m=sorted(mine): m)
        rows["naive"] = got
        info["naive"] = {"events": total, "rows": len(got)}
        n = min(n, len(got))
        say(f"naive: {total} raw events, {len(got)} rows drawn")
    timing["annotate_s"] = round(time.perf_counter() - t, 1)
    if n == 0:
        raise ConfigError("no training rows: every annotator came back empty")
    for label, r in rows.items():
        rows[label] = [observe(x, screens) for x in random.Random(train_seed).sample(r, n)]
        d = out / "data" / label
        d.mkdir(parents=True, exist_ok=True)
        (d / "sft_train.jsonl").write_text("".join(json.dumps(x) + "\n" for x in rows[label]))

    # -- held-out steps
    t = time.perf_counter()
    held_steps = offline_steps(split["heldout"], screens, max_eval_steps, train_seed)
    timing["heldout_obs_s"] = round(time.perf_counter() - t, 1)
    say(f"{len(held_steps)} held-out steps from {len({s['episode'] for s in held_steps})} episodes")

    # -- students
    models: dict[str, str] = {"zero-shot": student} if zero_shot else {}
    train_info: dict[str, Any] = {}
    for label in rows:
        t = time.perf_counter()
        cfg = {"model": student, "data": str(out / "data" / label), "output_dir": str(out / "students" / label),
               "mode": "omni", "threads": threads, "seed": train_seed,
               "args": {"max_steps": steps, "per_device_train_batch_size": batch, "learning_rate": lr,
                        "max_length": max_length, "logging_steps": max(1, steps // 10), "lr_scheduler_type": "constant",
                        "gradient_checkpointing": False}}  # 135M fits; recomputing costs CPU time
        say(f"{label}: fine-tuning the student on {n} rows, {steps} steps")
        tr = train("sft", cfg)["runs"][0]
        train_info[label] = {"train_loss": tr["train_loss"], "train_s": round(time.perf_counter() - t, 1)}
        models[label] = str(out / "students" / label)

    # -- offline step success
    results: dict[str, Any] = {}
    loaded: dict[str, Student] = {}
    for label, path in models.items():
        st = loaded[label] = Student(path)
        per = score_offline(st, held_steps)
        (out / f"offline_{label}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in per))
        results[label] = {"step_sr": _summ(per, "ok", "episode", train_seed), "valid": _summ(per, "valid", "episode", train_seed),
                          "per_type": {}, "offline_s": round(st.seconds, 1), **info.get(label, {}), **train_info.get(label, {})}
        for task in sorted({p["task"] for p in per}):
            results[label]["per_type"].setdefault(task, {})["step_sr"] = _summ(
                [p for p in per if p["task"] == task], "ok", "episode", train_seed)
        say(f"{label}: step SR {results[label]['step_sr']['mean']:.3f} on {len(per)} held-out steps")

    # -- online task success
    t = time.perf_counter()
    seen = sorted({json.loads((r / 'episodes.json').read_text())['task'] for r in split["train"]})
    o_tasks = online_tasks or (sorted(held & set(miniwob.SOLVERS)) + seen)
    o_seeds = online_seeds or ["100"]
    eps_list = [(task, s) for task in o_tasks for s in o_seeds]
    online = run_online(loaded, eps_list, screens, max_steps=max_steps, say=say) if eps_list else {}
    timing["online_s"] = round(time.perf_counter() - t, 1)
    for label, per in online.items():
        for p in per:
            p["split"] = "held-out type" if p["task"] in held else "seen type, new seed"
            p["episode"] = f"{p['task']}:{p['seed']}"
        (out / f"online_{label}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in per))
        results[label]["task_sr"] = _summ(per, "success", "episode", train_seed)
        for sp in ("held-out type", "seen type, new seed"):
            sub = [p for p in per if p["split"] == sp]
            if sub:
                results[label][f"task_sr_{'held' if sp.startswith('held') else 'seen'}"] = _summ(sub, "success", "episode", train_seed)
        for task in sorted({p["task"] for p in per}):
            results[label]["per_type"].setdefault(task, {})["task_sr"] = _summ(
                [p for p in per if p["task"] == task], "success", "episode", train_seed)
    timing["ocr_calls"] = screens.calls
    timing["ocr_s"] = round(screens.seconds, 1)
    timing["total_s"] = round(time.perf_counter() - t_all, 1)
    report = {"corpus": str(corpus), "train_recordings": [r.name for r in split["train"]],
              "heldout_recordings": [r.name for r in split["heldout"]], "held_types": sorted(held),
              "train_seeds": sorted(train_set), "budget": n, "steps": steps, "batch": batch, "lr": lr,
              "student": student, "train_seed": train_seed, "online_episodes": len(eps_list), "max_steps": max_steps,
              "heldout_steps": len(held_steps), "timing": timing, "results": results}
    (out / "gui_downstream.json").write_text(json.dumps(report, indent=1, default=str) + "\n")
    (out / "gui_downstream.md").write_text(markdown(report))
    try:
        plot(report, out / "gui_downstream.png")
    except ImportError as exc:  # matplotlib is an optional extra
        log.warning("no plot: %s", exc)
    return report


def _n_events(rec: Path) -> int:
    eps = load_episodes(rec)
    return sum(1 for x in (rec / "gui" / "events.jsonl").read_text().splitlines()
               if x.strip() and (e := json.loads(x)).get("type") != "session" and _episode_of(eps, e["t"]))


def _ci(s: dict[str, Any] | None) -> str:
    if not s:
        return "-"
    return f"{s['mean']:.3f} [{s['lo']:.3f}, {s['hi']:.3f}] (n={s['n']})"


def markdown(report: dict[str, Any]) -> str:
    res = report["results"]
    lines = [f"Student `{report['student']}`, {report['budget']} training rows per annotator, {report['steps']} SFT steps "
             f"(batch {report['batch']}, lr {report['lr']}, seed {report['train_seed']}); {len(report['train_recordings'])} "
             f"training / {len(report['heldout_recordings'])} held-out recordings; {report['heldout_steps']} held-out steps; "
             f"{report['online_episodes']} online episodes (max {report['max_steps']} actions). 95% bootstrap CIs over episodes.",
             "", "| student | step SR | valid action | task SR (all) | task SR held-out types | task SR seen types, new seeds | train loss | train s |",
             "|---|---|---|---|---|---|---|---|"]
    for label, r in res.items():
        loss = r.get("train_loss")
        lines.append(f"| {label} | {_ci(r['step_sr'])} | {r['valid']['mean']:.3f} | {_ci(r.get('task_sr'))} | "
                     f"{_ci(r.get('task_sr_held'))} | {_ci(r.get('task_sr_seen'))} | "
                     f"{f'{loss:.3f}' if isinstance(loss, float) else '-'} | {r.get('train_s', '-')} |")
    tasks = sorted({t for r in res.values() for t in r["per_type"]})
    labels = list(res)
    lines += ["", "Per task type (step SR / task SR):", "",
              "| task type | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for task in tasks:
        cells = []
        for label in labels:
            pt = res[label]["per_type"].get(task, {})
            s, o = pt.get("step_sr"), pt.get("task_sr")
            cells.append(f"{s['mean']:.2f} ({s['n']})" if s else "-")
            cells[-1] += f" / {o['mean']:.0f}" if o else " / -"
        held = " (held out)" if task in report["held_types"] else ""
        lines.append(f"| {task}{held} | " + " | ".join(cells) + " |")
    lines += ["", "Timing (s): " + ", ".join(f"{k} {v}" for k, v in report["timing"].items())]
    return "\n".join(lines) + "\n"


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    res = report["results"]
    labels = list(res)
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
    for ax, key, title in ((axes[0], "step_sr", "offline step SR"), (axes[1], "task_sr", "online task SR")):
        m = [res[k].get(key, {}).get("mean", 0) or 0 for k in labels]
        lo = [m[i] - (res[k].get(key, {}).get("lo", m[i]) or 0) for i, k in enumerate(labels)]
        hi = [(res[k].get(key, {}).get("hi", m[i]) or 0) - m[i] for i, k in enumerate(labels)]
        ax.bar(labels, m, yerr=[lo, hi], capsize=4, color=["#999", "#d98", "#59c", "#7b7"][: len(labels)])
        ax.set_ylim(0, 1)
        ax.set_title(title)
    fig.suptitle(f"MiniWoB++ downstream, {report['budget']} rows each, {report['steps']} steps")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
