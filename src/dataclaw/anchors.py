"""Run experts on a source in dependency order, with a content-addressed cache.

Cache key = (source content hash, expert name, expert version, parameters). A second run with the
same key reads JSON and does not decode the source again.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Callable

from .errors import ConfigError, DataclawError, SourceError
from .experts import ExpertContext, default_experts, get_expert
from .model import Anchor, AnchorSet, Source
from .models_local import cache_home
from .sources import load_source, open_stream

log = logging.getLogger(__name__)


def cache_root() -> Path:
    return cache_home() / "anchors"


def _params_key(name: str, version: str, params: dict[str, Any]) -> str:
    blob = json.dumps([name, version, params], sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


def resolve_order(names: list[str]) -> list[str]:
    """Adds required experts and sorts so each runs after what it needs."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(n: str) -> None:
        if n in order:
            return
        if n in visiting:
            raise ConfigError(f"expert dependency cycle at {n!r}")
        visiting.add(n)
        for dep in get_expert(n).requires:
            visit(dep)
        visiting.discard(n)
        order.append(n)

    for n in names:
        visit(n)
    return order


# Run by default only on video with no on-screen text and no speech (the footage they are for): together
# they cost about 5x pure decoding (docs/benchmarks.md), too much to add to every video.
VISUAL_FALLBACK = ["hands", "camera", "people", "scene", "subjects"]
MIN_TEXT_CHARS = 6  # fewer distinct on-screen characters than this (a logo, a stray glyph) is nothing to read


def run_experts(
    source: Source | str | Path,
    experts: list[str] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
    use_cache: bool = True,
    progress: Callable[[str], None] | None = None,
) -> AnchorSet:
    """Runs the named experts (default set for the source kind when None) on one source.

    With the default set, a video in which the experts found no speech and almost no on-screen text
    (under MIN_TEXT_CHARS distinct characters) also
    gets the visual experts (VISUAL_FALLBACK: hands, camera, people, scene, subjects), so footage with nothing
    to read or hear still says what is seen.
    An expert that fails is recorded in `errors` (with its dependants) and the others go on;
    a source that cannot be opened raises SourceError. `progress` is told each expert's name as it starts.
    The video is decoded once for all of them (see `_SourcePass`).
    """
    src = source if isinstance(source, Source) else load_source(source)
    names = list(experts) if experts is not None else default_experts(src.kind)
    for n in names:
        cls = get_expert(n)
        if src.kind not in cls.kinds:
            raise ConfigError(f"expert {n!r} reads {', '.join(cls.kinds)} sources, not {src.kind!r}")
    one = _SourcePass(src, params or {}, use_cache, progress)
    try:
        if experts is not None or src.kind != "video":
            return one.run(names)
        fallback = [n for n in VISUAL_FALLBACK if n not in names]
        first = one.run(names, maybe=fallback)
        seen_text = {str(a.data.get("text", "")).strip() for a in first.of_kind("ocr_text")}
        if first.of_kind("transcript") or sum(len(t) for t in seen_text) >= MIN_TEXT_CHARS or not first.anchors:
            return first
        extra = [n for n in fallback if n not in first.by_expert]
        res = one.run(names + extra)
        res.warnings.append(f"{src.path}: nothing to read or hear: visual experts added ({', '.join(extra)})")
        return res
    finally:
        one.close()


class _SourcePass:
    """One source's experts over one open stream and one ExpertContext, in one or more rounds.

    The shared decode: before the first expert that looks at frames runs, every expert about to run
    (and, in the default set's first round, the visual fallback experts that may follow) says which
    sampled frames it reads (`Expert.sampling`); the anchor pass (`features`) keeps those as it
    decodes every frame, so the visual experts decode nothing themselves. Audio-only experts
    (speech) run first: a video with speech never gets the fallback, so it holds no sampled frames
    for it. A later round reuses what earlier rounds computed (anchors, errors, the memo).
    """

    def __init__(self, src: Source, params: dict[str, dict[str, Any]], use_cache: bool,
                 progress: Callable[[str], None] | None) -> None:
        self.src, self.params, self.use_cache, self.progress = src, params, use_cache, progress
        self.croot = cache_root() / src.id
        self.stream = None
        self.meta: dict[str, Any] = {}
        self.by_expert: dict[str, list[Anchor]] = {}
        self.done: dict[str, tuple[float, bool]] = {}  # name -> (seconds, read from the cache)
        self.errors: dict[str, str] = {}
        self.ctx = ExpertContext(src, self.by_expert, cache_dir=str(self.croot))

    def _open(self):
        if self.stream is None:
            self.stream = open_stream(self.src)
            self.meta = self.stream.meta.as_dict() if hasattr(self.stream.meta, "as_dict") else dict(self.stream.meta)
        return self.stream

    def _cfile(self, expert: Any) -> Path:
        n = expert.name
        return self.croot / f"{n}-{_params_key(n, type(expert).version, expert.params.model_dump())}.json"

    def _to_run(self, expert: Any) -> bool:
        return expert.name not in self.done and expert.name not in self.errors and not (
            self.use_cache and self._cfile(expert).exists())

    def _plan_frames(self, experts: list[Any]) -> None:
        wanted = [sp for e in experts if self._to_run(e) and (sp := e.sampling()) is not None]
        if wanted:
            from .experts.visual import want_frames  # noqa: PLC0415 - (only video experts sample)

            stream = self._open()
            for sp in wanted:
                want_frames(stream, self.ctx, sp)

    def run(self, names: list[str], maybe: list[str] = ()) -> AnchorSet:
        base_order = resolve_order(list(names))
        experts = {n: get_expert(n)(self.params.get(n)) for n in base_order}
        # Audio-only experts without dependencies first, then the rest; experts reading the sampled
        # frames after the others (so the anchor pass, which keeps those frames, has run).
        audio = [n for n in base_order if experts[n].reads == "audio" and not experts[n].requires]
        rest = [n for n in base_order if n not in audio]
        sampled = [n for n in rest if experts[n].sampling() is not None]
        if any(set(experts[n].requires) & set(sampled) for n in rest if n not in sampled):
            sampled = []  # (something reads a sampling expert's anchors: keep the dependency order)
        order = audio + [n for n in rest if n not in sampled] + sampled
        planned = False
        result = AnchorSet(source=self.src)
        for n in order:
            expert = experts[n]
            if not planned and expert.reads != "audio":
                later = [] if any(a.kind == "transcript" for a in self.by_expert.get("speech", [])) else [
                    get_expert(m)(self.params.get(m)) for m in maybe]
                self._plan_frames(list(experts.values()) + later)
                planned = True
            if n in self.errors:
                result.errors[n] = self.errors[n]
                continue
            missing = [d for d in expert.requires if d in self.errors]
            if missing:
                self.errors[n] = result.errors[n] = f"skipped: required expert(s) failed: {', '.join(missing)}"
                continue
            if self.progress:
                self.progress(n)
            if n in self.done:
                continue
            cfile = self._cfile(expert)
            if self.use_cache and cfile.exists():
                try:
                    payload = json.loads(cfile.read_text())
                    self.by_expert[n] = [Anchor(**a) for a in payload["anchors"]]
                    for msg in payload.get("warnings", []):  # what the expert noted when it ran
                        self.ctx.warn(msg)
                    self.done[n] = (0.0, True)
                    continue
                except Exception:  # noqa: BLE001 - corrupt cache entry: recompute
                    log.warning("ignoring unreadable cache file %s", cfile)
            stream = self._open()
            t = time.perf_counter()
            before = len(self.ctx.noted)
            try:
                expert.setup()
                anchors = expert.run(stream, self.ctx)
            except (SourceError, DataclawError) as exc:
                self.errors[n] = result.errors[n] = str(exc)
                continue
            self.done[n] = (time.perf_counter() - t, False)
            anchors = sorted(anchors, key=lambda a: (a.t0, a.t1, a.kind))
            self.by_expert[n] = anchors
            if self.use_cache:
                self.croot.mkdir(parents=True, exist_ok=True)
                tmp = cfile.with_suffix(".tmp")
                tmp.write_text(json.dumps({"expert": n, "version": type(expert).version,
                                           "params": expert.params.model_dump(),
                                           "anchors": [a.model_dump() for a in anchors],
                                           "warnings": list(dict.fromkeys(self.ctx.noted[before:]))}))
                os.replace(tmp, cfile)
        for n in base_order:  # (reported in dependency order, as the experts were named)
            if n in self.done and n in self.by_expert:
                result.by_expert[n] = self.by_expert[n]
                result.timings[n], result.cached[n] = self.done[n]
        if self.meta:
            _store_meta(self.src, self.meta)
            result.meta = dict(self.meta)
        else:
            result.meta = _cached_meta(self.src)
        result.warnings = list(self.ctx.warnings)
        seen: set[str] = set()
        for n in base_order:
            for a in result.by_expert.get(n, []):
                if a.id not in seen:
                    seen.add(a.id)
                    result.anchors.append(a)
        result.anchors.sort(key=lambda a: (a.t0, a.t1, a.kind))
        return result

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None


def _store_meta(src: Source, meta: dict[str, Any]) -> None:
    d = cache_root() / src.id
    d.mkdir(parents=True, exist_ok=True)
    (d / "meta.json").write_text(json.dumps(meta, default=str))


def _cached_meta(src: Source) -> dict[str, Any]:
    f = cache_root() / src.id / "meta.json"
    if f.exists():
        return json.loads(f.read_text())
    with open_stream(src) as stream:
        meta = stream.meta.as_dict()
    _store_meta(src, meta)
    return meta


def extract_anchors(path: str | Path, experts: list[str] | None = None,
                    params: dict[str, dict[str, Any]] | None = None, use_cache: bool = True) -> list[Anchor]:
    """Public API: anchors of one source, sorted by time. None = the default experts for its kind."""
    return run_experts(path, experts, params, use_cache).anchors
