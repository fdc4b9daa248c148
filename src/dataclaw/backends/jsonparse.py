"""The first JSON object in a model's text: bare, fenced, wrapped in prose, with trailing garbage.

Models answer `{...}` followed by chatter, or inside a ```json fence, or after "Here is the JSON:".
We scan for each `{` and let the JSON decoder read exactly one value from there (`raw_decode`), so
whatever follows the object is ignored. A truncated object (the model hit its token limit) is an
error that says so, never a silently repaired guess.
"""
from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"```[a-zA-Z]*\s*\n?(.*?)(?:```|$)", re.S)
_decoder = json.JSONDecoder()


def _objects_in(text: str) -> tuple[dict | None, str | None]:
    """Tries each top-level `{` in turn; the first one that decodes to a dict wins.

    A `{` that does not decode is skipped with everything up to its matching `}` (so a fragment
    nested inside a broken or truncated object is never taken for the answer).
    """
    err: str | None = None
    pos = text.find("{")
    while pos >= 0:
        try:
            obj, end = _decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            close = _closing(text, pos)
            if close is None:
                return None, "truncated JSON: the object is not closed (output cut off?)"
            if err is None:
                err = f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            end = close
        else:
            if isinstance(obj, dict):
                return obj, None
        pos = text.find("{", end)
    return None, err


def _closing(s: str, start: int) -> int | None:
    """Index just past the bracket that closes the one at `start` (outside strings), or None."""
    depth, in_str, esc = 0, False, False
    for i in range(start, len(s)):
        ch = s[i]
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def extract_json(text: Any) -> tuple[dict | None, str | None]:
    """(object, None) for the first JSON object in `text`, else (None, why not)."""
    if not isinstance(text, str) or not text.strip():
        return None, "empty output"
    # fenced blocks first: prose before the fence often contains stray braces
    for block in _FENCE.findall(text):
        obj, err = _objects_in(block)
        if obj is not None:
            return obj, None
    obj, err = _objects_in(text)
    if obj is not None:
        return obj, None
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            val = json.loads(stripped)
            return None, f"expected a JSON object, got {type(val).__name__}"
        except json.JSONDecodeError:
            pass
    return None, err or "no JSON object found in the output"
