"""Helpers several test folders share (importable as `testkit`: tests/conftest.py's folder is on sys.path)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any


class PathMedia:
    """Media paths only, nothing written: for tests of planning, claims and checks that read the
    source or its log, not the media (media writing is covered by the tailor tests)."""

    def keyframe(self, source: Any, t: float) -> str:
        return f"media/{t}.jpg"

    def clip(self, source: Any, t0: float, t1: float) -> str:
        return f"media/{t0}_{t1}.mp4"


def recording_with_log(video_dir: Path, header: dict, rows: list[dict], out: Path) -> Path:
    """A game-layout recording in `out`: the video of `video_dir` with another `game.jsonl` log."""
    shutil.copyfile(video_dir / "video.mp4", out / "video.mp4")
    (out / "game.jsonl").write_text("\n".join(json.dumps(x) for x in [header, *rows]) + "\n")
    return out


def assert_rules_output_verifies(source: Path, task_name: str, domain: str, params: dict, instruction: str = "") -> int:
    """Runs the default experts on `source`, makes every sample of `task_name` with the rules
    synthesizer and asserts each passes the verifier; returns how many there were (at least one)."""
    from dataclaw.anchors import run_experts
    from dataclaw.model import TaskSpec
    from dataclaw.tasks import get_task
    from dataclaw.verify import verify_sample

    aset = run_experts(source, use_cache=False)
    assert not aset.errors
    task = get_task(task_name)
    spec = TaskSpec(task=task_name, domain=domain, instruction=instruction or task_name.replace("_", " "),
                    params=params)
    evs = task.select(aset, spec)
    assert evs
    for ev in evs:
        draft = task.rules(ev, spec)
        sample = task.build(draft, ev, spec, PathMedia())
        v = verify_sample(sample, aset, task=task, evidence=ev, draft=draft)
        assert v.ok, (v.errors, sample.query.text, [s.text for s in sample.solution])
    return len(evs)


def slide_span(truth: dict, word: str) -> tuple[float, float]:
    """(t0, t1) of the rendered deck's first slide whose title contains `word`."""
    s = next(s for s in truth["slides"] if word.lower() in s["title"].lower())
    return s["t0"], s["t1"]


def spans_within(spans: list, slide: tuple[float, float], tol: float = 1.0) -> bool:
    """Every span lies inside `slide` (within `tol` s); no spans is not inside."""
    return bool(spans) and all(slide[0] - tol <= a and b <= slide[1] + tol for a, b in spans)
