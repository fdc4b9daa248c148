"""Training our own tailoring model: corpus -> rewards -> SFT -> GRPO -> Omni / Expert -> downstream check.

    corpus.py     stage one anchors, stage two a teacher backend writes verified samples (SFT + RL data)
    rewards.py    format / grounding / efficiency rewards on `verify.score_draft` (TRL and verl adapters)
    trainers.py   `train sft` / `train grpo` on TRL, optional LoRA (PEFT), YAML configs (configs/)
    router.py     Omni (one model) and Expert (one model per domain) checkpoints served by the `hf` backend
    downstream.py same sources and budget, different annotators -> fine-tune a student -> score on held-out sources

Heavy libraries (torch, transformers, trl, peft, datasets) are imported inside functions.
"""
