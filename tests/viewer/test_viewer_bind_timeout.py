"""The viewer's socket side: a stalled body times out (no hung thread), a non-loopback bind needs
--allow-remote, and a remote bind still checks the Host header and the Origin of writes.

The dataset is a one-row folder written here: these tests are about the real HTTP server, not the data."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_server import _req

from dataclaw.viewer import make_server, serve_in_thread
from dataclaw.viewer.server import RemoteBindError, is_loopback

ROW = {"id": "s1", "task": "tutorial", "domain": "education", "source": "src1",
       "query": {"text": "how?", "media": []}, "solution": [], "evidence": [], "scores": {}}


@pytest.fixture()
def tiny(tmp_path) -> Path:
    ds = tmp_path / "ds"
    ds.mkdir()
    (ds / "samples.jsonl").write_text(json.dumps(ROW) + "\n")
    (ds / "manifest.json").write_text(json.dumps({"intent": "x", "sources": {}}))
    return ds


def _raw(host: str, port: int, data: bytes, wait: float) -> tuple[bytes, float]:
    """Sends `data` and keeps the socket open; returns what came back and how long it took."""
    t0 = time.monotonic()
    with socket.create_connection((host, port), timeout=wait) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except TimeoutError:
                break
            if not b:
                break
            chunks.append(b)
    return b"".join(chunks), time.monotonic() - t0


def test_body_shorter_than_content_length_times_out(tiny):
    srv, url = serve_in_thread(tiny, timeout=1.0)
    try:
        host, port = srv.server_address[:2]
        head = (f"POST /api/curation HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                "Content-Length: 500\r\n\r\n").encode()
        got, took = _raw(host, port, head + b'{"id": "s1"', wait=20)
        assert got.startswith(b"HTTP/1.0 408"), got[:200]
        assert b"shorter than its Content-Length" in got and took < 10, (got, took)
        # headers that never end (slowloris) are cut too: the connection closes with no answer
        got, took = _raw(host, port, b"GET /api/summary HTTP/1.1\r\nHost: 127.0.0.1\r\n", wait=20)
        assert took < 10 and b"200 OK" not in got
        assert _req(url, "/api/summary")[0] == 200  # and the server still answers
        assert not (tiny / "curation.jsonl").exists()
    finally:
        srv.shutdown()
        srv.server_close()


def test_default_read_timeout_is_set():
    from dataclaw.viewer.server import READ_TIMEOUT, Handler

    assert Handler.timeout == READ_TIMEOUT and 0 < READ_TIMEOUT <= 60


def test_non_loopback_bind_needs_allow_remote(tiny):
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("") and not is_loopback("192.168.1.5")
    for host in ("0.0.0.0", "::", ""):
        with pytest.raises(RemoteBindError, match="--allow-remote"):
            make_server(tiny, host, 0)
    # the CLI refuses the same way: a usage error (exit 2) that says which flag to pass
    r = subprocess.run([sys.executable, "-m", "dataclaw.cli", "view", str(tiny), "--host", "0.0.0.0", "-p", "0"],
                       capture_output=True, text=True, timeout=60, env=_env())
    assert r.returncode == 2 and "--host 0.0.0.0" in r.stderr and "--allow-remote" in r.stderr, r.stderr


def _env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2] / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_remote_bind_keeps_host_and_origin_checks(tiny):
    srv, _ = serve_in_thread(tiny, "0.0.0.0", 0, allow_remote=True, allowed_hosts=["viewer.lab.example"])
    try:
        port = srv.server_address[1]
        url = f"http://127.0.0.1:{port}"
        allowed = srv.RequestHandlerClass.allowed_hosts
        assert "*" not in allowed and socket.gethostname().lower() in allowed
        for name in ("127.0.0.1", "localhost", socket.gethostname(), "viewer.lab.example"):
            assert _req(url, "/api/summary", headers={"Host": f"{name}:{port}"})[0] == 200, name
        for name in ("attacker.example", "viewer.lab.example.attacker.example", "", "*"):
            assert _req(url, "/api/summary", headers={"Host": f"{name}:{port}"})[0] == 403, name
        mark = json.dumps({"id": "s1", "status": "rejected"}).encode()
        h = {"Host": f"viewer.lab.example:{port}", "Content-Type": "application/json"}
        assert _req(url, "/api/curation", "POST", mark, {**h, "Origin": "http://attacker.example"})[0] == 403
        assert _req(url, "/api/curation", "POST", mark, {**h, "Origin": "null"})[0] == 403
        assert not (tiny / "curation.jsonl").exists()
        assert _req(url, "/api/curation", "POST", mark, {**h, "Origin": f"http://viewer.lab.example:{port}"})[0] == 200
        assert (tiny / "curation.jsonl").exists()
    finally:
        srv.shutdown()
        srv.server_close()
