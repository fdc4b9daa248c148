"""GUI benchmark on real recorded browser sessions (headless Chromium via Playwright).

    python benchmarks/bench_gui.py [--rec DIR] [--perms N] [--json OUT]

Records the test scenarios (tests/gui/recorder.py: a contact form, a settings page, a shop
purchase in three fragments) unless --rec points at an earlier recording, then measures against
the driver's ground truth:
  - action recall / precision of the reduced actions, per input form (video + events, Playwright
    trace.zip, screenshot steps), next to the raw event log taken as actions (no reduction);
  - stitch-order accuracy over N namings of the shop fragments + the settings distractor (video
    fragments and trace.zip fragments), next to ordering by file name;
  - point-in-bbox rate of gui_grounding samples (our point in the true DOM box, and the true
    element centre in our box when the box comes from OCR / the changed region, not a log);
  - rules-output verify rate of gui_trajectory samples, per input form;
  - anchor pass time against pure decoding of the same screen video.
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "gui"))

import recorder  # noqa: E402
from metrics import action_prf, in_box  # noqa: E402

FORMS = {"events": "gui", "trace": "trace.zip", "steps": "steps"}
SESSIONS = ["form", "settings", "shop1", "shop2", "shop3"]
NO_OCR = {"gui_screens": {"ocr": False, "ocr_elements": "never"}}
INTENT = "stitch these fragments into one task: buy a blue mug and a green teapot in the shop"


def truth(rec: Path) -> list[dict]:
    return json.loads((rec / "truth.json").read_text())["actions"]


def raw_as_actions(path: Path) -> list[dict]:
    from dataclaw.sources.gui import GuiStream

    with GuiStream(path) as s:
        return [dict(e) for e in s.events]


def bench_actions(recs: dict[str, Path]) -> dict:
    from dataclaw.anchors import run_experts

    out = {}
    for form, sub in FORMS.items():
        tot = {"matched": 0, "pred": 0, "truth": 0, "raw_matched": 0, "raw_pred": 0}
        for name in SESSIONS:
            t = truth(recs[name])
            got = [a.data for a in run_experts(recs[name] / sub, ["gui_actions"]).of_kind("gui_action")]
            m = action_prf(got, t)
            raw = action_prf(raw_as_actions(recs[name] / sub), t)
            for k in ("matched", "pred", "truth"):
                tot[k] += m[k]
            tot["raw_matched"] += raw["matched"]
            tot["raw_pred"] += raw["pred"]
        out[form] = {"recall": tot["matched"] / tot["truth"], "precision": tot["matched"] / tot["pred"],
                     "raw_recall": tot["raw_matched"] / tot["truth"], "raw_precision": tot["raw_matched"] / tot["raw_pred"],
                     "actions": tot["truth"], "raw_events": tot["raw_pred"]}
    return out


def bench_stitch(recs: dict[str, Path], perms: int, work: Path) -> dict:
    from dataclaw.anchors import run_experts
    from dataclaw.model import TaskSpec
    from dataclaw.tasks import get_task

    task = get_task("gui_stitch")
    spec = TaskSpec(task="gui_stitch", domain="gui", instruction=INTENT)
    frags = ["shop1", "shop2", "shop3", "settings"]
    namings = list(itertools.permutations("abcd"))
    random.Random(0).shuffle(namings)
    res = {}
    for form, sub in (("events", "gui"), ("trace", "trace.zip")):
        exact = pairs = pair_total = dropped_ok = name_exact = 0
        for i, letters in enumerate(namings[:perms]):
            root = work / f"{form}_{i}"
            names = {f: f"frag_{letters[j]}" + (".zip" if sub.endswith(".zip") else "") for j, f in enumerate(frags)}
            root.mkdir(parents=True)
            for f, n in names.items():
                (shutil.copy if sub.endswith(".zip") else shutil.copytree)(recs[f] / sub, root / n)
            aset = run_experts(root, ["gui_screens"], NO_OCR)
            evs = task.select(aset, spec)
            want = [names[f] for f in frags[:3]]
            fr = (aset.meta.get("video") or {}).get("fragments") or []
            got = [fr[k]["name"] for k in evs[0].meta["chain"]] if evs else []
            dropped = [fr[d["fragment"]]["name"] for d in evs[0].meta["dropped"]] if evs else []
            exact += got == want
            dropped_ok += dropped == [names["settings"]]
            for a, b in zip(want, want[1:]):
                pair_total += 1
                pairs += a in got and b in got and got.index(a) < got.index(b)
            by_name = sorted(names.values())
            name_exact += [n for n in by_name if n != names["settings"]] == want
        n = min(perms, len(namings))
        res[form] = {"namings": n, "order_exact": exact / n, "pairwise": pairs / pair_total,
                     "distractor_dropped": dropped_ok / n, "by_name_exact": name_exact / n}
    return res


def bench_grounding(recs: dict[str, Path]) -> dict:
    from dataclaw.anchors import run_experts
    from dataclaw.model import TaskSpec
    from dataclaw.tasks import get_task

    task = get_task("gui_grounding")
    spec = TaskSpec(task="gui_grounding", domain="gui", instruction="element grounding")
    out = {}
    for form, sub in FORMS.items():
        n = point_in = centre_in = n_derived = made = 0
        for name in SESSIONS:
            clicks = [a for a in truth(recs[name]) if a["type"] == "click"]
            n += len(clicks)
            aset = run_experts(recs[name] / sub, ["gui_screens"])
            for ev in task.select(aset, spec):
                d = task.rules(ev, spec)
                x, y = d["point"]
                t = min(clicks, key=lambda c: abs(c["x"] - x) + abs(c["y"] - y))
                made += 1
                point_in += in_box(x, y, t["bbox"])
                el = ev.anchor(ev.meta["element"])
                if el.data["box_source"] != "log":
                    n_derived += 1
                    bx, by, bw, bh = t["bbox"]
                    centre_in += in_box(bx + bw / 2, by + bh / 2, d["bbox"], pad=2)
        out[form] = {"clicks": n, "samples": made, "point_in_true_bbox": point_in / max(1, made),
                     "coverage": made / n, "derived_boxes": n_derived,
                     "true_centre_in_derived_box": (centre_in / n_derived) if n_derived else None}
    return out


def bench_verify(recs: dict[str, Path], work: Path) -> dict:
    """Rules-output verify rate: gui_trajectory samples of the rules backend that pass the verifier."""
    import dataclaw
    from dataclaw.model import Plan, TaskSpec

    intent = "make GUI agent training data"
    plan = Plan(intent=intent, tasks=[TaskSpec(task="gui_trajectory", domain="gui", instruction=intent)])
    out = {}
    for form, sub in FORMS.items():
        ok = total = 0
        for name in SESSIONS:
            res = dataclaw.tailor(recs[name] / sub, plan=plan, out=work / f"{form}_{name}", quiet=True,
                                  expert_params=NO_OCR, resume=False)
            ok += res.counts["samples"]
            total += res.counts["samples"] + res.counts["rejected"]
        out[form] = {"trajectories": total, "verified": ok, "rate": ok / total if total else None}
    return out


def bench_speed(recs: dict[str, Path]) -> dict:
    from dataclaw.anchors import run_experts
    from dataclaw.sources.video import VideoStream

    path = recs["form"] / "gui"
    t = time.perf_counter()
    with VideoStream(path / "screen.mp4") as v:
        n = sum(1 for _ in v.frames(fps=None, max_side=400, gray=True))
        dur = v.meta.duration
    decode = time.perf_counter() - t
    t = time.perf_counter()
    run_experts(path, ["gui_actions"], use_cache=False)
    anchors = time.perf_counter() - t
    return {"video_s": round(dur, 2), "frames": n, "decode_s": round(decode, 3), "gui_actions_s": round(anchors, 3),
            "ratio": round(anchors / decode, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rec", type=Path, help="reuse recordings made earlier by this script or recorder.py")
    ap.add_argument("--perms", type=int, default=12, help="fragment namings to stitch (of 24)")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_gui_"))
    import os

    os.environ.setdefault("DATACLAW_CACHE", str(work / "cache"))
    t = time.perf_counter()
    if a.rec and (a.rec / "form" / "truth.json").exists():
        recs = {n: a.rec / n for n in SESSIONS}
    else:
        recs = recorder.record_all(a.rec or work / "rec")
    rec_s = time.perf_counter() - t
    result = {"record_s": round(rec_s, 1), "actions": bench_actions(recs),
              "stitch": bench_stitch(recs, a.perms, work / "stitch"), "grounding": bench_grounding(recs),
              "verify": bench_verify(recs, work / "verify"),
              "speed": bench_speed(recs)}
    text = json.dumps(result, indent=1)
    print(text)
    if a.json:
        a.json.write_text(text)
    shutil.rmtree(work / "stitch", ignore_errors=True)


if __name__ == "__main__":
    main()
