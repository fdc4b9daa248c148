"""Synthesis backends behind one interface: `generate(messages, schema) -> Generation`."""
from __future__ import annotations

from .base import BACKENDS, Backend, Generation, get_backend, parse_json_object, register_backend

__all__ = ["BACKENDS", "Backend", "Generation", "get_backend", "parse_json_object", "register_backend"]
