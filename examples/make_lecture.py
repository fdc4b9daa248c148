#!/usr/bin/env python
"""Renders the shipped example lecture (examples/lecture/) and its ground truth.

A ~50 s 1280x720 H.264/AAC video: five slides of a worked math example (title + on-screen lines),
espeak-ng narration per sentence, hard cuts, 1 s dissolves, a moving dot on one slide and a fade to
black at the end. Every time in truth.json is exact: slide boundaries are frame times, narration
times come from the length of each synthesized sentence (leading/trailing silence trimmed).

    python examples/make_lecture.py                 # writes examples/lecture/{lecture.mp4,truth.json}
    python examples/make_lecture.py --out /tmp/x --preset ultrafast --keep-slides
    python examples/make_lecture.py --language zh --out /tmp/zh   # the Chinese deck (SLIDES_ZH)

Needs: ffmpeg, espeak-ng, fonts-dejavu-core, numpy, pillow; for --language zh also fonts-noto-cjk
(slides in Noto Sans CJK SC) and espeak-ng's Mandarin voice `cmn-latn-pinyin`.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

W, H, FPS, SR = 1280, 720, 25, 22050
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
DISSOLVE = 1.0  # seconds
FADE_OUT = 1.0
LEAD_IN = 0.4  # silence after a slide is fully visible, before its narration
GAP = 0.35  # between sentences
TAIL = 1.2  # after the last sentence, before the slide leaves

# (title, on-screen lines, header colour, narration sentences, transition to the next slide)
SLIDES = [
    ("Solving a Linear Equation", ["Example: 3x + 5 = 20", "Goal: find the value of x"], (40, 90, 170),
     ["Welcome to this short lesson on linear equations.",
      "We will solve three x plus five equals twenty, one step at a time."], "cut"),
    ("Step 1: Subtract 5", ["3x + 5 = 20", "3x + 5 - 5 = 20 - 5", "3x = 15"], (30, 140, 80),
     ["First, subtract five from both sides of the equation.",
      "This leaves three x equals fifteen."], "dissolve"),
    ("Step 2: Divide by 3", ["3x / 3 = 15 / 3", "x = 5"], (200, 110, 20),
     ["Next, divide both sides by three.", "So x equals five."], "cut"),
    ("Step 3: Check the answer", ["3(5) + 5 = 20", "15 + 5 = 20"], (130, 50, 150),
     ["Finally, check the answer by putting five back into the equation.",
      "Fifteen plus five is twenty, so the answer is correct."], "dissolve"),
    ("Summary", ["1. Subtract 5 from both sides", "2. Divide both sides by 3", "3. Check: x = 5"],
     (20, 120, 130),
     ["To summarize, subtract, then divide, and always check your answer.",
      "Thanks for watching."], "fade_out"),
]
ANIMATED_SLIDE = 3  # a dot slides along a track under the text while this slide is on screen alone

# The same worked example in Chinese (--language zh): the titles and lines are exactly what is drawn,
# the sentences exactly what espeak-ng -v cmn-latn-pinyin reads (numbers written in Chinese numerals, as said).
SLIDES_ZH = [
    ("解一元一次方程", ["例题：2x + 3 = 11", "目标：求出x的值"], (40, 90, 170),
     ["欢迎来到这节关于一元一次方程的小课。", "我们一步一步地解二x加三等于十一。"], "cut"),
    ("第一步：两边减去三", ["2x + 3 - 3 = 11 - 3", "2x = 8"], (30, 140, 80),
     ["首先，方程两边同时减去三。", "这样得到二x等于八。"], "dissolve"),
    ("第二步：两边除以二", ["2x ÷ 2 = 8 ÷ 2", "x = 4"], (200, 110, 20),
     ["接着，两边同时除以二。", "所以x等于四。"], "cut"),
    ("第三步：检验答案", ["2 × 4 + 3 = 11"], (130, 50, 150),
     ["最后，把四代回原方程检验。", "八加三等于十一，答案正确。"], "fade_out"),
]
# per language: espeak-ng voice and the font files (a .ttc with its face index)
# zh: `cmn-latn-pinyin`, not `cmn`: espeak-ng 1.51's `cmn` ("latin as English") reads each character's
# pinyin tone digit as an English number ("xian1" -> "zai ... one"; see `espeak-ng -v cmn -x`), so its
# narration is not Mandarin and no recogniser can write it back as the sentence.
VOICES = {"en": "en-us", "zh": "cmn-latn-pinyin"}
VOICE = "en-us"
CJK_FONT_DIR = Path("/usr/share/fonts/opentype/noto")
CJK_SC_INDEX = 2  # Noto Sans CJK .ttc faces: JP, KR, SC, TC, HK


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    if VOICE == VOICES["zh"]:  # Chinese slides: Noto Sans CJK SC (Debian fonts-noto-cjk)
        path = CJK_FONT_DIR / ("NotoSansCJK-Bold.ttc" if bold else "NotoSansCJK-Regular.ttc")
        if not path.exists():
            raise SystemExit(f"{path} is missing: apt-get install fonts-noto-cjk")
        return ImageFont.truetype(str(path), size, index=CJK_SC_INDEX)
    return ImageFont.truetype(str(FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


def render_slide(title: str, lines: list[str], colour: tuple[int, int, int]) -> np.ndarray:
    img = Image.new("RGB", (W, H), (250, 250, 245))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, W, 130], fill=colour)
    d.text((60, 35), title, font=_font(58, bold=True), fill=(255, 255, 255))
    for i, line in enumerate(lines):
        d.text((90, 200 + i * 95), line, font=_font(54), fill=(20, 20, 20))
    d.rectangle([0, H - 24, W, H], fill=colour)
    return np.asarray(img)


def _dot_frame(slide: np.ndarray, progress: float) -> np.ndarray:
    """The animated slide: a dot moving along a track, `progress` in [0, 1]."""
    img = slide.copy()
    y0, x0, x1 = 560, 120, W - 120
    img[y0 - 2:y0 + 2, x0:x1] = (180, 180, 180)
    cx = int(round(x0 + (x1 - x0) * progress))
    yy, xx = np.ogrid[-22:23, -22:23]
    disk = yy ** 2 + xx ** 2 <= 22 ** 2
    region = img[y0 - 22:y0 + 23, cx - 22:cx + 23]
    region[disk] = (230, 90, 30)
    return img


def speak(text: str, path: Path) -> np.ndarray:
    """espeak-ng sentence as float32 mono at SR, leading/trailing silence trimmed."""
    subprocess.run(["espeak-ng", "-v", VOICE, "-s", "145", "-w", str(path), text], check=True)
    with wave.open(str(path)) as w:
        assert w.getframerate() == SR and w.getnchannels() == 1
        pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768
    loud = np.flatnonzero(np.abs(pcm) > 0.01)
    return pcm[loud[0]:loud[-1] + 1] if len(loud) else pcm


def _frame_time(t: float) -> float:
    """Rounds up to the next frame start, so slide boundaries are exact frame times."""
    return float(np.ceil(round(t * FPS, 6)) / FPS)


def plan(durations: list[list[float]]) -> dict:
    """Ground-truth timeline from the narration lengths (seconds per sentence per slide)."""
    slides, narration, transitions, t = [], [], [], 0.0
    start = 0.0  # slide becomes (at least partly) visible
    for i, (title, lines, _c, sentences, trans) in enumerate(SLIDES):
        solo0 = t  # fully visible alone
        s = solo0 + LEAD_IN
        for text, dur in zip(sentences, durations[i]):
            narration.append({"slide": i, "text": text, "t0": round(s, 4), "t1": round(s + dur, 4)})
            s += dur + GAP
        leave = _frame_time(s - GAP + TAIL)
        span = DISSOLVE if trans == "dissolve" else FADE_OUT if trans == "fade_out" else 0.0
        end = leave + span
        slides.append({"index": i, "title": title, "lines": lines, "t0": round(start, 4), "t1": round(end, 4),
                       "solo": [round(solo0, 4), round(leave, 4)], "text": [title, *lines]})
        if trans == "cut":
            transitions.append({"type": "cut", "t0": round(leave, 4), "t1": round(leave, 4), "from": i, "to": i + 1})
            start = t = leave
        elif trans == "dissolve":
            transitions.append({"type": "dissolve", "t0": round(leave, 4), "t1": round(end, 4),
                                "from": i, "to": i + 1})
            start, t = leave, end
        else:
            transitions.append({"type": "fade_out", "t0": round(leave, 4), "t1": round(end, 4),
                                "from": i, "to": None})
            t = end
    a = slides[ANIMATED_SLIDE]["solo"]
    return {
        "video": "lecture.mp4", "width": W, "height": H, "fps": FPS, "duration": round(t, 4),
        "n_frames": int(round(t * FPS)), "audio_sample_rate": SR,
        "slides": slides, "transitions": transitions,
        "cuts": [x["t0"] for x in transitions if x["type"] == "cut"],
        "narration": narration,
        "motion": [{"t0": a[0], "t1": a[1], "slide": ANIMATED_SLIDE, "what": "orange dot moves left to right"}],
        "notes": "Times in seconds. A cut's t0 is the first frame of the new slide; a dissolve/fade spans "
                 "[t0, t1). Slide t0/t1 is when any of it is visible; solo is when it is visible alone.",
    }


def frames(truth: dict, slide_imgs: list[np.ndarray]):
    """Yields every video frame (RGB uint8) of the timeline in `truth`."""
    black = np.zeros((H, W, 3), np.uint8)
    slides = truth["slides"]
    anim = truth["motion"][0]

    def look(i: int, t: float) -> np.ndarray:
        if i == ANIMATED_SLIDE:
            p = (t - anim["t0"]) / (anim["t1"] - anim["t0"])
            return _dot_frame(slide_imgs[i], float(np.clip(p, 0.0, 1.0)))
        return slide_imgs[i]

    for k in range(truth["n_frames"]):
        t = k / FPS
        visible = [s["index"] for s in slides if s["t0"] - 1e-6 <= t < s["t1"] - 1e-6]
        trans = next((x for x in truth["transitions"] if x["t0"] - 1e-6 <= t < x["t1"] - 1e-6), None)
        if trans is None:
            yield look(visible[-1], t)
            continue
        n = round((trans["t1"] - trans["t0"]) * FPS)
        j = round((t - trans["t0"]) * FPS)
        # A dissolve mixes on every frame of its span; a fade reaches black on its last frame.
        alpha = (j + 1) / (n + 1) if trans["type"] == "dissolve" else (j + 1) / n
        a = look(trans["from"], t).astype(np.float32)
        b = black if trans["to"] is None else look(trans["to"], t)
        yield np.clip(a * (1 - alpha) + b.astype(np.float32) * alpha + 0.5, 0, 255).astype(np.uint8)


def main(argv: list[str] | None = None) -> Path:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "lecture")
    ap.add_argument("--preset", default="slow", help="x264 preset (ultrafast for quick checks)")
    ap.add_argument("--crf", type=int, default=30)
    ap.add_argument("--keep-slides", action="store_true", help="also write slide_<i>.png")
    ap.add_argument("--no-video", action="store_true", help="only truth.json (and slides): fast check")
    ap.add_argument("--language", choices=sorted(VOICES), default="en", help="deck and voice: en (SLIDES) or zh")
    args = ap.parse_args(argv)
    use_language(args.language)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        speech = [[speak(s, Path(tmp) / f"s{i}_{j}.wav") for j, s in enumerate(sl[3])]
                  for i, sl in enumerate(SLIDES)]
        truth = plan([[len(x) / SR for x in per] for per in speech])
        imgs = [render_slide(t, lines, c) for t, lines, c, *_ in SLIDES]
        if args.keep_slides:
            for i, im in enumerate(imgs):
                Image.fromarray(im).save(args.out / f"slide_{i}.png")
        if not args.no_video:
            _encode(truth, imgs, speech, Path(tmp), args)
    truth["generator"] = {"script": "examples/make_lecture.py", "espeak_ng_voice": VOICE, "espeak_ng_speed": 145,
                          "language": args.language}
    (args.out / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    return args.out / truth["video"]


def use_language(language: str) -> None:
    """Switches the deck, voice and font to `language` ("en": SLIDES, "zh": SLIDES_ZH)."""
    global SLIDES, VOICE, ANIMATED_SLIDE
    VOICE = VOICES[language]
    if language == "zh":
        SLIDES, ANIMATED_SLIDE = SLIDES_ZH, 1


def _encode(truth: dict, imgs: list[np.ndarray], speech: list[list[np.ndarray]], tmp: Path,
            args: argparse.Namespace) -> None:
    """Narration track + rendered frames -> H.264/AAC MP4 (frames piped raw to ffmpeg)."""
    audio = np.zeros(int(round(truth["duration"] * SR)), np.float32)
    sentences = [x for per in speech for x in per]
    for seg, pcm in zip(truth["narration"], sentences):
        i0 = int(round(seg["t0"] * SR))
        audio[i0:i0 + len(pcm)] = pcm
    wav = tmp / "narration.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes())
    video = args.out / truth["video"]
    cmd = ["ffmpeg", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}",
           "-r", str(FPS), "-i", "-", "-i", str(wav), "-c:v", "libx264", "-preset", args.preset,
           "-crf", str(args.crf), "-pix_fmt", "yuv420p", "-threads", "2", "-c:a", "aac", "-b:a", "48k",
           "-movflags", "+faststart", "-map_metadata", "-1", "-shortest", str(video)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for fr in frames(truth, imgs):
        proc.stdin.write(fr.tobytes())
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("ffmpeg failed")


if __name__ == "__main__":
    print(main())
