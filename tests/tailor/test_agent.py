"""The agent loop under fault injection: malformed, ungrounded and crashing backends.

The scripted backends here are fault injection (a real model's bad outputs are exercised by the
model-backend tests); everything else is real: tasks, MediaStore, verifier.
"""
from __future__ import annotations

import json

from dataclaw.agent import run_task
from dataclaw.backends import Backend, Generation, get_backend, parse_json_object
from dataclaw.model import Rejection, Sample, TaskSpec
from dataclaw.tasks import get_task

SPEC = TaskSpec(task="t2v", domain="aigc", instruction="t2v pairs")


class FaultInjectionBackend(Backend):
    """Replays scripted outputs per evidence bundle; `fix` makes the last round the rules draft."""

    name = "fault-injection"

    def __init__(self, script, fix=False):
        self.script, self.fix, self.calls = script, fix, []

    def generate(self, messages, schema, *, task=None, evidence=None, spec=None):
        self.calls.append(messages)
        round_ = sum(1 for m in messages if m["role"] == "assistant")
        if round_ < len(self.script):
            out = self.script[round_]
            text = out(task.rules(evidence, spec)) if callable(out) else out
        elif self.fix:
            text = json.dumps(task.rules(evidence, spec))
        else:
            text = "still not JSON"
        if isinstance(text, Exception):
            raise text
        draft, err = parse_json_object(text)
        return Generation(draft, text, {"prompt_tokens": 10, "completion_tokens": 5, "requests": 1}, err)


def _ungrounded(draft):
    bad = dict(draft, anchors=["shot-doesnotexist"] + draft["anchors"], t1=draft["t1"] + 30.0)
    return json.dumps(bad)


def test_repair_after_malformed_and_ungrounded_drafts(anchorset, media):
    task = get_task("t2v")
    be = FaultInjectionBackend(["```json\n{\"prompt\": \"a shot\", ", _ungrounded], fix=True)
    results = run_task(task, SPEC, anchorset, be, media, max_repairs=2)
    assert len(results) == 3 and all(isinstance(r, Sample) for r in results)
    s = results[0]
    assert s.provenance["attempts"] == 3 and s.provenance["usage"]["requests"] == 3
    first, second = s.provenance["repaired"]
    assert any("unparseable" in e for e in first)
    assert any("shot-doesnotexist" in e for e in second) and any("outside the video" in e for e in second)
    # the errors went back to the model as a user message
    repair_msgs = [m for m in be.calls[2] if m["role"] == "user"][-1]["content"]
    assert "shot-doesnotexist" in repair_msgs
    # raw input and output kept per round
    assert len(s.provenance["raw"]) == 3 and s.provenance["raw"][0]["output"].startswith("```json")
    assert s.scores.format > 0 and s.scores.grounding == 1.0


def test_rejection_with_reasons_when_repairs_run_out(anchorset, media):
    task = get_task("t2v")
    be = FaultInjectionBackend(["not json", _ungrounded, _ungrounded])
    results = run_task(task, SPEC, anchorset, be, media, max_repairs=2)
    assert all(isinstance(r, Rejection) for r in results) and len(results) == 3
    r = results[0]
    assert r.sample_id and r.task == "t2v" and r.draft is not None
    assert any(x.startswith("attempt 1: unparseable") for x in r.reasons)
    assert any(x.startswith("attempt 3:") and "shot-doesnotexist" in x for x in r.reasons)
    assert len(be.calls) == 9  # 3 bundles x (1 + 2 repairs)
    assert r.attempts == 3 and r.usage["requests"] == 3
    assert [x["output"] for x in r.raw][0] == "not json"  # the model's real output kept with the rejection


def test_backend_exceptions_and_schema_errors_never_crash(anchorset, media):
    task = get_task("tutorial")
    spec = TaskSpec(task="tutorial", domain="education", instruction="x")
    be = FaultInjectionBackend([TimeoutError("server did not answer in 30 s"),
                                json.dumps({"question": "hi", "steps": [{"text": 3}]}),
                                json.dumps({"question": "what now?", "steps": "none"})])
    results = run_task(task, spec, anchorset, be, media, max_repairs=2, keep_raw=False)
    assert results and all(isinstance(r, Rejection) for r in results)
    reasons = " ".join(results[0].reasons)
    assert "TimeoutError" in reasons and "is not of type 'string'" in reasons
    assert results[0].raw is None  # keep_raw=False


def test_out_of_order_steps_are_repaired(anchorset, media):
    task = get_task("tutorial")
    spec = TaskSpec(task="tutorial", domain="daily_life", instruction="x", params={"variants": ["full"]})

    def reversed_steps(draft):
        return json.dumps(dict(draft, steps=list(reversed(draft["steps"]))))

    be = FaultInjectionBackend([reversed_steps], fix=True)
    [s] = run_task(task, spec, anchorset, be, media)
    assert isinstance(s, Sample) and s.provenance["attempts"] == 2
    assert any("time order" in e for e in s.provenance["repaired"][0])


def test_rules_backend_never_repairs_and_skips_done_ids(anchorset, media):
    task = get_task("temporal_qa")
    spec = TaskSpec(task="temporal_qa", domain="education", instruction="x")
    rules = get_backend("rules")
    first = run_task(task, spec, anchorset, rules, media)
    assert first and all(isinstance(r, Sample) for r in first)
    assert all(r.provenance["attempts"] == 1 and r.provenance["backend"] == "rules" for r in first)
    again = run_task(task, spec, anchorset, rules, media, skip_ids={r.id for r in first[:3]})
    assert [r.id for r in again] == [r.id for r in first[3:]]


def test_prompt_cites_anchors_and_shows_keyframes(anchorset, media):
    task = get_task("tutorial")
    spec = TaskSpec(task="tutorial", domain="daily_life", instruction="x", params={"variants": ["full"]})
    be = FaultInjectionBackend([], fix=True)
    run_task(task, spec, anchorset, be, media)
    user = be.calls[0][1]["content"]
    text = user[0]["text"]
    assert "[shot-" in text and '"Making tea"' in text and '"required"' in text
    images = [p for p in user if p["type"] == "image_url"]
    assert len(images) == 3 and images[0]["image_url"]["url"].startswith("data:image/jpeg;base64,")


def test_async_loop_bounded(anchorset, media):
    import asyncio

    from dataclaw.agent import arun_task

    task = get_task("t2v")
    seen = []
    res = asyncio.run(arun_task(task, SPEC, anchorset, get_backend("rules"), media, concurrency=2,
                                on_result=seen.append, max_samples=2))
    assert len(res) == len(seen) == 2 and all(isinstance(r, Sample) for r in res)
