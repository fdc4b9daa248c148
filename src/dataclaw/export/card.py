"""README.md dataset card in the Hugging Face style: a YAML header (configs/data_files, tags, size)
and a body with counts, score statistics, how to load each format, and provenance."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from .native import features

TASK_CATEGORIES = {
    "tutorial": "image-text-to-text", "temporal_qa": "video-text-to-text", "t2v": "text-to-video",
    "gui_trajectory": "image-text-to-text", "gui_stitch": "image-text-to-text",
    "gui_grounding": "image-text-to-text", "world_model": "video-text-to-text", "contact": "video-text-to-text",
    "segmentation": "video-text-to-text", "recovery": "video-text-to-text",
}

LOADERS = {
    "native": ('from datasets import load_dataset\n'
               'ds = load_dataset("json", data_files="{dir}/samples.jsonl")["train"]\n'
               '# or, as typed records: from dataclaw.export import read_samples; list(read_samples("{dir}"))'),
    "llamafactory": ('# LLaMA-Factory: dataset_dir: {dir}, dataset: dataclaw  (dataset_info.json + llamafactory.json)'),
    "trl": ('import os\nfrom datasets import load_dataset, Image, Sequence\n'
            'ds = load_dataset("json", data_files="{dir}/trl.jsonl")["train"]  # prompt, completion, images\n'
            'ds = ds.map(lambda r: {{"images": [os.path.join("{dir}", p) for p in r["images"]]}})  # relative paths\n'
            'ds = ds.cast_column("images", Sequence(Image()))\n'
            '# or, images typed as datasets.Image from any working directory (metadata.jsonl holds the same rows):\n'
            'ds = load_dataset("imagefolder", data_files="{dir}/metadata.jsonl", split="train")'),
    "verl": ('# datasets: load_dataset("parquet", data_files="{dir}/verl/train.parquet", split="train")\n'
             '# verl: data.train_files={dir}/verl/train.parquet data.image_key=images data.video_key=videos\n'
             '#   reward.custom_reward_function.path=pkg://dataclaw.train.rewards '
             'reward.custom_reward_function.name=compute_score'),
    "parquet": ('ds = load_dataset("parquet", data_files="{dir}/parquet/*.parquet", split="train")'),
    "webdataset": ('import glob, webdataset as wds  # one folder per media layout: webdataset/<group>/\n'
                   'ds = wds.WebDataset(sorted(glob.glob("{dir}/webdataset/{shards}/shard-*.tar")))\n'
                   '# or: load_dataset("webdataset", data_files={{"train": "{dir}/webdataset/{shards}/*.tar"}})'),
}


def _features_yaml() -> dict[str, Any] | None:
    """The column types, so `load_dataset(<folder>)` does not have to infer them (needs `datasets`)."""
    try:
        from datasets import DatasetInfo  # noqa: PLC0415

    except ImportError:
        return None
    return DatasetInfo(features=features())._to_yaml_dict()


def export_configs(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """One `configs` entry per JSON export that `datasets` loads from the folder: the native rows
    (default), trl, llamafactory, agentnet. `datasets` picks one builder for all of a folder's configs
    (from the default's JSON files), so the parquet, verl and WebDataset exports are loaded by their
    own builder, as "How to load" shows (a config for them would be read as JSON)."""
    files = manifest.get("files", {})
    out = [{"config_name": "default", "data_files": [{"split": "train", "path": "samples.jsonl"}]}]
    for fmt, path in {"trl": "trl.jsonl", "llamafactory": "llamafactory.json", "agentnet": "agentnet.jsonl"}.items():
        if files.get(fmt):
            out.append({"config_name": fmt, "data_files": [{"split": "train", "path": path}]})
    return out


def _short(text: str, limit: int = 72) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rsplit(" ", 1)[0] + "..."


def _shard_pattern(files: list[str]) -> str:
    """The first webdataset group folder (or a placeholder)."""
    groups = sorted({Path(f).parent.name for f in files if f.endswith(".tar")})
    return groups[0] if groups else "<group>"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items() if v not in (None, "", {}, []))
    return str(value)


def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < limit:
            return name
    return "n>1M"


def _table(head: tuple[str, str], items: dict[str, Any]) -> str:
    lines = [f"| {head[0]} | {head[1]} |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(items.items())]
    return "\n".join(lines)


def render_card(manifest: dict[str, Any], dataset_dir: Path) -> str:
    counts = manifest.get("counts", {})
    tasks = sorted(counts.get("by_task", {}))
    domains = sorted(counts.get("by_domain", {}))
    header = {
        "pretty_name": manifest.get("name") or _short(f"dataclaw: {manifest.get('intent') or 'tailored dataset'}"),
        "language": ["en"],
        "tags": ["dataclaw", "synthetic", "multimodal", "grounded"] + tasks + domains,
        "task_categories": sorted({TASK_CATEGORIES.get(t, "video-text-to-text") for t in tasks}) or ["video-text-to-text"],
        "size_categories": [_size_category(counts.get("samples", 0))],
        # the sources' licence is the user's to state (manifest "license"); "other" until they do
        "license": manifest.get("license") or "other",
        "configs": export_configs(manifest),
    }
    info = _features_yaml()
    if info:
        header["dataset_info"] = info
    d = "."
    body = [f"# {header['pretty_name']}", "",
            "Made by dataclaw from raw sources and an intent: deterministic experts "
            "extracted anchors (shots, keyframes, on-screen text, speech, ...), each sample was written from "
            "them and **verified** against them (times, cited anchor ids, quotes, media), and only verified "
            "samples are here. Rejected drafts and their reasons are in `rejected.jsonl`.", ""]
    if manifest.get("intent"):
        body += [f"**Intent:** {manifest['intent']}", ""]
    body += ["## Contents", "",
             f"- samples: {counts.get('samples', 0)}; rejected: {counts.get('rejected', 0)}; "
             f"sources: {counts.get('sources', 0)} done, {counts.get('skipped', 0)} skipped", ""]
    if counts.get("by_task"):
        body += [_table(("task", "samples"), counts["by_task"]), ""]
    if counts.get("by_domain"):
        body += [_table(("domain", "samples"), counts["by_domain"]), ""]
    stats = manifest.get("scores", {})
    if stats:
        body += ["## Verification scores", "", "| score | mean | min | max |", "|---|---|---|---|"]
        body += [f"| {k} | {v['mean']:.3f} | {v['min']:.3f} | {v['max']:.3f} |" for k, v in stats.items()]
        body += ["", "Definitions: docs/formats.md of dataclaw (format, grounding, efficiency in [0, 1]).", ""]
    cl = manifest.get("claims")
    if cl:
        rate = cl.get("hallucination_rate")
        body += ["## Claims", "",
                 f"Every free-text field was split into claims (numbers, quotes, names, counts, colours, directions, "
                 f"order, content words) and each was checked against the anchors it cites. **Hallucination rate: "
                 f"{rate if rate is not None else 0:.2f} unsupported claims per 100** ({cl.get('unsupported', 0)} of "
                 f"{cl.get('claims', 0)} claims in {cl.get('samples', 0)} samples); "
                 f"{cl.get('rejected_for_claims', 0)} drafts were rejected for unsupported claims.", ""]
    if manifest.get("rejection_reasons"):
        body += ["Most common rejection reasons:", ""]
        body += [f"- {r} ({n})" for r, n in manifest["rejection_reasons"]]
        body += [""]
    body += ["## How to load", ""]
    for fmt in ["native"] + [f for f in manifest.get("formats", []) if f != "native"]:
        if fmt in LOADERS:
            shards = _shard_pattern(manifest.get("files", {}).get("webdataset", []))
            body += [f"**{fmt}**", "", "```python", LOADERS[fmt].format(dir=d, shards=shards), "```", ""]
    body += ["In `samples.jsonl`, a segment's `action` is a typed object (`null` when absent; keys outside the "
             "typed ones in its `extra_json`), `meta` and `provenance` are JSON text (their shape differs between "
             "tasks); `Sample.model_validate(row)` decodes them. Raw model input/output is in `raw.jsonl`.", "",
             "## Layout", "",
             "- `samples.jsonl`: one sample per line (query, interleaved solution, evidence anchor ids, scores)",
             "- `media/`: JPEG keyframes and MP4 clips that samples reference (paths relative to this folder)",
             "- `anchors/<source id>.json`: every anchor of each source, so each claim can be re-checked",
             "- `rejected.jsonl`: drafts that failed verification, with reasons",
             "- `manifest.json`: intent, plan, backend, versions, source hashes, counts, timings, skipped sources", ""]
    body += ["## Provenance", ""]
    for key in ("backend", "model"):
        if manifest.get(key):
            body.append(f"- {key}: `{_show(manifest[key])}`")
    versions = manifest.get("versions", {})
    if versions:
        body.append("- versions: " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())))
    for sid, info in sorted(manifest.get("sources", {}).items()):
        body.append(f"- source `{sid}`: {info.get('path', '')}")
    for sk in manifest.get("skipped", []):
        body.append(f"- skipped `{sk.get('path')}` at {sk.get('step') or '?'}: {sk.get('reason')}")
    return "---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True) + "---\n\n" + "\n".join(body) + "\n"


def write_card(dataset_dir: Path, manifest: dict[str, Any]) -> Path:
    path = Path(dataset_dir) / "README.md"
    path.write_text(render_card(manifest, Path(dataset_dir)), encoding="utf-8")
    return path
