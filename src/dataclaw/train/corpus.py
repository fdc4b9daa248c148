"""`dataclaw corpus build`: the two-stage construction of training data for a tailoring model.

Stage one: anchors per source (`run_experts`, cached). Stage two: for every task a source can serve,
intents per domain (clear and fuzzy phrasings) go through the agent loop with a teacher backend
(rules by default; a strong VLM behind an OpenAI-compatible server at real scale). Only samples the
verifier accepts are kept; near-duplicates are dropped; sources are split train / val as a whole.

Written under OUT/:
  sft_{train,val}.jsonl   TRL conversational prompt-completion rows (+ `messages`): the task prompt
                          (anchors serialised as citable text lines) -> the teacher's draft JSON
  rl_{train,val}.jsonl    TRL GRPO rows: `prompt` + `ground_truth` (JSON: evidence anchors, source meta,
                          task, spec) that the rewards need, + task / domain / source columns
  rl_{train,val}.parquet  the same in verl / EasyR1 form (data_source, prompt, ability, reward_model, extra_info)
  corpus.json             counts, sources per split, rejections, teacher
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ..agent import iter_task_evidence
from ..anchors import run_experts
from ..backends import get_backend
from ..backends.base import flatten_messages
from ..bench.naive import annotate
from ..errors import DataclawError
from ..media import MediaStore
from ..model import Anchor, AnchorSet, Source, TaskSpec
from ..sources import load_source
from ..tasks import get_task, load_all
from ..tasks.base import Evidence

log = logging.getLogger(__name__)

# Fuzzy phrasings per domain (the need, not the data), added to the task's clear phrasings.
DOMAIN_FUZZY = {
    "education": ("help my students learn this on their own", "make this lesson easier to revise from"),
    "daily_life": ("make something useful from this vlog", "I want to remember what happened and when"),
    "embodied": ("help a robot learn from this", "what should a robot take away from this episode?"),
    "gui": ("teach an assistant to do what I did", "make this repeatable by a computer agent"),
    "aigc": ("prepare this footage for a video generator", "turn this into material a generative model learns from"),
}


@dataclass
class CorpusRow:
    source: Source
    task: str
    domain: str
    intent: str
    fuzzy: bool
    prompt: list[dict[str, Any]]
    target: str
    ground_truth: dict[str, Any]
    images: list[str] = field(default_factory=list)


def intents_for(task_cls: Any, domain: str, n: int, fuzzy_share: float = 0.5) -> list[tuple[str, bool]]:
    """`n` intents for one task and domain: clear ones (task examples, benchmark phrasings) and fuzzy ones."""
    clear: list[str] = list(getattr(task_cls, "examples", ()) or ())
    fuzzy: list[str] = list(DOMAIN_FUZZY.get(domain, ()))
    try:
        from ..bench.intents import INTENTS  # noqa: PLC0415 - optional: the benchmark's phrasings

        clear += [c for c in INTENTS.get(task_cls.name, {}).get("clear", ()) if c not in clear]
        fuzzy += [f for f in INTENTS.get(task_cls.name, {}).get("fuzzy", ()) if f not in fuzzy]
    except ImportError:
        pass
    clear = clear or [getattr(task_cls, "description", "") or task_cls.name]
    n_fuzzy = min(len(fuzzy), int(round(n * fuzzy_share))) if n > 1 else 0
    picked = [(c, False) for c in clear[: n - n_fuzzy]] + [(f, True) for f in fuzzy[:n_fuzzy]]
    return picked[:n]


def ground_truth(task: str, spec: TaskSpec, ev: Any) -> dict[str, Any]:
    """What the rewards need to re-score a completion offline: the evidence anchors and the source."""
    meta = {k: v for k, v in (ev.meta or {}).items() if k != "frame_paths"}
    return {"task": task, "spec": spec.model_dump(), "source": ev.source.model_dump(),
            "sources": [s.model_dump() for s in ev.sources],
            "anchors": [a.model_dump() for a in ev.anchors], "frames": list(ev.frames),
            "meta": json.loads(json.dumps(meta, default=str)), "key": ev.key}


def _shingles(text: str, k: int = 3) -> set[tuple[str, ...]]:
    words = re.sub(r"[^a-z0-9.]+", " ", text.lower()).split()
    return {tuple(words[i:i + k]) for i in range(max(1, len(words) - k + 1))}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def dedupe(rows: list[CorpusRow], threshold: float = 0.9) -> tuple[list[CorpusRow], int]:
    """Drops rows whose target overlaps an earlier one's by >= threshold (word 3-gram Jaccard) for the
    same source, task and intent (different intents on the same evidence stay: they teach the phrasing)."""
    kept: list[CorpusRow] = []
    seen: dict[tuple[str, str, str], list[set]] = {}
    dropped = 0
    for r in rows:
        key = (r.source.id, r.task, r.intent.strip().lower())
        sh = _shingles(r.target)
        if any(jaccard(sh, s) >= threshold for s in seen.get(key, [])):
            dropped += 1
            continue
        seen.setdefault(key, []).append(sh)
        kept.append(r)
    return kept, dropped


def split_sources(source_ids: Iterable[str], val_fraction: float, seed: int = 0) -> dict[str, str]:
    """source id -> "train" | "val", whole sources only (no leakage); at least one val source when there are
    two or more. Deterministic: order by a seeded hash of the id."""
    ids = sorted(set(source_ids), key=lambda s: hashlib.sha1(f"{seed}:{s}".encode()).hexdigest())
    n_val = 0 if len(ids) < 2 or val_fraction <= 0 else max(1, math.floor(len(ids) * val_fraction))
    return {s: ("val" if i < n_val else "train") for i, s in enumerate(ids)}


def teacher_rows(src: Source, anchorset: AnchorSet, backend: Any, media: Any, *, intents_per_task: int = 2,
                 max_samples: int | None = 8, tasks: list[str] | None = None, max_repairs: int = 1,
                 rejected: list[dict[str, Any]] | None = None) -> list[CorpusRow]:
    """Stage two on one source: every servable task x domain x intent through the agent loop."""
    kinds = {a.kind for a in anchorset.anchors}
    rows: list[CorpusRow] = []
    for name, cls in sorted(load_all().items()):
        if tasks and name not in tasks:
            continue
        task = cls()
        if task.can_serve(src.kind, kinds) is not None or not task.serves_unasked(src.kind):
            continue  # no intent names it here (game_frames / driving_plan on a lecture video)
        for domain in cls.domains[:1]:
            for intent, fuzzy in intents_for(cls, domain, intents_per_task):
                spec = TaskSpec(task=name, domain=domain, instruction=intent)
                for ev, res in iter_task_evidence(task, spec, anchorset, backend, media, max_repairs=max_repairs,
                                                  keep_raw=True, max_samples=max_samples):
                    if not hasattr(res, "solution"):
                        if rejected is not None:
                            rejected.append({"source": src.id, "task": name, "reasons": res.reasons[:3]})
                        continue
                    row = _row_from_sample(res, src, task, spec, intent, fuzzy, ev)
                    if row is not None:
                        rows.append(row)
    return rows


def _row_from_sample(sample: Any, src: Source, task: Any, spec: TaskSpec, intent: str, fuzzy: bool,
                     ev: Any) -> CorpusRow | None:
    raw = (sample.provenance or {}).get("raw") or []
    if not raw or not raw[-1].get("output"):
        return None
    prompt, images = flatten_messages(raw[0]["input"])
    target = raw[-1]["output"]
    try:  # canonical compact JSON target
        target = json.dumps(json.loads(target), ensure_ascii=False, separators=(",", ":"))
    except (json.JSONDecodeError, TypeError):
        return None
    return CorpusRow(src, task.name, spec.domain, intent, fuzzy, prompt, target,
                     ground_truth(task.name, spec, ev), images)


def naive_rows(src: Source, anchorset: AnchorSet, max_samples: int | None = 8) -> list[CorpusRow]:
    """The passive annotator (`bench.naive`): one caption list per source, unverified, for the
    downstream comparison. Its prompt is the same task prompt, so only the annotation differs."""
    kinds = {a.kind for a in anchorset.anchors}
    duration = float(src.meta.get("duration") or max((a.t1 for a in anchorset.anchors), default=1.0))
    target = json.dumps(annotate(anchorset, duration), ensure_ascii=False, separators=(",", ":"))
    rows = []
    for name, cls in sorted(load_all().items()):
        task = cls()
        if task.can_serve(src.kind, kinds) is not None or not task.serves_unasked(src.kind):
            continue  # no intent names it here (game_frames / driving_plan on a lecture video)
        domain = cls.domains[0]
        for intent, fuzzy in intents_for(cls, domain, 2):
            spec = TaskSpec(task=name, domain=domain, instruction=intent)
            for ev in task.select(anchorset, spec)[: max_samples or None]:
                prompt, images = flatten_messages(task.prompt(ev, spec))
                rows.append(CorpusRow(src, name, domain, intent, fuzzy, prompt, target,
                                      ground_truth(name, spec, ev), images))
    return rows


# ---------------------------------------------------------------------------- writing
def sft_record(r: CorpusRow) -> dict[str, Any]:
    completion = [{"role": "assistant", "content": r.target}]
    return {"prompt": r.prompt, "completion": completion, "messages": r.prompt + completion,
            "task": r.task, "domain": r.domain, "source": r.source.id, "intent": r.intent, "fuzzy": r.fuzzy,
            "images": r.images}


def rl_record(r: CorpusRow) -> dict[str, Any]:
    return {"prompt": r.prompt, "ground_truth": json.dumps(r.ground_truth, ensure_ascii=False),
            "task": r.task, "domain": r.domain, "source": r.source.id, "intent": r.intent, "fuzzy": r.fuzzy}


def verl_record(r: CorpusRow, split: str, index: int) -> dict[str, Any]:
    return {"data_source": f"dataclaw/{r.task}", "prompt": r.prompt, "ability": "data_tailoring",
            "reward_model": {"style": "rule", "ground_truth": json.dumps(r.ground_truth, ensure_ascii=False)},
            "extra_info": {"split": split, "index": index, "task": r.task, "domain": r.domain,
                           "source": r.source.id, "intent": r.intent}}


def write_corpus(rows: list[CorpusRow], split: dict[str, str], out: Path) -> dict[str, int]:
    import pandas as pd  # noqa: PLC0415

    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for part in ("train", "val"):
        mine = [r for r in rows if split.get(r.source.id) == part]
        counts[part] = len(mine)
        with open(out / f"sft_{part}.jsonl", "w") as fh:
            for r in mine:
                fh.write(json.dumps(sft_record(r), ensure_ascii=False) + "\n")
        with open(out / f"rl_{part}.jsonl", "w") as fh:
            for r in mine:
                fh.write(json.dumps(rl_record(r), ensure_ascii=False) + "\n")
        pd.DataFrame([verl_record(r, part, i) for i, r in enumerate(mine)]).to_parquet(out / f"rl_{part}.parquet")
    return counts


def build_corpus(sources: Iterable[str | Path], out: str | Path, *, teacher: str = "rules",
                 teacher_options: dict[str, Any] | None = None, intents_per_task: int = 2,
                 max_samples: int | None = 8, tasks: list[str] | None = None, val_fraction: float = 0.25,
                 dedupe_threshold: float = 0.9, seed: int = 0, experts: list[str] | None = None,
                 progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Sources -> OUT/ (SFT and RL data, split by source). `teacher="naive"` writes the passive baseline."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    say = progress or log.info
    backend = None if teacher == "naive" else get_backend(teacher, **(teacher_options or {}))
    media = MediaStore(out / "media")
    rows: list[CorpusRow] = []
    rejected: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    try:
        for path in sources:
            say(f"corpus: {path}")
            try:
                src = load_source(path)
                aset = run_experts(src, experts)
            except DataclawError as exc:
                skipped.append({"path": str(path), "reason": str(exc)})
                continue
            if backend is None:
                rows += naive_rows(src, aset, max_samples)
            else:
                rows += teacher_rows(src, aset, backend, media, intents_per_task=intents_per_task,
                                     max_samples=max_samples, tasks=tasks, rejected=rejected)
    finally:
        media.close()
        if backend is not None:
            backend.close()
    rows, n_dup = dedupe(rows, dedupe_threshold)
    split = split_sources((r.source.id for r in rows), val_fraction, seed)
    counts = write_corpus(rows, split, out)
    info = {"teacher": teacher, "counts": {**counts, "near_duplicates_dropped": n_dup, "rejected": len(rejected)},
            "split": split, "sources": {r.source.id: r.source.path for r in rows},
            "per_task": {t: sum(r.task == t for r in rows) for t in sorted({r.task for r in rows})},
            "skipped": skipped, "rejections": rejected[:50],
            "settings": {"intents_per_task": intents_per_task, "max_samples": max_samples, "tasks": tasks,
                         "val_fraction": val_fraction, "dedupe_threshold": dedupe_threshold, "seed": seed}}
    (out / "corpus.json").write_text(json.dumps(info, indent=1, default=str) + "\n")
    return info


def load_ground_truth(gt: str | dict[str, Any]) -> tuple[Any, Any, Any]:
    """(task, anchorset, evidence) rebuilt from a ground_truth column."""
    d = json.loads(gt) if isinstance(gt, str) else gt
    if not isinstance(d, dict) or not isinstance(d.get("source"), dict) or "anchors" not in d:
        raise ValueError("ground_truth is not a dataclaw ground truth (needs task, source {id, path, kind} and "
                         "anchors: the corpus' rl_*.jsonl or the verl export's reward_model.ground_truth)")
    src = Source(**d["source"])
    anchors = [Anchor(**a) for a in d["anchors"]]
    ev = Evidence(sources=[Source(**s) for s in d.get("sources") or [d["source"]]], anchors=anchors,
                  frames=list(d.get("frames") or []), meta=dict(d.get("meta") or {}), key=d.get("key", ""))
    # the export carries each source's duration and fps (the corpus has them in the source's meta)
    smeta = (d.get("source_meta") or {}).get(src.id) or {k: src.meta[k] for k in ("duration", "fps") if k in src.meta}
    by_source: dict[str, list[Anchor]] = {}
    for a in anchors:
        by_source.setdefault(a.source, []).append(a)
    sets = [AnchorSet(source=src, anchors=by_source.pop(src.id, []) if by_source else anchors, meta=smeta)]
    for s in ev.sources:
        if s.id in by_source:
            sets.append(AnchorSet(source=s, anchors=by_source.pop(s.id),
                                  meta=(d.get("source_meta") or {}).get(s.id) or {}))
    for rest in by_source.values():  # anchors of a source the ground truth does not list
        sets[0].anchors.extend(rest)
    return get_task(d["task"]), (sets[0] if len(sets) == 1 else sets), ev
