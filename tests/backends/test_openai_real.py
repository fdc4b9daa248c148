"""The `openai` backend against a REAL OpenAI-compatible server process on 127.0.0.1: llama.cpp's own
C++ server (through xllamacpp, `dataclaw.backends.llamacpp_server`) serving the SmolLM2-135M-Instruct
GGUF with 4 slots, started and stopped by the `llm_server` session fixture. End to end through
`tailor` on the shipped lecture: real drafts, the verifier's verdicts, usage per sample, the key never
written, resume. The client sends the evidence-narrowed schema as `response_format`; llama.cpp
enforces it while decoding (its grammar engine), so the untrained 135M model's drafts parse; the
verifier judges them. (Throughput and verified samples per minute: docs/benchmarks.md.)"""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from dataclaw.backends import get_backend
from dataclaw.model import Plan, TaskSpec

LECTURE = Path(__file__).resolve().parents[2] / "examples" / "lecture" / "lecture.mp4"
MSG = [{"role": "user", "content": "What is the capital of France? Answer in JSON."}]
CAPITAL = {"type": "object", "required": ["capital"], "additionalProperties": False,
           "properties": {"capital": {"type": "string", "maxLength": 20}}}


def test_server_is_openai_compatible(llm_server):
    models = httpx.get(f"{llm_server}/models", timeout=10).json()
    assert models["data"][0]["id"] == "smollm2"
    be = get_backend("openai", base_url=llm_server, model="smollm2", max_tokens=24)
    gen = be.generate(MSG, CAPITAL)
    assert gen.draft is not None and set(gen.draft) == {"capital"}, gen.raw  # the schema was enforced
    assert "paris" in gen.draft["capital"].lower()
    assert gen.usage["prompt_tokens"] > 5 and gen.usage["completion_tokens"] > 0 and gen.usage["retries"] == 0
    bad = httpx.post(f"{llm_server}/chat/completions", json={"messages": "nope"}, timeout=10)
    assert bad.status_code == 400


def _metric(url: str, name: str) -> float:
    text = httpx.get(url.replace("/v1", "/metrics"), timeout=10).text
    return float(next(ln.split()[1] for ln in text.splitlines() if ln.startswith(f"llamacpp:{name} ")))


def test_async_requests_are_batched_by_the_server(llm_server):
    be = get_backend("openai", base_url=llm_server, model="smollm2", max_tokens=24, max_in_flight=4)

    async def run():
        return await asyncio.gather(*(be.agenerate(MSG, CAPITAL) for _ in range(4)))

    decodes = _metric(llm_server, "n_decode_total")
    gens = asyncio.run(run())
    assert all(g.draft is not None and "paris" in g.draft["capital"].lower() for g in gens), [g.raw for g in gens]
    tokens = sum(g.usage["completion_tokens"] for g in gens)
    # four requests in four slots: fewer llama_decode calls than tokens (concurrent slots share a call)
    assert _metric(llm_server, "n_decode_total") - decodes < tokens
    assert _metric(llm_server, "n_busy_slots_per_decode") > 1.0


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_tailor_end_to_end_with_openai_backend(llm_server, tmp_path, monkeypatch):
    monkeypatch.setenv("DATACLAW_CACHE", str(Path.home() / ".cache" / "dataclaw-test-shared"))
    monkeypatch.setenv("DATACLAW_TEST_KEY", "sk-never-written-42")
    from dataclaw.pipeline import tailor

    plan = Plan(intent="cut text-to-video clips with dense captions", tasks=[TaskSpec(
        task="t2v", domain="education", instruction="Cut clips at shot boundaries and caption each densely.",
        params={"max_attempts": 3})])
    out = tmp_path / "ds"
    opts = {"base_url": llm_server, "model": "smollm2", "api_key_env": "DATACLAW_TEST_KEY", "max_tokens": 256,
            "timeout": 1200,  # a slow shared CPU must not turn into client retries
            "images": False}  # a text-only model: llama.cpp without mmproj refuses image parts
    res = tailor([str(LECTURE)], plan=plan, backend="openai", backend_options=opts, out=out, quiet=True,
                 experts=["shots", "keyframes", "motion", "ocr"], max_repairs=1, concurrency=2)
    c = res.counts
    assert c["sources_done"] == 1 and c["samples"] + c["rejected"] == 3, c
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["backend"]["base_url"] == llm_server and manifest["backend"]["model"] == "smollm2"
    assert manifest["backend"]["spent"]["requests"] >= 1
    rejected = [json.loads(x) for x in (out / "rejected.jsonl").read_text().splitlines()] if c["rejected"] else []
    assert all(r["reasons"] for r in rejected)
    samples = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()] if c["samples"] else []
    from dataclaw.export import read_raw

    raw = read_raw(out)
    for s in samples:  # accepted: usage per sample (provenance is JSON text), the raw model text in raw.jsonl
        prov = json.loads(s["provenance"])
        assert prov["usage"]["completion_tokens"] > 0 and raw[s["id"]] and "raw" not in prov
    for f in out.rglob("*"):  # the API key is never written anywhere
        if f.is_file() and f.suffix in (".json", ".jsonl", ".md", ".yaml", ".txt"):
            assert "sk-never-written-42" not in f.read_text(errors="ignore"), f
    again = tailor([str(LECTURE)], plan=plan, backend="openai", backend_options=opts, out=out, quiet=True,
                   experts=["shots", "keyframes", "motion", "ocr"], max_repairs=1, concurrency=2)
    assert again.counts["sources_resumed"] == 1 and again.counts["samples"] + again.counts["rejected"] == 0
