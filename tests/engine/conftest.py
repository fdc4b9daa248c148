"""Engine fixtures: three short, distinct real videos cut from the shipped lecture and one uninterrupted
reference run to compare against (tests/conftest.py gives the session a fresh anchor cache, so the
first run really extracts; subprocess runs inherit it)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

LECTURE = Path(__file__).resolve().parents[2] / "examples" / "lecture" / "lecture.mp4"
INTENT = "text-to-video clips with captions"
EXPERTS = ["shots", "keyframes", "motion"]  # the fast video experts: the engine, not OCR/ASR, is under test
SPANS = [(0, 9), (14, 9), (29, 9)]


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("clips")
    out = []
    for i, (t0, dur) in enumerate(SPANS):
        p = folder / f"part{i}.mp4"
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-ss", str(t0), "-i", str(LECTURE), "-t", str(dur),
                        "-vf", "scale=320:-2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(p)],
                       check=True)
        out.append(p)
    return out


@pytest.fixture(scope="session")
def recipe(tmp_path_factory) -> Path:
    """The intent planned once and saved: every run replays it (no planner model load per run)."""
    from dataclaw.intent import plan_intent
    from dataclaw.recipe import save_recipe

    plan = plan_intent(INTENT, ["video"])
    assert [t.task for t in plan.tasks] == ["t2v"]
    return save_recipe(plan, tmp_path_factory.mktemp("recipe") / "t2v.yaml")


@pytest.fixture(scope="session")
def reference(clips, recipe, tmp_path_factory) -> tuple[Path, object]:
    """One uninterrupted local run (2 workers) with sharded outputs."""
    import dataclaw

    out = tmp_path_factory.mktemp("reference") / "ds"
    res = dataclaw.tailor([str(c) for c in clips], None, recipe=recipe, out=out, experts=EXPERTS, quiet=True,
                          formats=["native", "parquet", "webdataset"], engine="local", workers=2)
    return out, res


def rows(out: Path) -> list[dict]:
    path = Path(out) / "samples.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def comparable(row: dict) -> dict:
    """A sample row without what legitimately differs between runs (wall-clock latencies)."""
    row = json.loads(json.dumps(row))
    prov = json.loads(row["provenance"])
    prov.get("usage", {}).pop("latency_s", None)
    for r in prov.get("raw", []) or []:
        r.pop("latency_s", None)
    row["provenance"] = prov
    return row


def by_id(out: Path) -> dict[str, dict]:
    return {r["id"]: comparable(r) for r in rows(out)}
