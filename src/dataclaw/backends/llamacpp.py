"""Local GGUF models on llama.cpp (xllamacpp): the `llamacpp` backend and the server it runs.

    dataclaw tailor SRC --backend llamacpp --model FILE.gguf [--backend-option parallel=4]

xllamacpp wraps llama.cpp's own C++ server: `LlamaCppServer` loads the model once, decodes up to
`parallel` requests at once in separate slots (continuous batching: a new request joins the running
batch at the next step) and listens on a loopback HTTP port with llama.cpp's OpenAI-compatible API
(`/v1/chat/completions`, `/v1/models`, `/health`, `/metrics`). The backend calls the same handler
in-process (`handle_chat_completions`, which releases the GIL), so no HTTP hop is paid per request.

Constrained decoding: each request carries the agent's evidence-narrowed schema
(`tasks.shared.common.ground_schema`) as a llama.cpp grammar in llguidance form (`%llguidance` + `%json`),
which this llama.cpp build compiles with llguidance, the library the `hf` backend uses. Whitespace
is ruled out (compact JSON, what the prompts show and the training corpus teaches): the `hf`
backend's " ?" rule (`constrain.JSON_DEFAULTS`) does not hold here, because llama.cpp's bundled
llguidance lets that pattern repeat (a random-weight model wrote 18-space tokens without end under
it; with `whitespace_flexible: false` it cannot). Clients of the HTTP server send the OpenAI
`response_format` instead (llama.cpp turns it into the same kind of grammar, with free whitespace).

Vision: a VLM GGUF needs its multimodal projector (`mmproj=FILE.gguf`, llama.cpp's mtmd); images then
go to the model as data URLs. Without a projector, image parts become "[image]" in the text, as the
`hf` backend does for a text-only model.

Expert sets: `--model DIR` where DIR has `router.json` (`dataclaw train --mode expert`) serves one llama.cpp
model per domain, routed by the plan's domain with `backends.expert`'s Router (a missing domain goes to the
default expert). An expert's path is a GGUF file, a folder holding one GGUF, or a checkpoint folder (converted
once, cached, as for an Omni checkpoint); each expert's server starts on its domain's first request.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..models_llm import resolve_gguf
from .base import Backend, Generation, empty_usage, flatten_messages, map_parts
from .jsonparse import extract_json

log = logging.getLogger(__name__)

DEFAULT_CONTEXT = 4096  # tokens per slot (prompt + answer); a t2v prompt on the lecture is ~1.5k


def available() -> bool:
    try:
        import xllamacpp  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def llguidance_grammar(schema: dict[str, Any]) -> str:
    """A llama.cpp `grammar` string that llguidance compiles to `schema`, as compact JSON."""
    opts = {**schema.get("x-guidance", {}), "whitespace_flexible": False}
    return "%llguidance {}\nstart: %json " + json.dumps({**schema, "x-guidance": opts})


class LlamaCppServer:
    """llama.cpp's server in this process, on 127.0.0.1 (port 0 = a free one)."""

    def __init__(self, model: str | Path, *, mmproj: str | Path | None = None, parallel: int = 4,
                 context: int = DEFAULT_CONTEXT, threads: int | None = None, port: int = 0,
                 host: str = "127.0.0.1", alias: str | None = None, chat_template: str | None = None,
                 verbosity: int = -1) -> None:
        try:
            import xllamacpp  # noqa: PLC0415
        except ImportError as exc:
            raise ConfigError("the llamacpp backend needs xllamacpp: pip install 'dataclaw0[llm]'") from exc
        self.model_path = Path(model)
        if not self.model_path.is_file():
            raise ConfigError(f"{self.model_path}: GGUF file not found")
        _check_gguf(self.model_path)
        self.mmproj = Path(mmproj) if mmproj else None
        if self.mmproj is not None:
            if not self.mmproj.is_file():
                raise ConfigError(f"{self.mmproj}: mmproj (multimodal projector) file not found")
            _check_gguf(self.mmproj)
        self.parallel, self.context = max(1, int(parallel)), int(context)
        self.threads = int(threads or min(os.cpu_count() or 2, 8))
        p = xllamacpp.CommonParams()
        p.model.path = str(self.model_path)
        if self.mmproj is not None:
            p.mmproj.path = str(self.mmproj)
            p.mmproj_use_gpu = False
        else:
            p.no_mmproj = True
        p.n_parallel = self.parallel
        p.n_ctx = self.context * self.parallel  # llama.cpp splits n_ctx evenly between the slots
        p.cont_batching = True
        p.cpuparams.n_threads = self.threads
        p.cpuparams_batch.n_threads = self.threads
        p.hostnames = [host]
        p.port = int(port)
        p.offline = True  # never reach a model hub
        p.endpoint_metrics = True  # /metrics: busy slots per decode (how much batching happened)
        p.ui = False
        p.verbosity = int(verbosity)
        if alias:
            p.model_alias = {alias}
        if chat_template:
            p.chat_template = chat_template
        t = time.perf_counter()
        try:
            self._server = xllamacpp.Server(p)
        except RuntimeError as exc:
            raise ConfigError(f"{self.model_path}: llama.cpp could not load it ({exc})") from exc
        self.load_s = time.perf_counter() - t
        self.url = self._server.listening_address  # http://127.0.0.1:PORT
        self.vision = self.mmproj is not None

    def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        """One OpenAI chat-completion request (blocking; safe from many threads at once)."""
        if self._server is None:
            raise RuntimeError("the llama.cpp server is closed")
        return self._server.handle_chat_completions(body)

    def metrics(self) -> dict[str, float]:
        """llama.cpp's Prometheus counters, e.g. `n_busy_slots_per_decode`."""
        out = {}
        for line in self._server.handle_metrics().splitlines() if self._server is not None else []:
            if line.startswith("llamacpp:"):
                name, _, value = line.partition(" ")
                try:
                    out[name.split(":", 1)[1]] = float(value)
                except ValueError:
                    pass
        return out

    def close(self) -> None:
        server, self._server = getattr(self, "_server", None), None
        del server  # the destructor stops the loop and joins its thread


def _check_gguf(path: Path) -> None:
    with open(path, "rb") as fh:
        if fh.read(4) != b"GGUF":
            raise ConfigError(f"{path}: not a GGUF file (no GGUF magic)")


def expert_gguf(path: Path) -> Path | None:
    """What an Expert set's expert path gives llama.cpp: the path itself if it is a .gguf file, the one
    GGUF in a folder (projectors aside), or None (then a checkpoint folder is converted)."""
    if path.is_file():
        return path if path.suffix.lower() == ".gguf" else None
    ggufs = sorted(p for p in path.glob("*.gguf") if "mmproj" not in p.name.lower()) if path.is_dir() else []
    if len(ggufs) > 1 and not (path / "config.json").is_file():
        raise ConfigError(f"{path}: several GGUF files ({', '.join(p.name for p in ggufs)}); an expert holds one")
    return ggufs[0] if len(ggufs) == 1 else None


def _has_expert_model(path: Path) -> bool:
    return (path / "config.json").is_file() or (path.exists() and expert_gguf(path) is not None)


def llamacpp_backend(model: str | Path | None = None, **options: Any) -> Backend:
    """The `llamacpp` backend: an Expert set (a folder with router.json) gets one `LlamaCppBackend` per
    domain behind the shared Router; any other model (GGUF, checkpoint folder, "smollm2") one backend."""
    if model is not None and (Path(str(model)).expanduser() / "router.json").is_file():
        from .expert import ExpertBackend, load_router  # noqa: PLC0415

        root = Path(str(model)).expanduser()
        router = load_router(root, _has_expert_model, "a GGUF file or a model folder")
        return ExpertBackend(root, make=lambda p, **o: LlamaCppBackend(expert_gguf(p) or p, **o), name="llamacpp",
                             router=router, **options)
    return LlamaCppBackend(model, **options)


class LlamaCppBackend(Backend):
    name = "llamacpp"

    def __init__(self, model: str | Path | None = None, *, mmproj: str | Path | None = None, parallel: int = 4,
                 context: int = DEFAULT_CONTEXT, threads: int | None = None, max_tokens: int = 512,
                 max_new_tokens: int | None = None, temperature: float = 0.0, constrain: str = "auto",
                 seed: int = 0, **_ignored: Any) -> None:
        if constrain not in ("auto", "json_schema", "none"):
            raise ConfigError(f"constrain must be auto, json_schema or none, not {constrain!r}")
        self.path = resolve_gguf(model)
        self.model = str(model) if model else "smollm2-135m-instruct"
        self.mmproj = str(mmproj) if mmproj else None
        self.parallel, self.context, self.threads = int(parallel), int(context), threads
        self.max_tokens = int(max_new_tokens or max_tokens)
        self.temperature, self.seed = float(temperature), int(seed)
        self.constrain = "none" if constrain == "none" else "json_schema"
        self._server: LlamaCppServer | None = None
        self._lock = threading.Lock()
        self._sems: dict[int, tuple[asyncio.Semaphore, Any]] = {}

    @property
    def wants_images(self) -> bool:  # frames are written only for a model that can see them
        return self.mmproj is not None

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "model": self.model, "path": str(self.path), "mmproj": self.mmproj,
                "parallel": self.parallel, "context": self.context, "max_tokens": self.max_tokens,
                "temperature": self.temperature, "constrain": self.constrain}

    def load(self) -> LlamaCppServer:
        with self._lock:
            if self._server is None:
                self._server = LlamaCppServer(self.path, mmproj=self.mmproj, parallel=self.parallel,
                                              context=self.context, threads=self.threads)
            return self._server

    def _body(self, messages: list[dict], schema: dict | None) -> tuple[dict[str, Any], int]:
        if self.mmproj is not None:
            from .openai import jpeg_data_url  # noqa: PLC0415

            msgs, n_dropped = map_parts(messages, lambda url, p: {"type": "image_url",
                                                                  "image_url": {"url": jpeg_data_url(url)}}), 0
        else:
            msgs, imgs = flatten_messages(messages)
            n_dropped = len(imgs)
        body: dict[str, Any] = {"messages": msgs, "max_tokens": self.max_tokens, "temperature": self.temperature,
                                "seed": self.seed, "cache_prompt": True}
        if schema and self.constrain != "none":
            body["grammar"] = llguidance_grammar(schema)
        return body, n_dropped

    def generate(self, messages: list[dict], schema: dict, *, task: Any = None, evidence: Any = None,
                 spec: Any = None) -> Generation:
        server = self.load()
        t = time.perf_counter()
        body, dropped = self._body(messages, schema)
        try:
            res = server.chat(body)
        except RuntimeError as exc:  # llama.cpp raises for input it refuses (e.g. images without mmproj)
            return Generation(None, "", empty_usage(), f"backend error: llama.cpp: {exc}")
        usage = empty_usage()
        usage["latency_s"] = round(time.perf_counter() - t, 4)
        usage["images_dropped"] = dropped
        err = res.get("error") if isinstance(res, dict) else None
        if err or "choices" not in res:
            msg = (err or {}).get("message") if isinstance(err, dict) else (err or res.get("message") or res)
            return Generation(None, "", usage, f"backend error: llama.cpp: {str(msg)[:300]}")
        choice = res["choices"][0]
        text = (choice.get("message") or {}).get("content") or ""
        u = res.get("usage") or {}
        usage.update(prompt_tokens=int(u.get("prompt_tokens") or 0), completion_tokens=int(u.get("completion_tokens") or 0),
                     requests=1, finish_reason=choice.get("finish_reason"), model=res.get("model"),
                     constrained=bool(schema and self.constrain != "none"))
        draft, perr = extract_json(text)
        if draft is None and choice.get("finish_reason") == "length":
            perr = f"{perr} (stopped at max_tokens={self.max_tokens})"
        return Generation(draft, text, usage, perr)

    async def agenerate(self, messages: list[dict], schema: dict, *, task: Any = None, evidence: Any = None,
                        spec: Any = None) -> Generation:
        # at most `parallel` requests wait inside llama.cpp at once; more would only queue there
        loop = asyncio.get_running_loop()
        entry = self._sems.get(id(loop))
        if entry is None or entry[1] is not loop:
            entry = (asyncio.Semaphore(self.parallel), loop)
            self._sems[id(loop)] = entry
        async with entry[0]:
            return await asyncio.to_thread(self.generate, messages, schema, task=task, evidence=evidence, spec=spec)

    def close(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.close()
                self._server = None
