"""The expert contract: a named, versioned, typed-parameter function Stream -> list[Anchor].

An expert declares the source kinds it reads, the experts whose anchors it needs (`requires`),
and a pydantic `Params` model. Models load lazily in `setup()`, once per process.
"""
from __future__ import annotations

from typing import Any, Callable, ClassVar

from pydantic import BaseModel, ConfigDict

from ..errors import ConfigError
from ..model import Anchor, Source


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExpertContext:
    """What an expert sees besides its stream: the source, earlier experts' anchors, a shared memo.

    `memo(key, fn)` computes a value once per source per run (e.g. per-frame features that several
    experts share, so the video is decoded once).
    """

    def __init__(self, source: Source, anchors: dict[str, list[Anchor]] | None = None,
                 cache_dir: str | None = None) -> None:
        self.source = source
        self._anchors = anchors if anchors is not None else {}
        self._memo: dict[str, Any] = {}
        self.cache_dir = cache_dir
        self.warnings: list[str] = []
        self.noted: list[str] = []  # every warn() in order, repeats too: what each expert said (anchors.py caches it)

    def anchors(self, expert: str) -> list[Anchor]:
        if expert not in self._anchors:
            raise KeyError(f"anchors of expert {expert!r} were not computed before this expert")
        return self._anchors[expert]

    def memo(self, key: str, fn: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = fn()
        return self._memo[key]

    def warn(self, msg: str) -> None:
        self.noted.append(msg)
        if msg not in self.warnings:  # (a note on the shared sampled frames comes from each expert that reads them)
            self.warnings.append(msg)


class Expert:
    name: ClassVar[str]
    kinds: ClassVar[tuple[str, ...]] = ("video",)
    requires: ClassVar[tuple[str, ...]] = ()
    version: ClassVar[str] = "1"
    default: ClassVar[bool] = True  # part of the default set for its kinds
    description: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]] = NoParams
    reads: ClassVar[str] = "frames"  # "audio": looks at no frame (runs before the decoding pass)

    def __init__(self, params: BaseModel | dict | None = None) -> None:
        if params is None:
            params = {}
        if isinstance(params, dict):
            try:
                params = self.Params(**params)
            except Exception as exc:  # pydantic ValidationError
                raise ConfigError(f"bad parameters for expert {self.name!r}: {exc}") from exc
        self.params = params

    def setup(self) -> None:
        """Load models. Called once before the first run; override in model-backed experts."""

    def sampling(self) -> Any:
        """The sampled frames this expert reads (`experts.visual.SamplingParams`), or None. Asked
        before the source's first decoding pass, which then keeps them: one decode per source."""
        return None

    def run(self, stream: Any, ctx: ExpertContext) -> list[Anchor]:  # pragma: no cover - abstract
        raise NotImplementedError

    def anchor(self, ctx: ExpertContext, kind: str, t0: float, t1: float, data: dict | None = None,
               confidence: float = 1.0) -> Anchor:
        """Helper: an Anchor stamped with this expert's name and the context's source."""
        return Anchor(source=ctx.source.id, kind=kind, t0=float(t0), t1=float(t1), data=data or {},
                      expert=self.name, confidence=float(confidence))


EXPERTS: dict[str, type[Expert]] = {}


def register_expert(cls: type[Expert]) -> type[Expert]:
    """Class decorator: make an expert available by its `name`."""
    if not getattr(cls, "name", None):
        raise TypeError(f"{cls.__name__} needs a `name`")
    EXPERTS[cls.name] = cls
    return cls
