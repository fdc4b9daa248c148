"""The backend contract: chat messages + a JSON Schema -> a draft (parsed JSON) with usage.

Every backend returns the same `Generation`, so the agent loop treats the deterministic rules
backend and a real model the same way. Model backends live in their own modules and are imported
only when asked for by name (they pull in HTTP clients or transformers).
"""
from __future__ import annotations

import asyncio
import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import ConfigError
from .jsonparse import extract_json as parse_json_object  # noqa: F401 - the one JSON extractor, re-exported


@dataclass
class Generation:
    draft: dict | None  # parsed JSON object, or None when the output could not be parsed
    raw: str  # raw model text (rules: json.dumps(draft))
    usage: dict = field(default_factory=dict)  # prompt_tokens, completion_tokens, requests, latency_s
    error: str | None = None


def empty_usage() -> dict[str, Any]:
    return {"prompt_tokens": 0, "completion_tokens": 0, "requests": 0, "latency_s": 0.0}


class Backend:
    name: str = "base"
    model: str | None = None
    can_repair: bool = True  # deterministic backends would repeat themselves: no repair rounds
    wants_images: bool = True  # whether the agent should materialise evidence frames for prompts

    def generate(self, messages: list[dict], schema: dict, *, task: Any = None, evidence: Any = None,
                 spec: Any = None) -> Generation:  # pragma: no cover - abstract
        raise NotImplementedError

    async def agenerate(self, messages: list[dict], schema: dict, *, task: Any = None, evidence: Any = None,
                        spec: Any = None) -> Generation:
        return await asyncio.to_thread(self.generate, messages, schema, task=task, evidence=evidence, spec=spec)

    def info(self) -> dict[str, Any]:
        """What goes into the manifest (never secrets)."""
        return {"name": self.name, "model": self.model}

    def close(self) -> None:
        pass


# name -> "module:factory" (a Backend class or a function that returns one; modules imported lazily by name)
BACKENDS: dict[str, str] = {
    "rules": "dataclaw.backends.rules:RulesBackend",
    "openai": "dataclaw.backends.openai:OpenAIBackend",
    "hf": "dataclaw.backends.expert:hf_backend",  # one model folder, or an Expert set of them
    "llamacpp": "dataclaw.backends.llamacpp:llamacpp_backend",  # one GGUF, or an Expert set of them
}


def register_backend(name: str, target: str) -> None:
    BACKENDS[name] = target


def get_backend(name: str | Backend, **options: Any) -> Backend:
    if isinstance(name, Backend):
        return name
    if name not in BACKENDS:
        raise ConfigError(f"unknown backend {name!r}; known: {', '.join(sorted(BACKENDS))}")
    mod, cls = BACKENDS[name].split(":")
    try:
        module = importlib.import_module(mod)
    except ModuleNotFoundError as exc:
        raise ConfigError(f"backend {name!r} is not available in this build ({exc})") from exc
    return getattr(module, cls)(**options)


def image_url_of(part: dict[str, Any]) -> str:
    """The URL (or path) of an OpenAI `image_url` content part, in either of its two shapes."""
    ref = part.get("image_url")
    return str(ref["url"] if isinstance(ref, dict) else ref)


def map_parts(messages: list[dict[str, Any]], image: Callable[[str, dict[str, Any]], Any],
              text: Callable[[dict[str, Any]], Any] | None = None,
              plain: Callable[[Any], Any] | None = None) -> list[dict[str, Any]]:
    """The one walk over chat content parts: each message with `image(url, part)` in place of its
    image_url parts and `text(part)` of the others (kept when None); a plain string content goes
    through `plain` (kept when None). The messages given are not changed."""
    out = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, list):
            content = [image(image_url_of(p), p) if p.get("type") == "image_url" else (text(p) if text else p)
                       for p in content]
        elif plain is not None:
            content = plain(content)
        out.append({**m, "content": content})
    return out


def flatten_messages(messages: list[dict[str, Any]]) -> tuple[list[dict[str, str]], list[str]]:
    """Content parts -> one string per message; image parts are returned as paths/URLs separately."""
    images: list[str] = []

    def image(url: str, part: dict[str, Any]) -> str:
        images.append(url if not url.startswith("data:") else "[inline image]")
        return "[image]"

    mapped = map_parts(messages, image, text=lambda p: p.get("text", "") if p.get("type") == "text" else None)
    out = [{"role": str(m.get("role", "user")),
            "content": "\n".join(b for b in m["content"] if b is not None) if isinstance(m["content"], list)
            else str(m["content"] or "")} for m in mapped]
    return out, images
