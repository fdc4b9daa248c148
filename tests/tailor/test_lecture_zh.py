"""The Chinese lecture made here (examples/make_lecture.py --language zh: Noto Sans CJK slides,
espeak-ng -v cmn-latn-pinyin narration, exact truth) through the real OCR and the README's tailor command with a
Chinese intent: verified Chinese tutorial and temporal_qa samples whose quotes are the slides' words.
Speech is left out of this test (faster-whisper on this narration takes minutes here; its CER is
measured by benchmarks/bench_zh_lecture.py)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dataclaw import lang

REPO = Path(__file__).resolve().parents[2]
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@pytest.fixture(scope="session")
def zh_lecture(tmp_path_factory) -> tuple[Path, dict]:
    pytest.importorskip("jieba")
    pytest.importorskip("rapidocr")
    if not FONT.exists() or shutil.which("espeak-ng") is None:
        pytest.skip("needs fonts-noto-cjk and espeak-ng (scripts/install.sh test)")
    out = tmp_path_factory.mktemp("zh_lecture")
    subprocess.run([sys.executable, str(REPO / "examples" / "make_lecture.py"), "--language", "zh", "--out", str(out),
                    "--preset", "ultrafast"], check=True)
    return out / "lecture.mp4", json.loads((out / "truth.json").read_text())


@pytest.fixture(scope="session")
def zh_dataset(zh_lecture, tmp_path_factory) -> Path:
    from typer.testing import CliRunner

    from dataclaw.cli import _load_commands, app

    _load_commands()

    out = tmp_path_factory.mktemp("zh_out") / "ds"
    res = CliRunner().invoke(app, ["tailor", str(zh_lecture[0]), "-i", "把这个讲座视频做成分步教程数据，并生成带时间戳的问答",
                                   "-e", "shots,keyframes,motion,ocr", "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return out


def test_truth_is_chinese(zh_lecture):
    _, truth = zh_lecture
    assert truth["generator"]["espeak_ng_voice"] == "cmn-latn-pinyin"
    assert all(lang.detect_language(s["title"]) == "zh" for s in truth["slides"])


def test_chinese_samples_verified(zh_lecture, zh_dataset):
    _, truth = zh_lecture
    rows = [json.loads(x) for x in (zh_dataset / "samples.jsonl").read_text().splitlines() if x.strip()]
    tasks = {r["task"] for r in rows}
    assert {"tutorial", "temporal_qa"} <= tasks, tasks
    assert all(lang.detect_language(r["query"]["text"]) == "zh" for r in rows)
    # every quote is a slide's own words (what OCR read off the Noto Sans CJK slides)
    slide_text = "".join(lang.fold(t).replace(" ", "") for s in truth["slides"] for t in s["text"])
    quotes = [q for r in rows for q in __import__("re").findall("“([^”]+)”", r["query"]["text"])]
    assert quotes and all(lang.fold(q).replace(" ", "") in slide_text for q in quotes), quotes
    metas = [json.loads(r["meta"]) if isinstance(r["meta"], str) else r["meta"] for r in rows]  # native: JSON text
    full = next(m for r, m in zip(rows, metas) if r["task"] == "tutorial" and m.get("variant") == "full")
    assert full["n_steps"] == len(truth["slides"]), full  # one step per Chinese slide
    titles = {s["title"] for s in truth["slides"]}
    assert titles & set(quotes), (titles, quotes)
    manifest = json.loads((zh_dataset / "manifest.json").read_text())
    assert manifest["plan"]["tasks"][0]["language"] == "zh"
    assert not (zh_dataset / "rejected.jsonl").exists() or not (zh_dataset / "rejected.jsonl").read_text().strip()
