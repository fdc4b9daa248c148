"""Any OpenAI-compatible chat server (vLLM, SGLang, Ollama, llama.cpp server, hosted APIs).

- base URL and model from options (or OPENAI_BASE_URL / OPENAI_MODEL); the key is read from an
  environment variable (OPENAI_API_KEY, or the one named by `api_key_env`) and never leaves this
  object: `info()` (what manifests record) and error messages never contain it;
- images go as JPEG data URLs (local paths are read and re-encoded, large images scaled down);
  `images=False` for a text-only model (the agent then writes no evidence frames into prompts);
- `response_format` json_schema when the server takes it; a server that refuses it is asked again
  without, and the answer is parsed by `jsonparse.extract_json`;
- timeouts, retries with exponential backoff on 429/5xx/connection errors (honouring Retry-After; a
  refused connection fails at once: nothing listens there),
  a per-run request and token budget, usage per call; `agenerate` keeps at most `max_in_flight`
  requests open at once.
"""
from __future__ import annotations

import asyncio
import base64
import errno
import io
import logging
import math
import os
import random
import threading
import time
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataclawError
from ..redact import redact_text
from .base import Backend, Generation, empty_usage, map_parts
from .jsonparse import extract_json

log = logging.getLogger(__name__)

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class BackendError(DataclawError):
    """A request that failed for good (after retries), or a run that spent its budget."""


class BudgetExhausted(BackendError):
    pass


def jpeg_data_url(source: str | bytes, max_side: int | None = 768, quality: int = 85) -> str:
    """A local image path, raw bytes or data URL -> a JPEG data URL no larger than `max_side`."""
    from PIL import Image  # noqa: PLC0415

    if isinstance(source, bytes):
        raw = source
    elif source.startswith("data:"):
        head, _, b64 = source.partition(",")
        raw = base64.b64decode(b64)
        if "jpeg" in head and not max_side:
            return source
    else:
        raw = Path(source).read_bytes()
    with Image.open(io.BytesIO(raw)) as img:
        img = img.convert("RGB")
        if max_side and max(img.size) > max_side:
            img.thumbnail((max_side, max_side))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def image_tokens(width: int, height: int) -> int:
    """OpenAI's published high-detail cost: 85 + 170 per 512 px tile after fitting 2048 / 768 px."""
    scale = min(1.0, 2048 / max(width, height))
    w, h = width * scale, height * scale
    scale = min(1.0, 768 / min(w, h))
    w, h = w * scale, h * scale
    return 85 + 170 * math.ceil(w / 512) * math.ceil(h / 512)


def _image_size(url: str) -> tuple[int, int] | None:
    from PIL import Image  # noqa: PLC0415

    try:
        raw = base64.b64decode(url.partition(",")[2])
        with Image.open(io.BytesIO(raw)) as img:
            return img.size
    except Exception:  # noqa: BLE001 - only an estimate
        return None


def _refused(exc: BaseException) -> bool:
    """A connect error whose cause is ECONNREFUSED (timeouts, resets and 5xx are still retried)."""
    seen = 0
    e: BaseException | None = exc
    while e is not None and seen < 10:
        if isinstance(e, ConnectionRefusedError) or getattr(e, "errno", None) == errno.ECONNREFUSED:
            return True
        e = e.__cause__ or e.__context__
        seen += 1
    return "connection refused" in str(exc).lower() or "errno 111" in str(exc).lower()


class OpenAIBackend(Backend):
    name = "openai"

    def __init__(self, base_url: str | None = None, model: str | None = None, *,
                 api_key_env: str = "OPENAI_API_KEY", timeout: float = 120.0, max_retries: int = 3,
                 backoff: float = 1.0, max_in_flight: int = 8, max_tokens: int = 1024,
                 temperature: float = 0.0, structured: str = "auto", max_requests: int | None = None,
                 max_total_tokens: int | None = None, image_max_side: int | None = 768,
                 jpeg_quality: int = 85, extra_body: dict | None = None, images: bool = True,
                 **_ignored: Any) -> None:
        self._url = (base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1").rstrip("/")
        self.base_url = redact_text(self._url)  # what info(), reprs and errors show: no user:password
        self.model = model or os.environ.get("OPENAI_MODEL")
        if not self.model:
            raise ConfigError("the openai backend needs a model name (--model NAME or OPENAI_MODEL)")
        if structured not in ("auto", "json_schema", "json_object", "none"):
            raise ConfigError(f"structured must be auto, json_schema, json_object or none, not {structured!r}")
        self.api_key_env = api_key_env
        self._key = os.environ.get(api_key_env) or None  # optional: local servers take none
        self.timeout, self.max_retries, self.backoff = float(timeout), int(max_retries), float(backoff)
        self.max_in_flight = max(1, int(max_in_flight))
        self.max_tokens, self.temperature = int(max_tokens), float(temperature)
        self.structured = structured
        self.max_requests, self.max_total_tokens = max_requests, max_total_tokens
        self.image_max_side, self.jpeg_quality = image_max_side, int(jpeg_quality)
        self.extra_body = dict(extra_body or {})
        # a text-only model behind the server (llama.cpp without mmproj answers 500 to image parts)
        self.wants_images = str(images).lower() not in ("false", "0", "no")
        self.spent = {"requests": 0, "prompt_tokens": 0, "completion_tokens": 0, "retries": 0}
        self._lock = threading.Lock()
        self._client = None
        self._aclients: dict[int, Any] = {}  # one AsyncClient + semaphore per event loop

    # ------------------------------------------------------------ what manifests see
    def info(self) -> dict[str, Any]:
        return {"name": self.name, "model": self.model, "base_url": self.base_url,
                "api_key_env": self.api_key_env, "structured": self.structured, "images": self.wants_images,
                "max_in_flight": self.max_in_flight, "spent": dict(self.spent)}

    def __repr__(self) -> str:  # never the key
        return f"OpenAIBackend(base_url={self.base_url!r}, model={self.model!r})"

    # ------------------------------------------------------------ request building
    def _headers(self) -> dict[str, str]:
        h = {"Content-Type": "application/json"}
        if self._key:
            h["Authorization"] = f"Bearer {self._key}"
        return h

    def _payload(self, messages: list[dict], schema: dict, mode: str) -> tuple[dict, dict]:
        """The request body and the image stats of these messages."""
        stats = {"images": 0, "image_tokens_est": 0}

        def image(url: str, part: dict) -> dict:
            url = jpeg_data_url(url, self.image_max_side, self.jpeg_quality)
            size = _image_size(url)
            stats["images"] += 1
            stats["image_tokens_est"] += image_tokens(*size) if size else 0
            return {"type": "image_url", "image_url": {"url": url}}

        out = map_parts(messages, image)
        body: dict[str, Any] = {"model": self.model, "messages": out, "max_tokens": self.max_tokens,
                                "temperature": self.temperature, **self.extra_body}
        if mode == "json_schema" and schema:
            body["response_format"] = {"type": "json_schema",
                                       "json_schema": {"name": "draft", "schema": schema, "strict": False}}
        elif mode == "json_object":
            body["response_format"] = {"type": "json_object"}
        return body, stats

    def _mode(self) -> str:
        return "json_schema" if self.structured == "auto" else self.structured

    def _reserve(self) -> None:
        """Counts one request against the run's budget, or raises when it is spent."""
        with self._lock:
            s = self.spent
            if self.max_requests is not None and s["requests"] >= self.max_requests:
                raise BudgetExhausted(f"request budget spent ({self.max_requests} requests)")
            if self.max_total_tokens is not None and s["prompt_tokens"] + s["completion_tokens"] >= self.max_total_tokens:
                raise BudgetExhausted(f"token budget spent ({self.max_total_tokens} tokens)")
            s["requests"] += 1

    def _delay(self, attempt: int, resp: Any) -> float:
        if resp is not None:
            ra = resp.headers.get("retry-after")
            try:
                if ra is not None:
                    return min(60.0, float(ra))
            except ValueError:
                pass
        return self.backoff * (2 ** attempt) * (0.5 + random.random() / 2)

    @staticmethod
    def _refuses_format(resp: Any) -> bool:
        if resp.status_code not in (400, 422):
            return False
        text = resp.text.lower()
        return "response_format" in text or "json_schema" in text or "structured" in text

    def _finish(self, resp: Any, stats: dict, latency: float, retries: int) -> Generation:
        usage = empty_usage()
        usage.update(stats)
        usage["latency_s"] = round(latency, 4)
        usage["retries"] = retries
        try:
            data = resp.json()
            choice = data["choices"][0]
            text = choice["message"].get("content") or ""
        except Exception as exc:  # noqa: BLE001 - a server that answers 200 with garbage
            raise BackendError(f"{self.base_url}: malformed response ({type(exc).__name__}: "
                               f"{resp.text[:200]!r})") from None
        u = data.get("usage") or {}
        usage["prompt_tokens"] = int(u.get("prompt_tokens") or 0)
        usage["completion_tokens"] = int(u.get("completion_tokens") or 0)
        usage["requests"] = 1 + retries
        usage["finish_reason"] = choice.get("finish_reason")
        with self._lock:
            self.spent["prompt_tokens"] += usage["prompt_tokens"]
            self.spent["completion_tokens"] += usage["completion_tokens"]
            self.spent["retries"] += retries
        draft, err = extract_json(text)
        if draft is None and choice.get("finish_reason") == "length":
            err = f"{err} (stopped at max_tokens={self.max_tokens})"
        return Generation(draft, text, usage, err)

    def _fail(self, why: str) -> BackendError:
        return BackendError(f"{self.base_url}: {redact_text(why)}")

    def _outcome(self, resp: Any, exc: Exception | None, body: dict) -> str | None:
        """What one POST came to: None = answered (200); "" = the server refuses response_format, so
        the same request goes again at once without it (and every request from now on); else why it
        failed, to retry after a delay. Raises where retrying cannot help."""
        if exc is not None:
            why = f"{type(exc).__name__}: {exc or 'timed out'}"
            if _refused(exc):  # nothing listens there: retrying only wastes minutes
                raise self._fail(f"connection refused ({why}); is the server running?") from None
            return why
        if resp.status_code == 200:
            return None
        if "response_format" in body and self.structured == "auto" and self._refuses_format(resp):
            self.structured = "none"  # this server: plain text + extraction from now on
            body.pop("response_format")
            return ""
        why = f"HTTP {resp.status_code}: {resp.text[:200]}"
        if resp.status_code not in RETRY_STATUS:
            raise self._fail(why)
        return why

    def _backoff(self, why: str, attempt: int, resp: Any) -> float:
        """Seconds to wait before retry `attempt + 1`, or the error once the retries are spent."""
        if attempt >= self.max_retries:
            raise self._fail(f"{why} (gave up after {attempt + 1} attempts)")
        return self._delay(attempt, resp)

    # ------------------------------------------------------------ sync
    def generate(self, messages: list[dict], schema: dict, *, task: Any = None, evidence: Any = None,
                 spec: Any = None) -> Generation:
        import httpx  # noqa: PLC0415

        if self._client is None:
            self._client = httpx.Client(timeout=httpx.Timeout(self.timeout, connect=min(10.0, self.timeout)))
        body, stats = self._payload(messages, schema, self._mode())
        t, attempt = time.perf_counter(), 0
        while True:
            self._reserve()
            resp = exc = None
            try:
                resp = self._client.post(f"{self._url}/chat/completions", json=body, headers=self._headers())
            except (httpx.TimeoutException, httpx.TransportError) as e:
                exc = e
            why = self._outcome(resp, exc, body)
            if why is None:
                return self._finish(resp, stats, time.perf_counter() - t, attempt)
            if why:  # "" = the same request again at once, without response_format
                time.sleep(self._backoff(why, attempt, resp))
                attempt += 1

    # ------------------------------------------------------------ async
    def _aclient(self) -> tuple[Any, asyncio.Semaphore]:
        import httpx  # noqa: PLC0415

        loop = asyncio.get_running_loop()
        entry = self._aclients.get(id(loop))
        if entry is None or entry[2] is not loop:
            limits = httpx.Limits(max_connections=self.max_in_flight, max_keepalive_connections=self.max_in_flight)
            client = httpx.AsyncClient(timeout=httpx.Timeout(self.timeout, connect=min(10.0, self.timeout)),
                                       limits=limits)
            entry = (client, asyncio.Semaphore(self.max_in_flight), loop)
            self._aclients[id(loop)] = entry
        return entry[0], entry[1]

    async def agenerate(self, messages: list[dict], schema: dict, *, task: Any = None, evidence: Any = None,
                        spec: Any = None) -> Generation:
        import httpx  # noqa: PLC0415

        client, sem = self._aclient()
        body, stats = await asyncio.to_thread(self._payload, messages, schema, self._mode())
        t, attempt = time.perf_counter(), 0
        while True:
            resp = exc = None
            async with sem:
                self._reserve()
                try:
                    resp = await client.post(f"{self._url}/chat/completions", json=body, headers=self._headers())
                except (httpx.TimeoutException, httpx.TransportError) as e:
                    exc = e
            why = self._outcome(resp, exc, body)
            if why is None:
                return self._finish(resp, stats, time.perf_counter() - t, attempt)
            if why:  # "" = the same request again at once, without response_format
                await asyncio.sleep(self._backoff(why, attempt, resp))
                attempt += 1

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        for client, _sem, loop in self._aclients.values():
            if not loop.is_closed():
                try:
                    loop.run_until_complete(client.aclose())
                except RuntimeError:  # loop still running elsewhere: let it be collected
                    pass
        self._aclients.clear()
