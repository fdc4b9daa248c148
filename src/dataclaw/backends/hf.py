"""A local transformers model (folder or GGUF file) with its own chat template.

Text-only models get the text parts of each message (an image part becomes "[image]" so the
prompt keeps its shape); models whose processor takes images (a `vision_config` in their config)
get the images through `AutoProcessor`. Greedy decoding by default, so a run is repeatable.
With a schema (the agent always sends one) decoding is constrained to it by llguidance when that is
installed (`constrain="auto"`, the default; `"json_schema"` requires it, `"none"` turns it off): see
`constrain.py`.
`complete_batch` decodes several conversations at once (left padding); the local OpenAI-compatible
server (`hf_server.py`) batches concurrent requests through it.
"""
from __future__ import annotations

import base64
import io
import logging
import threading
import time
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..models_llm import resolve_model
from . import constrain as _constrain
from .base import Backend, Generation, empty_usage, flatten_messages, map_parts
from .jsonparse import extract_json

log = logging.getLogger(__name__)


def _load_image(url: str) -> Any:
    from PIL import Image  # noqa: PLC0415

    if url.startswith("data:"):
        raw = base64.b64decode(url.partition(",")[2])
        return Image.open(io.BytesIO(raw)).convert("RGB")
    return Image.open(url).convert("RGB")


class HFBackend(Backend):
    name = "hf"

    def __init__(self, model: str | Path | None = None, *, max_new_tokens: int = 512, temperature: float = 0.0,
                 threads: int | None = None, max_prompt_tokens: int | None = None, constrain: str = "auto",
                 **_ignored: Any) -> None:
        self.path = resolve_model(model)
        self.model = str(model) if model else "smollm2-135m-instruct"
        self.max_new_tokens, self.temperature = int(max_new_tokens), float(temperature)
        self.threads, self.max_prompt_tokens = threads, max_prompt_tokens
        self._lock = threading.Lock()
        self._lm = self._tok = self._proc = None
        self.vision = False
        self.load_s = 0.0
        if constrain not in ("auto", "json_schema", "none"):
            raise ConfigError(f"constrain must be auto, json_schema or none, not {constrain!r}")
        if constrain == "json_schema" and not _constrain.available():
            raise ConfigError("constrain=json_schema needs llguidance (pip install 'dataclaw0[llm]')")
        self.constrain = "json_schema" if constrain != "none" and _constrain.available() else "none"
        self._constraint: Any = None

    @property
    def wants_images(self) -> bool:  # the agent writes evidence frames only for a model that reads them
        if self._lm is None:
            import json  # noqa: PLC0415

            cfg = json.loads((self.path / "config.json").read_text())
            return "vision_config" in cfg
        return self.vision

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "model": self.model, "path": str(self.path), "vision": self.vision,
                "max_new_tokens": self.max_new_tokens, "temperature": self.temperature, "constrain": self.constrain}

    # ------------------------------------------------------------ loading
    def load(self) -> None:
        if self._lm is not None:
            return
        t = time.perf_counter()
        import torch  # noqa: PLC0415
        from transformers import AutoConfig, AutoTokenizer  # noqa: PLC0415

        if self.threads:
            torch.set_num_threads(int(self.threads))
        config = AutoConfig.from_pretrained(self.path)
        self.vision = hasattr(config, "vision_config")
        if self.vision:
            from transformers import AutoModelForImageTextToText, AutoProcessor  # noqa: PLC0415

            self._proc = AutoProcessor.from_pretrained(self.path)
            self._tok = self._proc.tokenizer
            self._lm = AutoModelForImageTextToText.from_pretrained(self.path)
        else:
            from transformers import AutoModelForCausalLM  # noqa: PLC0415

            self._tok = AutoTokenizer.from_pretrained(self.path)
            self._lm = AutoModelForCausalLM.from_pretrained(self.path)
        if not getattr(self._tok, "chat_template", None):
            raise ConfigError(f"{self.path}: the model has no chat template")
        self._lm.eval()
        self.context = int(getattr(config, "max_position_embeddings", 0) or 0) or None
        self.load_s = time.perf_counter() - t

    # ------------------------------------------------------------ prompts
    def _vision_inputs(self, messages: list[dict]) -> Any:
        conv = [{"role": m.get("role", "user"), "content": m["content"]} for m in map_parts(
            messages, lambda url, p: {"type": "image", "image": _load_image(url)},
            text=lambda p: {"type": "text", "text": p.get("text", "")},
            plain=lambda c: [{"type": "text", "text": c or ""}])]
        return self._proc.apply_chat_template(conv, add_generation_prompt=True, tokenize=True,
                                              return_dict=True, return_tensors="pt")

    def _inputs(self, messages_list: list[list[dict]]) -> tuple[Any, list[int]]:
        if self.vision:
            if len(messages_list) != 1:
                raise ConfigError("batched decoding is for text-only models")
            return self._vision_inputs(messages_list[0]), [0]
        texts, dropped = [], []
        for msgs in messages_list:
            conv, imgs = flatten_messages(msgs)
            n = len(imgs)
            texts.append(self._tok.apply_chat_template(conv, add_generation_prompt=True, tokenize=False))
            dropped.append(n)
        self._tok.padding_side = "left"
        if self._tok.pad_token is None:
            self._tok.pad_token = self._tok.eos_token
        enc = self._tok(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        return enc, dropped

    # ------------------------------------------------------------ decoding
    def check_schema(self, schema: dict | None) -> None:
        """Raises ValueError when `schema` cannot be enforced (the server answers 400)."""
        if schema and self.constrain != "none":
            self.load()
            self._processor([schema], 0)

    def _processor(self, schemas: list[dict | None] | None, prompt_len: int) -> Any:
        if self.constrain == "none" or not schemas or not any(schemas):
            return None
        if self._constraint is None:
            from .constrain import SchemaConstraint  # noqa: PLC0415

            self._constraint = SchemaConstraint(self._tok)
        return self._constraint.processor(schemas, prompt_len)

    def complete_batch(self, messages_list: list[list[dict]], max_new_tokens: int | None = None,
                       temperature: float | None = None,
                       schemas: list[dict | None] | None = None) -> list[dict[str, Any]]:
        """Greedy (or sampled) completions: [{text, prompt_tokens, completion_tokens, finish_reason, ...}].

        `schemas` (one per conversation, None = free text) constrain decoding when `constrain` allows."""
        import torch  # noqa: PLC0415

        self.load()
        max_new = int(max_new_tokens or self.max_new_tokens)
        temp = self.temperature if temperature is None else float(temperature)
        with self._lock:
            enc, dropped = self._inputs(messages_list)
            ids = enc["input_ids"]
            mask = enc.get("attention_mask")
            lengths = mask.sum(dim=1).tolist() if mask is not None else [ids.shape[1]] * ids.shape[0]
            limit = self.max_prompt_tokens or (self.context - max_new if self.context else None)
            if limit and max(lengths) > limit:
                raise ValueError(f"prompt of {max(lengths)} tokens exceeds the model's room ({limit} tokens)")
            kwargs: dict[str, Any] = {"max_new_tokens": max_new, "pad_token_id": self._tok.pad_token_id}
            if temp > 0:
                kwargs.update(do_sample=True, temperature=temp)
            else:
                kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
            proc = self._processor(schemas, ids.shape[1])
            if proc is not None:
                from transformers import LogitsProcessorList  # noqa: PLC0415

                kwargs["logits_processor"] = LogitsProcessorList([proc])
            with torch.inference_mode():
                out = self._lm.generate(**enc, **kwargs)
        results = []
        eos = {self._tok.eos_token_id, self._tok.pad_token_id} - {None}
        for i in range(out.shape[0]):
            new = out[i, ids.shape[1]:].tolist()
            n = len(new)
            while n and new[n - 1] in eos:
                n -= 1
            finished = n < len(new)
            text = self._tok.decode(new[:n], skip_special_tokens=True)
            results.append({"text": text, "prompt_tokens": int(lengths[i]), "completion_tokens": n + int(finished),
                            "finish_reason": "stop" if finished else "length", "images_dropped": dropped[i],
                            "constrained": bool(proc is not None and proc.matchers[i] is not None)})
            if proc is not None and proc.errors[i]:
                results[-1]["constraint_error"] = proc.errors[i]
        return results

    def generate(self, messages: list[dict], schema: dict, *, task: Any = None, evidence: Any = None,
                 spec: Any = None) -> Generation:
        t = time.perf_counter()
        try:
            res = self.complete_batch([messages], schemas=[schema or None])[0]
        except ValueError as exc:  # prompt too long for this model: this sample's failure
            return Generation(None, "", empty_usage(), str(exc))
        usage = empty_usage()
        usage.update(prompt_tokens=res["prompt_tokens"], completion_tokens=res["completion_tokens"], requests=1,
                     latency_s=round(time.perf_counter() - t, 4), finish_reason=res["finish_reason"],
                     images_dropped=res["images_dropped"], constrained=res["constrained"])
        draft, err = extract_json(res["text"])
        if draft is None and res["finish_reason"] == "length":
            err = f"{err} (stopped at max_new_tokens={self.max_new_tokens})"
        return Generation(draft, res["text"], usage, err)

    def close(self) -> None:
        pass  # the model stays loaded for reuse; drop the backend object to free it
