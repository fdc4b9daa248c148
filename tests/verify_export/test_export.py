"""Dataset writer (resume, crash safety, manifest, card) and every export format, on mixed tasks."""
from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
import yaml

from dataclaw.export import EXPORTERS, DatasetWriter, read_samples
from dataclaw.export.chat import render
from dataclaw.model import Query, Rejection, Sample, Segment

from ve_data import SRC, build_anchorset, ids, make_jpeg, make_mp4, tutorial_sample


def mixed_samples(aset) -> list[Sample]:
    """Tutorial, temporal QA, text-to-video and GUI samples: different meta and action shapes."""
    a = ids(aset)
    qa = Sample(id="qa-1", task="temporal_qa", domain="daily_life", source=SRC,
                query=Query(text='When is "force equals mass times acceleration" said?'),
                solution=[Segment(type="span", text="It is said from 4.2 s to 8.0 s.", t0=4.2, t1=8.0, anchors=[a["asr"]])],
                evidence=[a["asr"]], meta={"answer": 4.2, "difficulty": "easy", "kind": "localisation"})
    qa2 = qa.model_copy(update={"id": "qa-2", "meta": {"answer": "before", "options": ["before", "after"], "n": [1, 2]}})
    t2v = Sample(id="t2v-1", task="t2v", domain="aigc", source=SRC,
                 query=Query(text="A shot where a voice says force equals mass times acceleration.",
                             media=[Segment(type="clip", path="media/clip_4000_6000.mp4", t0=4.0, t1=6.0, anchors=[a["shot1"]])]),
                 solution=[Segment(type="text", text='A shot where a voice says "force equals mass times acceleration".',
                                   anchors=[a["shot1"], a["asr"]])],
                 evidence=[a["shot1"], a["asr"]], meta={"fps": 25, "caption_len": 9})
    gui = Sample(id="gui.1/a", task="gui_trajectory", domain="gui", source=SRC,
                 query=Query(text="Open the menu.", media=[Segment(type="image", path="media/kf_2000.jpg", t0=2.0, t1=2.0)]),
                 solution=[Segment(type="action", action={"type": "click", "x": 10, "y": 20}, t0=2.0, t1=2.0),
                           Segment(type="action", action={"type": "type", "text": "hello", "keys": ["h"]}, t0=3.0, t1=3.0),
                           Segment(type="image", path="media/kf_6000.jpg", t0=6.0, t1=6.0)],
                 meta={"screen": {"w": 64, "h": 48}})
    return [tutorial_sample(aset), qa, qa2, t2v, gui]


def write_mixed(out, finish=None):
    """The mixed samples and their media written by the DatasetWriter into `out`; `finish(writer)` adds more."""
    make_jpeg(out / "media" / "kf_2000.jpg", 60)
    make_jpeg(out / "media" / "kf_6000.jpg", 200)
    make_mp4(out / "media" / "clip_4000_6000.mp4")
    aset = build_anchorset()
    with DatasetWriter(out) as w:
        w.add_anchors(aset)
        for s in mixed_samples(aset):
            assert w.add(s)
        if finish is not None:
            finish(w)
    return out


def _rejected_and_skipped(w):
    w.reject(Rejection(source=SRC, task="tutorial", reasons=["solution[0] (text): time 12.500s is outside the video (0 to 10.000s)"]))
    w.mark_source_done(SRC, {"path": "/videos/aaaaaa.mp4", "samples": 5})
    w.skip_source("/videos/broken.mp4", "no video track", "open")


@pytest.fixture()
def dataset(tmp_path):
    return write_mixed(tmp_path / "out", _rejected_and_skipped)


def test_raw_model_io_in_its_own_file(tmp_path):
    from dataclaw.export import read_raw

    aset = build_anchorset()
    s = tutorial_sample(aset)
    s.provenance["raw"] = [{"input": [{"role": "user", "content": "long prompt " * 50}], "output": "{}"}]
    with DatasetWriter(tmp_path / "o") as w:
        w.add(s)
        w.reject(Rejection(source=SRC, task="tutorial", reasons=["x"], sample_id="tut-9", raw=[{"output": "bad"}]))
    row = json.loads((tmp_path / "o" / "samples.jsonl").read_text())
    assert "raw" not in json.loads(row["provenance"]) and "long prompt" not in json.dumps(row)
    assert read_raw(tmp_path / "o")["tut-1"][0]["output"] == "{}"
    assert read_raw(tmp_path / "o", kind="rejected")["tut-9"] == [{"output": "bad"}]
    assert "raw" not in json.loads((tmp_path / "o" / "rejected.jsonl").read_text())


def test_samples_round_trip(dataset):
    back = list(read_samples(dataset))
    aset = build_anchorset()
    assert [s.id for s in back] == [s.id for s in mixed_samples(aset)]
    assert back[4].solution[1].action == {"type": "type", "text": "hello", "keys": ["h"]}
    assert back[2].meta["options"] == ["before", "after"]
    assert (dataset / "anchors" / f"{SRC}.json").exists()


def test_resume_after_torn_last_line(dataset):
    path = dataset / "samples.jsonl"
    good = path.read_text()
    path.write_text(good + '{"id": "half-written", "task": "tut')  # a crash mid-write
    w = DatasetWriter(dataset)
    assert "half-written" not in w.done_ids() and len(w.done_ids()) == 5
    assert path.read_text() == good  # the torn line is cut, nothing else
    assert w.done_sources() == {SRC}
    aset = build_anchorset()
    assert not w.add(tutorial_sample(aset))  # same id: ignored
    assert w.add(tutorial_sample(aset, sid="tut-2"))
    w.reject(Rejection(source=SRC, task="tutorial", reasons=["solution[0] (text): time 12.500s is outside the video (0 to 10.000s)"]))
    w.close()
    lines = path.read_text().splitlines()
    assert len(lines) == 6 and len({json.loads(x)["id"] for x in lines}) == 6
    assert len((dataset / "rejected.jsonl").read_text().splitlines()) == 1  # same rejection not repeated


def test_resume_after_a_killed_writer(tmp_path):
    """A real crash: a writer process killed (SIGKILL) while appending; the rerun keeps every whole line."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "killed"
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "from ve_data import build_anchorset, tutorial_sample\n"
        "from dataclaw.export import DatasetWriter\n"
        "w = DatasetWriter(%r); a = build_anchorset(); i = 0\n"
        "while True:\n"
        "    w.add(tutorial_sample(a, sid=f's{i}')); i += 1\n"
    ) % (str(__import__("pathlib").Path(__file__).parent), str(out))
    proc = subprocess.Popen([sys.executable, "-c", code])
    path = out / "samples.jsonl"
    deadline = time.time() + 60
    while time.time() < deadline and (not path.exists() or path.stat().st_size < 20_000):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    w = DatasetWriter(out)
    n = len(w.done_ids())
    assert n >= 5 and w.done_ids() == {f"s{i}" for i in range(n)}
    assert w.add(tutorial_sample(build_anchorset(), sid=f"s{n}"))
    w.close()
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    assert [r["id"] for r in rows] == [f"s{i}" for i in range(n + 1)]


def test_no_resume_starts_fresh(dataset):
    w = DatasetWriter(dataset, resume=False)
    assert w.done_ids() == set() and w.done_sources() == set()
    assert (dataset / "media" / "kf_2000.jpg").exists()  # media are kept (idempotent, reused)
    w.close()


def test_manifest_and_card(dataset):
    w = DatasetWriter(dataset)
    written = w.finalize({"intent": "turn this lesson into a tutorial", "backend": "rules",
                          "plan": {"tasks": [{"task": "tutorial"}]}, "timings": {"anchors_s": 1.5}}, ["native"])
    w.close()
    m = json.loads((dataset / "manifest.json").read_text())
    assert m["counts"]["samples"] == 5 and m["counts"]["rejected"] == 1
    assert m["counts"]["by_task"] == {"tutorial": 1, "temporal_qa": 2, "t2v": 1, "gui_trajectory": 1}
    assert m["counts"]["by_domain"]["gui"] == 1 and m["counts"]["sources"] == 1
    assert m["skipped"] == [{"path": "/videos/broken.mp4", "reason": "no video track", "step": "open"}]
    assert m["sources"][SRC]["path"] == "/videos/aaaaaa.mp4"
    assert m["timings"]["anchors_s"] == 1.5 and "export_s" in m["timings"]
    assert "python" in m["versions"] and "pydantic" in m["versions"]
    assert m["rejection_reasons"][0][0] == "time #s is outside the video (# to #s)"
    assert m["intent"] == "turn this lesson into a tutorial" and m["plan"]["tasks"][0]["task"] == "tutorial"
    card = (dataset / "README.md").read_text()
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["configs"][0]["data_files"][0]["path"] == "samples.jsonl"
    assert "temporal_qa" in header["tags"] and header["size_categories"] == ["n<1K"]
    assert "load_dataset(\"json\"" in card and "skipped `/videos/broken.mp4`" in card
    assert str(dataset / "README.md") in written["native"]


def test_load_dataset_on_mixed_tasks(dataset):
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset("json", data_files=str(dataset / "samples.jsonl"), split="train")
    assert ds.num_rows == 5
    assert set(ds["task"]) == {"tutorial", "temporal_qa", "t2v", "gui_trajectory"}
    act = ds[4]["solution"][0]["action"]  # an object, not JSON text
    assert act["type"] == "click" and act["x"] == 10 and act["y"] == 20
    assert ds[0]["solution"][0]["action"] is None  # a real null
    assert Sample.model_validate(ds[4]).solution[1].action == {"type": "type", "text": "hello", "keys": ["h"]}
    assert Sample.model_validate(ds[2]).meta["answer"] == "before"
    # tiny blocks (each sample its own Arrow block): types come from the declared features
    from dataclaw.export.native import features

    ds = datasets.load_dataset("json", data_files=str(dataset / "samples.jsonl"), split="train", chunksize=64,
                               features=features())
    assert ds.num_rows == 5 and ds[4]["solution"][2]["path"] == "media/kf_6000.jpg"
    assert ds[0]["solution"][0]["action"] is None
    assert ds.features["solution"].feature["action"]["keys"].feature.dtype == "string"
    assert Sample.model_validate(ds[4]).solution[0].action == {"type": "click", "x": 10, "y": 20}


def test_load_dataset_folder_uses_card(dataset):
    datasets = pytest.importorskip("datasets")
    w = DatasetWriter(dataset)
    w.finalize({"intent": "x"}, [])
    w.close()
    ds = datasets.load_dataset(str(dataset), split="train", chunksize=64)
    assert ds.num_rows == 5 and ds.features["solution"].feature["t0"].dtype == "float64"


def _count(text: str, token: str) -> int:
    return text.count(token)


def test_llamafactory(dataset):
    paths = EXPORTERS["llamafactory"](dataset)
    rows = json.loads((dataset / "llamafactory.json").read_text())
    info = json.loads((dataset / "dataset_info.json").read_text())
    assert info["dataclaw"]["formatting"] == "sharegpt" and info["dataclaw"]["columns"]["images"] == "images"
    assert len(rows) == 5 and len(paths) == 2
    for row in rows:
        assert [c["from"] for c in row["conversations"]] == ["human", "gpt"]
        text = "".join(c["value"] for c in row["conversations"])
        assert _count(text, "<image>") == len(row["images"]) and _count(text, "<video>") == len(row["videos"])
        assert all((dataset / p).exists() for p in row["images"] + row["videos"])
        # answer media are marks, not vision tokens in the trained turn
        assert "<image>" not in row["conversations"][1]["value"] and "<video>" not in row["conversations"][1]["value"]
    tut = rows[0]
    assert tut["images"] == ["media/kf_2000.jpg"] and tut["videos"] == []
    assert tut["answer_images"] == ["media/kf_2000.jpg"] and tut["answer_videos"] == ["media/clip_4000_6000.mp4"]
    assert tut["conversations"][0]["value"].startswith("<image>\nWhat does the slide say")
    gpt = tut["conversations"][1]["value"].split("\n")
    assert gpt[0].startswith("[0.00s-4.00s] The title") and gpt[1] == "[image 2.00s]"
    assert gpt[3] == "[clip 4.00s-6.00s]"
    # asked for: answer media in place (interleaved image-text answers)
    from dataclaw.export.llamafactory import export_llamafactory

    export_llamafactory(dataset, answer_media="keep")
    tut = json.loads((dataset / "llamafactory.json").read_text())[0]
    assert tut["images"] == ["media/kf_2000.jpg", "media/kf_2000.jpg"] and tut["videos"] == ["media/clip_4000_6000.mp4"]
    gpt = tut["conversations"][1]["value"].split("\n")
    assert gpt[1] == "<image>" and gpt[3] == "<video>"


def test_trl(dataset):
    datasets = pytest.importorskip("datasets")
    EXPORTERS["trl"](dataset)
    rows = [json.loads(x) for x in (dataset / "trl.jsonl").read_text().splitlines()]
    assert len(rows) == 5
    for row in rows:
        assert set(row) >= {"prompt", "completion", "images"} and "messages" not in row and "videos" not in row
        parts = [p for m in row["prompt"] for p in m["content"]]
        assert sum(p["type"] == "image" for p in parts) == len(row["images"])
        assert all(p["type"] == "text" for m in row["completion"] for p in m["content"])
    t2v = next(r for r in rows if r["task"] == "t2v")  # its question clip: 8 frames, not a dropped video
    assert len(t2v["images"]) == 8 and all((dataset / p).exists() for p in t2v["images"])
    assert "frames sampled evenly from a video" in json.dumps(t2v["prompt"])
    ds = datasets.load_dataset("json", data_files=str(dataset / "trl.jsonl"), split="train")
    ds = ds.map(lambda r: {"images": [str(dataset / p) for p in r["images"]]})
    ds = ds.cast_column("images", datasets.Sequence(datasets.Image()))
    assert ds[0]["images"][0].size == (64, 48)


def test_verl(dataset):
    import pyarrow.parquet as pq

    paths = EXPORTERS["verl"](dataset)
    assert [p.name for p in paths] == ["train.parquet"]
    t = pq.read_table(paths[0]).to_pylist()
    assert len(t) == 5
    for row in t:
        assert row["data_source"].startswith("dataclaw/") and row["reward_model"]["style"] == "rule"
        content = row["prompt"][0]["content"]
        assert row["prompt"][0]["role"] == "user"
        assert content.count("<image>") == len(row["images"]) and content.count("<video>") == len(row["videos"])
        truth = json.loads(row["reward_model"]["ground_truth"])
        assert truth["sample_id"] == row["extra_info"]["sample_id"] and truth["solution"]
    assert t[0]["images"][0]["bytes"][:2] == b"\xff\xd8"  # embedded JPEG
    assert t[3]["videos"] == [{"video": str((dataset / "media/clip_4000_6000.mp4").resolve())}]  # absolute


def test_verl_reward_reads_the_export(dataset, tmp_path):
    """dataclaw's compute_score on exported rows: the ground truth carries its anchors (the folder
    can be gone), the reference answer scores well, a wrong or ungrounded one does not."""
    import shutil

    import pyarrow.parquet as pq

    from dataclaw.train.rewards import compute_score

    moved = tmp_path / "elsewhere"
    shutil.copytree(dataset, moved)
    rows = pq.read_table(EXPORTERS["verl"](moved)[0]).to_pylist()
    shutil.rmtree(moved)  # the reward must not need the folder
    by_id = {r["extra_info"]["sample_id"]: r for r in rows}
    for r in rows:
        gt = r["reward_model"]["ground_truth"]
        ref = json.loads(gt)["answer"]
        good = compute_score(r["data_source"], ref, gt, r["extra_info"])
        assert good["score"] >= 0.8 and good["match"] >= 0.95, (r["extra_info"]["sample_id"], good)
        bad = compute_score(r["data_source"], "I do not know.", gt, r["extra_info"])
        assert bad["score"] < good["score"] - 0.2
    qa = by_id["qa-1"]
    gt = qa["reward_model"]["ground_truth"]
    wrong_time = compute_score(qa["data_source"], "[0.50s-2.00s] It is said then.", gt)
    late = compute_score(qa["data_source"], "[4.20s-14.00s] It is said from 4.2 s to 14 s.", gt)
    right = compute_score(qa["data_source"], "[4.20s-8.00s] It is said from 4.2 s to 8.0 s.", gt)
    assert right["score"] > wrong_time["score"] and right["score"] > late["score"]
    assert late["grounding"] < 1.0  # 14 s is past the 10 s video


def test_verl_video_as_frames(dataset):
    import pyarrow.parquet as pq

    from dataclaw.export.verl import export_verl

    t = pq.read_table(export_verl(dataset, video_frames=4)[0]).to_pylist()
    frames = t[3]["videos"][0]["video"]
    assert len(frames) == 4 and all(f.endswith(".jpg") and __import__("os").path.isabs(f) for f in frames)
    from PIL import Image
    assert Image.open(frames[0]).size == (64, 48)


def test_webdataset(dataset):
    from dataclaw.export.webdataset import export_webdataset

    paths = export_webdataset(dataset, shard_size=1)
    groups = {}
    for p in paths:
        with tarfile.open(p) as tar:
            names = tar.getnames()
            keys = {n.split(".", 1)[0] for n in names}
            assert len(keys) == 1  # shard_size=1
            fields = sorted(n.split(".", 1)[1] for n in names)
            groups.setdefault(p.parent.name, set()).add(tuple(fields))
            meta = json.loads(tar.extractfile(f"{keys.pop()}.json").read())
            for i, rel in enumerate(meta["media"]):
                member = [n for n in names if f".{i:03d}." in n][0]
                assert tar.extractfile(member).read() == (dataset / rel).read_bytes()
            assert set(meta) == {"id", "task", "domain", "source", "query", "answer", "media", "sample"}
            assert Sample.model_validate(json.loads(meta["sample"])).id == meta["id"]
    # every shard of a group has the same members
    assert all(len(v) == 1 for v in groups.values()), groups
    assert set(groups) == {"jpg-mp4", "none", "mp4", "jpg2"}


def test_webdataset_loads_with_datasets_and_webdataset(dataset):
    datasets = pytest.importorskip("datasets")
    wds = pytest.importorskip("webdataset")
    from dataclaw.export.webdataset import export_webdataset

    paths = export_webdataset(dataset)
    n = 0
    for group in sorted({p.parent for p in paths}):
        files = sorted(str(p) for p in group.glob("shard-*.tar"))
        ds = datasets.load_dataset("webdataset", data_files={"train": files}, split="train")
        n += ds.num_rows
        videos = [k for k, f in ds.features.items() if isinstance(f, datasets.Video)]
        for k in videos:  # decoding needs torchcodec (not installed); the bytes are what we check
            ds = ds.cast_column(k, datasets.Video(decode=False))
        row = ds[0]
        assert isinstance(row["json"]["sample"], str)
        if "000.jpg" in ds.features:
            assert isinstance(ds.features["000.jpg"], datasets.Image) and row["000.jpg"].size == (64, 48)
        for k in videos:
            assert row[k]["bytes"][4:8] == b"ftyp"  # an MP4
        for sample in wds.WebDataset(files, shardshuffle=False).decode("pil"):
            assert sample["json"]["id"] and all(k in sample for k in (f"{i:03d}" + Path(m).suffix
                                                                     for i, m in enumerate(sample["json"]["media"])))
    assert n == 5


def test_webdataset_whole_source_video_is_a_proxy(dataset):
    from dataclaw.export.webdataset import export_webdataset

    src = dataset / "media" / "aaaaaaaaaaaa" / "source.mp4"
    make_mp4(src, seconds=4.0, fps=25, size=(640, 480))
    rows = [json.loads(x) for x in (dataset / "samples.jsonl").read_text().splitlines()]
    for i in range(3):  # three questions about the same whole video
        r = json.loads(json.dumps(rows[1]))
        r["id"] = f"qa-whole-{i}"
        r["query"]["media"] = [{"type": "clip", "path": "media/aaaaaaaaaaaa/source.mp4", "t0": 0.0, "t1": 4.0,
                                "text": None, "action": None, "anchors": []}]
        rows.append(r)
    (dataset / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    paths = export_webdataset(dataset)
    proxy = dataset / "media" / "aaaaaaaaaaaa" / "source.proxy.mp4"
    assert proxy.exists() and proxy.stat().st_size < src.stat().st_size
    import av
    with av.open(str(proxy)) as c:
        v = c.streams.video[0]
        assert max(v.codec_context.width, v.codec_context.height) <= 320
        times = [f.time for f in c.decode(v)]
    assert len(times) <= 4 * 4 + 1 and times[-1] > 3.0  # same timeline, few frames
    shard = [p for p in paths if p.parent.name == "mp4"][0]
    with tarfile.open(shard) as tar:
        sizes = [m.size for m in tar.getmembers() if m.name.startswith("qa-whole") and m.name.endswith(".mp4")]
    assert len(sizes) == 3 and all(s == proxy.stat().st_size for s in sizes)


def test_finalize_all_formats_and_unknown(dataset):
    w = DatasetWriter(dataset)
    written = w.finalize({"intent": "x"}, ["llamafactory", "trl", "verl", "webdataset"])
    assert set(written) == {"native", "llamafactory", "trl", "verl", "webdataset"}
    m = json.loads((dataset / "manifest.json").read_text())
    assert m["files"]["verl"] == ["verl/train.parquet"]
    from dataclaw.errors import ConfigError
    with pytest.raises(ConfigError, match="unknown export format"):
        w.finalize({}, ["parquet2"])
    w.close()


def test_render_is_shared_and_interleaved():
    aset = build_anchorset()
    chat = render(tutorial_sample(aset))
    assert [p["type"] for p in chat.assistant] == ["text", "image", "text", "video"]
    assert [p["type"] for p in chat.user] == ["image", "text"]
    marked = render(tutorial_sample(aset), answer_media="mark")
    assert [p["type"] for p in marked.assistant] == ["text"] and marked.answer_videos == ["media/clip_4000_6000.mp4"]


def test_cli_verify_and_export(dataset):
    from typer.testing import CliRunner

    from dataclaw.cli import _load_commands, app

    _load_commands()
    runner = CliRunner()
    res = runner.invoke(app, ["verify", str(dataset)])
    assert res.exit_code == 0 and "5/5 samples pass verification" in res.output
    res = runner.invoke(app, ["export", str(dataset), "-f", "trl", "-f", "llamafactory"])
    assert res.exit_code == 0 and (dataset / "trl.jsonl").exists() and (dataset / "llamafactory.json").exists()
    (dataset / "media" / "kf_6000.jpg").unlink()  # the GUI sample's image is gone
    res = runner.invoke(app, ["verify", str(dataset), "--json"])
    out = json.loads(res.output)
    assert res.exit_code == 1 and out["passed"] == 4 and out["failed"][0]["id"] == "gui.1/a"
    assert "media file 'media/kf_6000.jpg' does not exist" in out["failed"][0]["errors"][0]


def test_card_license_and_one_config_per_export(dataset):
    datasets = pytest.importorskip("datasets")
    w = DatasetWriter(dataset)
    w.finalize({"intent": "x"}, ["trl", "llamafactory", "verl", "webdataset", "parquet"])
    w.close()
    header = yaml.safe_load((dataset / "README.md").read_text().split("---\n")[1])
    assert header["license"] == "other"
    names = [c["config_name"] for c in header["configs"]]
    assert names == ["default", "trl", "llamafactory"]
    # each config loads from the folder with `datasets`, through the card
    for name in names:
        ds = datasets.load_dataset(str(dataset), name, split="train")
        assert ds.num_rows == 5, name
    card = (dataset / "README.md").read_text()
    assert 'load_dataset("parquet", data_files="./verl/train.parquet"' in card


def test_cli_formats_are_checked_first_and_take_comma_lists(dataset, tmp_path):
    from typer.testing import CliRunner

    from dataclaw.cli import _load_commands, app

    _load_commands()
    runner = CliRunner()
    res = runner.invoke(app, ["tailor", str(tmp_path / "missing.mp4"), "-i", "x", "-o", str(tmp_path / "o"),
                              "-f", "trl,verl2"])
    assert res.exit_code == 2 and "verl2" in res.output and "webdataset" in res.output
    assert not (tmp_path / "o").exists()  # nothing ran
    res = runner.invoke(app, ["export", str(dataset), "-f", "trl,verl", "-f", "webdataset", "--video-frames", "2"])
    assert res.exit_code == 0, res.output
    assert (dataset / "trl.jsonl").exists() and (dataset / "verl" / "train.parquet").exists()
    t2v = [json.loads(x) for x in (dataset / "trl.jsonl").read_text().splitlines() if '"t2v"' in x][0]
    assert len(t2v["images"]) == 2
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.startswith("dataclaw ")


def test_trl_images_typed_from_any_working_directory(dataset, tmp_path, monkeypatch):
    """The card's imagefolder call gives `images` as datasets.Image, resolved against the dataset folder
    (not the working directory); the JSON rows and these rows are the same samples in the same order."""
    datasets = pytest.importorskip("datasets")
    from PIL import Image as PILImage

    EXPORTERS["trl"](dataset)
    rows = [json.loads(x) for x in (dataset / "trl.jsonl").read_text().splitlines()]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    ds = datasets.load_dataset("imagefolder", data_files=str(dataset / "metadata.jsonl"), split="train")
    assert isinstance(ds.features["images"], datasets.List) and isinstance(ds.features["images"].feature, datasets.Image)
    assert ds["id"] == [r["id"] for r in rows] and "images_file_names" not in ds.column_names
    for row, got in zip(rows, ds):
        assert len(got["images"]) == len(row["images"])  # rows without images too (an empty list)
        for path, img in zip(row["images"], got["images"]):
            assert isinstance(img, PILImage.Image) and img.size == PILImage.open(dataset / path).size
        assert got["prompt"][0]["role"] == "user" and got["completion"][0]["role"] == "assistant"
    w = DatasetWriter(dataset)
    files = w.finalize({"intent": "x"}, ["trl"])
    w.close()
    assert sorted(files["trl"]) == [str(dataset / "metadata.jsonl"), str(dataset / "trl.jsonl")]
    card = (dataset / "README.md").read_text()
    assert 'load_dataset("imagefolder", data_files="./metadata.jsonl"' in card
    # the card's JSON configs still load from here (the trl config's images are path strings)
    trl = datasets.load_dataset(str(dataset), name="trl", split="train")
    assert trl["id"] == [r["id"] for r in rows]
