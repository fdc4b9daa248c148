"""`dataclaw downstream`: does better-tailored data make a better downstream model?

Same sources, same sample budget, different annotators: each annotator labels the training sources
(`naive` = passive captions, unverified; a backend such as `rules`, a plain model, or our trained
checkpoint through the agent loop, verified samples only); a small student is fine-tuned (SFT) on each
dataset with the same settings; each student then writes answers for prompts of *held-out* sources,
scored by the same rewards (`verify.score_draft`): validity (clean, schema-valid JSON), format,
grounding, efficiency, overall. Results: OUT/downstream.json and OUT/downstream.md.

Annotator specs: "naive", "rules", or "LABEL=BACKEND[:MODEL]" (e.g. "smollm2=hf:smollm2", "ours=hf:runs/grpo").
"""
from __future__ import annotations

import json
import logging
import random
import statistics
from pathlib import Path
from typing import Any, Callable, Iterable
from ..backends.hf import HFBackend
from ..sources import load_source
from .corpus import build_corpus, split_sources
from .rewards import score
from .trainers import train

log = logging.getLogger(__name__)


def parse_annotator(spec: str) -> tuple[str, str, dict[str, Any]]:
    label, _, rest = spec.partition("=")
    if not rest:
        return label, label, {}
    backend, _, model = rest.partition(":")
    return label, backend, ({"model": model} if model else {})


def _take(rows: list[str], budget: int, seed: int) -> list[str]:
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    return rows[:budget]


def evaluate(model_dir: str | Path, rl_rows: list[dict[str, Any]], max_new_tokens: int = 256,
             batch: int = 4, threads: int | None = None) -> dict[str, Any]:
    """Greedy answers of a checkpoint to held-out prompts, scored by the rewards."""
    be = HFBackend(model_dir, max_new_tokens=max_new_tokens, threads=threads)
    per: list[dict[str, Any]] = []
    for i in range(0, len(rl_rows), batch):
        chunk = rl_rows[i:i + batch]
        outs = be.complete_batch([r["prompt"] for r in chunk])
        for r, o in zip(chunk, outs):
            s = score(o["text"], r["ground_truth"])
            valid = s["format"] == 1.0 and not any(e.startswith(("schema:", "format:")) for e in s["errors"])
            per.append({"task": r["task"], "valid": float(valid), "ok": float(bool(s["ok"])),
                        **{k: float(s[k]) for k in ("format", "grounding", "efficiency", "overall")}})
    keys = ("valid", "ok", "format", "grounding", "efficiency", "overall")
    return {"n": len(per), **{k: round(statistics.fmean(p[k] for p in per), 4) if per else None for k in keys},
            "per_prompt": per}


def run_downstream(sources: Iterable[str | Path], out: str | Path, annotators: list[str], *,
                   budget: int = 16, student: str = "smollm2", sft_args: dict[str, Any] | None = None,
                   val_fraction: float = 0.34, max_eval: int = 12, max_new_tokens: int = 256, seed: int = 0,
                   max_samples: int = 4, threads: int | None = None,
                   progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    say = progress or log.info
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [str(p) for p in sources]
    ids = {p: load_source(p).id for p in paths}
    split = split_sources(ids.values(), val_fraction, seed)
    train_paths = [p for p in paths if split[ids[p]] == "train"]
    held_paths = [p for p in paths if split[ids[p]] == "val"]
    if not train_paths or not held_paths:
        from ..errors import ConfigError  # noqa: PLC0415

        raise ConfigError("downstream needs at least two sources (one to train on, one held out)")
    say(f"held-out prompts from {len(held_paths)} source(s)")
    build_corpus(held_paths, out / "heldout", teacher="rules", val_fraction=0.0, max_samples=max_samples, seed=seed)
    held = [json.loads(line) for line in (out / "heldout" / "rl_train.jsonl").read_text().splitlines() if line]
    held = _take(held, max_eval, seed)
    results: dict[str, Any] = {}
    for spec in annotators:
        label, backend, options = parse_annotator(spec)
        say(f"annotator {label}: labelling {len(train_paths)} training source(s)")
        cdir = out / "data" / label
        info = build_corpus(train_paths, cdir, teacher=backend, teacher_options=options, val_fraction=0.0,
                            max_samples=max_samples, seed=seed)
        lines = [line for line in (cdir / "sft_train.jsonl").read_text().splitlines() if line]
        chosen = _take(lines, budget, seed)
        (cdir / "sft_budget.jsonl").write_text("\n".join(chosen) + ("\n" if chosen else ""))
        row: dict[str, Any] = {"annotator": spec, "labelled": info["counts"]["train"], "used": len(chosen),
                               "rejected": info["counts"]["rejected"]}
        if not chosen:
            row["note"] = "no accepted samples: nothing to fine-tune on"
            results[label] = row
            continue
        budget_dir = out / "data" / f"{label}-budget"
        budget_dir.mkdir(parents=True, exist_ok=True)
        (budget_dir / "sft_train.jsonl").write_text("\n".join(chosen) + "\n")
        say(f"annotator {label}: fine-tuning the student on {len(chosen)} samples")
        cfg = {"model": student, "data": str(budget_dir), "output_dir": str(out / "students" / label), "mode": "omni",
               "threads": threads, "seed": seed, "args": dict(sft_args or {"max_steps": 8})}
        tr = train("sft", cfg)
        row["train_loss"] = tr["runs"][0]["train_loss"]
        say(f"annotator {label}: scoring the student on {len(held)} held-out prompts")
        ev = evaluate(out / "students" / label, held, max_new_tokens=max_new_tokens, threads=threads)
        row.update({k: v for k, v in ev.items() if k != "per_prompt"})
        (out / "students" / label / "heldout_scores.json").write_text(json.dumps(ev, indent=1) + "\n")
        results[label] = row
    report = {"train_sources": train_paths, "heldout_sources": held_paths, "budget": budget, "student": student,
              "sft_args": sft_args, "results": results}
    (out / "downstream.json").write_text(json.dumps(report, indent=1, default=str) + "\n")
    (out / "downstream.md").write_text(markdown(report))
    return report


def markdown(report: dict[str, Any]) -> str:
    cols = ("labelled", "used", "train_loss", "n", "valid", "format", "grounding", "efficiency", "overall")
    lines = [f"Student `{report['student']}`, budget {report['budget']} samples, "
             f"{len(report['train_sources'])} training / {len(report['heldout_sources'])} held-out sources.", "",
             "| annotator | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for label, r in report["results"].items():
        cells = [(f"{r[c]:.3f}" if isinstance(r.get(c), float) else str(r.get(c, "-"))) for c in cols]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
