"""Tiny tokenizers and processors built at test time (never downloaded): a word-level tokenizer with
Qwen2-VL's special tokens and chat template, and a Qwen2-VL processor around it."""
from __future__ import annotations

import re
from typing import Any, Iterable

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
           "<|image_pad|>", "<|video_pad|>", "<unk>"]

# Qwen2-VL's template, cut to what the tests use (string or list content; image, video and text parts)
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for c in message['content'] %}"
    "{% if c['type'] == 'image' or 'image' in c %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif c['type'] == 'video' or 'video' in c %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in c %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %}"
    "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def words(texts: Iterable[str]) -> list[str]:
    return sorted({w for t in texts for w in re.findall(r"\w+|[^\w\s]", t)})


def tiny_tokenizer(texts: Iterable[str]) -> Any:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {t: i for i, t in enumerate(SPECIAL + words(list(texts) + ["user", "assistant", "system"]))}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    tok.add_special_tokens(SPECIAL)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", pad_token="<|endoftext|>",
                                   eos_token="<|im_end|>")
    fast.chat_template = CHAT_TEMPLATE
    fast.image_token = "<|image_pad|>"
    fast.video_token = "<|video_pad|>"
    return fast


def tiny_qwen2vl_processor(texts: Iterable[str]) -> Any:
    """A Qwen2-VL processor: the PIL image processor (small pixel budget) and the tiny tokenizer. No video
    processor: transformers' video processors need torchvision, which has no CPU wheel for our torch."""
    from transformers import Qwen2VLImageProcessor, Qwen2VLProcessor

    ip = Qwen2VLImageProcessor(min_pixels=28 * 28 * 4, max_pixels=28 * 28 * 16)
    return Qwen2VLProcessor(image_processor=ip, tokenizer=tiny_tokenizer(texts), video_processor=None,
                            chat_template=CHAT_TEMPLATE)


LLAVA_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for c in message['content'] %}"
    "{% if c['type'] == 'image' %}<image>{% elif c['type'] == 'video' %}<video>"
    "{% elif 'text' in c %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %}"
    "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def tiny_llava_processor(texts: Iterable[str]) -> Any:
    """A LLaVA processor: CLIP's PIL image processor at 28x28 (4 patch tokens per image) and the tiny
    tokenizer with an `<image>` token."""
    from transformers import CLIPImageProcessor, LlavaProcessor

    tok = tiny_tokenizer(list(texts))
    tok.add_special_tokens({"additional_special_tokens": ["<image>", "<video>"]})
    tok.chat_template = LLAVA_TEMPLATE
    tok.image_token, tok.video_token = "<image>", "<video>"
    ip = CLIPImageProcessor(size={"shortest_edge": 28}, crop_size={"height": 28, "width": 28})
    return LlavaProcessor(image_processor=ip, tokenizer=tok, patch_size=14, vision_feature_select_strategy="default",
                          chat_template=LLAVA_TEMPLATE, image_token="<image>", num_additional_image_tokens=1)
