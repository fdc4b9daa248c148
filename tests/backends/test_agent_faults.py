"""The agent loop with the openai backend against the FAULT-INJECTION STUB (fault_stub.py), on the real
anchors of the shipped lecture: hallucinated anchor ids and timestamps, wrong schema, truncated JSON,
server errors. Each failure is recorded against its sample with reasons, repairs send the verifier's
errors back, and a correct draft sent over HTTP is accepted."""
from __future__ import annotations

import json

import pytest

from dataclaw.agent import run_task
from dataclaw.backends import get_backend
from dataclaw.model import Rejection, Sample, TaskSpec
from dataclaw.tasks import get_task
from fault_stub import FaultStub, ok

SPEC = TaskSpec(task="temporal_qa", domain="education", instruction="questions about when slides appear",
                params={"types": ["localize_text"], "per_type": 1, "attach_video": False})


@pytest.fixture()
def bundle(lecture_anchors):
    task = get_task("temporal_qa")
    evs = task.select(lecture_anchors, SPEC)
    assert evs, "the lecture must give at least one localisation question"
    return task, evs[:1]


def _run(url, task, evs, anchors, media, **kw):
    be = get_backend("openai", base_url=url, model="stub", backoff=0.01, **kw)
    return run_task(task, SPEC, anchors, be, media, max_repairs=1, evidence=evs), be


def test_correct_draft_over_http_is_accepted(bundle, lecture_anchors, media):
    task, evs = bundle
    draft = task.rules(evs[0], SPEC)  # what a perfect model would write
    with FaultStub([ok(draft)]) as s:
        (res,), _ = _run(s.url, task, evs, lecture_anchors, media)
    assert isinstance(res, Sample), getattr(res, "reasons", None)
    assert res.provenance["backend"] == "openai" and res.provenance["attempts"] == 1
    assert res.provenance["usage"]["prompt_tokens"] == 11
    assert res.provenance["raw"][0]["output"] == json.dumps(draft)


def test_hallucinated_ids_and_times_are_rejected_with_reasons(bundle, lecture_anchors, media):
    task, evs = bundle
    good = task.rules(evs[0], SPEC)
    fake_id = dict(good, spans=[dict(good["spans"][0], anchors=["ocr_text-deadbeef00"])])
    late = dict(good, spans=[dict(good["spans"][0], t0=400.0, t1=401.0)])
    with FaultStub([ok(fake_id), ok(late)]) as s:
        (res,), _ = _run(s.url, task, evs, lecture_anchors, media)
    assert isinstance(res, Rejection)
    text = " | ".join(res.reasons)
    assert "attempt 1:" in text and "attempt 2:" in text
    assert "ocr_text-deadbeef00" in text  # the unknown id is named
    assert "400.00" in text  # the impossible time is named
    # the repair request carried the verifier's errors back to the model
    repair = s.requests[1]["messages"][-1]["content"]
    assert "failed these checks" in repair and "ocr_text-deadbeef00" in repair
    assert s.requests[1]["messages"][-2] == {"role": "assistant", "content": json.dumps(fake_id)}


def test_wrong_schema_then_repaired(bundle, lecture_anchors, media):
    task, evs = bundle
    good = task.rules(evs[0], SPEC)
    with FaultStub([ok({"answer": 42, "oops": True}), ok(good)]) as s:
        (res,), _ = _run(s.url, task, evs, lecture_anchors, media)
    assert isinstance(res, Sample)
    assert res.provenance["attempts"] == 2 and res.provenance["repaired"]
    assert any("question" in e or "spans" in e for e in res.provenance["repaired"][0])


def test_truncated_json_and_server_errors_are_recorded(bundle, lecture_anchors, media):
    task, evs = bundle
    with FaultStub([ok('{"question": "When does', finish="length"), {"status": 500, "body": "boom"}]) as s:
        (res,), _ = _run(s.url, task, evs, lecture_anchors, media, max_retries=1)
    assert isinstance(res, Rejection)
    assert "truncated" in res.reasons[0] and "HTTP 500" in res.reasons[1]


def test_server_down_rejects_each_sample_and_goes_on(lecture_anchors, media):
    task = get_task("temporal_qa")
    spec = SPEC.model_copy(update={"params": {**SPEC.params, "types": ["localize_text", "order"]}})
    evs = task.select(lecture_anchors, spec)
    be = get_backend("openai", base_url="http://127.0.0.1:9/v1", model="x", max_retries=0, timeout=2)
    results = run_task(task, spec, lecture_anchors, be, media, max_repairs=1, evidence=evs)
    assert len(results) == len(evs) >= 2
    assert all(isinstance(r, Rejection) and "backend error" in r.reasons[0] for r in results)
