"""The openai backend against the FAULT-INJECTION STUB (fault_stub.py): retries, timeouts, budgets,
structured-output fallback, truncated/malformed answers, images, the key never leaking, and the
bounded number of requests in flight. Real-model behaviour is in test_openai_real.py."""
from __future__ import annotations

import asyncio
import base64
import io
import json

import pytest
from PIL import Image

from dataclaw.backends import get_backend
from dataclaw.backends.openai import BackendError, BudgetExhausted
from fault_stub import FaultStub, completion, ok

MSG = [{"role": "user", "content": "answer with JSON"}]
SCHEMA = {"type": "object", "properties": {"a": {"type": "integer"}}}


def backend(url, **kw):
    kw.setdefault("backoff", 0.01)
    return get_backend("openai", base_url=url, model="stub-model", **kw)


def test_retries_500_then_succeeds():
    with FaultStub([{"status": 500, "body": "boom"}, {"status": 502, "body": "bad gateway"}, ok({"a": 1})]) as s:
        gen = backend(s.url).generate(MSG, SCHEMA)
    assert gen.draft == {"a": 1} and gen.error is None
    assert gen.usage["retries"] == 2 and gen.usage["requests"] == 3 and len(s.requests) == 3
    assert gen.usage["prompt_tokens"] == 11 and gen.usage["completion_tokens"] == 7


def test_429_honours_retry_after():
    with FaultStub([{"status": 429, "body": "slow down", "headers": {"Retry-After": "0.2"}}, ok({"a": 2})]) as s:
        gen = backend(s.url, backoff=5.0).generate(MSG, SCHEMA)  # Retry-After wins over the long backoff
    assert gen.draft == {"a": 2} and gen.usage["retries"] == 1 and gen.usage["latency_s"] < 4


def test_gives_up_after_max_retries_with_reason():
    with FaultStub([{"status": 503, "body": "overloaded"}]) as s:
        with pytest.raises(BackendError, match=r"HTTP 503.*gave up after 3 attempts"):
            backend(s.url, max_retries=2).generate(MSG, SCHEMA)
    assert len(s.requests) == 3


def test_client_error_is_not_retried():
    with FaultStub([{"status": 401, "body": '{"error": "bad key"}'}]) as s:
        with pytest.raises(BackendError, match="HTTP 401"):
            backend(s.url).generate(MSG, SCHEMA)
    assert len(s.requests) == 1


def test_timeout_then_recovery():
    with FaultStub([{"delay": 1.5, **ok({"a": 0})}, ok({"a": 3})]) as s:
        gen = backend(s.url, timeout=0.4).generate(MSG, SCHEMA)
    assert gen.draft == {"a": 3} and gen.usage["retries"] == 1


def test_server_down_is_an_error_not_a_hang():
    be = backend("http://127.0.0.1:9/v1", max_retries=1, timeout=2)
    with pytest.raises(BackendError, match="ConnectError|gave up"):
        be.generate(MSG, SCHEMA)


def test_truncated_and_malformed_answers():
    cut = completion('{"steps": [{"t0": 1}, {"t0": ', finish="length")
    with FaultStub([{"body": cut}, {"body": "<html>not json</html>"}, {"body": {"choices": []}}]) as s:
        be = backend(s.url, max_tokens=16)
        gen = be.generate(MSG, SCHEMA)
        assert gen.draft is None and "truncated" in gen.error and "max_tokens=16" in gen.error
        assert gen.raw.startswith('{"steps"')  # raw output kept for the record
        for _ in range(2):
            with pytest.raises(BackendError, match="malformed response"):
                be.generate(MSG, SCHEMA)


def test_structured_output_falls_back_when_refused():
    def refuse_format(body):
        if "response_format" in body:
            return {"status": 400, "body": '{"error": {"message": "response_format json_schema is not supported"}}'}
        return ok('Here you go: {"a": 5} thanks')

    with FaultStub([refuse_format]) as s:
        be = backend(s.url)
        assert be.generate(MSG, SCHEMA).draft == {"a": 5}
        assert be.generate(MSG, SCHEMA).draft == {"a": 5}
    assert s.requests[0]["response_format"]["type"] == "json_schema"
    assert s.requests[0]["response_format"]["json_schema"]["schema"] == SCHEMA
    assert "response_format" not in s.requests[1] and "response_format" not in s.requests[2]
    assert be.structured == "none" and len(s.requests) == 3  # the refusal is remembered


def test_request_and_token_budgets():
    with FaultStub([ok({"a": 1})]) as s:
        be = backend(s.url, max_requests=2)
        be.generate(MSG, SCHEMA)
        be.generate(MSG, SCHEMA)
        with pytest.raises(BudgetExhausted, match="request budget"):
            be.generate(MSG, SCHEMA)
        be2 = backend(s.url, max_total_tokens=30)  # 18 tokens per answer
        be2.generate(MSG, SCHEMA)
        be2.generate(MSG, SCHEMA)
        with pytest.raises(BudgetExhausted, match="token budget"):
            be2.generate(MSG, SCHEMA)
    assert be.info()["spent"]["requests"] == 2


def test_images_sent_as_jpeg_data_urls(tmp_path):
    png = tmp_path / "frame.png"
    Image.new("RGB", (1600, 900), (200, 30, 30)).save(png)
    msgs = [{"role": "user", "content": [{"type": "text", "text": "look"},
                                         {"type": "image_url", "image_url": {"url": str(png)}}]}]
    with FaultStub([ok({"a": 1})]) as s:
        gen = backend(s.url, image_max_side=512).generate(msgs, SCHEMA)
    url = s.requests[0]["messages"][0]["content"][1]["image_url"]["url"]
    assert url.startswith("data:image/jpeg;base64,")
    img = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert img.format == "JPEG" and max(img.size) == 512
    assert gen.usage["images"] == 1 and gen.usage["image_tokens_est"] > 0


def test_api_key_from_env_never_in_info(monkeypatch):
    monkeypatch.setenv("MY_TEST_KEY", "sk-secret-123")
    with FaultStub([{"status": 400, "body": "bad"}]) as s:
        be = backend(s.url, api_key_env="MY_TEST_KEY")
        with pytest.raises(BackendError) as err:
            be.generate(MSG, SCHEMA)
    assert s.headers[0]["Authorization"] == "Bearer sk-secret-123"
    for text in (json.dumps(be.info()), repr(be), str(err.value)):
        assert "sk-secret-123" not in text


def test_async_keeps_requests_in_flight_bounded():
    with FaultStub([{"delay": 0.3, **ok({"a": 1})}]) as s:
        be = backend(s.url, max_in_flight=3)

        async def run():
            return await asyncio.gather(*(be.agenerate(MSG, SCHEMA) for _ in range(9)))

        gens = asyncio.run(run())
        be.close()
    assert all(g.draft == {"a": 1} for g in gens)
    assert s.max_in_flight == 3 and len(s.requests) == 9


def test_async_retries_too():
    with FaultStub([{"status": 500, "body": "x"}, ok({"a": 9})]) as s:
        gen = asyncio.run(backend(s.url).agenerate(MSG, SCHEMA))
    assert gen.draft == {"a": 9} and gen.usage["retries"] == 1


def test_async_falls_back_when_structured_output_is_refused():
    def refuse_format(body):
        if "response_format" in body:
            return {"status": 400, "body": '{"error": {"message": "response_format json_schema is not supported"}}'}
        return ok('{"a": 7}')

    with FaultStub([refuse_format]) as s:
        be = backend(s.url)

        async def run():
            first = await be.agenerate(MSG, SCHEMA)
            return first, await be.agenerate(MSG, SCHEMA)

        gens = asyncio.run(run())
        be.close()
    assert [g.draft for g in gens] == [{"a": 7}, {"a": 7}] and gens[0].usage["retries"] == 0
    assert "response_format" in s.requests[0] and all("response_format" not in r for r in s.requests[1:])
    assert be.structured == "none" and len(s.requests) == 3
