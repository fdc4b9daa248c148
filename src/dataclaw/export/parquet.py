"""Parquet shards of samples.jsonl (the same rows, Arrow-typed), for large runs and fast loading:

    parquet/part-000000.parquet, part-000001.parquet, ...   SHARD_SIZE rows each

`datasets.load_dataset("parquet", data_files="out/parquet/*.parquet")` loads them; media paths stay
relative to the dataset folder, as in samples.jsonl.
"""
from __future__ import annotations

from pathlib import Path

from .native import features, read_rows

SHARD_SIZE = 1000


def export_parquet(dataset_dir: Path, shard_size: int = SHARD_SIZE) -> list[Path]:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    root = Path(dataset_dir)
    out_dir = root / "parquet"
    out_dir.mkdir(exist_ok=True)
    for old in out_dir.glob("part-*.parquet"):
        old.unlink()
    rows = read_rows(root)
    try:
        schema = features().arrow_schema  # one schema for every shard, whatever a shard holds
    except Exception:  # noqa: BLE001 - `datasets` missing: let Arrow infer per shard
        schema = None
    written: list[Path] = []
    for start in range(0, len(rows), shard_size):
        chunk = rows[start:start + shard_size]
        table = pa.Table.from_pylist(chunk, schema=schema)
        path = out_dir / f"part-{len(written):06d}.parquet"
        tmp = path.with_name(f".{path.name}.tmp")
        pq.write_table(table, tmp)
        tmp.replace(path)
        written.append(path)
    return written
