"""verl 0.9.1's own RLHFDataset and reward loading on a dataclaw verl export (run by test_verl_consumer.py
in the consumers' venv). argv: parquet, frames parquet. Prints one JSON line."""
from __future__ import annotations

import json
import sys

import pyarrow.parquet as pq
from omegaconf import OmegaConf

from tiny_models import tiny_llava_processor


def _stub_torchvision() -> bool:
    """STUB: qwen_vl_utils (verl's vision reader) imports torchvision at module level, and PyPI has no
    CPU torchvision wheel for our torch (the CUDA one fails to load its ops). Images go through PIL only,
    so an empty module stands in for the import; video decoding is not exercised here."""
    try:
        import torchvision  # noqa: F401
        return False
    except Exception:  # noqa: BLE001
        import importlib.machinery
        import types

        tv = types.ModuleType("torchvision")
        tv.__spec__ = importlib.machinery.ModuleSpec("torchvision", None)
        tv.__version__ = "0.28.0"
        tv.io = types.ModuleType("torchvision.io")
        tv.transforms = types.ModuleType("torchvision.transforms")
        tv.transforms.InterpolationMode = type("InterpolationMode", (), {"BICUBIC": 3, "BILINEAR": 2})
        sys.modules.update({"torchvision": tv, "torchvision.io": tv.io, "torchvision.transforms": tv.transforms})
        return True


def main(path: str, frames_path: str) -> None:
    import transformers  # noqa: F401 - before the stub: transformers probes torchvision itself
    from verl.trainer.ppo.reward import get_custom_reward_fn
    from verl.utils.dataset.rl_dataset import RLHFDataset, collate_fn

    stubbed = _stub_torchvision()

    rows = pq.read_table(path).to_pylist()
    texts = [m["content"] for r in rows for m in r["prompt"]] + [json.loads(r["reward_model"]["ground_truth"])["answer"]
                                                                 for r in rows]
    proc = tiny_llava_processor(texts)
    still = [r for r in rows if not r["videos"]]  # the tiny processor has no video processor (needs torchvision)
    pq.write_table(pq.read_table(path).filter(__import__("pyarrow").array([not r["videos"] for r in rows])),
                   path + ".images.parquet")
    cfg = OmegaConf.create({"prompt_key": "prompt", "image_key": "images", "video_key": "videos",
                            "max_prompt_length": 4096, "filter_overlong_prompts": True,
                            "filter_overlong_prompts_workers": 1, "cache_dir": path + ".cache"})
    ds = RLHFDataset(path + ".images.parquet", proc.tokenizer, cfg, processor=proc)
    items = [ds[i] for i in range(len(ds))]
    batch = collate_fn(items)
    # verl's reward loading, as `custom_reward_function.path/name` configures it
    rcfg = OmegaConf.create({"reward": {"custom_reward_function": {"path": "pkg://dataclaw.train.rewards",
                                                                   "name": "compute_score"}}})
    fn = get_custom_reward_fn(rcfg)
    scores = []
    for it in items:
        gt = it["reward_model"]["ground_truth"]
        ref = json.loads(gt)["answer"]
        scores.append({"id": it["extra_info"]["sample_id"],
                       "reference": fn(data_source=it["data_source"], solution_str=ref, ground_truth=gt,
                                       extra_info=it["extra_info"]),
                       "wrong": fn(data_source=it["data_source"], solution_str="No idea.", ground_truth=gt,
                                   extra_info=it["extra_info"])})
    # every row, videos too (as paths and as frame lists): verl's message building, which the rollout
    # hands to the processor; no length filter (that would need a video processor)
    cfg2 = OmegaConf.merge(cfg, {"filter_overlong_prompts": False})
    videos = []
    for p in (path, frames_path):
        ds2 = RLHFDataset(p, proc.tokenizer, cfg2, processor=proc)
        for i in range(len(ds2)):
            content = ds2[i]["raw_prompt"][0]["content"]  # text-only prompts stay strings
            videos += [c for c in content if isinstance(content, list) and c["type"] == "video"]
    print(json.dumps({
        "rows": len(rows), "image_rows": len(still), "kept": len(ds), "stubbed_torchvision": stubbed,
        "raw_prompt_types": [[c["type"] for c in it["raw_prompt"][0]["content"]] if isinstance(
            it["raw_prompt"][0]["content"], list) else ["text"] for it in items],
        "batch_keys": sorted(batch), "scores": scores, "videos": [c["video"] for c in videos]}))


if __name__ == "__main__":
    main(*sys.argv[1:])
