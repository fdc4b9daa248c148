"""The progress display names the stage (each expert of the anchors, accepted samples per task) and
says nothing under -q: the real CLI on the shipped lecture, its stderr read back."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from dataclaw.anchors import resolve_order, run_experts
from dataclaw.experts import default_experts

SRC = str(Path(__file__).resolve().parents[2] / "src")
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


def test_run_experts_names_each_expert(lecture, lecture_anchors):
    seen: list[str] = []
    run_experts(lecture, progress=seen.append)  # from the anchor cache (the session's run), still told
    # each expert once; audio-only speech first (anchors._SourcePass: it decides the visual fallback)
    assert sorted(seen) == sorted(resolve_order(default_experts("video"))) and seen[0] == "speech"


def _tailor(lecture: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    # rich draws a live display only on a terminal: these two variables make stderr count as one
    env = {**os.environ, "PYTHONPATH": SRC, "TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1"}
    return subprocess.run([sys.executable, "-m", "dataclaw.cli", "tailor", str(lecture), "--intent",
                           "turn this lesson into step-by-step tutorial data", "-o", str(out),
                           "--max-samples", "2", *extra], env=env, capture_output=True, text=True, timeout=600)


def test_cli_progress_stages_and_quiet(lecture, lecture_anchors, tmp_path):
    shown = _tailor(lecture, tmp_path / "shown")
    assert shown.returncode == 0, shown.stderr[-2000:]
    frames = ANSI.sub("", shown.stderr).replace("\r", "\n")
    stages = set(re.findall(r"lecture\.mp4: ([a-z_]+(?:: [a-z_0-9]+(?: accepted)?)?)", frames))
    assert any(s.endswith(" accepted") for s in stages), stages  # the last stage drawn before the display stops
    assert {s.split(":")[0] for s in stages} - {"anchors"}, stages  # a task's name, not only sources

    quiet = _tailor(lecture, tmp_path / "quiet", "-q")
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr[-2000:]
    assert "samples accepted" in quiet.stdout
