"""The training demonstration: SmolLM2-135M-Instruct, SFT then GRPO on a corpus built here, scored on
dataclaw-val before / after SFT / after GRPO (validity, Field, Semantic, Sequence, Grounding), with
training curves as PNG.

    python benchmarks/bench_train.py --bench BENCH_DIR --work WORK_DIR [--sft-steps 60 --grpo-steps 20 ...]

Training sources never overlap the benchmark's: generated clips with seeds the benchmark does not use,
plus the shipped example lecture when the benchmark does not hold it (the small size does not).
Prints one JSON object (also WORK/bench_train.json); curves go to --png-dir.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

SHOWN = ("validity", "accept", "field", "semantic", "sequence", "grounding")


def training_sources(work: Path, n_clips: int, bench: Path) -> list[Path]:
    """The example lecture (unless the benchmark holds it: --size full does) + generated clips."""
    import synth_videos as sv

    manifest = json.loads((bench / "manifest.json").read_text()) if (bench / "manifest.json").is_file() else {}
    in_bench = any("edu_lecture" in s for s in manifest.get("sources", {}))
    out = [] if in_bench else [ROOT / "examples" / "lecture" / "lecture.mp4"]
    for k in range(n_clips):
        p = work / "sources" / f"train_clip{k}.mp4"
        if not p.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
            shots, trans = sv.mixed_timeline(seed=100 + k, n_shots=5, fps=10)
            sv.write_video(p, shots, trans, size=(320, 180), fps=10)
        out.append(p)
    return out


def rl_subset(corpus: Path, out: Path, tasks: list[str]) -> Path:
    """A corpus folder holding only the RL prompts of `tasks` (GRPO reads OUT/rl_train.jsonl)."""
    out.mkdir(parents=True, exist_ok=True)
    for split in ("train", "val"):
        src = corpus / f"rl_{split}.jsonl"
        rows = [ln for ln in src.read_text().splitlines() if ln.strip() and json.loads(ln)["task"] in tasks] \
            if src.exists() else []
        (out / f"rl_{split}.jsonl").write_text("".join(r + "\n" for r in rows))
    return out


def evaluate(bench: Path, model: str, out: Path, cases: list[str], max_new_tokens: int, max_samples: int,
             constrain: str = "none") -> dict:
    """dataclaw-val with the hf backend: at most `max_samples` drafts per case, no repair round; free
    decoding by default (what the model learned), `constrain="json_schema"` for schema-enforced decoding."""
    from dataclaw.bench.run import run

    t = time.perf_counter()
    s = run(bench, backend="hf", out=out, cases=cases or None, max_samples=max_samples, max_attempts=max_samples,
            backend_options={"model": model, "max_new_tokens": max_new_tokens, "constrain": constrain},
            max_repairs=0, label=out.name)
    row = {m: (s["overall"][m] or {}).get("mean") if isinstance(s["overall"].get(m), dict) else s["overall"].get(m)
           for m in SHOWN}
    return {"cases": s["overall"]["cases"], **row, "wall_s": round(time.perf_counter() - t, 1)}


def curves(sft_dir: Path, grpo_dir: Path, png_dir: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    png_dir.mkdir(parents=True, exist_ok=True)
    out = []
    sft = json.loads((sft_dir / "log_history.json").read_text())
    pts = [(h["step"], h["loss"]) for h in sft if "loss" in h]
    if pts:
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.plot(*zip(*pts), marker=".")
        ax.set(xlabel="step", ylabel="SFT loss", title="SFT (SmolLM2-135M-Instruct)")
        fig.tight_layout()
        fig.savefig(png_dir / "train_sft_loss.png", dpi=120)
        out.append(str(png_dir / "train_sft_loss.png"))
        plt.close(fig)
    grpo = json.loads((grpo_dir / "log_history.json").read_text()) if (grpo_dir / "log_history.json").exists() else []
    keys = ("reward", "rewards/format_reward/mean", "rewards/grounding_reward/mean", "rewards/efficiency_reward/mean")
    if any("reward" in h for h in grpo):
        fig, ax = plt.subplots(figsize=(5, 3))
        for k in keys:
            pts = [(h["step"], h[k]) for h in grpo if k in h]
            if pts:
                ax.plot(*zip(*pts), marker=".", label=k.split("/")[1] if "/" in k else "total (weighted)")
        ax.set(xlabel="step", ylabel="reward", title="GRPO rewards")
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(png_dir / "train_grpo_rewards.png", dpi=120)
        out.append(str(png_dir / "train_grpo_rewards.png"))
        plt.close(fig)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", type=Path, required=True, help="dataclaw-val folder (dataclaw bench build --size small)")
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--png-dir", type=Path, default=ROOT / "docs" / "img")
    ap.add_argument("--clips", type=int, default=4, help="generated training clips (besides the example lecture)")
    ap.add_argument("--tasks", default="tutorial,temporal_qa,t2v")
    ap.add_argument("--max-samples", type=int, default=8)
    ap.add_argument("--sft-steps", type=int, default=60)
    ap.add_argument("--grpo-steps", type=int, default=20)
    ap.add_argument("--grpo-generations", type=int, default=4)
    ap.add_argument("--max-length", type=int, default=2560)
    ap.add_argument("--completion-length", type=int, default=384)
    ap.add_argument("--cases", default="", help="comma-separated case id parts (default: all)")
    ap.add_argument("--eval-samples", type=int, default=2)
    ap.add_argument("--eval-tokens", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lr", type=float, default=None, help="SFT learning rate (default: the config's)")
    ap.add_argument("--grpo-tasks", default="", help="tasks whose RL prompts GRPO uses (default: all); "
                    "drop those whose completions exceed --completion-length")
    ap.add_argument("--stages", default="before,sft,grpo,constrained",
                    help="before, sft, grpo (each scored with free decoding), constrained (the last trained model "
                         "and the untrained one scored again with schema-constrained decoding)")
    a = ap.parse_args()

    from dataclaw.train.corpus import build_corpus
    from dataclaw.train.trainers import load_config, train

    work = a.work
    work.mkdir(parents=True, exist_ok=True)
    res: dict = {"command": " ".join(sys.argv), "stages": {}, "timings": {}}
    cases = [c for c in a.cases.split(",") if c]
    stages = a.stages.split(",")
    t = time.perf_counter()
    corpus = work / "corpus"
    if not (corpus / "corpus.json").exists():
        build_corpus(training_sources(work, a.clips, a.bench), corpus, teacher="rules", max_samples=a.max_samples,
                     tasks=a.tasks.split(","), val_fraction=0.0)
    res["corpus"] = json.loads((corpus / "corpus.json").read_text())["counts"]
    res["timings"]["corpus_s"] = round(time.perf_counter() - t, 1)

    def save() -> None:
        (work / "bench_train.json").write_text(json.dumps(res, indent=1, default=str) + "\n")

    if "before" in stages:
        res["stages"]["before"] = evaluate(a.bench, "smollm2", work / "eval_before", cases, a.eval_tokens, a.eval_samples)
        save()
    sft_dir, grpo_dir = work / "sft", work / "grpo"
    if "sft" in stages:
        t = time.perf_counter()
        cfg = load_config("sft_cpu", data=str(corpus), output_dir=str(sft_dir), threads=a.threads)
        cfg["args"].update(max_steps=a.sft_steps, max_length=a.max_length)
        if a.lr:
            cfg["args"]["learning_rate"] = a.lr
        res["sft"] = train("sft", cfg)["runs"][0]
        res["timings"]["sft_s"] = round(time.perf_counter() - t, 1)
        res["stages"]["sft"] = evaluate(a.bench, str(sft_dir), work / "eval_sft", cases, a.eval_tokens, a.eval_samples)
        save()
    if "grpo" in stages:
        t = time.perf_counter()
        data = rl_subset(corpus, work / "corpus_grpo", a.grpo_tasks.split(",")) if a.grpo_tasks else corpus
        cfg = load_config("grpo_cpu", data=str(data), output_dir=str(grpo_dir), model=str(sft_dir), threads=a.threads)
        cfg["args"].update(max_steps=a.grpo_steps, num_generations=a.grpo_generations,
                           per_device_train_batch_size=a.grpo_generations, max_completion_length=a.completion_length)
        res["grpo"] = train("grpo", cfg)["runs"][0]
        res["timings"]["grpo_s"] = round(time.perf_counter() - t, 1)
        res["stages"]["grpo"] = evaluate(a.bench, str(grpo_dir), work / "eval_grpo", cases, a.eval_tokens, a.eval_samples)
        save()
    if "constrained" in stages:
        last = grpo_dir if (grpo_dir / "config.json").exists() else sft_dir
        res["stages"]["before_constrained"] = evaluate(a.bench, "smollm2", work / "eval_before_constrained", cases,
                                                       a.eval_tokens, a.eval_samples, "json_schema")
        save()
        res["stages"][f"{last.name}_constrained"] = evaluate(a.bench, str(last), work / f"eval_{last.name}_constrained",
                                                             cases, a.eval_tokens, a.eval_samples, "json_schema")
        save()
    res["png"] = curves(sft_dir, grpo_dir, a.png_dir)
    save()
    print(json.dumps(res, indent=1, default=str))


if __name__ == "__main__":
    main()
