"""The engines on real videos: kill -9 then resume, local vs Ray, retry of skipped sources, shards."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from engine_helpers import EXPERTS, by_id, rows

CLI = [sys.executable, "-c", "import sys; from dataclaw.cli import main; main(sys.argv[1:])"]


def _cli(args: list[str], **kw) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True, env=os.environ.copy(), **kw)


def _args(clips: list[Path], out: Path, recipe: Path, *extra: str) -> list[str]:
    return ["tailor", *map(str, clips), "--recipe", str(recipe), "-o", str(out), "--experts", ",".join(EXPERTS),
            "--quiet", *extra]


def test_reference_run_is_complete(reference, clips):
    out, res = reference
    assert res.counts["sources_done"] == 3 and res.counts["sources_skipped"] == 0
    got = rows(out)
    assert len(got) == res.counts["samples"] > 3
    assert len({r["id"] for r in got}) == len(got)
    assert {r["source"] for r in got} == {json.loads(p.read_text())["source_id"]
                                          for p in (out / "progress" / "done").glob("*.json")}
    assert all((out / s["path"]).is_file() for r in got for s in r["solution"] if s.get("path"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["engine"]["name"] == "local" and manifest["counts"]["samples"] == len(got)


def test_kill9_mid_run_then_resume_loses_and_duplicates_nothing(reference, clips, recipe, tmp_path):
    out = tmp_path / "ds"
    proc = _cli(_args(clips, out, recipe, "--workers", "2"))
    samples = out / "samples.jsonl"
    deadline = time.time() + 240
    try:
        # kill once some samples are written but not every source is finished
        while time.time() < deadline and proc.poll() is None:
            if samples.exists() and samples.read_text().count("\n") >= 1:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the run finished before it could be killed: " + proc.stdout.read().decode()[-2000:]
        os.killpg(proc.pid, signal.SIGKILL)  # the run and the workers it spawned, like kill -9 on the job
    finally:
        proc.wait(30)
    done_before = len(list((out / "progress" / "done").glob("*.json")))
    assert done_before < 3
    before = rows(out)
    with open(samples, "a") as fh:  # and a torn line, as if the kill had landed mid-write
        fh.write('{"id": "torn')
    rerun = subprocess.run([*CLI, *_args(clips, out, recipe, "--workers", "2", "--json")],
                           check=False, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    summary = json.loads(rerun.stdout)
    assert summary["counts"]["sources_resumed"] == done_before
    after = rows(out)
    ids = [r["id"] for r in after]
    assert len(ids) == len(set(ids)), "duplicated samples after resume"
    assert [r["id"] for r in after[:len(before)]] == [r["id"] for r in before]  # written ones kept as they were
    ref = by_id(reference[0])
    assert by_id(out) == ref  # same ids, same content as the uninterrupted run


def test_retry_failed(clips, recipe, tmp_path):
    from typer.testing import CliRunner

    from dataclaw.cli import _load_commands, app

    _load_commands()
    bad = tmp_path / "later.mp4"
    bad.write_text("not yet a video")
    out = tmp_path / "ds"
    args = ["tailor", str(clips[0]), str(bad), "--recipe", str(recipe), "-o", str(out), "--experts", ",".join(EXPERTS),
            "--json", "-w", "1"]
    first = json.loads(CliRunner().invoke(app, args).output)
    assert first["counts"]["sources_done"] == 1 and first["counts"]["sources_skipped"] == 1
    bad.write_bytes(clips[1].read_bytes())  # the file is fixed
    second = json.loads(CliRunner().invoke(app, args).output)
    assert second["counts"]["sources_done"] == 0 and second["counts"]["sources_resumed"] == 1
    assert "retry-failed" in second["skipped"][0]["reason"]
    third = json.loads(CliRunner().invoke(app, args + ["--retry-failed"]).output)
    assert third["counts"]["sources_done"] == 1 and third["counts"]["samples"] > 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["skipped"] == [] and manifest["counts"]["sources"] == 2


def test_ray_gives_the_same_samples_as_local(reference, clips, recipe, tmp_path):
    pytest.importorskip("ray.data")
    import dataclaw

    out = tmp_path / "ray"
    res = dataclaw.tailor([str(c) for c in clips], None, recipe=recipe, out=out, experts=EXPERTS, quiet=True,
                          engine="ray", workers=2)
    assert res.counts["sources_done"] == 3
    assert by_id(out) == by_id(reference[0])
    assert json.loads((out / "manifest.json").read_text())["engine"]["name"] == "ray"


def test_sharded_outputs_and_merged_index(reference):
    import datasets

    out, _ = reference
    index = json.loads((out / "shards.json").read_text())
    n = len(rows(out))
    assert index["samples"] == n
    for fmt in ("parquet", "webdataset"):
        assert index["formats"][fmt]["rows"] == n and index["formats"][fmt]["complete"]
    assert index["stats"]["by_task"] == {"t2v": n}
    files = [str(out / s["path"]) for s in index["formats"]["parquet"]["shards"]]
    ds = datasets.load_dataset("parquet", data_files=files, split="train")
    assert sorted(ds["id"]) == sorted(r["id"] for r in rows(out))


def test_list_sources_folders_globs_manifests(tmp_path):
    from dataclaw.engine import list_sources

    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/x.mp4", "a/b/y.mkv", "a/notes.txt", "z.mp4"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "m.csv").write_text("path,intent\na/x.mp4,make QA\nz.mp4,\n")
    (tmp_path / "m.jsonl").write_text(json.dumps({"path": str(tmp_path / "q.mp4"), "recipe": "r.yaml"}) + "\n")
    jobs = list_sources([tmp_path / "a", str(tmp_path / "*.mp4"), tmp_path / "m.csv", tmp_path / "m.jsonl"])
    names = [Path(j.path).name for j in jobs]
    assert names == ["y.mkv", "x.mp4", "z.mp4", "q.mp4"]  # recursive, sorted, duplicates dropped
    assert jobs[3].recipe == str(tmp_path / "r.yaml") and jobs[3].intent is None
    csv_jobs = list_sources([tmp_path / "m.csv"])
    assert csv_jobs[0].intent == "make QA" and csv_jobs[1].intent is None
    from dataclaw.errors import ConfigError

    with pytest.raises(ConfigError, match="no file matches"):
        list_sources([str(tmp_path / "nothing" / "*.mp4")])
    (tmp_path / "bad.csv").write_text("file\nx\n")
    with pytest.raises(ConfigError, match="path"):
        list_sources([tmp_path / "bad.csv"])
