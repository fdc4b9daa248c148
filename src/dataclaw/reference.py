"""The parameter reference: every expert's and task's typed parameters with type, default, bounds and
meaning, read from the code itself (the pydantic `Params` classes), so the CLI (`dataclaw experts`,
`dataclaw tasks`) and docs/parameters.md never drift from what a run accepts.

A field's meaning is its `Field(description=...)`, else the comment written after it in the class
(`max_steps: int = 30  # steps per sample`, continued on comment-only lines below it).
`python -m dataclaw.reference > docs/parameters.md` regenerates the document."""
from __future__ import annotations

import inspect
import io
import json
import textwrap
import tokenize
from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True)
class ParamDoc:
    name: str
    type: str
    default: str
    bounds: str
    description: str


_BOUNDS = (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"))

# Names many Params classes share mean the same everywhere; said once here rather than in every class.
COMMON = {
    "threads": "CPU threads of the model runtime",
    "max_samples": "most samples made per source",
    "max_frames": "most frames shown in one sample's query",
    "clip": "also write the clip the sample is about",
    "frames": "also write the frames the sample is about",
    "stride": "s between sample start times",
    "types": "the kinds of question made (any subset, in this order)",
    "variants": "the kinds of sample made (any subset)",
    "horizons": "s ahead predicted (one sample per horizon and start time)",
}


def field_comments(cls: type) -> dict[str, str]:
    """Field name -> the comments on its lines and on the comment-only lines right below it."""
    try:
        src = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):  # built in a REPL or a generated class: no source to read
        return {}
    toks = list(tokenize.generate_tokens(io.StringIO(src).readline))
    comment: dict[int, str] = {}
    starts: dict[int, str | None] = {}  # row of a class-body statement -> the field it declares (None: not a field)
    for i, tok in enumerate(toks):
        if tok.type == tokenize.COMMENT:
            comment[tok.start[0]] = tok.string.lstrip("#").strip()
        elif tok.start[1] == 4 and tok.type in (tokenize.NAME, tokenize.STRING, tokenize.OP):
            is_field = tok.type == tokenize.NAME and i + 1 < len(toks) and toks[i + 1].string == ":"
            starts.setdefault(tok.start[0], tok.string if is_field else None)
    out: dict[str, str] = {}
    current: str | None = None
    for row in range(1, len(src.splitlines()) + 1):
        if row in starts:
            current = starts[row]
        if current is not None and row in comment:
            out[current] = f"{out.get(current, '')} {comment[row]}".strip()
    return out


def describe(params: type[BaseModel]) -> list[ParamDoc]:
    """One ParamDoc per field of a Params class, in declaration order."""
    comments: dict[str, str] = {}
    for klass in reversed(params.__mro__):  # a subclass's comment wins over its base's
        if isinstance(klass, type) and issubclass(klass, BaseModel) and klass is not BaseModel:
            comments.update(field_comments(klass))
    rows = []
    for name, f in params.model_fields.items():
        if isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel):
            for sub in describe(f.annotation):  # a nested group, set as one JSON object: -p x.sampling='{"fps": 2}'
                rows.append(ParamDoc(name=f"{name}.{sub.name}", type=sub.type, default=sub.default, bounds=sub.bounds,
                                     description=sub.description))
            continue
        bounds = []
        for meta in f.metadata:
            for attr, sym in _BOUNDS:
                v = getattr(meta, attr, None)
                if v is not None:
                    bounds.append(f"{sym} {v}")
        default = f.get_default(call_default_factory=True)
        rows.append(ParamDoc(name=name, type=_type_name(f.annotation), default=json.dumps(default, default=str),
                             bounds=", ".join(bounds),
                             description=f.description or comments.get(name) or COMMON.get(name, "")))
    return rows


def _type_name(annotation: object) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(rows: list[ParamDoc]) -> list[str]:
    if not rows:
        return ["No parameters.", ""]
    lines = ["| parameter | type | default | bounds | meaning |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| `{r.name}` | `{_cell(r.type)}` | `{_cell(r.default)}` | {r.bounds} | {_cell(r.description)} |")
    return lines + [""]


def shipped(registry: dict[str, type]) -> list[tuple[str, type]]:
    """The plug-ins dataclaw ships (a test or a user may register more in the same process)."""
    return sorted((n, c) for n, c in registry.items() if c.__module__.startswith("dataclaw."))


def markdown() -> str:
    from .experts import load_all as load_experts
    from .tasks import load_all as load_tasks

    out = ["# Parameters", "",
           "Generated from the code by `python -m dataclaw.reference > docs/parameters.md` (a test fails when it",
           "is stale). Expert parameters are set with `-p EXPERT.PARAM=VALUE` on `dataclaw anchors` and",
           "`dataclaw tailor`; task parameters live in a plan's task (`params:` in a recipe written by",
           "`dataclaw plan -o plan.yaml`, replayed with `--recipe`). Values are parsed as JSON when possible;",
           "a nested group (`sampling.fps`) is set as one object: `-p hands.sampling='{\"fps\": 2}'`.",
           "", "## Experts", ""]
    for name, cls in shipped(load_experts()):
        flags = [f"sources: {', '.join(cls.kinds)}"]
        if cls.default:
            flags.append("runs by default")
        if cls.requires:
            flags.append(f"needs: {', '.join(cls.requires)}")
        out += [f"### `{name}`", "", f"{cls.description} ({'; '.join(flags)})", ""]
        out += _table(describe(cls.Params))
    out += ["## Tasks", ""]
    for name, cls in shipped(load_tasks()):
        flags = [f"sources: {', '.join(cls.source_kinds)}"]
        if cls.needs:
            flags.append(f"needs anchors: {', '.join(cls.needs)}")
        out += [f"### `{name}`", "", f"{cls.description} ({'; '.join(flags)})", ""]
        out += _table(describe(cls.Params))
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
