"""The parameter reference (dataclaw.reference): read from the Params classes, complete, and the
committed docs/parameters.md is what the code says now."""
from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from typer.testing import CliRunner

from dataclaw.cli import _load_commands, app
from dataclaw.experts import load_all as load_experts
from dataclaw.reference import shipped, describe, field_comments, markdown
from dataclaw.tasks import load_all as load_tasks

ROOT = Path(__file__).resolve().parents[1]


class _Inner(BaseModel):
    fps: float = Field(3.0, gt=0, le=30, description="frames per second")


class _Example(BaseModel):
    model_config = ConfigDict(extra="forbid")  # not a field: this comment belongs to nobody
    steps: int = 30  # steps per sample
    margin: float = 3.0  # the best ordering must win by this much;
    # closer, no sample is made
    plain: bool = True
    bounded: int = Field(2, ge=1, description="from the Field")
    inner: _Inner = _Inner()
    max_samples: int = 40


def test_meanings_come_from_descriptions_comments_and_continuations():
    assert field_comments(_Example) == {"steps": "steps per sample",
                                        "margin": "the best ordering must win by this much; closer, no sample is made"}
    docs = {d.name: d for d in describe(_Example)}
    assert list(docs) == ["steps", "margin", "plain", "bounded", "inner.fps", "max_samples"]
    assert docs["plain"].description == ""
    assert docs["bounded"].description == "from the Field" and docs["bounded"].bounds == ">= 1"
    assert docs["inner.fps"].bounds == "> 0, <= 30" and docs["inner.fps"].default == "3.0"
    assert docs["max_samples"].description == "most samples made per source"  # the shared meaning


def test_every_expert_and_task_parameter_says_what_it_means():
    missing = [f"{kind} {name}.{d.name}"
               for kind, registry in (("expert", load_experts()), ("task", load_tasks()))
               for name, cls in shipped(registry) for d in describe(cls.Params) if not d.description]
    assert not missing, f"parameters without a meaning (a Field description or a comment after it): {missing}"


def test_committed_parameter_doc_is_current():
    from dataclaw.experts.base import EXPERTS, Expert, register_expert

    @register_expert
    class _TestOnly(Expert):  # registered by a test in the same process: not part of the reference
        name = "test_only_reference"
        kinds = ("video",)

    try:
        committed = (ROOT / "docs" / "parameters.md").read_text()
        assert committed == markdown(), "docs/parameters.md is stale: python -m dataclaw.reference > docs/parameters.md"
    finally:
        EXPERTS.pop("test_only_reference", None)


def test_cli_lists_tasks_and_expert_parameters():
    _load_commands()
    runner = CliRunner()
    res = runner.invoke(app, ["tasks", "--json"])
    assert res.exit_code == 0, res.output
    tasks = {r["name"]: r for r in json.loads(res.output)}
    assert set(tasks) == set(load_tasks())
    qa = {d["name"]: d for d in tasks["temporal_qa"]["reference"]}
    assert qa["min_phrase_p"]["default"] == "0.5" and "whisper" in qa["min_phrase_p"]["description"]
    res = runner.invoke(app, ["experts"])
    assert res.exit_code == 0, res.output
    assert "min_avg_logprob=-1.0" in res.output and "sampling.fps=3.0" in res.output
