"""`dataclaw view`: a small local web app over a dataset folder (stdlib http.server, no build step).

Security: serves only files inside the dataset folder (resolved paths, symlinks included) and the
media sources whose content hash is their id; binds to loopback unless `allow_remote` says otherwise,
and even then checks the Host header against named hosts (no DNS rebinding, never "any host"); takes
curation writes only as JSON from its own origin; times out a request that stops sending (a
Content-Length longer than its body cannot hold a thread); sends a strict CSP so
nothing from the data can run (the page builds its DOM with textContent, never innerHTML); files
that a browser could execute (HTML, SVG, JS) are sent as downloads, never rendered.
"""
from __future__ import annotations

import ipaddress
import json
import re
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ..errors import ConfigError
from .data import Dataset

INLINE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
                ".gif": "image/gif", ".mp4": "video/mp4", ".webm": "video/webm", ".mov": "video/quicktime",
                ".m4v": "video/mp4", ".mkv": "video/x-matroska", ".wav": "audio/wav", ".mp3": "audio/mpeg",
                ".json": "application/json", ".jsonl": "text/plain; charset=utf-8"}
STATIC = {"/": ("index.html", "text/html; charset=utf-8"), "/app.js": ("app.js", "text/javascript; charset=utf-8"),
          "/app.css": ("app.css", "text/css; charset=utf-8")}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 1 << 16
READ_TIMEOUT = 15.0  # seconds a request may stall while we read it (headers or body)
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "[::1]", "::1"}


def inside(root: Path, rel: str) -> Path | None:
    """The file `rel` under `root`, or None if it is not a file inside root (after resolving links)."""
    rel = unquote(rel)
    if "\x00" in rel:
        return None
    try:
        p = (root / rel.lstrip("/")).resolve()
        p.relative_to(root)
    except (ValueError, OSError, RuntimeError):
        return None
    return p if p.is_file() else None


class Handler(BaseHTTPRequestHandler):
    server_version = "dataclaw-view"
    dataset: Dataset
    allowed_hosts: set[str]
    timeout: float | None = READ_TIMEOUT  # StreamRequestHandler sets it on the socket: reads cannot hang

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet; errors still go to the status codes
        pass

    # ---------------------------------------------------------------- helpers
    def _headers(self, status: int, ctype: str, length: int | None = None, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()

    def _json(self, obj: Any, status: int = 200) -> None:
        body = json.dumps(obj, ensure_ascii=False, default=str).encode()
        self._headers(status, "application/json; charset=utf-8", len(body))
        self.wfile.write(body)

    def _error(self, status: int, msg: str) -> None:
        self._json({"error": msg}, status)

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").strip().lower()
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        return name in self.allowed_hosts

    # ---------------------------------------------------------------- GET
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._get(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._get(head=True)

    def _get(self, head: bool) -> None:
        if not self._host_ok():
            return self._error(HTTPStatus.FORBIDDEN, "unexpected Host header")
        url = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query).items()}
        path = url.path
        try:
            if path in STATIC:
                name, ctype = STATIC[path]
                body = resources.files("dataclaw.viewer").joinpath("static", name).read_bytes()
                self._headers(200, ctype, len(body))
                if not head:
                    self.wfile.write(body)
                return None
            if path == "/api/summary":
                return self._json(self.dataset.summary())
            if path == "/api/samples":
                try:
                    min_score = float(q.get("min_score") or 0)
                except ValueError:
                    return self._error(400, "min_score must be a number")
                return self._json(self.dataset.list(q.get("task", ""), q.get("domain", ""), min_score,
                                                    q.get("status", ""), q.get("q", "")))
            if path == "/api/sample":
                s = self.dataset.sample(q.get("id", ""))
                return self._json(s) if s else self._error(404, "no such sample")
            if path.startswith("/files/"):
                f = inside(self.dataset.root, path[len("/files/"):])
                return self._file(f, head) if f else self._error(404, "not a file inside the dataset folder")
            if path.startswith("/source/"):
                sid = unquote(path[len("/source/"):])
                src = self.dataset.source_paths().get(sid)
                f = Path(src) if src else None
                if not (f and f.is_file() and _is_source(f, sid)):
                    return self._error(404, "not a media source of this dataset")
                return self._file(f, head)
        except (BrokenPipeError, ConnectionResetError):
            return None
        return self._error(404, "not found")

    def _file(self, f: Path, head: bool) -> None:
        suffix = f.suffix.lower()
        ctype = INLINE_TYPES.get(suffix)
        extra = {"Accept-Ranges": "bytes"}
        if ctype is None:  # never render HTML/SVG/JS from the data in this origin
            ctype = "application/octet-stream"
            extra["Content-Disposition"] = "attachment"
        size = f.stat().st_size
        start, end, status = 0, size - 1, 200
        m = _RANGE.match(self.headers.get("Range", "").strip())
        if m and (m.group(1) or m.group(2)):
            if m.group(1):
                start = int(m.group(1))
                end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
            else:  # suffix range: the last N bytes
                start = max(0, size - int(m.group(2)))
            if start > end or start >= size:
                return self._headers(416, "text/plain", 0, {"Content-Range": f"bytes */{size}"})
            status = 206
            extra["Content-Range"] = f"bytes {start}-{end}/{size}"
        self._headers(status, ctype, end - start + 1, extra)
        if head:
            return
        with open(f, "rb") as fh:
            fh.seek(start)
            left = end - start + 1
            while left > 0:
                block = fh.read(min(CHUNK, left))
                if not block:
                    break
                self.wfile.write(block)
                left -= len(block)

    # ---------------------------------------------------------------- POST
    def do_POST(self) -> None:  # noqa: N802
        if not self._host_ok():
            return self._error(HTTPStatus.FORBIDDEN, "unexpected Host header")
        if urlsplit(self.path).path != "/api/curation":
            return self._error(404, "not found")
        # JSON only (a cross-site form cannot send it without a CORS preflight we never answer)
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return self._error(415, "send application/json")
        origin = self.headers.get("Origin")
        if origin and urlsplit(origin).netloc.lower() != (self.headers.get("Host") or "").lower():
            return self._error(403, "cross-origin write refused")
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return self._error(400, "bad Content-Length")
        if n <= 0 or n > 1 << 20:
            return self._error(413, "mark too large or empty")
        try:
            body = self.rfile.read(n)
        except TimeoutError:
            self.close_connection = True
            return self._error(408, f"request body shorter than its Content-Length ({n}): "
                                    f"nothing more came for {self.timeout:g} s")
        if len(body) < n:  # the client closed its side early
            return self._error(400, f"request body shorter than its Content-Length ({len(body)} of {n} bytes)")
        try:
            mark = json.loads(body)
            if not isinstance(mark, dict):
                raise ValueError("a mark is a JSON object")
            saved = self.dataset.mark(mark)
        except (json.JSONDecodeError, ValueError, TypeError, AttributeError, RecursionError) as exc:
            return self._error(400, f"bad mark: {exc}")
        return self._json(saved)


_MEDIA = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".mp4", ".webm", ".mov", ".m4v", ".mkv", ".wav", ".mp3"}
_VERIFIED: dict[tuple[str, str, int, int], bool] = {}  # (id, path, size, mtime) -> hash matched


def _is_source(f: Path, sid: str) -> bool:
    """A file outside the folder is served only if it is media and its content hash is the source id
    (an edited manifest.json naming /etc/passwd gets nothing); checked once per file version."""
    if f.suffix.lower() not in _MEDIA:
        return False
    st = f.stat()
    key = (sid, str(f), st.st_size, st.st_mtime_ns)
    if key not in _VERIFIED:
        from ..sources import content_hash  # noqa: PLC0415

        _VERIFIED[key] = content_hash(f) == sid
    return _VERIFIED[key]


class RemoteBindError(ConfigError):
    """A bind that other machines can reach, asked for without saying so."""

    def __init__(self, host: str) -> None:
        super().__init__(f"--host {host}: not a loopback address, so other machines could read and curate the "
                         "dataset; pass --allow-remote (and --allowed-host NAME for each name clients use) "
                         "if that is what you want")


def is_loopback(host: str) -> bool:
    """True if `host` names only loopback addresses (a name is resolved; one that does not resolve is not)."""
    h = host.strip().strip("[]").lower()
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        pass
    try:
        addrs = {ai[4][0] for ai in socket.getaddrinfo(h, None)}
    except OSError:
        return False
    return bool(addrs) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addrs)


def _host_name(h: str) -> str:
    """How a Host header spells the address (IPv6 in brackets)."""
    h = h.strip().lower()
    return f"[{h.strip('[]')}]" if ":" in h.strip("[]") else h


def remote_names(host: str) -> set[str]:
    """The names a client on another machine uses for this one: the bound address itself, or, for a
    wildcard bind, this machine's host name, full name and the addresses that name resolves to."""
    if host not in ("0.0.0.0", "::", ""):
        return {_host_name(host)}
    names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    try:
        names |= {_host_name(ai[4][0].split("%")[0]) for ai in socket.getaddrinfo(socket.gethostname(), None)}
    except OSError:
        pass
    return {n for n in names if n}


def make_server(dataset_dir: str | Path, host: str = "127.0.0.1", port: int = 8765, *,
                allow_remote: bool = False, allowed_hosts: tuple[str, ...] | list[str] = (),
                timeout: float = READ_TIMEOUT) -> ThreadingHTTPServer:
    """A ready server (not yet serving); port 0 picks a free one (see `server.server_address`).

    A non-loopback `host` needs `allow_remote=True`; the Host header must then be one of the loopback
    names, `remote_names(host)` or `allowed_hosts` (a wildcard bind is never "any host")."""
    if not is_loopback(host) and not allow_remote:
        raise RemoteBindError(host)
    ds = Dataset(dataset_dir)
    hosts = set(LOOPBACK_NAMES) | {_host_name(host)} | {_host_name(h) for h in allowed_hosts if h.strip()}
    if not is_loopback(host):
        hosts |= remote_names(host)
    hosts.discard("")
    handler = type("BoundHandler", (Handler,), {"dataset": ds, "allowed_hosts": hosts, "timeout": timeout})
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server_cls = type("ViewerServer", (ThreadingHTTPServer,), {"address_family": family})
    srv = server_cls((host.strip("[]"), port), handler)
    srv.daemon_threads = True
    return srv


def serve_in_thread(dataset_dir: str | Path, host: str = "127.0.0.1", port: int = 0,
                    **kw: Any) -> tuple[ThreadingHTTPServer, str]:
    """Starts the viewer in a background thread; returns (server, base URL). Stop with server.shutdown().
    Keyword options go to `make_server`."""
    srv = make_server(dataset_dir, host, port, **kw)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    h, p = srv.server_address[:2]
    return srv, f"http://{_host_name(h)}:{p}"
