"""LLaMA-Factory 0.9.5 reads the llamafactory export with its own loaders (in the consumers' venv):
every row survives conversion and preprocessing, each `<image>` becomes the LLaVA image tokens, the
answer's own images are not in the labels, and its SFT collator batches the rows with pixel values."""
from __future__ import annotations

from consumer_env import run_consumer


def test_llamafactory_get_dataset(small_export, tmp_path):
    from dataclaw.export.llamafactory import export_llamafactory

    export_llamafactory(small_export, video_frames=4)  # LLaVA takes no video: question clips as frames
    res = run_consumer("run_llamafactory.py", str(small_export), str(tmp_path))
    assert res["kept"] == res["rows"] == 5
    assert res["image_tokens"] == [4 * n for n in res["images"]]
    assert all(n == 0 for n in res["image_labels"])  # no vision token trained as a label
    assert all(n > 0 for n in res["trained_tokens"])
    assert res["batch"]["pixel_values"][0] == sum(res["images"])
