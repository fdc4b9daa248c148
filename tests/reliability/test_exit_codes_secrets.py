"""An unreachable backend fails fast (exit 1) and no secret reaches any file or stderr; the other
exit-code cases are rows of the bad-input corpus (test_bad_input_corpus.py)."""
from __future__ import annotations

import json

from reliability_util import run_cli

SECRET = "sk-secret123"
URL = f"http://user:{SECRET}@127.0.0.1:9/v1"  # port 9 (discard): nothing listens, the connection is refused


def test_unreachable_backend_fails_fast_and_leaks_no_secret(tmp_path, lecture):
    out = tmp_path / "ds"
    r = run_cli("tailor", str(lecture), "-i", "turn this lecture into a tutorial", "-o", str(out), "-q",
                "-b", "openai", "-m", "any-model", "--base-url", URL, "--backend-option", "api_key=sk-other4567")
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "nothing made" in r.stderr and "connection refused" in r.stderr.lower()
    for stream in (r.stdout, r.stderr):
        assert SECRET not in stream and "sk-other4567" not in stream and "user:" not in stream
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name == "manifest.json" for p in files) and any(p.name == "rejected.jsonl" for p in files)
    for p in files:
        data = p.read_bytes()
        assert SECRET.encode() not in data and b"sk-other4567" not in data, p
    m = json.loads((out / "manifest.json").read_text())
    assert m["backend"]["base_url"] == "http://***@127.0.0.1:9/v1"


def test_refused_connection_is_not_retried_but_a_dead_port_is_not_a_timeout():
    from dataclaw.backends import get_backend
    from dataclaw.backends.openai import BackendError

    be = get_backend("openai", base_url=URL, model="m", max_retries=3, backoff=5.0)
    try:
        be.generate([{"role": "user", "content": "hi"}], {})
        raise AssertionError("a refused connection must raise")
    except BackendError as exc:
        assert "connection refused" in str(exc) and SECRET not in str(exc)
    assert be.spent["requests"] == 1 and be.spent["retries"] == 0  # one attempt, no backoff sleeps
    assert SECRET not in repr(be) and SECRET not in json.dumps(be.info())
    be.close()


# Exit codes for empty folders, bad sources, bad manifest lines and globs: test_bad_input_corpus.py
