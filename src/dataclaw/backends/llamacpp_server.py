"""llama.cpp's OpenAI-compatible server (xllamacpp) for a GGUF model, as a process of its own.

    python -m dataclaw.backends.llamacpp_server --model FILE.gguf|smollm2|CHECKPOINT_DIR --port 8011 --parallel 4

This is llama.cpp's own C++ HTTP server (slots, continuous batching, `response_format` json_schema
through its grammar engine, usage per request), not ours: the `openai` backend, the tests and the
benchmarks talk to it as to any vLLM / SGLang / Ollama server. A transformers checkpoint folder
(e.g. `dataclaw train` output) is converted to GGUF once and cached (`models_llm.resolve_gguf`).
The process prints `listening on URL` when the model is loaded, and stops on SIGTERM / SIGINT.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from ..errors import ConfigError
from ..models_llm import resolve_gguf
from .llamacpp import LlamaCppServer


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="smollm2", help="GGUF file, transformers folder, or smollm2 (the wheel's)")
    ap.add_argument("--mmproj", default=None, help="multimodal projector GGUF of a VLM")
    ap.add_argument("--name", default=None, help="model name the server reports (default: --model)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8011, help="0 = any free port")
    ap.add_argument("--parallel", type=int, default=4, help="slots: requests decoded together")
    ap.add_argument("--context", type=int, default=4096, help="tokens per slot (prompt + answer)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--verbosity", type=int, default=-1, help="llama.cpp log level (-1: quiet)")
    args = ap.parse_args(argv)
    try:
        server = LlamaCppServer(resolve_gguf(args.model), mmproj=args.mmproj, parallel=args.parallel,
                                context=args.context, threads=args.threads, port=args.port, host=args.host,
                                alias=args.name or args.model, verbosity=args.verbosity)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"listening on {server.url} ({server.parallel} slots, model loaded in {server.load_s:.1f} s)", flush=True)
    while not stop.wait(0.5):
        pass
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
