"""Agent and backend benchmarks on the shipped lecture (examples/lecture/lecture.mp4).

1. Frames and image tokens sent per accepted sample: anchor-guided frame selection (keyframes) vs
   uniform sampling at the same frame budget, each with its verification pass rate. The drafter is an
   oracle restricted to what it was shown: the task's rules draft, with every frame it cites snapped
   to the nearest frame actually sent (a perfect model cannot cite a frame it never saw). The real
   verifier judges the result. Also reported: the share of cited evidence spans that contain at least
   one sent frame (what a VLM could actually see). Image tokens use OpenAI's high-detail formula on
   the frames as sent (JPEG, longest side 768).
2. Samples per minute against local OpenAI-compatible servers (SmolLM2-135M on CPU) with 1, 2, 4, 8
   requests in flight (t2v prompts by default, one request per sample, no repairs; the server enforces
   the schema the agent sends as `response_format`): llama.cpp's own server (xllamacpp,
   dataclaw.backends.llamacpp_server, one slot per request in flight) and our transformers server
   (dataclaw.backends.hf_server, batching up to 8), same model, prompts and schema, in one run, with
   the machine's load average beside each row; optionally the transformers server with --max-batch 1.
   Reports completion tokens per second, requests and verified samples per minute, and the server
   process's CPU seconds per row (tokens per CPU second holds up better than wall time when the
   machine is shared).

    python benchmarks/bench_backends.py [--skip-server] [--servers llamacpp,hf] [--requests 8] [--max-tokens 160]
        [--levels 1,2,4,8] [--task t2v] [--model smollm2|CHECKPOINT] [--threads 2] [--no-batching-too] [--json out.json]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LECTURE = ROOT / "examples" / "lecture" / "lecture.mp4"
EXPERTS = ["shots", "keyframes", "motion", "ocr", "speech"]


def _snap_frames(obj, shown: list[float], ev) -> int:
    """Rewrites every {"t", "anchor"} frame ref to the nearest shown frame; returns how many it moved."""
    moved = 0
    if isinstance(obj, dict):
        if set(obj) == {"t", "anchor"} and shown:
            a = ev.anchor(obj["anchor"])
            inside = [t for t in shown if a is not None and a.t0 <= t <= a.t1]
            pool = inside or shown
            best = min(pool, key=lambda t: abs(t - float(obj["t"])))
            moved += int(abs(best - float(obj["t"])) > 1e-3)
            obj["t"] = best
            return moved
        for v in obj.values():
            moved += _snap_frames(v, shown, ev)
    elif isinstance(obj, list):
        for v in obj:
            moved += _snap_frames(v, shown, ev)
    return moved


def _cited_spans(draft) -> list[tuple[float, float]]:
    out = []
    if isinstance(draft, dict):
        if "t0" in draft and "t1" in draft and isinstance(draft.get("t0"), (int, float)):
            out.append((float(draft["t0"]), float(draft["t1"])))
        for v in draft.values():
            out += _cited_spans(v)
    elif isinstance(draft, list):
        for v in draft:
            out += _cited_spans(v)
    return out


def frame_selection(aset, tmp: Path) -> list[dict]:
    from dataclaw.backends.openai import image_tokens
    from dataclaw.media import MediaStore
    from dataclaw.model import TaskSpec
    from dataclaw.tasks import get_task
    from dataclaw.verify import verify_sample

    w, h = aset.meta.get("width", 1280), aset.meta.get("height", 720)
    scale = min(1.0, 768 / max(w, h))
    per_frame = image_tokens(round(w * scale), round(h * scale))
    rows = []
    for task_name, budget in (("tutorial", 3), ("t2v", 2), ("temporal_qa", 3)):
        task = get_task(task_name)
        for mode in ("keyframes", "uniform"):
            spec = TaskSpec(task=task_name, domain=task.domains[0], instruction="benchmark",
                            params={"frame_selection": mode, "max_frames": budget})
            evs = task.select(aset, spec)
            media = MediaStore(tmp / f"{task_name}-{mode}")
            frames = accepted = moved = covered = spans = 0
            for ev in evs:
                draft = task.rules(ev, spec)
                moved += _snap_frames(draft, ev.frames, ev)
                for t0, t1 in _cited_spans(draft):
                    spans += 1
                    covered += any(t0 <= t <= t1 for t in ev.frames)
                frames += len(ev.frames)
                try:
                    sample = task.build(draft, ev, spec, media)
                    ok = verify_sample(sample, aset, dataset_dir=media.root, task=task, evidence=ev).ok
                except Exception:  # noqa: BLE001 - a draft the task refuses counts as a failure
                    ok = False
                accepted += ok
            media.close()
            n = len(evs)
            rows.append({"task": task_name, "selection": mode, "frame_budget": budget, "samples": n,
                         "frames_sent": frames, "pass_rate": round(accepted / n, 3) if n else None,
                         "frames_per_accepted": round(frames / accepted, 2) if accepted else None,
                         "image_tokens_per_accepted": round(frames * per_frame / accepted) if accepted else None,
                         "frames_moved_to_a_shown_one": moved,
                         "cited_spans_with_a_shown_frame": round(covered / spans, 3) if spans else None})
    return rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(kind: str, max_batch: int, max_tokens: int, model: str = "smollm2",
                  threads: int = 2) -> tuple[subprocess.Popen, str]:
    """`kind` llamacpp: llama.cpp's server with `max_batch` slots; hf: our transformers server."""
    import httpx

    port = _free_port()
    if kind == "llamacpp":
        cmd = ["-m", "dataclaw.backends.llamacpp_server", "--parallel", str(max_batch), "--threads", str(threads)]
    else:
        cmd = ["-m", "dataclaw.backends.hf_server", "--max-batch", str(max_batch), "--max-new-tokens", str(max_tokens),
               "--threads", str(threads)]
    proc = subprocess.Popen([sys.executable, *cmd, "--model", model, "--name", "smollm2", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode()[-2000:])
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return proc, f"{url}/v1"
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("server did not start")


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far: what a row cost the server, whatever
    else the shared cores were doing (wall time on an oversubscribed machine mostly measures waiting)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def throughput(aset, n_requests: int, max_tokens: int, max_batch: int, levels=(1, 2, 4, 8),
               task_name: str = "t2v", model: str = "smollm2", servers=("hf",), threads: int = 2) -> list[dict]:
    """Each level is measured on every server back to back (servers up together, one busy at a time),
    so the ratios between servers come from the same minutes of the shared machine."""
    from dataclaw.agent import arun_task
    from dataclaw.backends import get_backend
    from dataclaw.media import MediaStore
    from dataclaw.model import Sample, TaskSpec
    from dataclaw.tasks import get_task

    task = get_task(task_name)
    params = {"per_type": 3, "attach_video": False} if task_name == "temporal_qa" else {}
    spec = TaskSpec(task=task_name, domain="education", instruction=f"make {task_name} data from this lesson",
                    params=params)
    evs = task.select(aset, spec)
    evs = (evs * (n_requests // max(1, len(evs)) + 1))[:n_requests]
    procs, urls, pids = [], {}, {}
    rows = []
    try:
        for server in servers:
            proc, urls[server] = _start_server(server, max_batch, max_tokens, model, threads)
            procs.append(proc)
            pids[server] = proc.pid
            be = get_backend("openai", base_url=urls[server], model="smollm2", max_tokens=max_tokens, timeout=1200,
                             images=False)
            asyncio.run(be.agenerate([{"role": "user", "content": "hi"}], {}))  # warm-up
        for c in levels:
            for server, url in urls.items():
                with tempfile.TemporaryDirectory() as d:
                    media = MediaStore(Path(d))
                    # a text model: no frames in the prompts (the same prompts for both servers)
                    be = get_backend("openai", base_url=url, model="smollm2", max_tokens=max_tokens,
                                     max_in_flight=c, timeout=1200, images=False)
                    # distinct keys so no bundle is skipped as already done
                    bundles = [type(ev)(sources=ev.sources, anchors=ev.anchors, frames=ev.frames, meta=dict(ev.meta),
                                        key=f"{ev.key}#{i}") for i, ev in enumerate(evs)]
                    load0, cpu0, t = _load(), _cpu_s(pids[server]), time.perf_counter()
                    res = asyncio.run(_run_bundles(arun_task, task, spec, aset, be, media, bundles, c))
                    wall = time.perf_counter() - t
                    cpu = _cpu_s(pids[server]) - cpu0
                    media.close()
                ok = sum(isinstance(r, Sample) for r in res)
                toks = be.spent["completion_tokens"]
                rows.append({"server": server, "task": task_name, "in_flight": c, "max_batch": max_batch,
                             "requests": len(res), "wall_s": round(wall, 1), "completion_tokens": toks,
                             "tokens_per_s": round(toks / wall, 2), "requests_per_min": round(len(res) / wall * 60, 2),
                             "server_cpu_s": round(cpu, 1), "tokens_per_cpu_s": round(toks / cpu, 2) if cpu else None,
                             "accepted": ok, "accepted_per_min": round(ok / wall * 60, 2),
                             "load_before": load0, "load_after": _load(),
                             "reasons": sorted({r.reasons[0][:120] for r in res if not isinstance(r, Sample) and r.reasons})[:3]})
                print(json.dumps(rows[-1]), flush=True)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
    return rows


async def _run_bundles(arun_task, task, spec, aset, be, media, bundles, c):
    # arun_task selects its own evidence; feed it ours through a one-off select
    class Fixed(type(task)):
        def select(self, anchors, spec):  # noqa: ARG002
            return bundles

    return await arun_task(Fixed(), spec, aset, be, media, max_repairs=0, concurrency=c)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-server", action="store_true")
    ap.add_argument("--skip-frames", action="store_true", help="only the server throughput part")
    ap.add_argument("--requests", type=int, default=8)
    ap.add_argument("--max-tokens", type=int, default=160)
    ap.add_argument("--task", default="t2v")
    ap.add_argument("--model", default="smollm2", help="what the server serves: smollm2, or a trained checkpoint "
                    "(benchmarks/bench_train.py writes WORK/grpo)")
    ap.add_argument("--levels", default="1,2,4,8", help="requests in flight to measure")
    ap.add_argument("--servers", default="llamacpp,hf", help="llamacpp (llama.cpp, xllamacpp) and/or hf (transformers)")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads of each server")
    ap.add_argument("--no-batching-too", action="store_true", help="also measure a server with --max-batch 1")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    from dataclaw.anchors import run_experts

    aset = run_experts(LECTURE, EXPERTS)
    out: dict = {"source": str(LECTURE.relative_to(ROOT)), "cpu_count": os.cpu_count()}
    if not args.skip_frames:
        with tempfile.TemporaryDirectory() as d:
            out["frame_selection"] = frame_selection(aset, Path(d))
        for r in out["frame_selection"]:
            print(json.dumps(r))
    if not args.skip_server:
        levels = tuple(int(x) for x in args.levels.split(","))
        out["load_start"] = os.getloadavg()
        out["throughput"] = throughput(aset, args.requests, args.max_tokens, max_batch=max(levels), levels=levels,
                                       task_name=args.task, model=args.model, servers=args.servers.split(","),
                                       threads=args.threads)
        if args.no_batching_too:
            out["throughput_no_batching"] = throughput(aset, args.requests, args.max_tokens, max_batch=1,
                                                       levels=(levels[0], levels[-1]), task_name=args.task,
                                                       model=args.model, threads=args.threads)
        out["load_end"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
