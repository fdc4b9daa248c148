"""Schema-constrained decoding (llguidance) in the `hf` backend and the local server, and the schema
the agent sends: narrowed to the evidence's anchor ids and the video's duration.

The decoding tests use `tiny_model` (SmolLM2's real tokenizer on a random 2-layer body): free-running,
it writes noise; constrained, every answer must parse and match the schema, which is what the
constraint guarantees whatever the model."""
from __future__ import annotations

import json

import pytest

from dataclaw.model import TaskSpec
from dataclaw.tasks import get_task
from dataclaw.tasks.shared.common import ground_schema

pytest.importorskip("llguidance")
jsonschema = pytest.importorskip("jsonschema")

IDS = ["shot-aaaa", "ocr_text-bbbb", "transcript-cccc"]
SCHEMA = {"type": "object", "required": ["caption", "t0", "t1", "anchors"], "additionalProperties": False,
          "properties": {"caption": {"type": "string", "minLength": 3, "maxLength": 40},
                         "t0": {"type": "number", "minimum": 0, "maximum": 45.5},
                         "t1": {"type": "number", "minimum": 0, "maximum": 45.5},
                         "anchors": {"type": "array", "minItems": 1, "maxItems": 3,
                                     "items": {"type": "string", "enum": IDS}}}}
ASK = [{"role": "user", "content": "Describe the clip as JSON."}]


@pytest.fixture(scope="module")
def tiny_backend(tiny_model):
    from dataclaw.backends.hf import HFBackend

    be = HFBackend(str(tiny_model), max_new_tokens=120, temperature=0.0)
    be.load()
    return be


def test_random_model_answers_match_the_schema_when_constrained(tiny_backend):
    assert tiny_backend.constrain == "json_schema"
    other = {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}, "additionalProperties": False}
    res = tiny_backend.complete_batch([ASK, ASK, ASK], max_new_tokens=120, temperature=1.0,
                                      schemas=[SCHEMA, other, None])
    first = json.loads(res[0]["text"])
    jsonschema.validate(first, SCHEMA)
    assert set(first["anchors"]) <= set(IDS) and 0 <= first["t0"] <= 45.5
    assert res[0]["finish_reason"] == "stop" and res[0]["constrained"]
    jsonschema.validate(json.loads(res[1]["text"]), other)  # each row its own schema, in one batch
    assert not res[2]["constrained"]  # None = free text in the same batch


def test_free_decoding_of_the_same_model_is_not_json(tiny_model):
    from dataclaw.backends.hf import HFBackend

    free = HFBackend(str(tiny_model), max_new_tokens=40, constrain="none")
    gen = free.generate(ASK, SCHEMA)
    assert gen.draft is None and gen.error and gen.usage["constrained"] is False


def test_generate_through_the_backend_contract(tiny_backend):
    gen = tiny_backend.generate(ASK, SCHEMA)
    assert gen.error is None and gen.usage["constrained"] is True
    jsonschema.validate(gen.draft, SCHEMA)


def test_an_unenforceable_schema_is_a_clear_error(tiny_backend):
    with pytest.raises(ValueError, match="schema"):
        tiny_backend.check_schema({"type": "object", "properties": {"x": {"type": "string", "pattern": "(?<=a)b"}},
                                   "required": ["x"]})


def test_constrain_option_is_checked():
    from dataclaw.backends.hf import HFBackend
    from dataclaw.errors import ConfigError

    with pytest.raises(ConfigError, match="constrain"):
        HFBackend("smollm2", constrain="grammar")


def test_server_reads_response_format():
    from dataclaw.backends.hf_server import response_schema

    assert response_schema(None) is None and response_schema({"type": "text"}) is None
    assert response_schema({"type": "json_object"}) == {"type": "object"}
    assert response_schema({"type": "json_schema", "json_schema": {"name": "d", "schema": SCHEMA}}) == SCHEMA
    with pytest.raises(ValueError, match="json_schema"):
        response_schema({"type": "json_schema", "json_schema": {"name": "d"}})
    with pytest.raises(ValueError, match="unsupported"):
        response_schema({"type": "regex"})


def test_server_enforces_the_schema_over_http(tiny_backend):
    from starlette.testclient import TestClient

    from dataclaw.backends.hf_server import make_app

    with TestClient(make_app(tiny_backend, "tiny")) as client:
        body = {"model": "tiny", "messages": ASK, "max_tokens": 120,
                "response_format": {"type": "json_schema", "json_schema": {"name": "draft", "schema": SCHEMA}}}
        r = client.post("/v1/chat/completions", json=body)
        assert r.status_code == 200, r.text
        jsonschema.validate(json.loads(r.json()["choices"][0]["message"]["content"]), SCHEMA)
        bad = {**body, "response_format": {"type": "json_schema", "json_schema": {"name": "d", "schema": "nope"}}}
        assert client.post("/v1/chat/completions", json=bad).status_code == 400
        assert client.get("/health").json()["constrain"] == "json_schema"


def test_ground_schema_narrows_ids_and_times_to_the_evidence(lecture_anchors):
    task = get_task("temporal_qa")
    spec = TaskSpec(task="temporal_qa", domain="education", instruction="when does each title appear")
    ev = task.select(lecture_anchors, spec)[0]
    plain = task.draft_schema()
    before = json.dumps(plain, sort_keys=True)
    g = ground_schema(plain, ev)
    assert json.dumps(plain, sort_keys=True) == before  # the task's own schema is untouched
    span = g["properties"]["spans"]["items"]
    assert span["properties"]["anchors"]["items"]["enum"] == [a.id for a in ev.anchors]
    assert span["properties"]["t1"]["maximum"] == pytest.approx(ev.meta["duration"], abs=1e-3)
    assert span["properties"]["t0"]["minimum"] == 0
    assert g["additionalProperties"] is False and span["additionalProperties"] is False
    assert span["properties"]["t0"]["multipleOf"] == 0.001
    assert list(g["properties"]) == list(plain["properties"])  # key order kept: answers are written in it
    # the teacher's grounded draft is still valid when narrowed (jsonschema's float multipleOf is exact,
    # so the millisecond grid is checked by rounding instead)
    loose = json.loads(json.dumps(g).replace('"multipleOf": 0.001', '"minimum": 0'))
    jsonschema.validate(task.rules(ev, spec), loose)


def test_t2v_decoding_schema_pins_the_span_and_its_prompt_states_the_clip_facts(lecture_anchors):
    """A constrained decoder must copy the clip's span; the prompt gives each fact the teacher's caption
    states (length as written, motion, text, narration, transition) with its ids, and the teacher's
    draft of every clip satisfies the narrowed schema."""
    task = get_task("t2v")
    spec = TaskSpec(task="t2v", domain="aigc", instruction="cut text-to-video clips with dense captions")
    evs = task.select(lecture_anchors, spec)
    assert len(evs) >= 5
    for ev in evs:
        c0, c1 = ev.meta["span"]
        g = task.narrow(ground_schema(task.draft_schema(), ev), ev)
        assert g["properties"]["t0"] == {"type": "number", "enum": [c0]}
        assert g["properties"]["t1"] == {"type": "number", "enum": [c1]}
        assert g["properties"]["anchors"]["items"]["enum"] == [a.id for a in ev.anchors]  # still grounded
        draft = task.rules(ev, spec)
        jsonschema.validate(draft, g)
        text = task.prompt(ev, spec)[1]["content"][0]["text"]
        length = f"{c1 - c0:.1f}-second"
        assert length in text and length in draft["caption"]
        for i in ev.meta["ocr"][:4] + ev.meta["speech"] + ev.meta["motion_anchors"][:1]:
            assert i in text.split("Video duration:")[0]  # named among the facts, not only in the anchor list
        if ev.meta["transition_in"]:
            assert f"([{ev.meta['transition_in']}])" in text
        else:
            assert "No transition leads into the clip" in text and "after a" not in draft["caption"]


def test_max_attempts_caps_the_bundles_tried(lecture_anchors, media):
    from dataclaw.agent import run_task
    from dataclaw.backends import get_backend

    task = get_task("t2v")
    spec = TaskSpec(task="t2v", domain="education", instruction="clips", params={"max_attempts": 2})
    assert len(task.select(lecture_anchors, spec)) > 2
    results = run_task(task, spec, lecture_anchors, get_backend("rules"), media)
    assert len(results) == 2
