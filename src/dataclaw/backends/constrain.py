"""JSON-Schema-constrained decoding for local transformers models (llguidance).

At each decoding step the logits of every token that cannot continue a schema-valid JSON object
are set to -inf, so the answer always parses and matches the schema (what vLLM / SGLang /
llama.cpp do with `response_format: json_schema`). The agent sends a schema narrowed to the
evidence (cited ids from the anchor list, times inside the video: `tasks.shared.common.ground_schema`), so
a constrained model cannot cite an anchor that does not exist; whether its times fall inside the
anchors it cites is still for the verifier to judge.

Whitespace between tokens is at most one space: compact JSON (what the prompts show and the
training corpus teaches) or `", "` / `": "` (what untrained chat models tend to write), so each
model keeps the layout it knows, while free whitespace (endless newlines inside a valid object, a
small model's favourite loop) is ruled out. Properties are written in the schema's order.
"""
from __future__ import annotations

import json
from typing import Any

JSON_DEFAULTS = {"whitespace_pattern": " ?"}


def available() -> bool:
    try:
        import llguidance  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


class SchemaConstraint:
    """Holds the llguidance tokenizer for one HF tokenizer (built once, ~1 s) and makes matchers."""

    def __init__(self, hf_tokenizer: Any) -> None:
        import llguidance.hf  # noqa: PLC0415

        self.tok = llguidance.hf.from_tokenizer(hf_tokenizer)
        self.vocab_size = self.tok.vocab_size
        self._grammars: dict[str, str] = {}

    def grammar(self, schema: dict[str, Any]) -> str:
        import llguidance  # noqa: PLC0415

        key = json.dumps(schema)  # not sort_keys: property order is the order the answer is written in
        if key not in self._grammars:
            self._grammars[key] = llguidance.LLMatcher.grammar_from_json_schema(key, defaults=JSON_DEFAULTS)
        return self._grammars[key]

    def matcher(self, schema: dict[str, Any]) -> Any:
        import llguidance  # noqa: PLC0415

        m = llguidance.LLMatcher(self.tok, self.grammar(schema), log_level=0)
        if m.is_error():
            raise ValueError(f"schema cannot be enforced: {m.get_error()[:300]}")
        return m

    def processor(self, schemas: list[dict[str, Any] | None], prompt_len: int) -> "BatchSchemaProcessor":
        return BatchSchemaProcessor(self, schemas, prompt_len)


class BatchSchemaProcessor:
    """A transformers logits processor: one matcher per row (None = that row is unconstrained)."""

    def __init__(self, constraint: SchemaConstraint, schemas: list[dict[str, Any] | None], prompt_len: int) -> None:
        import llguidance.torch  # noqa: PLC0415

        self.lt = llguidance.torch
        self.matchers = [constraint.matcher(s) if s else None for s in schemas]
        self.prompt_len = prompt_len
        self.vocab_size = constraint.vocab_size
        self.mask = self.lt.allocate_token_bitmask(len(schemas), constraint.vocab_size)
        self.errors: list[str | None] = [None] * len(schemas)

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if input_ids.shape[1] > self.prompt_len:  # consume the token each row chose last step
            last = input_ids[:, -1].tolist()
            for i, m in enumerate(self.matchers):
                if m is None or m.is_stopped() or m.is_error():
                    continue
                if not m.consume_token(last[i]):
                    self.errors[i] = m.get_error()[:300]
        rows = [i for i, m in enumerate(self.matchers) if m is not None and not m.is_error()]
        if not rows:
            return scores
        self.mask.fill_(-1)  # all allowed; rows below overwrite theirs
        for i in rows:
            self.lt.fill_next_token_bitmask(self.matchers[i], self.mask, i)
        if scores.shape[-1] == self.vocab_size:
            self.lt.apply_token_bitmask_inplace(scores, self.mask)
        else:  # the model's embedding is padded beyond the tokenizer: those rows are never valid
            head = scores[:, : self.vocab_size].contiguous()
            self.lt.apply_token_bitmask_inplace(head, self.mask)
            scores[:, : self.vocab_size] = head
            scores[:, self.vocab_size:] = float("-inf")
        return scores
