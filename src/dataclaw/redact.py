"""Secrets out of everything dataclaw writes or prints: one place that knows what a secret looks like.

Used on manifest.json, the dataset card, rejected.jsonl / raw.jsonl / progress files, backend errors,
log records and CLI messages. It masks: the user:password part of URLs (`http://u:pw@host`), API keys
of the `sk-...` shape (OpenAI, Anthropic, ...) and `Bearer` tokens, and the value of `api_key=`,
`token=`, `password=`-like query parameters or options. An env variable's *name* (`api_key_env`) stays.
"""
from __future__ import annotations

import re
from typing import Any

MASK = "***"

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@'\"<>]+@")
_KEYLIKE = re.compile(r"\b(sk|pk|rk)-[A-Za-z0-9_\-]{6,}")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/\-]{6,}=*")
_ASSIGN = re.compile(r"(?i)\b(api[_-]?key|apikey|access[_-]?token|auth[_-]?token|token|password|passwd|secret|"
                     r"client[_-]?secret)(\s*=\s*)(?!\*\*\*)([^\s&,;'\"}]+)")
_SECRET_KEYS = re.compile(r"(?i)^(api[_-]?key|apikey|access[_-]?token|auth[_-]?token|token|password|passwd|secret|"
                          r"client[_-]?secret|authorization)$")


def redact_text(text: str) -> str:
    """`text` with URL credentials, key-like strings and `api_key=` values masked."""
    if not text:
        return text
    text = _USERINFO.sub(lambda m: m.group(1) + MASK + "@", text)
    text = _KEYLIKE.sub(lambda m: m.group(1) + "-" + MASK, text)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    return _ASSIGN.sub(lambda m: m.group(1) + m.group(2) + MASK, text)


def redact(value: Any) -> Any:
    """A copy of a JSON-like value (dicts, lists, strings) with every secret masked; a value under a
    secret-named key (`api_key`, `password`, ...) is masked whole."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: (MASK if isinstance(k, str) and _SECRET_KEYS.match(k) and isinstance(v, str) and v
                    else redact(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value
