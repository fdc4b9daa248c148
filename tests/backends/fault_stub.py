"""FAULT-INJECTION STUB, not a model: a tiny HTTP server that answers /v1/chat/completions with
scripted faults (timeouts, 500/429, truncated or malformed JSON, wrong schema, hallucinated ids).

Real model behaviour is tested against the real SmolLM2 server (see conftest.py); this stub only
produces failures a real server cannot be made to produce on demand.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


def completion(content: str, finish: str = "stop") -> dict[str, Any]:
    return {"id": "stub", "object": "chat.completion", "model": "stub",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}],
            "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}}


class FaultStub:
    """`script` is a list of actions taken one per request (the last repeats). An action is a dict:
    {"status": int, "body": str|dict, "delay": s, "headers": {...}} or a callable(request_json) -> action."""

    def __init__(self, script: list[Any]) -> None:
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(n) or b"{}")
                with stub._lock:
                    idx = len(stub.requests)
                    stub.requests.append(body)
                    stub.headers.append(dict(self.headers))
                    stub.in_flight += 1
                    stub.max_in_flight = max(stub.max_in_flight, stub.in_flight)
                try:
                    action = stub.script[min(idx, len(stub.script) - 1)]
                    if callable(action):
                        action = action(body)
                    time.sleep(action.get("delay", 0))
                    payload = action.get("body", "")
                    raw = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
                    raw = raw.encode() if isinstance(raw, str) else raw
                    self.send_response(action.get("status", 200))
                    for k, v in action.get("headers", {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with stub._lock:
                        stub.in_flight -= 1

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FaultStub":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def ok(content: str | dict, **kw: Any) -> dict[str, Any]:
    text = content if isinstance(content, str) else json.dumps(content)
    return {"status": 200, "body": completion(text, **kw)}


Action = dict[str, Any] | Callable[[dict], dict]
