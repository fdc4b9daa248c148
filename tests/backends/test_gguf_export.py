"""Transformers checkpoints -> GGUF (dataclaw.gguf_export, on the `gguf` package) served by llama.cpp.
A 2-layer Llama with SmolLM2's real tokenizer, built at test time (`tiny_model`), is converted; llama.cpp
(xllamacpp) must tokenize the chat prompt exactly as transformers does and give the same next-token
log-probabilities (f32 weights); q8_0 runs through the llamacpp backend; bad folders are named."""
from __future__ import annotations

import json
import shutil

import pytest

from dataclaw.errors import ConfigError

pytest.importorskip("gguf")
pytest.importorskip("xllamacpp")
MSGS = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="module")
def tiny_gguf(tiny_model, tmp_path_factory):
    from dataclaw.gguf_export import convert

    return convert(tiny_model, tmp_path_factory.mktemp("gguf") / "tiny.f32.gguf", "f32")


def test_llamacpp_matches_transformers_on_the_converted_model(tiny_model, tiny_gguf):
    import httpx
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from dataclaw.backends.llamacpp import LlamaCppServer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    model = AutoModelForCausalLM.from_pretrained(tiny_model).eval()
    prompt = tok.apply_chat_template(MSGS, add_generation_prompt=True, tokenize=False)
    ids = tok(prompt, add_special_tokens=False).input_ids
    with torch.no_grad():
        ref = torch.log_softmax(model(torch.tensor([ids])).logits[0, -1].float(), -1)
    server = LlamaCppServer(tiny_gguf, parallel=1, context=512, threads=2)
    try:
        theirs = httpx.post(f"{server.url}/tokenize", json={"content": prompt, "add_special": True}, timeout=60).json()
        assert theirs["tokens"] == ids  # vocabulary, merges, control tokens, pre-tokenizer, no extra BOS
        tpl = httpx.post(f"{server.url}/apply-template", json={"messages": MSGS}, timeout=60).json()["prompt"]
        assert tpl == prompt  # the chat template travelled
        r = httpx.post(f"{server.url}/completion", json={"prompt": ids, "n_predict": 1, "n_probs": 20,
                                                         "temperature": 0, "post_sampling_probs": False},
                       timeout=300).json()
    finally:
        server.close()
    top = r["completion_probabilities"][0]["top_logprobs"]
    diffs = [abs(t["logprob"] - float(ref[t["id"]])) for t in top]
    assert len(top) == 20 and max(diffs) < 0.02, diffs
    assert top[0]["id"] == int(ref.argmax())


def test_checkpoint_folder_serves_through_the_llamacpp_backend(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("DATACLAW_MODELS", str(tmp_path / "models"))
    from dataclaw.backends import get_backend
    from dataclaw.gguf_export import checkpoint_gguf
    from dataclaw.models_llm import resolve_gguf

    path = resolve_gguf(tiny_model)  # converted once (f16 is the default) into the model cache
    assert path.is_file() and path.parent.parent == tmp_path / "models" and path.name.endswith(".f16.gguf")
    mtime = path.stat().st_mtime_ns
    assert checkpoint_gguf(tiny_model) == path and path.stat().st_mtime_ns == mtime  # cached
    be = get_backend("llamacpp", model=str(tiny_model), parallel=1, context=1024, threads=2, max_tokens=16)
    try:
        schema = {"type": "object", "required": ["capital"], "additionalProperties": False,
                  "properties": {"capital": {"type": "string", "maxLength": 10}}}
        gen = be.generate(MSGS, schema)  # random weights: the grammar alone makes this parse
        assert gen.draft is not None and set(gen.draft) == {"capital"}, gen.raw
    finally:
        be.close()


def test_bad_checkpoints_are_named(tiny_model, tmp_path):
    from dataclaw.gguf_export import checkpoint_gguf, convert
    from dataclaw.models_llm import resolve_gguf

    other = tmp_path / "gpt2ish"
    shutil.copytree(tiny_model, other)
    cfg = json.loads((other / "config.json").read_text())
    cfg["architectures"] = ["GPT2LMHeadModel"]
    (other / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ConfigError, match="gpt2ish: architecture"):
        convert(other, tmp_path / "x.gguf")
    with pytest.raises(ConfigError, match="no config.json"):
        checkpoint_gguf(tmp_path)
    with pytest.raises(ConfigError, match="outtype"):
        convert(tiny_model, tmp_path / "x.gguf", "q2_k")
    (tmp_path / "router.json").write_text("{}")
    with pytest.raises(ConfigError, match="Expert set"):
        resolve_gguf(tmp_path)
