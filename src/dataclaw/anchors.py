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
    """
    src = source if isinstance(source, Source) else load_source(source)
    if experts is None and src.kind == "video":
        first = run_experts(src, default_experts(src.kind), params, use_cache, progress)
        seen_text = {str(a.data.get("text", "")).strip() for a in first.of_kind("ocr_text")}
        if first.of_kind("transcript") or sum(len(t) for t in seen_text) >= MIN_TEXT_CHARS or not first.anchors:
            return first
        extra = [n for n in VISUAL_FALLBACK if n not in first.by_expert]
        res = run_experts(src, default_experts(src.kind) + extra, params, use_cache, progress)
        res.warnings.append(f"{src.path}: nothing to read or hear: visual experts added ({', '.join(extra)})")
        return res
    names = experts if experts is not None else default_experts(src.kind)
    for n in names:
        cls = get_expert(n)
        if src.kind not in cls.kinds:
            raise ConfigError(f"expert {n!r} reads {', '.join(cls.kinds)} sources, not {src.kind!r}")
    order = resolve_order(list(names))
    params = params or {}
    result = AnchorSet(source=src)
    croot = cache_root() / src.id
    stream = None
    ctx = ExpertContext(src, result.by_expert, cache_dir=str(croot))
    try:
        for n in order:
            cls = get_expert(n)
            expert = cls(params.get(n))
            pdict = expert.params.model_dump()
            cfile = croot / f"{n}-{_params_key(n, cls.version, pdict)}.json"
            missing = [d for d in cls.requires if d in result.errors]
            if missing:
                result.errors[n] = f"skipped: required expert(s) failed: {', '.join(missing)}"
                continue
            if progress:
                progress(n)
            if use_cache and cfile.exists():
                try:
                    payload = json.loads(cfile.read_text())
                    result.by_expert[n] = [Anchor(**a) for a in payload["anchors"]]
                    result.timings[n] = 0.0
                    result.cached[n] = True
                    continue
                except Exception:  # noqa: BLE001 - corrupt cache entry: recompute
                    log.warning("ignoring unreadable cache file %s", cfile)
            if stream is None:
                stream = open_stream(src)
                result.meta = stream.meta.as_dict() if hasattr(stream.meta, "as_dict") else dict(stream.meta)
            t = time.perf_counter()
            try:
                expert.setup()
                anchors = expert.run(stream, ctx)
            except SourceError as exc:
                result.errors[n] = str(exc)
                continue
            except DataclawError as exc:
                result.errors[n] = str(exc)
                continue
            result.timings[n] = time.perf_counter() - t
            anchors = sorted(anchors, key=lambda a: (a.t0, a.t1, a.kind))
            result.by_expert[n] = anchors
            result.cached[n] = False
            if use_cache:
                croot.mkdir(parents=True, exist_ok=True)
                tmp = cfile.with_suffix(".tmp")
                tmp.write_text(json.dumps({"expert": n, "version": cls.version, "params": pdict,
                                           "anchors": [a.model_dump() for a in anchors]}))
                os.replace(tmp, cfile)
    finally:
        if stream is not None:
            stream.close()
    if not result.meta:
        result.meta = _cached_meta(src)
    else:
        _store_meta(src, result.meta)
    result.warnings = ctx.warnings
    seen: set[str] = set()
    for n in order:
        if n in names or n in result.by_expert:
            for a in result.by_expert.get(n, []):
                if a.id not in seen:
                    seen.add(a.id)
                    result.anchors.append(a)
    result.anchors.sort(key=lambda a: (a.t0, a.t1, a.kind))
    return result


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
