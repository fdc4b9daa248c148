"""An adversarial corpus for the verifier: accepted samples with one planted falsehood each.

`rules_samples` makes every task's accepted rules samples of one source; `perturbations` turns
one sample into edited copies, each with one kind of error a model backend makes:

    entity_invented   a quoted name / a content word replaced by a made-up name
    entity_swapped    a quoted text replaced by one from another source
    number            a number changed (times, counts in text, distances)
    count             a count of people planted ("two people")
    colour            a colour changed, or planted before a noun
    direction         a direction flipped (left/right, up/down, toward/away), or planted
    step_order        two steps' texts swapped, or two quoted items of one text swapped
    foreign_sentence  a sentence from another source's sample appended

`run_corpus` verifies the untouched and the perturbed samples with the real verifier and counts
detections (rejections) per type and false rejections per task (benchmarks/verifier_bench.py and
tests/*/test_claims_*.py use it).
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ..claims import hallucination_rate, parse
from ..model import AnchorSet, Sample, TaskSpec
from ..tasks import get_task
from ..tasks.shared.common import DraftError
from ..verify import verify_sample

PERTURBATIONS = ("entity_invented", "entity_swapped", "number", "count", "colour", "direction", "step_order",
                 "foreign_sentence")
_INVENTED = ("Kowalski Finance Portal", "Zephyr Harbour", "Marigold Express", "Professor Lindqvist")
_COLOUR_SWAP = {"red": "green", "green": "red", "blue": "orange", "orange": "blue", "white": "black",
                "black": "white", "yellow": "purple", "purple": "yellow", "grey": "pink", "gray": "pink",
                "brown": "cyan", "pink": "grey"}
_DIR_SWAP = {"left": "right", "right": "left", "up": "down", "down": "up", "toward": "away", "towards": "away",
             "away": "toward", "forward": "backward", "backward": "forward"}
_WORD = re.compile(r"\b[a-z]{4,}\b")
_NUM = re.compile(r"(?<![\w.])(\d+)(\.\d+)?(?![\w])")
_QUOTE = re.compile(r"\"([^\"]{2,})\"|(?<![A-Za-z0-9])'([^']{2,}?)'(?![A-Za-z0-9])")


BUILD_ERRORS: list[dict[str, Any]] = []  # rules drafts their own task's build refused (rules_samples)


@dataclass
class Case:
    task: str
    source: str  # a short name of the source
    sample: Sample
    anchors: AnchorSet | list[AnchorSet]
    evidence: Any
    task_obj: Any
    dataset_dir: Any = None


def rules_samples(anchorset: AnchorSet, task_names: Iterable[str], media: Any, *, name: str = "",
                  domain: str | None = None, intent: str = "make training data",
                  max_per_task: int | None = None, language: str = "en") -> list[Case]:
    """Every accepted rules sample of the tasks this source can serve (task, evidence, sample), written
    in `language` ("en" or "zh")."""
    out: list[Case] = []
    kinds = {a.kind for a in anchorset.anchors}
    for tname in task_names:
        task = get_task(tname)
        if task.can_serve(anchorset.source.kind, kinds) is not None:
            continue
        dom = domain if domain in task.domains else task.domains[0]
        spec = TaskSpec(task=tname, domain=dom, instruction=intent, language=language)
        try:
            evs = task.select(anchorset, spec)
        except ValueError:  # e.g. gui_stitch: fragments that do not connect
            continue
        for ev in evs[:max_per_task]:
            try:
                sample = task.build(task.rules(ev, spec), ev, spec, media)
            except DraftError as exc:  # the task refuses its own draft (not a verifier matter): reported
                BUILD_ERRORS.append({"task": tname, "source": name or anchorset.source.path, "key": ev.key,
                                     "errors": exc.errors[:3]})
                continue
            v = verify_sample(sample, anchorset, dataset_dir=getattr(media, "root", None), task=task, evidence=ev)
            out.append(Case(tname, name or anchorset.source.path, sample, anchorset, ev, task,
                            getattr(media, "root", None)))
            out[-1].sample.meta["_verdict_ok"] = v.ok
    return out


def _texts(sample: Sample) -> list[tuple[int | None, str]]:
    """(segment index or None for the query, text) of the sample's written fields."""
    out: list[tuple[int | None, str]] = [(None, sample.query.text)]
    out += [(i, s.text) for i, s in enumerate(sample.solution) if s.text]
    return out


def _with_text(sample: Sample, where: int | None, text: str) -> Sample:
    s = sample.model_copy(deep=True)
    s.meta.pop("_verdict_ok", None)
    if where is None:
        s.query.text = text
    else:
        s.solution[where].text = text
    return s


def _first(sample: Sample, rng: random.Random, fn: Callable[[str], str | None],
           prefer_solution: bool = True) -> Sample | None:
    fields = _texts(sample)
    if prefer_solution:
        fields = fields[1:] + fields[:1]
    rng.shuffle(fields)
    for where, text in fields:
        new = fn(text)
        if new is not None and new != text:
            return _with_text(sample, where, new)
    return None


def _plant_before_word(text: str, word: str, rng: random.Random) -> str | None:
    """`word` inserted before a content word outside quotes (one new claim, nothing else)."""
    spans = [m.span() for m in _QUOTE.finditer(text)]
    cands = [m for m in _WORD.finditer(text) if not any(a <= m.start() < b for a, b in spans)]
    if not cands:
        return None
    m = rng.choice(cands)
    return text[: m.start()] + word + " " + text[m.start():]


def perturbations(sample: Sample, rng: random.Random, foreign: list[str]) -> dict[str, Sample]:
    """One edited copy per perturbation type that applies to this sample."""
    out: dict[str, Sample | None] = {}

    def invent_quote(text: str) -> str | None:
        m = _QUOTE.search(text)
        if m:
            q = m.group(1) or m.group(2)
            return text.replace(q, rng.choice(_INVENTED), 1)
        return _plant_before_word(text, rng.choice(_INVENTED).split()[0], rng)

    def swap_quote(text: str) -> str | None:
        m = _QUOTE.search(text)
        pool = [q for f in foreign for q in (g1 or g2 for g1, g2 in _QUOTE.findall(f)) if len(q) > 3]
        if not m or not pool:
            return None
        q = m.group(1) or m.group(2)
        return text.replace(q, rng.choice(pool), 1)

    def number(text: str) -> str | None:
        spans = [mq.span() for mq in _QUOTE.finditer(text)]
        nums = [m for m in _NUM.finditer(text) if not any(a <= m.start() < b for a, b in spans)]
        if not nums:
            return None
        m = rng.choice(nums)
        whole = int(m.group(1))
        new = str(whole * 3 + 7 + rng.randrange(5)) + (m.group(2) or "")
        return text[: m.start()] + new + text[m.end():]

    def count(text: str) -> str | None:
        return _plant_before_word(text, rng.choice(["two people and", "three people and", "four faces and"]), rng)

    def colour(text: str) -> str | None:
        for c, d in _COLOUR_SWAP.items():
            if re.search(rf"\b{c}\b", text) and not any(c in (mq.group(0)) for mq in _QUOTE.finditer(text)):
                return re.sub(rf"\b{c}\b", d, text, count=1)
        return _plant_before_word(text, rng.choice(["red", "blue", "yellow", "purple"]), rng)

    def direction(text: str) -> str | None:
        spans = [mq.span() for mq in _QUOTE.finditer(text)]
        for d, e in _DIR_SWAP.items():
            m = re.search(rf"\b{d}\b", text)
            if m and not any(a <= m.start() < b for a, b in spans):
                return text[: m.start()] + e + text[m.end():]
        return _plant_before_word(text, rng.choice(["leftward", "rightward", "upward"]), rng)

    def foreign_sentence(text: str) -> str | None:
        if not foreign:
            return None
        return text.rstrip() + " " + rng.choice(foreign)

    out["entity_invented"] = _first(sample, rng, invent_quote)
    out["entity_swapped"] = _first(sample, rng, swap_quote)
    out["number"] = _first(sample, rng, number)
    out["count"] = _first(sample, rng, count)
    out["colour"] = _first(sample, rng, colour)
    out["direction"] = _first(sample, rng, direction)
    out["step_order"] = _step_order(sample, rng)
    out["foreign_sentence"] = _first(sample, rng, foreign_sentence)
    return {k: v for k, v in out.items() if v is not None}


def _step_order(sample: Sample, rng: random.Random) -> Sample | None:
    """Two different steps' texts swapped (each now sits on the other's anchors), else two quoted items
    of one ordered text swapped."""
    steps = [i for i, s in enumerate(sample.solution) if s.text and s.anchors]
    pairs = [(a, b) for a in steps for b in steps if a < b
             and sample.solution[a].text != sample.solution[b].text
             and set(sample.solution[a].anchors) != set(sample.solution[b].anchors)]
    if pairs:
        a, b = rng.choice(pairs)
        s = sample.model_copy(deep=True)
        s.meta.pop("_verdict_ok", None)
        s.solution[a].text, s.solution[b].text = sample.solution[b].text, sample.solution[a].text
        return s
    for where, text in _texts(sample):
        qs = [m for m in _QUOTE.finditer(text)]
        if len(qs) < 2:
            continue
        a, b = qs[0], qs[1]
        # only texts that state an order between the two: "first A, then B", "A before B", "1. A; 2. B"
        if re.search(r"\b(then|next|finally|before|after)\b|;\s*\d\.\s", text[a.end(): b.start()]):
            if a.group(0) == b.group(0):
                continue
            new = text[: a.start()] + b.group(0) + text[a.end(): b.start()] + a.group(0) + text[b.end():]
            return _with_text(sample, where, new)
    return None


def content_sentences(texts: list[str], task: str) -> list[str]:
    """Sentences of other sources' samples that say something (two or more claims that are not the
    task's template words): a template sentence ("What should I do next?") claims nothing."""
    out: list[str] = []
    for t in texts:
        for sent in re.split(r"(?<=[.!?])\s+", t):
            cl = [c for c in parse(sent, "", task).claims if c.kind in ("word", "entity", "quote", "number")]
            if len(cl) >= 2 and sent not in out:
                out.append(sent.strip())
    return out


@dataclass
class CorpusResult:
    detected: dict[str, list[int]] = field(default_factory=dict)  # type -> [detected, total]
    untouched: dict[str, list[int]] = field(default_factory=dict)  # task -> [rejected, total]
    missed: list[dict[str, Any]] = field(default_factory=list)
    false_rejections: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)  # claim reports of the untouched samples

    def rate(self, kind: str | None = None) -> float:
        rows = [self.detected[kind]] if kind else list(self.detected.values())
        d, n = sum(r[0] for r in rows), sum(r[1] for r in rows)
        return d / n if n else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {"detection": {k: {"detected": d, "total": n, "rate": round(d / n, 4) if n else None}
                              for k, (d, n) in sorted(self.detected.items())},
                "overall_detection": round(self.rate(), 4) if self.detected else None,
                "false_rejections": {k: {"rejected": r, "total": n} for k, (r, n) in sorted(self.untouched.items())},
                "hallucination_rate_untouched": hallucination_rate(self.claims),
                "missed": self.missed[:50], "false_rejection_examples": self.false_rejections[:20]}


def run_corpus(cases: list[Case], seed: int = 0, foreign_of: Callable[[Case], list[str]] | None = None,
               result: CorpusResult | None = None) -> CorpusResult:
    """Verifies each case's untouched sample and its perturbed copies; counts detections."""
    res = result or CorpusResult()
    rng = random.Random(seed)
    by_source: dict[str, list[str]] = {}
    for c in cases:
        by_source.setdefault(c.source, []).extend(t for _, t in _texts(c.sample))

    def judge(c: Case, s: Sample) -> Any:
        return verify_sample(s, c.anchors, dataset_dir=c.dataset_dir, task=c.task_obj, evidence=c.evidence)

    for c in cases:
        v = judge(c, c.sample)
        row = res.untouched.setdefault(c.task, [0, 0])
        row[1] += 1
        res.claims.append(v.claims)
        if not v.ok:
            row[0] += 1
            res.false_rejections.append({"task": c.task, "source": c.source, "id": c.sample.id, "errors": v.errors[:5]})
        foreign = foreign_of(c) if foreign_of else [t for src, ts in by_source.items() if src != c.source for t in ts]
        for kind, s in perturbations(c.sample, rng, content_sentences(foreign, c.task)).items():
            pv = judge(c, s)
            row = res.detected.setdefault(kind, [0, 0])
            row[1] += 1
            if not pv.ok:
                row[0] += 1
            else:
                changed = [(a.text, b.text) for a, b in zip([c.sample.query] + c.sample.solution,
                                                            [s.query] + s.solution) if a.text != b.text]
                res.missed.append({"type": kind, "task": c.task, "source": c.source, "changed": changed[:2]})
    return res
