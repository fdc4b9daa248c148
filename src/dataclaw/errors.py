"""Errors that name the file, the step and what is wrong."""
from __future__ import annotations


class DataclawError(Exception):
    """Base class for every error dataclaw raises on purpose."""


class SourceError(DataclawError):
    """A source cannot be read (or part of it cannot): names the file and what is wrong."""

    def __init__(self, path: str, reason: str, step: str = "open", hint: str = "") -> None:
        self.path = str(path)
        self.reason = reason
        self.step = step
        self.hint = hint
        msg = f"{self.path}: {step}: {reason}"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


class ExpertError(DataclawError):
    def __init__(self, expert: str, path: str, reason: str) -> None:
        self.expert, self.path, self.reason = expert, str(path), reason
        super().__init__(f"{path}: expert {expert!r}: {reason}")


class ConfigError(DataclawError):
    """Bad user input to an API or CLI call (unknown expert, bad parameter, ...)."""
