"""Omni and Expert checkpoints.

Omni: one model folder for every domain (served as is by `--backend hf --model DIR`).
Expert: a folder with `router.json` ({"kind": "expert", "experts": {domain: subfolder}, "default": domain})
and one model folder per domain. `ExpertBackend` routes each request by the plan's domain (the TaskSpec
the agent passes to `generate`) to that domain's model, loading each one on first use; a domain without
an expert goes to the default one. `hf_backend` (what `--backend hf` makes) picks this class for an
Expert folder, with one `HFBackend` per domain; `backends.llamacpp.llamacpp_backend` (`--backend llamacpp`)
does the same with one llama.cpp server per domain (a subfolder holding a GGUF, or a checkpoint folder that
is converted to one). `dataclaw train --mode expert` writes such a folder with `write_router`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..errors import ConfigError
from .base import Backend, Generation


@dataclass
class Router:
    root: Path
    experts: dict[str, str]
    default: str

    def domain_for(self, domain: str | None) -> str:
        return domain if domain in self.experts else self.default

    def path_for(self, domain: str | None) -> Path:
        return self.root / self.experts[self.domain_for(domain)]


def write_router(root: str | Path, experts: dict[str, str], default: str) -> Path:
    root = Path(root)
    if default not in experts:
        raise ConfigError(f"default expert {default!r} is not one of {sorted(experts)}")
    path = root / "router.json"
    path.write_text(json.dumps({"kind": "expert", "experts": experts, "default": default}, indent=1) + "\n")
    return path


def _has_hf_model(path: Path) -> bool:
    return (path / "config.json").is_file()


def load_router(root: str | Path, has_model: Callable[[Path], bool] = _has_hf_model,
                what: str = "a model folder") -> Router:
    """The router of an Expert set; `has_model` says whether an expert's path holds what the backend
    loads (a transformers folder for `hf`; a GGUF or a folder to convert for `llamacpp`)."""
    root = Path(root)
    try:
        d = json.loads((root / "router.json").read_text())
        experts = {str(k): str(v) for k, v in d["experts"].items()}
        default = str(d.get("default") or next(iter(experts)))
    except (OSError, ValueError, KeyError, StopIteration) as exc:
        raise ConfigError(f"{root / 'router.json'}: not a valid Expert router ({exc})") from exc
    missing = [dm for dm, sub in experts.items() if not has_model(root / sub)]
    if missing:
        raise ConfigError(f"{root}: experts without {what}: {', '.join(missing)}")
    return Router(root, experts, default if default in experts else next(iter(experts)))


def _hf(path: Path, **options: Any) -> Backend:
    from .hf import HFBackend  # noqa: PLC0415

    return HFBackend(path, **options)


class ExpertBackend(Backend):
    """One backend per domain (`make(path, **options)`; `HFBackend` by default), chosen per request by
    `spec.domain`, each made on first use."""

    def __init__(self, model: str | Path, *, make: Callable[..., Backend] = _hf, name: str = "hf",
                 router: Router | None = None, **options: Any) -> None:
        self.router = router or load_router(model)
        self.model, self.name = str(model), name
        self.make = make
        self.options = options
        self._backends: dict[str, Backend] = {}
        self.routed: dict[str, int] = {}  # requests per expert (for reports and tests)

    def backend_for(self, domain: str | None) -> Backend:
        key = self.router.domain_for(domain)
        if key not in self._backends:
            self._backends[key] = self.make(self.router.path_for(key), **self.options)
        return self._backends[key]

    @property
    def can_repair(self) -> bool:  # type: ignore[override]
        return True

    @property
    def wants_images(self) -> bool:  # type: ignore[override]
        return self.backend_for(None).wants_images

    def generate(self, messages: list[dict], schema: dict, *, task: Any = None, evidence: Any = None,
                 spec: Any = None) -> Generation:
        key, backend = self._route(spec)
        gen = backend.generate(messages, schema, task=task, evidence=evidence, spec=spec)
        gen.usage["expert"] = key
        return gen

    def _route(self, spec: Any) -> tuple[str, Backend]:
        """The expert a request goes to (by its spec's domain), counted in `routed`."""
        domain = getattr(spec, "domain", None)
        key = self.router.domain_for(domain)
        self.routed[key] = self.routed.get(key, 0) + 1
        return key, self.backend_for(domain)

    async def agenerate(self, messages: list[dict], schema: dict, *, task: Any = None, evidence: Any = None,
                        spec: Any = None) -> Generation:
        # the expert's own agenerate (llama.cpp bounds the requests in flight per server)
        key, backend = self._route(spec)
        gen = await backend.agenerate(messages, schema, task=task, evidence=evidence, spec=spec)
        gen.usage["expert"] = key
        return gen

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "model": self.model, "experts": self.router.experts, "default": self.router.default}

    def close(self) -> None:
        for be in self._backends.values():
            be.close()
        self._backends.clear()


def hf_backend(model: str | Path | None = None, **options: Any) -> Backend:
    """The `hf` backend: an Expert set (a folder with router.json) is served by its router, any other
    model folder or name by one `HFBackend`."""
    if model is not None and (Path(str(model)).expanduser() / "router.json").is_file():
        return ExpertBackend(model, **options)
    return _hf(model, **options)
