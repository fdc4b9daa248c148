"""LeRobot 0.3.3's own metadata classes and `Normalize` on a dataclaw lerobot export (run by
test_lerobot_consumer.py in the consumers' venv). argv: lerobot root. Prints one JSON line."""
from __future__ import annotations

import json
import sys
import types


class _Anything(types.ModuleType):
    """Any attribute is a placeholder class (and any submodule another such module)."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return type(name, (), {"__init__": lambda self, *a, **k: None})


def _stub_torchvision() -> bool:
    """STUB: lerobot.datasets imports torchvision at module level (image transforms, video decoding);
    PyPI has no CPU torchvision wheel for our torch (the CUDA one fails to load its ops). Metadata,
    stats and Normalize never call it; frame decoding through LeRobotDataset is not exercised here."""
    try:
        import torchvision  # noqa: F401
        return False
    except Exception:  # noqa: BLE001
        import importlib.machinery

        for name in ("torchvision", "torchvision.transforms", "torchvision.transforms.v2", "torchvision.io"):
            m = _Anything(name)
            m.__spec__ = importlib.machinery.ModuleSpec(name, None)
            m.__path__ = []
            sys.modules[name] = m
        sys.modules["torchvision"].__version__ = "0.28.0"
        return True


def main(root: str) -> None:
    import transformers  # noqa: F401 - before the stub
    stubbed = _stub_torchvision()
    import numpy as np
    import pyarrow.parquet as pq
    import torch
    from lerobot.configs.types import FeatureType, NormalizationMode
    from lerobot.datasets.lerobot_dataset import LeRobotDatasetMetadata
    from lerobot.datasets.utils import dataset_to_policy_features
    from lerobot.policies.normalize import Normalize, Unnormalize

    meta = LeRobotDatasetMetadata("local/dataclaw", root=root)
    features = dataset_to_policy_features(meta.features)
    norm_map = {FeatureType.VISUAL: NormalizationMode.MEAN_STD, FeatureType.STATE: NormalizationMode.MEAN_STD,
                FeatureType.ACTION: NormalizationMode.MIN_MAX}
    norm = Normalize(features, norm_map, meta.stats)
    table = pq.read_table(f"{root}/data/chunk-000/episode_000000.parquet").to_pydict()
    batch = {}
    for k, f in features.items():
        if f.type is FeatureType.VISUAL:
            batch[k] = torch.rand(2, *f.shape)
        else:
            batch[k] = torch.tensor(np.asarray(table[k][:2], dtype=np.float32)).reshape(2, *f.shape)
    out = norm(batch)
    back = Unnormalize(features, norm_map, meta.stats)({"action": out["action"]})["action"]
    print(json.dumps({
        "stubbed_torchvision": stubbed, "robot_type": meta.robot_type, "fps": meta.fps,
        "camera_keys": meta.camera_keys, "video_keys": meta.video_keys, "tasks": list(meta.tasks.values()),
        "features": sorted(features), "stats_keys": sorted(meta.stats),
        "finite": {k: bool(torch.isfinite(v).all()) for k, v in out.items()},
        "action_roundtrip": float((back - batch["action"]).abs().max()),
        "image_mean": np.asarray(meta.stats[meta.camera_keys[0]]["mean"]).reshape(-1).tolist()}))


if __name__ == "__main__":
    main(*sys.argv[1:])
