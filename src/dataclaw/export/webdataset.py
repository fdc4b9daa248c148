"""WebDataset tar shards (stdlib tarfile, no extra dependency):

    webdataset/shard-000000.tar   <key>.json         the sample row (as in samples.jsonl) plus "media_files"
                                  <key>.000.jpg ...  its media, numbered in order of appearance

A key is the sample id with characters other than [A-Za-z0-9_-] replaced by "_" (WebDataset splits a
member name at its first dot), plus a short hash of the id if two ids would give the same key. `media_files` maps each member suffix ("000.jpg") to the media path.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from pathlib import Path

from .native import read_rows

SHARD_SIZE = 1000


def _key(sample_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", sample_id)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0  # reproducible shards
    tar.addfile(info, io.BytesIO(data))


def export_webdataset(dataset_dir: Path, shard_size: int = SHARD_SIZE) -> list[Path]:
    root = Path(dataset_dir)
    out_dir = root / "webdataset"
    out_dir.mkdir(exist_ok=True)
    for old in out_dir.glob("shard-*.tar"):
        old.unlink()
    rows = read_rows(root)
    used: set[str] = set()
    written: list[Path] = []
    for start in range(0, max(1, len(rows)), shard_size):
        chunk = rows[start:start + shard_size]
        if not chunk:
            break
        path = out_dir / f"shard-{len(written):06d}.tar"
        with tarfile.open(path, "w") as tar:
            for row in chunk:
                key = _key(row["id"])
                if key in used:  # two ids that differ only in replaced characters
                    key += "_" + hashlib.sha1(row["id"].encode()).hexdigest()[:8]
                used.add(key)
                paths = [m["path"] for m in row["query"]["media"] + row["solution"] if m.get("path")]
                media: dict[str, str] = {}
                for p in dict.fromkeys(paths):
                    suffix = f"{len(media):03d}{Path(p).suffix.lower()}"
                    media[suffix] = p
                    _add_bytes(tar, f"{key}.{suffix}", (root / p).read_bytes())
                _add_bytes(tar, f"{key}.json", json.dumps({**row, "media_files": media}, ensure_ascii=False).encode())
        written.append(path)
    return written
