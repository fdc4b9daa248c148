"""A small, real OpenAI-compatible chat server over a local transformers model (the `hf` backend).

    python -m dataclaw.backends.hf_server --model smollm2 --port 8011

Serves `POST /v1/chat/completions`, `GET /v1/models` and `GET /health` with Starlette + uvicorn.
Requests that arrive together are decoded together: a worker thread takes up to `max_batch`
waiting conversations and runs one batched `generate` (left padding), so several requests in flight
finish sooner than the same requests one by one. `response_format` `json_schema` (and `json_object`)
constrains decoding to the schema with llguidance, as vLLM does (see `constrain.py`); a server started
with `--constrain none` answers free text and clients parse the JSON out of it.
"""
from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import logging
import queue
import threading
import time
import uuid
from typing import Any
from .hf import HFBackend

log = logging.getLogger(__name__)


class Batcher:
    """Collects pending requests and decodes them in batches on one worker thread."""

    def __init__(self, backend: Any, max_batch: int = 8, wait_s: float = 0.02) -> None:
        self.backend, self.max_batch, self.wait_s = backend, max_batch, wait_s
        self.q: queue.Queue = queue.Queue()
        self.batches: list[int] = []  # sizes, for benchmarks
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hf-batcher", daemon=True)
        self._thread.start()

    def submit(self, messages: list[dict], max_tokens: int, temperature: float,
               schema: dict | None = None) -> concurrent.futures.Future:
        fut: concurrent.futures.Future = concurrent.futures.Future()
        self.q.put((messages, max_tokens, temperature, fut, schema))
        return fut

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                first = self.q.get(timeout=0.2)
            except queue.Empty:
                continue
            batch = [first]
            deadline = time.monotonic() + self.wait_s
            while len(batch) < self.max_batch:
                left = deadline - time.monotonic()
                try:
                    batch.append(self.q.get(timeout=max(0.0, left)) if left > 0 else self.q.get_nowait())
                except queue.Empty:
                    break
            # one decode per (temperature) group; max_tokens = the largest asked for
            groups: dict[float, list] = {}
            for item in batch:
                groups.setdefault(item[2], []).append(item)
            for temp, items in groups.items():
                self.batches.append(len(items))
                try:
                    results = self.backend.complete_batch([i[0] for i in items], max(i[1] for i in items), temp,
                                                          schemas=[i[4] for i in items])
                except Exception as exc:  # noqa: BLE001 - answer every waiter with the error
                    for i in items:
                        i[3].set_exception(exc)
                    continue
                for i, r in zip(items, results):
                    i[3].set_result(r)

    def stop(self) -> None:
        self._stop.set()


def response_schema(fmt: Any) -> dict | None:
    """OpenAI `response_format` -> the JSON Schema to enforce (None = free text)."""
    if not fmt:
        return None
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "object"}
    if kind == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema")
        if not isinstance(schema, dict):
            raise ValueError("response_format.json_schema.schema must be a JSON Schema object")
        return schema
    raise ValueError(f"unsupported response_format type {kind!r} (text, json_object, json_schema)")


def make_app(backend: Any, model_name: str, max_batch: int = 8) -> Any:
    from starlette.applications import Starlette  # noqa: PLC0415
    from starlette.requests import Request  # noqa: PLC0415
    from starlette.responses import JSONResponse  # noqa: PLC0415
    from starlette.routing import Route  # noqa: PLC0415

    batcher = Batcher(backend, max_batch=max_batch)

    async def chat(request: Request) -> JSONResponse:
        try:
            body = await request.json()
            messages = body["messages"]
            if not isinstance(messages, list) or not messages:
                raise ValueError("messages must be a non-empty list")
        except Exception as exc:  # noqa: BLE001
            return JSONResponse({"error": {"message": f"bad request: {exc}", "type": "invalid_request_error"}},
                                status_code=400)
        max_tokens = int(body.get("max_tokens") or body.get("max_completion_tokens") or backend.max_new_tokens)
        temperature = float(body.get("temperature") or 0.0)
        try:
            schema = response_schema(body.get("response_format"))
            if hasattr(backend, "check_schema"):
                await asyncio.to_thread(backend.check_schema, schema)
        except ValueError as exc:
            return JSONResponse({"error": {"message": str(exc), "type": "invalid_request_error"}}, status_code=400)
        fut = batcher.submit(messages, max_tokens, temperature, schema)
        try:
            res = await asyncio.wrap_future(fut)
        except ValueError as exc:  # e.g. the prompt does not fit the context
            return JSONResponse({"error": {"message": str(exc), "type": "invalid_request_error"}}, status_code=400)
        except Exception as exc:  # noqa: BLE001
            log.exception("generation failed")
            return JSONResponse({"error": {"message": f"{type(exc).__name__}: {exc}", "type": "server_error"}},
                                status_code=500)
        return JSONResponse({
            "id": f"chatcmpl-{uuid.uuid4().hex[:16]}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model") or model_name,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": res["text"]},
                         "finish_reason": res["finish_reason"]}],
            "usage": {"prompt_tokens": res["prompt_tokens"], "completion_tokens": res["completion_tokens"],
                      "total_tokens": res["prompt_tokens"] + res["completion_tokens"]},
        })

    async def models(_request: Request) -> JSONResponse:
        return JSONResponse({"object": "list", "data": [{"id": model_name, "object": "model", "owned_by": "local"}]})

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "model": model_name, "batches": batcher.batches[-50:],
                             "constrain": getattr(backend, "constrain", "none")})

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> Any:
        yield
        batcher.stop()

    app = Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"]),
                            Route("/v1/models", models), Route("/health", health)],
                    lifespan=lifespan)
    app.state.batcher = batcher
    return app


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="smollm2", help="model folder, GGUF file, or smollm2 (the wheel's)")
    ap.add_argument("--name", default=None, help="model name the server reports (default: --model)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8011)
    ap.add_argument("--max-batch", type=int, default=8)
    ap.add_argument("--max-new-tokens", type=int, default=512)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--constrain", default="auto", choices=["auto", "json_schema", "none"],
                    help="enforce response_format schemas while decoding (auto: when llguidance is installed)")
    args = ap.parse_args(argv)
    import uvicorn  # noqa: PLC0415

    backend = HFBackend(args.model, max_new_tokens=args.max_new_tokens, threads=args.threads,
                        constrain=args.constrain)
    backend.load()  # before listening: /health answering means the model is ready
    app = make_app(backend, args.name or args.model, args.max_batch)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
