"""WebDataset tar shards (stdlib tarfile), grouped so that every sample of a shard has the same members:

    webdataset/<group>/shard-000000.tar   <key>.json         {"id", "task", "domain", "source", "query",
                                                              "answer", "media": [paths], "sample": row as JSON text}
                                          <key>.000.jpg ...  its media in order of appearance

A group is the sequence of media types a sample carries (`none`, `jpg`, `jpg2-mp4`, ...): WebDataset
readers, and `datasets.load_dataset("webdataset", ...)`, take one sample's members as its columns,
so samples with two images and samples with one clip cannot share a shard. The json member has the
same keys and types for every task (the full row, whose nested shapes differ by task, is JSON text).

Media are the sample's own keyframes and clips. A whole source video (the question video of temporal
QA) is packed as a proxy instead of one full copy per sample: same timeline, at most `PROXY_FPS`
frames per second and `PROXY_SIDE` pixels (`media/<source>/source.proxy.mp4`, made once).

A key is the sample id with characters other than [A-Za-z0-9_-] replaced by "_" (WebDataset splits a
member name at its first dot), plus a short hash of the id if two ids would give the same key.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tarfile
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..model import Sample
from .chat import placeholder_text, render
from .native import read_rows

SHARD_SIZE = 1000
PROXY_FPS = 4.0
PROXY_SIDE = 320


def _key(sample_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", sample_id)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0  # reproducible shards
    tar.addfile(info, io.BytesIO(data))


def group_name(exts: list[str]) -> str:
    """`["jpg", "jpg", "mp4"]` -> "jpg2-mp4" (runs counted, order kept); no media -> "none"."""
    runs: list[list[Any]] = []
    for e in exts:
        if runs and runs[-1][0] == e:
            runs[-1][1] += 1
        else:
            runs.append([e, 1])
    return "-".join(f"{e}{n if n > 1 else ''}" for e, n in runs) or "none"


def is_whole_source(rel: str) -> bool:
    return Path(rel).name == "source.mp4"


def proxy_video(root: Path, rel: str, fps: float = PROXY_FPS, max_side: int = PROXY_SIDE) -> str:
    """A small copy of a whole source video on the same timeline (frames kept at their own times, at most
    `fps` a second, scaled to `max_side`), written once beside it; returns its path relative to `root`."""
    import av  # noqa: PLC0415
    out_rel = str(Path(rel).with_name(Path(rel).stem + ".proxy.mp4"))
    dst = Path(root) / out_rel
    if dst.exists():
        return out_rel
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp.mp4")
    with av.open(str(Path(root) / rel)) as src, av.open(str(tmp), "w") as out:
        ist = src.streams.video[0]
        w, h = ist.codec_context.width, ist.codec_context.height
        scale = min(1.0, max_side / max(w, h))
        ow, oh = max(2, int(w * scale) // 2 * 2), max(2, int(h * scale) // 2 * 2)
        tb = Fraction(1, 1000)
        ost = out.add_stream("libx264", rate=int(round(fps)))
        ost.width, ost.height, ost.pix_fmt = ow, oh, "yuv420p"
        ost.codec_context.time_base = tb
        ost.options = {"crf": "28", "preset": "veryfast"}
        next_t, last_pts = 0.0, -1
        for frame in src.decode(ist):
            t = float(frame.time or 0.0)
            if t + 1e-6 < next_t:
                continue
            pts = int(round(t * 1000))
            if pts <= last_pts:
                continue
            img = frame.reformat(width=ow, height=oh, format="yuv420p")
            img.pts, img.time_base = pts, tb
            for pkt in ost.encode(img):
                out.mux(pkt)
            last_pts, next_t = pts, t + 1.0 / fps
        for pkt in ost.encode(None):
            out.mux(pkt)
    os.replace(tmp, dst)
    return out_rel


def export_webdataset(dataset_dir: Path, shard_size: int = SHARD_SIZE) -> list[Path]:
    root = Path(dataset_dir)
    out_dir = root / "webdataset"
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir()
    used: set[str] = set()
    groups: dict[str, list[tuple[dict[str, Any], list[str]]]] = {}
    for row in read_rows(root):
        paths = list(dict.fromkeys(m["path"] for m in row["query"]["media"] + row["solution"] if m.get("path")))
        packed = [proxy_video(root, p) if is_whole_source(p) else p for p in paths]
        exts = [Path(p).suffix.lower().lstrip(".") for p in packed]
        groups.setdefault(group_name(exts), []).append((row, packed))
    written: list[Path] = []
    for group, items in sorted(groups.items()):
        (out_dir / group).mkdir()
        for n, start in enumerate(range(0, len(items), shard_size)):
            path = out_dir / group / f"shard-{n:06d}.tar"
            with tarfile.open(path, "w") as tar:
                for row, packed in items[start:start + shard_size]:
                    key = _key(row["id"])
                    if key in used:  # two ids that differ only in replaced characters
                        key += "_" + hashlib.sha1(row["id"].encode()).hexdigest()[:8]
                    used.add(key)
                    for i, p in enumerate(packed):
                        _add_bytes(tar, f"{key}.{i:03d}{Path(p).suffix.lower()}", (root / p).read_bytes())
                    sample = Sample.model_validate(row)
                    meta = {"id": row["id"], "task": row["task"], "domain": row["domain"], "source": row["source"],
                            "query": row["query"]["text"], "answer": placeholder_text(render(sample).assistant),
                            "media": packed, "sample": json.dumps(row, ensure_ascii=False)}
                    _add_bytes(tar, f"{key}.json", json.dumps(meta, ensure_ascii=False).encode())
            written.append(path)
    return written
