"""The bad-input corpus: one table of bad inputs (made here, at test time), the command each goes
through, and what must come back: the exit code (0 made something, 1 made nothing because something
failed, 2 usage error) and a message fragment that names what is wrong.

Each case runs the real `dataclaw` CLI entry point (`dataclaw.cli.main`) in this process so that ~45
cases fit in a couple of minutes; a few cases also run as a subprocess (the installed-script path) to
show both give the same exit code. Sources are tiny (64x48 videos of a few frames, 90-row robot
episodes), the rules backend, `-n 1 --max-repairs 0 -w 1`. The table and its pass counts are in
docs/benchmarks.md ("Reliability").
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from reliability_util import run_cli

FAST = ["-q", "-n", "1", "--max-repairs", "0", "-w", "1"]
INTENT_VIDEO = "text-to-video clips with captions"
INTENT_ROBOT = "segment the robot manipulation episode into phases"


# ---------------------------------------------------------------------- input makers
def _video(path: Path, n: int, fps: int = 10, size: tuple[int, int] = (64, 48)) -> Path:
    import av

    with av.open(str(path), "w") as c:
        s = c.add_stream("mpeg4", rate=fps)
        s.width, s.height, s.pix_fmt = size[0], size[1], "yuv420p"
        for i in range(n):
            img = np.zeros((size[1], size[0], 3), np.uint8)
            img[:, : (i * 7) % size[0]] = (i * 37) % 255  # something moves
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def _lerobot(root: Path, *, fps: object = 30, timestamps: bool = True, version: str = "v2.1",
             state: bool = True) -> Path:
    """A one-episode LeRobot v2.1 dataset (90 rows recorded at 30 Hz), then info.json edited."""
    import pyarrow.parquet as pq

    from dataclaw.export.lerobot import LeRobotEpisode, write_lerobot

    n = 90
    t = np.arange(n) / 30.0
    q = np.stack([np.sin(t), np.cos(t), 0.04 * (1 + np.sin(2 * t))], axis=1)
    ep = LeRobotEpisode(columns={"observation.state": q, "action": np.roll(q, -1, axis=0)},
                        names={"observation.state": ["j0", "j1", "gripper"], "action": ["j0", "j1", "gripper"]},
                        task="pick up the cube", videos={})
    write_lerobot(root, [ep], fps=30.0, robot_type="so100", overwrite=True)
    info = json.loads((root / "meta" / "info.json").read_text())
    info["fps"], info["codebase_version"] = fps, version
    (root / "meta" / "info.json").write_text(json.dumps(info))
    ep_file = next((root / "data").glob("chunk-*/episode_*.parquet"))
    if not timestamps or not state:
        table = pq.read_table(ep_file)
        drop = ([] if timestamps else ["timestamp"]) + ([] if state else ["observation.state"])
        pq.write_table(table.drop_columns(drop), ep_file)
    return root


@dataclass
class Case:
    name: str
    category: str
    make: Callable[[Path, Path], list[str]]  # (case folder, shared inputs) -> CLI args
    code: int
    says: tuple[str, ...]  # fragments that must all appear in stdout + stderr
    check: Callable[[Path, str], None] | None = None  # extra look at the case folder and the output
    subprocess: bool = False  # also run it as a real subprocess


def tailor(*sources: str, intent: str = INTENT_VIDEO, extra: tuple[str, ...] = ()) -> Callable[[Path, Path], list[str]]:
    """A maker: `tailor SOURCES -i INTENT -o CASE/out FAST`; a source "@name" is a shared input."""
    def make(case: Path, shared: Path) -> list[str]:
        srcs = [str(shared / s[1:]) if s.startswith("@") else s.replace("{case}", str(case)) for s in sources]
        return ["tailor", *srcs, "-i", intent, "-o", str(case / "out"), *FAST, *extra]
    return make


def with_file(name: str, data: bytes | str, *then: str, intent: str = INTENT_VIDEO,
              extra: tuple[str, ...] = ()) -> Callable[[Path, Path], list[str]]:
    """A maker that writes CASE/name first, then tailors it (or `then` sources, `{f}` = the file)."""
    def make(case: Path, shared: Path) -> list[str]:
        f = case / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(data if isinstance(data, bytes) else data.replace("{shared}", str(shared)).encode())
        srcs = [s.replace("{f}", str(f)).replace("{shared}", str(shared)) for s in (then or ("{f}",))]
        return ["tailor", *srcs, "-i", intent, "-o", str(case / "out"), *FAST, *extra]
    return make


def _manifest_notes(case: Path) -> list[str]:
    m = json.loads((case / "out" / "manifest.json").read_text())
    return [n for s in m["sources"].values() for n in s.get("notes", [])]


def _skips_in_manifest(n: int) -> Callable[[Path, str], None]:
    def check(case: Path, out: str) -> None:
        m = json.loads((case / "out" / "manifest.json").read_text())
        assert len(m["skipped"]) == n, m["skipped"]
        assert all(s["reason"] for s in m["skipped"])
    return check


def _no_samples(case: Path, out: str) -> None:
    samples = case / "out" / "samples.jsonl"
    assert not samples.exists() or not samples.read_text().strip()


def _made(case: Path, out: str) -> None:
    rows = (case / "out" / "samples.jsonl").read_text().splitlines()
    ids = [json.loads(r)["id"] for r in rows]
    assert ids and len(ids) == len(set(ids))


# ---------------------------------------------------------------------- special makers
def _symlink_loop(case: Path, shared: Path) -> list[str]:
    os.symlink(case / "b.mp4", case / "a.mp4")
    os.symlink(case / "a.mp4", case / "b.mp4")
    return tailor(str(case / "a.mp4"))(case, shared)


def _broken_link(case: Path, shared: Path) -> list[str]:
    os.symlink(case / "gone.mp4", case / "clip.mp4")
    return tailor(str(case / "clip.mp4"))(case, shared)


def _folder_loop(case: Path, shared: Path) -> list[str]:
    d = case / "clips"
    (d / "sub").mkdir(parents=True)
    shutil.copy(shared / "short.mp4", d / "sub" / "short.mp4")
    os.symlink(d, d / "sub" / "back")  # clips/sub/back -> clips: walked once, never forever
    return tailor(str(d))(case, shared)


def _folder_of_junk(case: Path, shared: Path) -> list[str]:
    (case / "d").mkdir()
    (case / "d" / "a.mp4").write_bytes(b"")
    (case / "d" / "b.mp4").write_bytes(os.urandom(2048))
    (case / "d" / "c.mp4").write_text("just text\n" * 20)
    return tailor(str(case / "d"))(case, shared)


def _truncated(case: Path, shared: Path) -> list[str]:
    data = (shared / "clip.mp4").read_bytes()
    (case / "cut.mp4").write_bytes(data[: len(data) // 3])
    return tailor(str(case / "cut.mp4"))(case, shared)


def _lerobot_case(**kw: object) -> Callable[[Path, Path], list[str]]:
    def make(case: Path, shared: Path) -> list[str]:
        root = _lerobot(case / "lr", **kw)
        return tailor(str(root), intent=INTENT_ROBOT)(case, shared)
    return make


def _corrupt_parquet(case: Path, shared: Path) -> list[str]:
    root = _lerobot(case / "lr")
    ep = next((root / "data").glob("chunk-*/episode_*.parquet"))
    ep.write_bytes(ep.read_bytes()[:200])
    return tailor(str(root), intent=INTENT_ROBOT)(case, shared)


def _live_lock(case: Path, shared: Path) -> list[str]:
    """OUT locked by a live process (started here, holding flock and naming itself)."""
    out = case / "out"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c",
                               "import fcntl, os, sys, time\n"
                               f"fd = os.open({str(out / '.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
                               "fcntl.flock(fd, fcntl.LOCK_EX)\n"
                               "os.write(fd, f'{os.getpid()}\\n'.encode()); print('held', flush=True)\n"
                               "sys.stdin.read()\n"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    _HOLDERS.append(holder)
    (case / "holder.pid").write_text(str(holder.pid))
    return tailor("@short.mp4")(case, shared)


def _reused_pid_lock(case: Path, shared: Path) -> list[str]:
    """OUT's lock still held (an orphaned helper) and naming a pid that now belongs to another process
    (a `sleep` started later: the start time recorded in the lock is not its start time)."""
    from dataclaw.export.lock import _boot_id, _start_time

    out = case / "out"
    out.mkdir()
    other = subprocess.Popen(["sleep", "120"])
    _HOLDERS.append(other)
    stale = f"{other.pid}\n{int(_start_time(other.pid) or 1000) - 500}\n{_boot_id()}\n"
    holder = subprocess.Popen([sys.executable, "-c",
                               "import fcntl, os, sys\n"
                               f"fd = os.open({str(out / '.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
                               "fcntl.flock(fd, fcntl.LOCK_EX)\n"
                               f"os.write(fd, {stale!r}.encode()); print('held', flush=True)\n"
                               "sys.stdin.read()\n"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    _HOLDERS.append(holder)
    return ["tailor", str(shared / "lr"), "-i", INTENT_ROBOT, "-o", str(out), *FAST]


def _resumed(case: Path, shared: Path) -> list[str]:
    """A finished run, then the same command again: it counts only new samples and says what it kept."""
    shutil.copytree(shared / "done", case / "out")
    return ["tailor", str(shared / "lr"), "-i", INTENT_ROBOT, "-o", str(case / "out"), *FAST]


def _dataset_copy(edit: Callable[[Path], None] | None = None, *cmd: str) -> Callable[[Path, Path], list[str]]:
    def make(case: Path, shared: Path) -> list[str]:
        ds = case / "ds"
        shutil.copytree(shared / "done", ds)
        if edit:
            edit(ds)
        return [c.replace("{ds}", str(ds)) for c in cmd]
    return make


def _torn_last_line(ds: Path) -> None:
    with open(ds / "samples.jsonl", "a") as fh:
        fh.write('{"id": "torn", "task": "segm')


def _bad_json_line(ds: Path) -> None:
    """A damaged line between two good ones: readers keep both good rows, verify names line 2."""
    lines = (ds / "samples.jsonl").read_text().splitlines()
    second = dict(json.loads(lines[0]), id="second-row")
    (ds / "samples.jsonl").write_text("\n".join(lines[:1] + ["{not json"] + [json.dumps(second)]) + "\n")


def _rows_survive_bad_line(case: Path, out: str) -> None:
    from dataclaw.export.native import read_rows

    assert [r["id"] for r in read_rows(case / "ds", curated=False)][1:] == ["second-row"]


def _bad_anchor_ref(ds: Path) -> None:
    rows = [json.loads(x) for x in (ds / "samples.jsonl").read_text().splitlines()]
    rows[0]["evidence"] = ["no-such-anchor"]
    (ds / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


_HOLDERS: list[subprocess.Popen] = []

CASES = [
    # ---- paths
    Case("missing file", "paths", tailor("{case}/nope.mp4"), 1, ("nope.mp4", "does not exist"), _no_samples, True),
    Case("empty folder", "paths", lambda c, s: (c / "e").mkdir() or tailor(str(c / "e"))(c, s), 1,
         ("no source found",), _no_samples),
    Case("symlink loop", "paths", _symlink_loop, 1, ("a.mp4", "symbolic link loop"), _no_samples, True),
    Case("broken symlink", "paths", _broken_link, 1, ("clip.mp4", "broken symbolic link", "gone.mp4")),
    Case("folder with a link back up", "paths", _folder_loop, 1, ("symbolic link loop", "not followed", "0.20 s long")),
    Case("glob with no match", "paths", tailor("{case}/none/*.mp4"), 1, ("no file matches the pattern",)),
    Case("text file, unknown kind", "paths", with_file("notes.txt", "hello\n"), 1, ("notes.txt", "unknown source kind")),
    Case("folder of junk videos", "paths", _folder_of_junk, 1, ("every source was skipped (3)", "empty (0 bytes)",
                                                                "is a text file", "c.mp4"), _skips_in_manifest(3)),
    Case("missing plus good source", "paths", tailor("{case}/nope.mp4", "@lr", intent=INTENT_ROBOT), 0,
         ("nope.mp4", "does not exist", "segmentation: 1 accepted"), _made),
    # ---- media
    Case("zero-byte mp4", "media", with_file("empty.mp4", b""), 1, ("empty.mp4", "empty (0 bytes)")),
    Case("random bytes mp4", "media", with_file("noise.mp4", bytes(range(256)) * 16), 1, ("noise.mp4", "not a video")),
    Case("text named mp4", "media", with_file("fake.mp4", "not a video\n" * 10), 1, ("fake.mp4", "is a text file")),
    Case("truncated mp4", "media", _truncated, 1, ("cut.mp4", "truncated")),
    Case("1-frame video", "media", tailor("@one.mp4"), 1, ("one.mp4", "found nothing", "1 frame, 0.10 s long"),
         _no_samples, True),
    Case("0.2 s video", "media", tailor("@short.mp4"), 1, ("short.mp4", "found nothing", "2 frames, 0.20 s long")),
    Case("1-frame video, QA intent", "media", tailor("@one.mp4", intent="temporal questions with timestamps"), 1,
         ("one.mp4", "this source has none")),
    # ---- manifests
    Case("jsonl: bad lines and a glob, one good source", "manifests",
         with_file("m.jsonl", '{"path": "{shared}/lr"}\n{not json\n{"nopath": 1}\n', "{f}", "{shared}/none/*.mp4",
                   intent=INTENT_ROBOT), 0,
         ("line 2: not JSON", "line 3: expected an object with a 'path'", "no file matches the pattern"),
         _skips_in_manifest(3), True),
    Case("jsonl: only bad lines", "manifests", with_file("m.jsonl", "{oops\n[1, 2]\n"), 1,
         ("every source was skipped (2)", "not JSON")),
    Case("jsonl: empty", "manifests", with_file("m.jsonl", ""), 1, ("no source found",)),
    Case("jsonl: relative path that is missing", "manifests", with_file("m.jsonl", '{"path": "gone.mp4"}\n'), 1,
         ("gone.mp4", "does not exist")),
    Case("jsonl: not UTF-8", "manifests", with_file("m.jsonl", b"\xff\xfe\x00bad"), 1,
         ("m.jsonl", "not UTF-8 text (byte 0xff at offset 0)")),
    Case("csv: no path column", "manifests", with_file("m.csv", "file,intent\na.mp4,x\n"), 1,
         ("needs a 'path' column",)),
    Case("csv: bad row plus good", "manifests", with_file("m.csv", "path\n{shared}/lr\nmissing.mp4\n",
                                                          intent=INTENT_ROBOT), 0, ("missing.mp4", "does not exist")),
    # ---- robot
    Case("LeRobot fps 1000", "robot", _lerobot_case(fps=1000), 0, ("the metadata says 1000 fps", "using 30 Hz"),
         lambda c, o: _assert_note(c, "1000 fps")),
    Case("LeRobot fps 0", "robot", _lerobot_case(fps=0), 0, ("gives no fps", "using 30 Hz"),
         lambda c, o: _assert_note(c, "no fps")),
    Case("LeRobot fps not a number", "robot", _lerobot_case(fps="fast"), 1, ("info.json", "'fast' is not a number")),
    Case("LeRobot negative fps", "robot", _lerobot_case(fps=-5), 1, ("fps -5 is not a frame rate",)),
    Case("LeRobot fps 0, no timestamps", "robot", _lerobot_case(fps=0, timestamps=False), 1,
         ("no `timestamp`", "timing is unknown")),
    Case("LeRobot v1 dataset", "robot", _lerobot_case(version="v1.6"), 1, ("version v1.6 is not supported",)),
    Case("LeRobot no state column", "robot", _lerobot_case(state=False), 1, ("no `observation.state` column",)),
    Case("LeRobot corrupt parquet", "robot", _corrupt_parquet, 1, ("not a readable parquet file",)),
    Case("HDF5 of random bytes", "robot", with_file("demo.hdf5", os.urandom(4096)), 1, ("demo.hdf5",)),
    # ---- usage (exit 2)
    Case("no intent", "usage", lambda c, s: ["tailor", str(s / "short.mp4"), "-o", str(c / "out")], 2,
         ("--intent",), subprocess=True),
    Case("unknown format", "usage", tailor("@short.mp4", extra=("-f", "tfrecord")), 2, ("tfrecord", "known:")),
    Case("unknown engine", "usage", tailor("@short.mp4", extra=("--engine", "spark")), 2, ("unknown engine 'spark'",)),
    Case("unknown backend", "usage", tailor("@short.mp4", extra=("-b", "gpt9")), 2, ("gpt9",)),
    Case("unknown expert", "usage", tailor("@short.mp4", extra=("-e", "telepathy")), 2, ("unknown expert 'telepathy'",),
         lambda c, o: _assert_in(o, "known: ") or _assert_not_made(c)),
    Case("backend option without =", "usage", tailor("@short.mp4", extra=("--backend-option", "temperature")), 2,
         ("expected KEY=VALUE",)),
    Case("missing recipe", "usage", tailor("@short.mp4", extra=("-r", "/nonexistent/plan.yaml")), 2,
         ("plan.yaml", "does not exist")),
    Case("recipe that is not a plan", "usage",
         lambda c, s: (c / "r.yaml").write_text("- just\n- a list\n") and
         ["tailor", str(s / "short.mp4"), "-r", str(c / "r.yaml"), "-o", str(c / "out"), *FAST], 2, ("r.yaml",)),
    # ---- folder and lock
    Case("OUT locked by a live run", "lock", _live_lock, 1, ("in use by process", ".lock", "another --out"),
         lambda c, o: _assert_in(o, (c / "holder.pid").read_text())),
    Case("stale lock, pid reused", "lock", _reused_pid_lock, 0, ("segmentation: 1 accepted",), _made),
    Case("resumed run", "lock", _resumed, 0, ("0 new samples accepted", "1 sample(s) from earlier runs kept")),
    Case("OUT is a file", "lock", lambda c, s: (c / "out").write_text("x") and tailor("@lr", intent=INTENT_ROBOT)(c, s),
         2, ("exists and is not a folder",)),
    # ---- dataset commands
    Case("verify: not a dataset", "dataset", lambda c, s: ["verify", str(c)], 2, ("no samples.jsonl",)),
    Case("export: not a dataset", "dataset", lambda c, s: ["export", str(c), "-f", "trl"], 2, ("no samples.jsonl",)),
    Case("verify: torn last line", "dataset", _dataset_copy(_torn_last_line, "verify", "{ds}"), 0,
         ("1/1 samples pass",)),
    Case("verify: a non-JSON line", "dataset", _dataset_copy(_bad_json_line, "verify", "{ds}"), 1,
         ("not JSON objects", "line 2"), _rows_survive_bad_line),
    Case("verify: evidence names a missing anchor", "dataset", _dataset_copy(_bad_anchor_ref, "verify", "{ds}"), 1,
         ("0/1 samples pass", "no-such-anchor")),
    Case("view: not a dataset", "dataset", lambda c, s: ["view", str(c), "-p", "0"], 2, ("not a dataset folder",)),
    Case("view: remote bind without flag", "dataset", _dataset_copy(None, "view", "{ds}", "--host", "0.0.0.0"), 2,
         ("--allow-remote",)),
]


def _assert_note(case: Path, fragment: str) -> None:
    notes = _manifest_notes(case)
    assert any(fragment in n for n in notes), notes


def _assert_not_made(case: Path) -> None:
    assert not (case / "out").exists()  # refused before any work


def _assert_in(out: str, text: str) -> None:
    assert text in out, (text, out)


# ---------------------------------------------------------------------- running
@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Path:
    """Inputs several cases use, made once: tiny videos, a good robot episode, a finished dataset."""
    d = tmp_path_factory.mktemp("corpus")
    _video(d / "one.mp4", 1)
    _video(d / "short.mp4", 2)
    _video(d / "clip.mp4", 30)
    _lerobot(d / "lr")
    r = cli("tailor", str(d / "lr"), "-i", INTENT_ROBOT, "-o", str(d / "done"), *FAST)
    assert r[0] == 0, r
    yield d
    for p in _HOLDERS:
        p.kill()
        p.wait()


def cli(*args: str) -> tuple[int, str]:
    """`dataclaw ARGS` through the CLI's own entry point; (exit code, stdout + stderr)."""
    from dataclaw.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return code, out.getvalue() + err.getvalue()


def _run(case: Case, tmp_path: Path, shared: Path) -> tuple[list[str], int, str]:
    args = case.make(tmp_path, shared)
    code, text = cli(*args)
    assert "Traceback" not in text, text
    assert code == case.code, (case.name, code, text)
    for frag in case.says:
        assert frag in text, (case.name, frag, text)
    if case.check:
        case.check(tmp_path, text)
    return args, code, text


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, shared: Path) -> None:
    _run(case, tmp_path, shared)


@pytest.mark.parametrize("case", [c for c in CASES if c.subprocess], ids=[c.name for c in CASES if c.subprocess])
def test_same_exit_code_as_a_process(case: Case, tmp_path: Path, shared: Path) -> None:
    args = case.make(tmp_path, shared)
    r = run_cli(*args)
    assert r.returncode == case.code, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    for frag in case.says:
        assert frag in r.stdout + r.stderr, (frag, r.stdout, r.stderr)


def test_corpus_size():
    assert len(CASES) >= 40 and len({c.name for c in CASES}) == len(CASES)
