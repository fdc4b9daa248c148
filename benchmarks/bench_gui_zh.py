"""The Chinese GUI page end to end: verified rate of Chinese gui_trajectory / gui_grounding samples.

Records tests/gui/apps/form_zh.html (a Chinese contact form) headless with the bench recorder
(`dataclaw.bench.gui_recorder`, Debian chromium through Playwright), then runs the README's command
with a Chinese intent, the default GUI experts (OCR on), and counts accepted / rejected samples per
task, Chinese texts, and whether every quoted ‘name’ is exactly a logged element name, title or typed text.

    python benchmarks/bench_gui_zh.py --work /tmp/gui_zh
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
INTENT = "用录屏做电脑操作智能体的轨迹，并标注界面元素的位置和边界框"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/gui_zh"))
    args = ap.parse_args()
    sys.path.insert(0, str(REPO / "tests" / "gui"))
    import recorder  # noqa: PLC0415 - the tests' scenarios

    from dataclaw import lang  # noqa: PLC0415
    from dataclaw.tasks.shared.gui_text import quoted_spans  # noqa: PLC0415

    rec = args.work / "form_zh"
    if not (rec / "truth.json").exists():
        recorder.record_form_zh(args.work)
    out = args.work / "dataset"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "dataclaw.cli", "tailor", str(rec / "gui"), "-i", INTENT, "-o", str(out), "-q", "--json"]
    res = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    rows = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines() if x.strip()]
    truth = json.loads((rec / "truth.json").read_text())["actions"]
    logged = {a.get("target") for a in truth if a.get("target")} | {a["text"] for a in truth if a["type"] == "type"}
    logged |= {json.loads(x).get("title") for x in (rec / "gui" / "events.jsonl").read_text().splitlines() if x.strip()}
    texts = [r["query"]["text"] for r in rows] + [s["text"] for r in rows for s in r["solution"] if s["type"] == "text"]
    quotes = [q for t in texts for q in quoted_spans(t)]
    print(json.dumps({
        "intent": INTENT, "planned": [t["task"] for t in res["plan"]["tasks"]], "language": res["plan"]["language"],
        "per_task": res["counts"]["per_task"], "texts": len(texts),
        "chinese_texts": sum(lang.detect_language(t) == "zh" for t in texts),
        "quotes": len(quotes), "quotes_exact": sum(q in logged for q in quotes),
        "example": texts[:3],
    }, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
