"""Planner on Chinese intents: top-1 on clear ones, top-3 on fuzzy ones, dev vs held out.

dev = `dataclaw.bench.intents.INTENTS_ZH` (looked at while the Chinese keywords and examples in
tasks/*.py were written); held out = `benchmarks/data/zh_intents_heldout.jsonl` (written before them
and never tuned on; two of them mix Chinese and English). No sources given. The English phrasings
of the same tasks (`INTENTS`) are scored the same way, side by side.

    python benchmarks/bench_planner_zh.py
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

HELDOUT = Path(__file__).parent / "data" / "zh_intents_heldout.jsonl"


def _rows() -> list[dict]:
    from dataclaw.bench.intents import INTENTS, INTENTS_ZH  # noqa: PLC0415

    rows = [{"split": "dev", "kind": k, "task": t, "intent": i, "lang": "zh"}
            for t, d in INTENTS_ZH.items() for k, v in d.items() for i in v]
    rows += [dict(json.loads(line), lang="zh") for line in HELDOUT.read_text().splitlines() if line.strip()]
    rows += [{"split": "english", "kind": k, "task": t, "intent": i, "lang": "en"}
             for t, d in INTENTS.items() for k, v in d.items() for i in v]
    return rows


def main() -> None:
    from dataclaw.intent import plan_intent  # noqa: PLC0415

    score: dict[str, list[int]] = defaultdict(list)
    wrong = []
    for r in _rows():
        plan = plan_intent(r["intent"])
        got = [s.task for s in plan.tasks]
        ok = int(got[:1] == [r["task"]]) if r["kind"] == "clear" else int(r["task"] in got[:3])
        score[f"{r['split']}/{r['kind']}"].append(ok)
        score[f"{r['split']}/language_{plan.language}"].append(int(plan.language == r["lang"]))
        if not ok:
            wrong.append({"split": r["split"], "kind": r["kind"], "intent": r["intent"], "want": r["task"], "got": got})
    print(json.dumps({"score (clear: top-1, fuzzy: top-3)": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(score.items())},
                      "wrong": wrong}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
