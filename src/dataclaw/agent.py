"""The tailoring loop for one task on one source:

    evidence -> prompt -> backend draft -> build (media) -> verify -> accept
                                 ^                              |
                                 +---- repair: errors sent back (bounded)

Every failure (unparseable output, schema errors, ungrounded times, a crash inside a task) becomes
a recorded rejection reason; nothing here raises on a bad draft. `iter_task` is the sequential
loop; `arun_task` runs the same steps with a bounded number of requests in flight.
"""
from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .backends.base import Backend, Generation, empty_usage, map_parts
from .focus import focus_evidence
from .model import AnchorSet, Rejection, Sample, TaskSpec
from .tasks.base import Evidence, Task
from .tasks.shared.common import DraftError, evidence_sample_id, ground_schema
from .verify import verify_sample

log = logging.getLogger(__name__)

Result = Sample | Rejection
Anchors = AnchorSet | list[AnchorSet]  # multi-source tasks (gui_stitch) read several


def repair_message(errors: list[str]) -> dict[str, Any]:
    # unsupported claims first: a model can only fix the words it is told about
    claims = [e for e in errors if _CLAIM_ERROR in e]
    listed = "\n".join(f"- {e}" for e in (claims + [e for e in errors if _CLAIM_ERROR not in e])[:16])
    hint = (" Every word, name, number, colour, count and direction you write must come from the anchors "
            "a text cites (their text, names, values): remove or replace each unsupported claim named above."
            if claims else "")
    return {"role": "user", "content": (
        "Your answer failed these checks:\n" + listed +
        "\nFix every problem. Cite only anchor ids from the list, keep every time inside the anchors it cites, "
        f"and answer with the corrected JSON object only.{hint}")}


_CLAIM_ERROR = " claim '"  # claims.Finding.message(): "<where>: unsupported <kind> claim '<text>': why"


def sample_id_for(task: Task, ev: Evidence) -> str:
    return evidence_sample_id(task.name, ev)


def _add_usage(total: dict[str, Any], usage: dict[str, Any] | None) -> None:
    for k, v in (usage or {}).items():
        if isinstance(v, (int, float)):
            total[k] = round(total.get(k, 0) + v, 6)


class _Attempts:
    """The state of one evidence bundle through generate / build / verify / repair rounds."""

    def __init__(self, task: Task, spec: TaskSpec, anchorset: Anchors, backend: Backend, media: Any,
                 ev: Evidence, max_repairs: int, keep_raw: bool, verify: Callable[..., Any]) -> None:
        self.task, self.spec, self.anchorset, self.backend, self.media = task, spec, anchorset, backend, media
        self.ev, self.max_repairs, self.keep_raw, self.verify = ev, max_repairs, keep_raw, verify
        self.sid = sample_id_for(task, ev)
        self.usage = empty_usage()
        self.raw: list[dict[str, Any]] = []
        self.rounds = 0
        self.history: list[list[str]] = []
        self.messages: list[dict[str, Any]] = []
        self.schema: dict[str, Any] = {}
        self.last_draft: dict | None = None

    def start(self) -> list[str]:
        """Prepares the prompt; returns errors that make generation pointless (then reject)."""
        try:
            if self.backend.wants_images and self.ev.frames and self.media is not None:
                self._frames()
            # what a schema-enforcing decoder gets: ids and times narrowed to this evidence
            self.schema = self.task.narrow(ground_schema(self.task.draft_schema(), self.ev), self.ev)
            self.messages = self.task.prompt(self.ev, self.spec)
        except Exception as exc:  # noqa: BLE001 - a task bug is this sample's rejection, not the run's
            log.debug("prompt failed", exc_info=True)
            return [f"prompt: {type(exc).__name__}: {exc}"]
        return []

    def _frames(self) -> None:
        paths = {}
        root = Path(getattr(self.media, "root", "."))
        for t in self.ev.frames:
            try:
                paths[t] = str(root / self.media.keyframe(self.ev.source, t))
            except Exception as exc:  # noqa: BLE001 - a frame that cannot be read: prompt without it
                log.warning("%s: frame at %.2fs unavailable: %s", self.ev.source.path, t, exc)
        self.ev.meta["frame_paths"] = paths

    def step(self, gen: Generation | None, gen_error: str | None = None) -> Result | None:
        """Takes one generation; returns the final result, or None when a repair round follows."""
        self.rounds += 1
        if gen is not None:
            _add_usage(self.usage, gen.usage)
            self.last_draft = gen.draft if isinstance(gen.draft, dict) else self.last_draft
        if self.keep_raw:
            sent = self.messages if self.rounds == 1 else self.messages[-2:]
            self.raw.append({"input": _strip_images(sent), "output": gen.raw if gen else None})
        errors, sample = self._judge(gen, gen_error)
        if not errors and sample is not None:
            return self._accept(sample)
        self.history.append(errors)
        if self.rounds > self.max_repairs or not self.backend.can_repair:
            return self._reject(errors)
        self.messages = self.messages + [{"role": "assistant", "content": gen.raw if gen else ""},
                                         repair_message(errors)]
        return None

    def _judge(self, gen: Generation | None, gen_error: str | None) -> tuple[list[str], Sample | None]:
        if gen is None:
            return [f"backend error: {gen_error}"], None
        if gen.draft is None:
            return [f"unparseable output: {gen.error or 'no JSON object'}"], None
        try:
            sample = self.task.build(gen.draft, self.ev, self.spec, self.media)
        except DraftError as exc:
            return exc.errors or ["draft rejected"], None
        except Exception as exc:  # noqa: BLE001 - bad drafts can break a task in unforeseen ways
            log.debug("build failed", exc_info=True)
            return [f"build: {type(exc).__name__}: {exc}"], None
        try:
            verdict = self.verify(sample, self.anchorset, dataset_dir=getattr(self.media, "root", None),
                                  task=self.task, evidence=self.ev)
        except Exception as exc:  # noqa: BLE001
            log.debug("verify failed", exc_info=True)
            return [f"verify: {type(exc).__name__}: {exc}"], None
        errors = list(verdict.errors)  # verify_sample runs task.check(sample, evidence) too
        if errors or not verdict.ok:
            return errors or ["verification failed"], None
        sample.scores = verdict.scores
        claims = getattr(verdict, "claims", None)
        if claims:  # the card's hallucination rate counts these
            sample.meta["claims"] = {k: claims[k] for k in ("claims", "unsupported", "support") if k in claims}
        if verdict.warnings:
            sample.meta["warnings"] = list(verdict.warnings)
        return [], sample

    def _accept(self, sample: Sample) -> Sample:
        prov = sample.provenance
        prov.update({"backend": self.backend.name, "model": getattr(self.backend, "model", None),
                     "attempts": self.rounds, "usage": self.usage})
        if self.ev.meta.get("focus"):  # how relevant its evidence is to the intent's focus, and why
            prov["focus"] = self.ev.meta["focus"]
        if self.history:
            prov["repaired"] = self.history
        if self.keep_raw:
            prov["raw"] = self.raw
        return sample

    def _reject(self, errors: list[str]) -> Rejection:
        reasons = list(errors)
        if len(self.history) > 1:
            reasons = [f"attempt {i + 1}: {e}" for i, errs in enumerate(self.history) for e in errs]
        return Rejection(source=self.ev.source.id, task=self.task.name, reasons=reasons, draft=self.last_draft,
                         sample_id=self.sid, attempts=self.rounds, usage=self.usage if self.rounds else None,
                         raw=self.raw if self.keep_raw and self.raw else None)


def _strip_images(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Raw prompts keep image references but not megabytes of base64."""
    return map_parts(messages, lambda url, p: ({"type": "image_url", "image_url": {"url": url[:64] + "..."}}
                                               if url.startswith("data:") else p))


def _evidence(task: Task, spec: TaskSpec, anchorset: Anchors, focus: Any = None) -> tuple[list[Evidence], str | None]:
    """The task's evidence, narrowed to the plan's focus (focus.py: the one place relevance is decided);
    with a focus that matches nothing, no evidence and the reason ("no part of this video matches ...")."""
    if focus is None:
        return task.select(anchorset, spec), None
    bundles, match = focus_evidence(task, spec, anchorset, focus)
    if match is not None and not match.matched:
        return [], f"focus: {match.message}"
    return bundles, None


def max_attempts(spec: TaskSpec) -> int | None:
    """`spec.max_attempts`: evidence bundles tried at most per task and run (accepted or not), a
    cost cap for model backends; None = try every bundle until `max_samples` are accepted."""
    cap = spec.max_attempts
    return max(0, int(cap)) if cap is not None else None


def iter_task(task: Task, spec: TaskSpec, anchorset: Anchors, backend: Backend, media: Any, *,
              max_repairs: int = 2, keep_raw: bool = True, skip_ids: Iterable[str] = (),
              max_samples: int | None = None, verify: Callable[..., Any] | None = None,
              evidence: list[Evidence] | None = None, focus: Any = None) -> Iterator[Result]:
    """Yields one Sample or Rejection per evidence bundle (skipping ids already done). `focus` (the
    plan's Focus) narrows the evidence; when it matches nothing, one Rejection says so."""
    for _, result in iter_task_evidence(task, spec, anchorset, backend, media, max_repairs=max_repairs,
                                        keep_raw=keep_raw, skip_ids=skip_ids, max_samples=max_samples,
                                        verify=verify, evidence=evidence, focus=focus):
        yield result


def iter_task_evidence(task: Task, spec: TaskSpec, anchorset: Anchors, backend: Backend, media: Any, *,
                       max_repairs: int = 2, keep_raw: bool = True, skip_ids: Iterable[str] = (),
                       max_samples: int | None = None, verify: Callable[..., Any] | None = None,
                       evidence: list[Evidence] | None = None,
                       focus: Any = None) -> Iterator[tuple[Evidence | None, Result]]:
    """`iter_task` with the evidence bundle each result was made from (None when there is none)."""
    verify = verify or verify_sample
    skip = set(skip_ids)
    try:
        bundles, why = (evidence, None) if evidence is not None else _evidence(task, spec, anchorset, focus)
    except Exception as exc:  # noqa: BLE001
        log.debug("select failed", exc_info=True)
        yield None, Rejection(source=anchorset.source.id, task=task.name,
                              reasons=[f"select: {type(exc).__name__}: {exc}"])
        return
    if why:
        yield None, Rejection(source=anchorset.source.id, task=task.name, reasons=[why])
        return
    accepted = tried = 0
    cap = max_attempts(spec)
    for ev in bundles:
        if max_samples is not None and accepted >= max_samples:
            return
        att = _Attempts(task, spec, anchorset, backend, media, ev, max_repairs, keep_raw, verify)
        if att.sid in skip:
            continue
        if cap is not None and tried >= cap:
            return
        tried += 1
        errs = att.start()
        if errs:
            yield ev, att._reject(errs)
            continue
        result = None
        while result is None:
            t = time.perf_counter()
            try:
                gen, err = backend.generate(att.messages, att.schema, task=task, evidence=ev, spec=spec), None
            except Exception as exc:  # noqa: BLE001 - server down, timeouts, backend bugs
                gen, err = None, f"{type(exc).__name__}: {exc}"
            if gen is not None and not gen.usage.get("latency_s"):
                gen.usage["latency_s"] = round(time.perf_counter() - t, 6)
            result = att.step(gen, err)
        if isinstance(result, Sample):
            accepted += 1
        yield ev, result


def run_task(task: Task, spec: TaskSpec, anchorset: Anchors, backend: Backend, media: Any,
             max_repairs: int = 2, **kwargs: Any) -> list[Result]:
    return list(iter_task(task, spec, anchorset, backend, media, max_repairs=max_repairs, **kwargs))


async def arun_task(task: Task, spec: TaskSpec, anchorset: Anchors, backend: Backend, media: Any, *,
                    max_repairs: int = 2, keep_raw: bool = True, skip_ids: Iterable[str] = (),
                    max_samples: int | None = None, concurrency: int = 4,
                    on_result: Callable[[Result], None] | None = None,
                    verify: Callable[..., Any] | None = None, focus: Any = None) -> list[Result]:
    """Like run_task with up to `concurrency` generations in flight; `on_result` sees each result as it lands.

    With `max_samples`, bundles beyond those already in flight are not started once enough are accepted.
    """
    verify = verify or verify_sample
    skip = set(skip_ids)
    try:
        bundles, why = _evidence(task, spec, anchorset, focus)
    except Exception as exc:  # noqa: BLE001
        bundles, why = [], f"select: {type(exc).__name__}: {exc}"
    if why:
        rej = Rejection(source=anchorset.source.id, task=task.name, reasons=[why])
        if on_result:
            on_result(rej)
        return [rej]
    sem = asyncio.Semaphore(max(1, concurrency))
    results: list[Result] = []
    accepted = 0

    async def one(ev: Evidence) -> None:
        nonlocal accepted
        async with sem:
            if max_samples is not None and accepted >= max_samples:
                return
            att = _Attempts(task, spec, anchorset, backend, media, ev, max_repairs, keep_raw, verify)
            errs = await asyncio.to_thread(att.start)
            result: Result | None = att._reject(errs) if errs else None
            while result is None:
                try:
                    gen, err = await backend.agenerate(att.messages, att.schema, task=task, evidence=ev, spec=spec), None
                except Exception as exc:  # noqa: BLE001
                    gen, err = None, f"{type(exc).__name__}: {exc}"
                result = await asyncio.to_thread(att.step, gen, err)
            if isinstance(result, Sample):
                if max_samples is not None and accepted >= max_samples:
                    return  # others in flight filled the cap first: keep the cap exact
                accepted += 1
            results.append(result)
            if on_result:
                on_result(result)

    todo = [ev for ev in bundles if sample_id_for(task, ev) not in skip]
    cap = max_attempts(spec)
    todo = todo[:cap] if cap is not None else todo
    await asyncio.gather(*(one(ev) for ev in todo))
    return results
