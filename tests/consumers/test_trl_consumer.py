"""TRL reads the trl export the way SFT users do: `DataCollatorForVisionLanguageModeling` and `SFTTrainer`
on a tiny random LLaVA (config, weights and processor built here, nothing downloaded). Checks that the
question's images reach the model (a clip arrives as frames, not a dropped `videos` column), and that no
image token is a label."""
from __future__ import annotations

import json
import math

import pytest


def _tiny_llava(processor):
    import torch
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration

    torch.manual_seed(0)
    tok = processor.tokenizer
    cfg = LlavaConfig(
        vision_config=CLIPVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                       num_attention_heads=2, image_size=28, patch_size=14),
        text_config=LlamaConfig(vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=4096,
                                pad_token_id=tok.pad_token_id),
        image_token_index=tok.convert_tokens_to_ids("<image>"), vision_feature_select_strategy="default",
        vision_feature_layer=-1)
    return LlavaForConditionalGeneration(cfg)


@pytest.fixture()
def trl_dataset(small_export):
    datasets = pytest.importorskip("datasets")
    from dataclaw.export.trl import export_trl

    path = export_trl(small_export)[0]
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    ds = datasets.load_dataset("json", data_files=str(path), split="train")
    ds = ds.map(lambda r: {"images": [str(small_export / p) for p in r["images"]]})
    ds = ds.cast_column("images", datasets.Sequence(datasets.Image()))
    texts = [p.get("text", "") for r in rows for m in r["prompt"] + r["completion"] for p in m["content"]]
    return ds, texts


def test_trl_collator_keeps_images_and_masks_them(trl_dataset):
    pytest.importorskip("trl")
    from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

    from tiny_models import tiny_llava_processor

    ds, texts = trl_dataset
    proc = tiny_llava_processor(texts)
    image_id = proc.tokenizer.convert_tokens_to_ids("<image>")
    collate = DataCollatorForVisionLanguageModeling(proc, completion_only_loss=True)  # as SFTTrainer sets it
    examples = [dict(ds[i]) for i in range(len(ds))]
    n_images = sum(len(e["images"]) for e in examples)
    batch = collate([{k: e[k] for k in ("prompt", "completion", "images")} for e in examples])
    assert batch["pixel_values"].shape[0] == n_images > 0
    assert int((batch["input_ids"] == image_id).sum()) == 4 * n_images  # 4 patch tokens per 28x28 image
    labels = batch["labels"]
    assert int(((labels == image_id)).sum()) == 0  # no image token is trained on
    assert int((labels != -100).sum()) > 0
    t2v = next(i for i, e in enumerate(examples) if e["task"] == "t2v")
    assert int((batch["input_ids"][t2v] == image_id).sum()) == 4 * 8  # the clip as 8 frames


def test_sft_trainer_trains_on_the_export(trl_dataset, tmp_path):
    pytest.importorskip("trl")
    from trl import SFTConfig, SFTTrainer

    from tiny_models import tiny_llava_processor

    ds, texts = trl_dataset
    proc = tiny_llava_processor(texts)
    model = _tiny_llava(proc)
    ds = ds.select_columns(["prompt", "completion", "images"])
    args = SFTConfig(output_dir=str(tmp_path / "sft"), max_steps=3, per_device_train_batch_size=2,
                     learning_rate=1e-3, logging_steps=1, report_to=[], save_strategy="no", use_cpu=True,
                     max_length=None, dataloader_num_workers=0, bf16=False)
    trainer = SFTTrainer(model=model, args=args, train_dataset=ds, processing_class=proc)
    assert "images" in trainer.train_dataset.column_names  # not dropped on the way in
    assert trainer.data_collator.completion_only_loss  # prompt-completion rows: only the answer is trained
    out = trainer.train()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert out.global_step == 3 and losses and all(math.isfinite(x) for x in losses)
