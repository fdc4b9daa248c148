"""LLaMA-Factory 0.9.5's own dataset loading on a dataclaw llamafactory export (run by
test_llamafactory_consumer.py in the consumers' venv): argument parsing, `load_tokenizer`,
`get_template_and_fix_tokenizer`, `get_dataset` (sharegpt converter, llava mm_plugin, supervised
preprocessing) and its SFT data collator. argv: dataset folder, work folder. Prints one JSON line."""
from __future__ import annotations

import json
import sys
from pathlib import Path


def _stub_torchaudio() -> bool:
    """STUB: llamafactory.data.mm_plugin imports torchaudio at module level (for audio inputs, unused
    here); PyPI's torchaudio wheels pin another torch than ours, so an empty module stands in."""
    try:
        import torchaudio  # noqa: F401
        return False
    except Exception:  # noqa: BLE001
        import importlib.machinery
        import types

        ta = types.ModuleType("torchaudio")
        ta.__spec__ = importlib.machinery.ModuleSpec("torchaudio", None)
        sys.modules["torchaudio"] = ta
        return True


def main(dataset_dir: str, work: str) -> None:
    import os

    os.environ["DISABLE_VERSION_CHECK"] = "1"  # LF's own switch: it pins transformers<=5.6, we run 5.24
    import transformers  # noqa: F401 - before the stub: transformers probes torchaudio itself

    stubbed = _stub_torchaudio()
    import trl

    if not hasattr(trl, "AutoModelForCausalLMWithValueHead"):
        # STUB: llamafactory.model.loader imports TRL's value-head model (PPO only; TRL 1.x removed it).
        # Only load_tokenizer is used here, which never touches it.
        trl.AutoModelForCausalLMWithValueHead = type("AutoModelForCausalLMWithValueHead", (), {})
    from llamafactory.data import get_dataset, get_template_and_fix_tokenizer
    from llamafactory.data.collator import SFTDataCollatorWith4DAttentionMask
    from llamafactory.hparams import get_train_args
    from llamafactory.model import load_tokenizer

    from tiny_models import tiny_llava_processor

    rows = json.loads((Path(dataset_dir) / "llamafactory.json").read_text())
    texts = [c["value"] for r in rows for c in r["conversations"]]
    model_dir = Path(work) / "tiny-llava"
    proc = tiny_llava_processor(texts)
    proc.save_pretrained(model_dir)
    model_args, data_args, training_args, finetuning_args, _ = get_train_args({
        "model_name_or_path": str(model_dir), "stage": "sft", "do_train": True, "finetuning_type": "full",
        "dataset": "dataclaw", "dataset_dir": dataset_dir, "template": "llava", "cutoff_len": 2048,
        "output_dir": str(Path(work) / "out"), "overwrite_output_dir": True, "report_to": "none",
        "preprocessing_num_workers": 1, "overwrite_cache": True, "use_cpu": True})
    tm = load_tokenizer(model_args)
    tok, processor = tm["tokenizer"], tm["processor"]
    processor.image_seq_length = 4  # LLaVA's tokens per image (28x28, patch 14); LF reads this attribute
    template = get_template_and_fix_tokenizer(tok, data_args)
    module = get_dataset(template, model_args, data_args, training_args, stage="sft", **tm)
    ds = module["train_dataset"]
    image_id = tok.convert_tokens_to_ids("<image>")
    items = [ds[i] for i in range(len(ds))]
    collate = SFTDataCollatorWith4DAttentionMask(template=template, processor=processor, label_pad_token_id=-100,
                                                 tokenizer=tok)
    batch = collate([dict(x) for x in items])
    print(json.dumps({
        "rows": len(rows), "kept": len(ds), "stubbed_torchaudio": stubbed,
        "image_tokens": [sum(t == image_id for t in x["input_ids"]) for x in items],
        "image_labels": [sum(t == image_id for t in x["labels"]) for x in items],
        "trained_tokens": [sum(t != -100 for t in x["labels"]) for x in items],
        "images": [len(r["images"]) for r in rows],
        "batch": {k: list(v.shape) for k, v in batch.items() if hasattr(v, "shape")}}))


if __name__ == "__main__":
    main(*sys.argv[1:])
