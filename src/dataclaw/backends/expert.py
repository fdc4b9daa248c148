"""Omni and Expert checkpoints.

Omni: one model folder for every domain (served as is by `--backend hf --model DIR`).
Expert: a folder with `router.json` ({"kind": "expert", "experts": {domain: subfolder}, "default": domain})
and one model folder per domain. `ExpertBackend` routes each request by the plan's domain (the TaskSpec
the agent passes to `generate`) to that domain's model, loading each one on first use; a domain without
an expert goes to the default one. `hf_backend` (what `--backend hf` makes) picks this class for an
Expert folder; `dataclaw train --mode expert` writes one with `write_router`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .base import Backend, Generation
from .hf import HFBackend


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


def load_router(root: str | Path) -> Router:
    root = Path(root)
    try:
        d = json.loads((root / "router.json").read_text())
        experts = {str(k): str(v) for k, v in d["experts"].items()}
        default = str(d.get("default") or next(iter(experts)))
    except (OSError, ValueError, KeyError, StopIteration) as exc:
        raise ConfigError(f"{root / 'router.json'}: not a valid Expert router ({exc})") from exc
    missing = [dm for dm, sub in experts.items() if not (root / sub / "config.json").is_file()]
    if missing:
        raise ConfigError(f"{root}: experts without a model folder: {', '.join(missing)}")
    return Router(root, experts, default if default in experts else next(iter(experts)))


class ExpertBackend(Backend):
    """One `HFBackend` per domain, chosen per request by `spec.domain`."""

    name = "hf"

    def __init__(self, model: str | Path, **options: Any) -> None:
        self.router = load_router(model)
        self.model = str(model)
        self.options = options
        self._backends: dict[str, Backend] = {}
        self.routed: dict[str, int] = {}  # requests per expert (for reports and tests)

    def backend_for(self, domain: str | None) -> Backend:
        key = self.router.domain_for(domain)
        if key not in self._backends:
            self._backends[key] = HFBackend(self.router.path_for(key), **self.options)
        return self._backends[key]

    @property
    def can_repair(self) -> bool:  # type: ignore[override]
        return True

    @property
    def wants_images(self) -> bool:  # type: ignore[override]
        return self.backend_for(None).wants_images

    def generate(self, messages: list[dict], schema: dict, *, task: Any = None, evidence: Any = None,
                 spec: Any = None) -> Generation:
        domain = getattr(spec, "domain", None)
        key = self.router.domain_for(domain)
        self.routed[key] = self.routed.get(key, 0) + 1
        gen = self.backend_for(domain).generate(messages, schema, task=task, evidence=evidence, spec=spec)
        gen.usage["expert"] = key
        return gen

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "model": self.model, "experts": self.router.experts, "default": self.router.default}


def hf_backend(model: str | Path | None = None, **options: Any) -> Backend:
    """The `hf` backend: an Expert set (a folder with router.json) is served by its router, any other
    model folder or name by one `HFBackend`."""
    if model is not None and (Path(str(model)).expanduser() / "router.json").is_file():
        return ExpertBackend(model, **options)
    return HFBackend(model, **options)
