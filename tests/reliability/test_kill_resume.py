"""kill -9 of a real `dataclaw tailor` run (two local worker processes) at two moments, then a rerun:
the folder ends with exactly the samples an uninterrupted run makes, none lost, none twice, and the
rerun's summary counts only what it made itself."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
from reliability_util import cli_args, cli_env, run_cli

INTENT = "segment the robot manipulation episodes into phases"
EPISODES = 12  # enough that a loaded machine cannot finish the rerun before the second kill


def _episodes(root: Path) -> Path:
    """A LeRobot v2.1 dataset of EPISODES different 90-row episodes (one source each)."""
    from dataclaw.export.lerobot import LeRobotEpisode, write_lerobot

    eps = []
    for k in range(EPISODES):
        t = np.arange(90) / 30.0
        q = np.stack([np.sin(t + k), np.cos(1.3 * t + k), 0.04 * (1 + np.sin(2 * t + k))], axis=1)
        eps.append(LeRobotEpisode(columns={"observation.state": q, "action": np.roll(q, -1, axis=0)},
                                  names={"observation.state": ["j0", "j1", "gripper"],
                                         "action": ["j0", "j1", "gripper"]},
                                  task=f"move the cube to spot {k}", videos={}))
    return write_lerobot(root, eps, fps=30.0, robot_type="so100", overwrite=True)


def _lines(out: Path) -> int:
    p = out / "samples.jsonl"
    return p.read_bytes().count(b"\n") if p.exists() else 0


def _ids(out: Path) -> list[str]:
    return [json.loads(x)["id"] for x in (out / "samples.jsonl").read_text().splitlines()]


def _start_and_kill(args: list[str], out: Path, at_lines: int, group: bool) -> tuple[int, bool]:
    """Starts the CLI, SIGKILLs it (only the main process, or its whole process group: the workers
    too) once samples.jsonl has `at_lines` lines; returns (lines at the kill, whether it was still running)."""
    proc = subprocess.Popen(cli_args(*args), env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 240
    while _lines(out) < at_lines and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    running = proc.poll() is None
    if group:
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return _lines(out), running


def test_kill_9_twice_then_rerun_loses_and_duplicates_nothing(tmp_path):
    data = _episodes(tmp_path / "episodes")
    ref = tmp_path / "reference"
    r = run_cli("tailor", str(data), "-i", INTENT, "-o", str(ref), "-q", "-w", "1", timeout=300)
    assert r.returncode == 0, r.stderr
    want = _ids(ref)
    assert len(want) >= EPISODES // 2 and len(set(want)) == len(want)

    out = tmp_path / "killed"
    args = ["tailor", str(data), "-i", INTENT, "-o", str(out), "-q", "-w", "2"]
    n1, running1 = _start_and_kill(args, out, 1, group=False)  # the main process only: its workers are orphans
    n2, running2 = _start_and_kill(args, out, n1 + 1, group=True)  # the rerun, killed with its workers
    assert running1 and running2, "both kills must land mid-run"
    assert 1 <= n1 < n2 < len(want), (n1, n2, len(want))

    final = run_cli(*args, timeout=300)
    assert final.returncode == 0, final.stderr
    got = _ids(out)
    assert sorted(got) == sorted(want)  # nothing lost, nothing twice
    m = json.loads((out / "manifest.json").read_text())
    assert m["counts"]["samples"] == len(want)
    new = len(want) - n2
    assert f"{new} new samples accepted" in final.stdout, final.stdout
    assert f"{n2} sample(s) from earlier runs kept; {len(want)} in the folder" in final.stdout, final.stdout
    assert not (out / ".lock").exists()
