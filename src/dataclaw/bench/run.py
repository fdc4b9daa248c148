"""`dataclaw bench run`: tailor every case with one backend and score it.

Model backends (rules, hf, openai) go through the same `pipeline.tailor()` (agent loop, verifier)
as a user's job, with the case's task as the plan (or, with `planned=True`, the planner's pick, end to
end); the planner is scored on its own (Intent). The
`naive` backend is the task-agnostic passive annotator of `naive.py`.

Per case (results.jsonl, one line each, appended as it finishes, so a rerun resumes):
  validity   share of drafts that parse and match the task's JSON Schema
  accept     share of drafts the verifier accepted
  field / semantic / sequence (+ kendall_tau, tiou)   vs the reference units (metrics.py)
  grounding  share of the output's claims that the *ground-truth* anchors support: each output segment
             cites the truth anchors overlapping its span (else the nearest one) and `verify_sample`
             scores it against them (times, cited ids and the text's claims, dataclaw.claims)
  hallucination  unsupported claims per 100 claims of the output's text, against the truth anchors
  intent_top1 / intent_hit   the planner's first pick is the case's task / the task is among its picks
summary.json: per domain, per clear/fuzzy subset and overall means with bootstrap 95% CIs.
"""
from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any, Callable

from .. import __version__
from ..anchors import run_experts
from ..backends import get_backend
from ..backends.base import Backend, Generation
from ..claims import hallucination_rate
from ..focus import parse_focus
from ..intent import plan_intent, task_table
from ..model import Anchor, AnchorSet, Plan, Sample, Segment, Source, TaskSpec
from ..pipeline import tailor
from ..sources import load_source
from ..tasks import get_task
from ..verify import draft_schema_errors, verify_sample
from .build import Case, load_cases
from .intents import HELD_OUT_SETS
from .metrics import (
    Unit, bootstrap_ci, field_score, focus_scores, match_units, minilm_embedder, semantic_score, sequence_score,
)
from .naive import annotate, as_sample

log = logging.getLogger(__name__)

METRICS = ("validity", "accept", "field", "semantic", "sequence", "kendall_tau", "tiou", "grounding",
           "hallucination", "intent_top1", "intent_hit")
# focused cases (case.focus): on-focus precision / recall of the output, and of the unfocused baseline
FOCUS_METRICS = ("focus_precision", "focus_recall", "baseline_precision", "baseline_recall", "accept", "grounding")
GUI_PAD = 0.5


class _Shared(Backend):
    """One backend instance for every case (a model loads once); tailor's close() leaves it open."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name, self.model = inner.name, getattr(inner, "model", None)
        self.can_repair, self.wants_images = inner.can_repair, inner.wants_images

    def generate(self, messages: list[dict], schema: dict, **kw: Any) -> Generation:
        return self.inner.generate(messages, schema, **kw)

    async def agenerate(self, messages: list[dict], schema: dict, **kw: Any) -> Generation:
        return await self.inner.agenerate(messages, schema, **kw)

    def info(self) -> dict[str, Any]:
        return self.inner.info()

    def close(self) -> None:
        pass


# ---------------------------------------------------------------------------- output -> units
def output_units(task: str, samples: list[Sample]) -> list[Unit]:
    """The produced samples of one case as comparable units (see metrics.Unit)."""
    units: list[Unit] = []
    if task == "tutorial" and samples:
        # the full tutorial: the sample with the most timed steps (variants repeat parts of it)
        best = max(samples, key=lambda s: sum(1 for g in s.solution if g.type == "text" and g.t0 is not None))
        return [Unit(g.text or "", g.t0, g.t1) for g in best.solution
                if g.type == "text" and g.t0 is not None and g.t1 is not None and g.t1 > g.t0]
    for s in samples:
        sol = s.solution
        if task == "temporal_qa":
            span = next((g for g in sol if g.type == "span"), None)
            if span is not None:
                units.append(Unit(f"{s.query.text} {span.text or ''}".strip(), span.t0, span.t1))
        elif task in ("segmentation", "contact"):
            units += [Unit(g.text or "", g.t0, g.t1, "contact" if task == "contact" else None)
                      for g in sol if g.type == "span"]
        elif task in ("gui_trajectory", "gui_grounding"):
            for k, g in enumerate(sol):
                if g.type == "action" and g.t0 is not None:
                    act = g.action or {}
                    prev = sol[k - 1] if k and sol[k - 1].type == "text" else None
                    text = (prev.text if prev else None) or str(act.get("element") or act.get("code") or "")
                    units.append(Unit(text, g.t0 - GUI_PAD, g.t0 + GUI_PAD, act.get("type")))
        else:  # t2v, recovery and others: timed text
            units += [Unit(g.text or "", g.t0, g.t1) for g in sol if g.type == "text" and g.t0 is not None
                      and g.t1 is not None]
    return sorted(units, key=lambda u: (u.t0 if u.t0 is not None else 0.0))


def reference_units(case: Case) -> list[Unit]:
    return [Unit.from_dict(u) for u in case.reference.get("units", [])]


# ---------------------------------------------------------------------------- grounding vs truth
def truth_anchorset(case: Case, source_id: str) -> AnchorSet:
    src = Source(id=source_id, path=case.source, kind=case.source_kind)  # type: ignore[arg-type]
    anchors = [Anchor(source=source_id, kind=a["kind"], t0=float(a["t0"]), t1=float(a["t1"]), data=a.get("data", {}),
                      expert="truth") for a in case.gt_anchors]
    return AnchorSet(source=src, anchors=anchors, meta={"duration": case.duration, "fps": case.fps})


def _recite(seg: Segment, truth: list[Anchor]) -> Segment:
    """The segment citing the truth anchors over its span (the nearest one when none overlaps)."""
    if seg.t0 is None or not truth:
        return seg.model_copy(update={"anchors": []})
    t0, t1 = seg.t0, seg.t1 if seg.t1 is not None else seg.t0
    over = [a for a in truth if a.t0 <= t1 and a.t1 >= t0]
    if not over:
        over = [min(truth, key=lambda a: max(a.t0 - t1, t0 - a.t1))]
    return seg.model_copy(update={"anchors": [a.id for a in over]})


def truth_grounding(sample: Sample, truth_set: AnchorSet) -> float:
    """`verify_sample` of the sample re-cited against the ground-truth anchors: its grounding score
    (times, ids and the text's claims, see dataclaw.claims)."""
    return truth_verdict(sample, truth_set).scores.grounding


def truth_verdict(sample: Sample, truth_set: AnchorSet) -> Any:
    """The verdict of the sample re-cited against the ground-truth anchors (`truth_grounding`)."""
    truth = truth_set.anchors
    recited = sample.model_copy(update={
        "source": truth_set.source.id, "evidence": [],
        "solution": [_recite(g, truth) for g in sample.solution],
        "query": sample.query.model_copy(update={"media": [_recite(g, truth) for g in sample.query.media]}),
    })
    return verify_sample(recited, truth_set)


def _grounding(samples: list[Sample], truth_set: Any) -> dict[str, Any]:
    """Mean truth grounding and the hallucination rate (unsupported claims per 100) of the samples."""
    vs = [truth_verdict(s, truth_set) for s in samples]
    return {"grounding": sum(v.scores.grounding for v in vs) / len(vs) if vs else None,
            "hallucination": hallucination_rate(v.claims for v in vs)}


# ---------------------------------------------------------------------------- one case
def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def _intent(case: Case, backend: Backend | None) -> dict[str, Any]:
    plan = plan_intent(case.intent, [case.source_kind], backend=backend)
    picked = [s.task for s in plan.tasks]
    return {"intent_top1": float(bool(picked) and picked[0] == case.task), "intent_hit": float(case.task in picked),
            "plan": picked, "plan_fuzzy": plan.fuzzy}


def run_case(case: Case, bench: Path, backend: Backend | None, out: Path, max_samples: int | None,
             max_repairs: int = 2, planned: bool = False, max_attempts: int | None = None) -> dict[str, Any]:
    """Tailors and scores one case; never raises (an error is recorded and scored as no output)."""
    t = time.perf_counter()
    rec: dict[str, Any] = {"case": case.id, "domain": case.domain, "task": case.task, "fuzzy": case.fuzzy,
                           "backend": backend.name if backend else "naive"}
    if case.focus:
        rec.update({"focused": True, "heldout": bool(case.focus.get("heldout")), "focus_what": case.focus.get("what"),
                    "focus_set": case.focus.get("set", "dev")})
    path = bench / case.source
    try:
        src = load_source(path)
        if backend is None:
            rec.update(_naive(case, src, run_experts(src)))
        else:
            intent = _intent(case, backend if backend.name != "rules" else None)
            rec.update(_tailored(case, src, backend, out / "cases" / case.id, max_samples, max_repairs,
                                 intent["plan"] if planned else None, max_attempts))
            rec.update(intent)
    except Exception as exc:  # noqa: BLE001 - one broken case is recorded, the run goes on
        log.debug("case failed", exc_info=True)
        rec["error"] = f"{type(exc).__name__}: {exc}"
        rec.setdefault("validity", 0.0)
        rec.setdefault("accept", 0.0)
    rec["seconds"] = round(time.perf_counter() - t, 2)
    return rec


def _score(case: Case, pred: list[Unit]) -> dict[str, Any]:
    ref = reference_units(case)
    matches = match_units(ref, pred)
    f = field_score(ref, pred, matches=matches)
    s = sequence_score(ref, pred, matches=matches)
    sem = semantic_score([u.text for u in ref], [u.text for u in pred], minilm_embedder())
    return {"field": f["field"], "field_parts": {k: f[k] for k in ("count", "times", "actions")},
            "semantic": sem, "sequence": s["sequence"], "kendall_tau": s["kendall_tau"], "tiou": s["tiou"],
            "units": len(pred), "ref_units": len(ref)}


def _naive(case: Case, src: Source, aset: AnchorSet) -> dict[str, Any]:
    draft = annotate(aset, case.duration)
    valid = float(not draft_schema_errors(draft, get_task(case.task)))
    pred = [Unit(c["caption"], c["t0"], c["t1"]) for c in draft["clips"]]
    out = {"validity": valid, "accept": valid, "samples": 1, "rejected": 0, **_score(case, pred)}
    out.update(_grounding([as_sample(draft, src.id, case.task, case.domain)], truth_anchorset(case, src.id)))
    out.update({"intent_top1": None, "intent_hit": None})  # passive annotation never reads the intent
    return out


def _tailored(case: Case, src: Source, backend: Backend, ds: Path, max_samples: int | None,
              max_repairs: int, planned: list[str] | None = None, max_attempts: int | None = None) -> dict[str, Any]:
    """Tailors the case's task (oracle plan), or with `planned`, the planner's tasks end to end: when the
    planner missed the case's task, the case gets no output of it and scores as such."""
    table = task_table()
    tasks = [case.task] if planned is None else [t for t in planned if t == case.task]  # only the case's task is scored
    specs = [TaskSpec(task=t, domain=case.domain, max_attempts=max_attempts,
                      instruction=f"{table[t].get('rewrite') or table[t]['description']} User intent: {case.intent}")
             for t in tasks]
    shutil.rmtree(ds, ignore_errors=True)  # a case cut short last time starts over
    if not specs:
        return {"samples": 0, "rejected": 0, "validity": 0.0, "accept": 0.0, "not_served": "planner did not pick the task",
                **_score(case, []), "grounding": None}
    focus = parse_focus(case.intent)  # as the planner reads it (empty for an intent that names no part)
    res = tailor(str(src.path), plan=Plan(intent=case.intent, tasks=specs, focus=focus if focus.selects else None),
                 backend=backend, out=ds, quiet=True, max_samples_per_task=max_samples, max_repairs=max_repairs,
                 resume=False)
    if res.skipped:
        raise RuntimeError(f"source skipped: {res.skipped[0]['reason']}")
    samples = [Sample.model_validate(r) for r in _read_jsonl(ds / "samples.jsonl")]
    rejected = _read_jsonl(ds / "rejected.jsonl")
    task = get_task(case.task)
    valid = len(samples) + sum(1 for r in rejected if isinstance(r.get("draft"), dict)
                               and not draft_schema_errors(r["draft"], task))
    total = len(samples) + len(rejected)
    out: dict[str, Any] = {"samples": len(samples), "rejected": len(rejected),
                           "validity": valid / total if total else 0.0, "accept": len(samples) / total if total else 0.0}
    if res.not_served:
        out["not_served"] = res.not_served[0]["reason"]
    out.update(_score(case, output_units(case.task, samples)))
    truth_set = truth_anchorset(case, src.id)
    own = ds / "anchors" / f"{src.id}.json"
    if own.exists():  # the source's own recorded facts (an episode's instruction, camera names) hold for truth too
        meta = json.loads(own.read_text()).get("meta") or {}
        truth_set.meta = {**{k: v for k, v in meta.items() if k not in ("duration", "fps")}, **truth_set.meta}
    out.update(_grounding(samples, truth_set))
    usage = [s.provenance.get("usage", {}) for s in samples]
    out["completion_tokens"] = sum(u.get("completion_tokens", 0) or 0 for u in usage)
    if case.focus:
        out.update(_focus_metrics(case, samples, "focus"))
        if not samples and res.not_served:
            out["focus_message"] = res.not_served[0]["reason"]
        base = _baseline_samples(case, src, backend, ds.parent, max_samples, max_repairs, max_attempts)
        out.update(_focus_metrics(case, base, "baseline"))
    return out


def _segments(s: Sample) -> list[tuple[float, float]]:
    """A sample's timed evidence: its solution's spans, steps, actions and clips. Shown frames (image
    segments: a GUI step's screen before the action, a step's keyframe) and the query's whole-video
    clip are context, not what the sample says; they count only in a sample that has nothing else."""
    timed = [g for g in s.solution if g.t0 is not None]
    said = [g for g in timed if g.type != "image"] or timed
    return [(g.t0, g.t1 if g.t1 is not None else g.t0) for g in said]


def _focus_metrics(case: Case, samples: list[Sample], prefix: str) -> dict[str, Any]:
    spans = [(float(a), float(b)) for a, b in case.focus["spans"]]
    f = focus_scores(spans, [_segments(s) for s in samples])
    return {f"{prefix}_precision": f["precision"], f"{prefix}_recall": f["recall"], f"{prefix}_samples": f["n"]}


def _baseline_samples(case: Case, src: Source, backend: Backend, cases_dir: Path, max_samples: int | None,
                      max_repairs: int, max_attempts: int | None) -> list[Sample]:
    """The unfocused case of the same source and task (tailored once, shared by its focused cases)."""
    ds = cases_dir / f"_baseline-{case.focus['baseline']}"
    if not (ds / "manifest.json").is_file():
        row = task_table()[case.task]
        params = {"max_attempts": max_attempts} if max_attempts is not None else {}
        spec = TaskSpec(task=case.task, domain=case.domain, params=params,
                        instruction=f"{row.get('rewrite') or row['description']}")
        shutil.rmtree(ds, ignore_errors=True)
        tailor(str(src.path), plan=Plan(intent=spec.instruction, tasks=[spec]), backend=backend, out=ds, quiet=True,
               max_samples_per_task=max_samples, max_repairs=max_repairs, resume=False)
    return [Sample.model_validate(r) for r in _read_jsonl(ds / "samples.jsonl")]


# ---------------------------------------------------------------------------- the run
def summarize(records: list[dict[str, Any]], seed: int = 0) -> dict[str, Any]:
    """Means with bootstrap CIs overall, per domain and per clear / fuzzy subset."""
    def block(rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {"cases": len(rows), **{m: bootstrap_ci([r.get(m) for r in rows], seed=seed) for m in METRICS}}

    focused = [r for r in records if r.get("focused")]
    records = [r for r in records if not r.get("focused")]  # the headline figures: the unfocused cases
    out = {"overall": block(records), "domains": {}, "subsets": {}}
    for d in sorted({r["domain"] for r in records}):
        out["domains"][d] = block([r for r in records if r["domain"] == d])
    for name, fuzzy in (("clear", False), ("fuzzy", True)):
        out["subsets"][name] = block([r for r in records if bool(r.get("fuzzy")) == fuzzy])
    if focused:  # the focused cases apart: all, clear / fuzzy, held out (nobody tuned on them), per domain
        def fblock(rows: list[dict[str, Any]]) -> dict[str, Any]:
            return {"cases": len(rows), "no_output": sum(1 for r in rows if not r.get("samples")),
                    **{m: bootstrap_ci([r.get(m) for r in rows], seed=seed) for m in FOCUS_METRICS}}

        out["focus"] = {"all": fblock(focused), "clear": fblock([r for r in focused if not r.get("fuzzy")]),
                        "fuzzy": fblock([r for r in focused if r.get("fuzzy")]),
                        "tuned": fblock([r for r in focused if not r.get("heldout")]),
                        "heldout": fblock([r for r in focused if r.get("heldout")]),
                        # dev: every case but the fresh set, which was written before any run on it
                        "dev": fblock([r for r in focused if r.get("focus_set", "dev") == "dev"]),
                        **{hs.name: fblock([r for r in focused if r.get("focus_set") == hs.name])
                           for hs in HELD_OUT_SETS},
                        "domains": {d: fblock([r for r in focused if r["domain"] == d])
                                    for d in sorted({r["domain"] for r in focused})}}
    out["errors"] = sum(1 for r in records + focused if r.get("error"))
    return out


def run(bench: str | Path, backend: str = "rules", out: str | Path = "results/", *,
        backend_options: dict[str, Any] | None = None, cases: list[str] | None = None,
        max_samples: int | None = 12, max_repairs: int = 2, planned: bool = False, seed: int = 0,
        label: str | None = None, max_attempts: int | None = None,
        progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Runs every case (or those whose id contains one of `cases`); returns the summary."""
    bench, out = Path(bench), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    todo = load_cases(bench)
    if cases:
        todo = [c for c in todo if any(k in c.id for k in cases)]
    results = out / "results.jsonl"
    done = {r["case"]: r for r in _read_jsonl(results)}
    manifest = json.loads((bench / "manifest.json").read_text()) if (bench / "manifest.json").is_file() else {}
    be: Backend | None = None
    if backend != "naive":
        be = _Shared(get_backend(backend, **(backend_options or {})))
    config = {"bench": str(bench), "bench_version": manifest.get("version"), "cases_sha256": manifest.get("cases_sha256"),
              "backend": backend, "model": getattr(be, "model", None), "label": label or backend,
              "backend_options": backend_options or {}, "max_samples": max_samples, "max_repairs": max_repairs,
              "max_attempts": max_attempts,
              "planned": planned, "seed": seed,
              "dataclaw": __version__}
    (out / "config.json").write_text(json.dumps(config, indent=1) + "\n")
    with open(results, "a") as fh:
        for i, case in enumerate(todo):
            if case.id in done:
                continue
            if progress:
                progress(f"[{i + 1}/{len(todo)}] {case.id}")
            rec = run_case(case, bench, be, out, max_samples, max_repairs, planned, max_attempts)
            fh.write(json.dumps(rec, default=str) + "\n")
            fh.flush()
            done[case.id] = rec
    records = [done[c.id] for c in todo if c.id in done]
    summary = {"config": config, **summarize(records, seed)}
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary
