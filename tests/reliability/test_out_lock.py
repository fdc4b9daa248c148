"""One writer per dataset folder: a second run fails fast naming the holder; no duplicate ids."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import pytest
from reliability_util import cli_args, cli_env, run_cli

from dataclaw.export import DatasetWriter, FolderLockedError
from dataclaw.export.native import duplicate_ids, read_rows


@pytest.fixture(scope="module")
def concurrent(tmp_path_factory, lecture):
    """Two `dataclaw tailor` processes into one folder, the second started while the first holds it."""
    out = tmp_path_factory.mktemp("locked") / "ds"
    first = subprocess.Popen(cli_args("tailor", str(lecture), "-i", "turn this lecture into a tutorial",
                                      "-o", str(out), "-q"), env=cli_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not (out / ".lock").exists() and first.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert first.poll() is None, first.communicate()
    second = run_cli("tailor", str(lecture), "-i", "turn this lecture into a tutorial", "-o", str(out), "-q")
    still_running = first.poll() is None  # the second failed before the first finished: it did no work
    _, err = first.communicate(timeout=300)
    return out, first, err, second, still_running


def test_two_concurrent_tailor_runs(concurrent):
    out, first, err, second, still_running = concurrent
    assert second.returncode == 1, (second.stdout, second.stderr)
    assert f"in use by process {first.pid}" in second.stderr and str(out) in second.stderr
    assert still_running
    assert first.returncode == 0, err
    assert not (out / ".lock").exists()  # released on exit
    ids = [json.loads(x)["id"] for x in (out / "samples.jsonl").read_text().splitlines()]
    assert ids and len(ids) == len(set(ids))
    m = json.loads((out / "manifest.json").read_text())
    assert m["counts"]["samples"] == len(ids)


def test_lock_in_process_and_stale_takeover(tmp_path):
    out = tmp_path / "ds"
    w = DatasetWriter(out)
    with pytest.raises(FolderLockedError, match=str(__import__("os").getpid())):
        DatasetWriter(out)
    w.close()
    DatasetWriter(out).close()  # free again once closed
    # a lock still held (orphaned helper) but naming a pid that is gone: taken over
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    holder = subprocess.Popen([sys.executable, "-c",
                               "import fcntl, os, sys, time\n"
                               f"fd = os.open({str(out / '.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
                               "fcntl.flock(fd, fcntl.LOCK_EX)\n"
                               f"os.write(fd, b'{pid}\\n'); print('held', flush=True); time.sleep(60)\n"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        w = DatasetWriter(out)  # the named pid is gone: stale, taken over
        assert (out / ".lock").read_text().splitlines()[0] == str(__import__("os").getpid())
        w.close()
    finally:
        holder.kill()
        holder.wait()


def _hold(lock: Path, text: str) -> subprocess.Popen:
    """A process that holds flock on `lock` (as an orphaned helper of a killed run would) with `text` in it."""
    holder = subprocess.Popen([sys.executable, "-c",
                               "import fcntl, os, sys\n"
                               f"fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT)\n"
                               "fcntl.flock(fd, fcntl.LOCK_EX)\n"
                               f"os.write(fd, {text!r}.encode()); print('held', flush=True)\n"
                               "sys.stdin.read()\n"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_reused_pid_is_not_the_writer(tmp_path):
    """The lock names a pid that is alive but is another process now (started later, or in another
    boot): stale, taken over. The same pid with its own start time is the writer: refused."""
    import os

    from dataclaw.export.lock import _boot_id, _start_time

    other = subprocess.Popen(["sleep", "60"])  # the process that got the old writer's pid
    try:
        start = _start_time(other.pid)
        assert start and _boot_id(), "Linux /proc gives start times and a boot id"
        cases = {"reused (older start)": (f"{other.pid}\n{int(start) - 1000}\n{_boot_id()}\n", True),
                 "another boot": (f"{other.pid}\n{start}\nnot-this-boot\n", True),
                 "the live writer": (f"{other.pid}\n{start}\n{_boot_id()}\n", False),
                 "an old pid-only lock": (f"{other.pid}\n", False)}
        for name, (text, stale) in cases.items():
            out = tmp_path / name.replace(" ", "_")
            out.mkdir()
            holder = _hold(out / ".lock", text)
            try:
                if stale:
                    w = DatasetWriter(out)
                    lines = (out / ".lock").read_text().splitlines()
                    assert lines == [str(os.getpid()), _start_time(os.getpid()), _boot_id()], name
                    w.close()
                else:
                    with pytest.raises(FolderLockedError, match=f"in use by process {other.pid}"):
                        DatasetWriter(out)
            finally:
                holder.kill()
                holder.wait()
    finally:
        other.kill()
        other.wait()


def test_verify_flags_duplicates_and_readers_keep_the_first(tmp_path, concurrent):
    out = tmp_path / "ds"
    shutil.copytree(concurrent[0], out)
    path = out / "samples.jsonl"
    lines = path.read_text().splitlines()
    first = json.loads(lines[0])
    changed = dict(first, meta=json.dumps({"copy": True}))  # same id, other content: the first must win
    path.write_text("\n".join(lines + [json.dumps(changed)]) + "\n")
    assert duplicate_ids(out) == {first["id"]: 2}
    rows = read_rows(out, curated=False)
    assert len(rows) == len(lines) and rows[0]["meta"] == first["meta"]
    v = run_cli("verify", str(out))
    assert v.returncode == 1 and f"{first['id']}: 2 times" in v.stdout, v.stdout
    e = run_cli("export", str(out), "-f", "trl")
    assert e.returncode == 0, e.stderr
    trl = [p for p in out.rglob("*.jsonl") if "trl" in str(p.relative_to(out))]
    assert trl and sum(len(p.read_text().splitlines()) for p in trl) == len(lines)
