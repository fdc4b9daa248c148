"""Our tailoring model through llama.cpp on the shipped example lecture (issue 15): a short SFT on the
rules teacher's t2v samples from training-only sources, the checkpoint converted to GGUF, then
`dataclaw tailor examples/lecture/lecture.mp4 --backend llamacpp --model SFT` (count, reasons, wall).

    python benchmarks/bench_llamacpp_tailor.py sources --work W   # training decks + generated clips
    python benchmarks/bench_llamacpp_tailor.py corpus  --work W   # rules teacher -> W/corpus (t2v rows)
    python benchmarks/bench_llamacpp_tailor.py sft     --work W [--steps 24]
    python benchmarks/bench_llamacpp_tailor.py sft     --work W --mode expert --steps 16   # W/expert: 16 steps per domain
    python benchmarks/bench_llamacpp_tailor.py grpo    --work W [--steps 2]            # from W/sft -> W/grpo
    python benchmarks/bench_llamacpp_tailor.py tailor  --work W [--model W/sft] [--intent "..."] [--offline-plan]
    python benchmarks/bench_llamacpp_tailor.py score   --work W --bench BENCH [--cases a,b] [--models smollm2,W/sft,W/grpo]

`score` runs `dataclaw bench run` for the rules teacher, the naive annotator and each model through llama.cpp
(an Omni checkpoint, or an Expert set: one llama.cpp model per domain behind its router) on the chosen cases,
and writes W/score.md: overall means with bootstrap 95% CIs over cases (bench run's summary.json).

`sft --mode expert` trains one model per corpus domain (`dataclaw train --mode expert`: each domain's rows
alone, `--steps` steps each) into W/expert with router.json; the default expert (a domain no expert has)
is `--default-domain` (daily_life: the domain of the tutorial and temporal_qa rows).

Training sources never overlap what is scored: three decks rendered here with examples/make_lecture.py
(their own slides and narration: none is the shipped lecture or a dataclaw-val deck) and two clips of
benchmarks/synth_videos.py with seeds dataclaw-val does not use. Each stage writes W/<stage>.json.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

BLUE, GREEN, ORANGE, PURPLE, TEAL = (40, 90, 170), (30, 140, 80), (200, 110, 20), (130, 50, 150), (20, 120, 130)
# (title, on-screen lines, colour, narration, transition to the next slide), as in examples/make_lecture.py
TRAIN_DECKS = {
    "train_area": [
        ("Area of a Rectangle", ["Example: 4 m by 6 m", "Goal: find the area"], BLUE,
         ["In this lesson we find the area of a rectangle.", "The rectangle is four metres by six metres."], "cut"),
        ("Step 1: The formula", ["area = length x width"], GREEN,
         ["The area is the length times the width."], "dissolve"),
        ("Step 2: Multiply", ["4 x 6 = 24", "area = 24 square metres"], ORANGE,
         ["Four times six is twenty four.", "So the area is twenty four square metres."], "cut"),
        ("Review", ["Multiply length by width", "Give the unit"], PURPLE,
         ["Remember to multiply and to give the unit.", "See you next time."], "fade_out"),
    ],
    "train_percent": [
        ("Finding a Percentage", ["What is 20% of 50?"], TEAL,
         ["Let us find twenty percent of fifty."], "dissolve"),
        ("Step 1: Write it as a fraction", ["20% = 20/100 = 0.2"], BLUE,
         ["Twenty percent is twenty over one hundred.", "That is zero point two."], "cut"),
        ("Step 2: Multiply", ["0.2 x 50 = 10"], GREEN,
         ["Multiply zero point two by fifty.", "The answer is ten."], "dissolve"),
        ("Check", ["10 / 50 = 0.2"], ORANGE,
         ["Ten divided by fifty gives zero point two again."], "fade_out"),
    ],
    "train_bread": [
        ("Toasting Bread", ["You need: bread, a toaster, butter"], ORANGE,
         ["Here is how to make a slice of toast."], "cut"),
        ("Step 1: Load the toaster", ["Put the bread in the slot", "Set the dial to 3"], PURPLE,
         ["Put the bread in the slot.", "Turn the dial to three."], "cut"),
        ("Step 2: Wait", ["Press the lever", "Wait two minutes"], TEAL,
         ["Press the lever down and wait for two minutes."], "dissolve"),
        ("Step 3: Butter it", ["Spread the butter thinly"], GREEN,
         ["When it pops up, spread the butter thinly.", "Enjoy your toast."], "fade_out"),
    ],
}
CLIP_SEEDS = (300, 301)  # dataclaw-val's clips use other seeds
INTENT = "cut text-to-video clips with dense captions"


def sources(work: Path) -> list[Path]:
    from dataclaw.bench.build import render_deck
    import synth_videos as sv

    out = []
    for name, slides in TRAIN_DECKS.items():
        p = work / "sources" / name / "lecture.mp4"
        if not p.exists():
            render_deck(slides, p.parent)
        out.append(p)
    for seed in CLIP_SEEDS:
        p = work / "sources" / f"clip{seed}.mp4"
        if not p.exists():
            shots, trans = sv.mixed_timeline(seed=seed, n_shots=5, fps=10)
            sv.write_video(p, shots, trans, size=(320, 180), fps=10)
        out.append(p)
    return out


def corpus(work: Path, tasks: list[str], max_samples: int) -> dict:
    from dataclaw.train.corpus import build_corpus

    src = sources(work)
    t = time.perf_counter()
    build_corpus(src, work / "corpus", teacher="rules", max_samples=max_samples, tasks=tasks, val_fraction=0.0)
    info = json.loads((work / "corpus" / "corpus.json").read_text())
    return {"sources": [str(p) for p in src], "tasks": tasks, "counts": info.get("counts"),
            "wall_s": round(time.perf_counter() - t, 1)}


SFT_CONFIG = """# issue 15: a short SFT on the rows of training-only sources (bench_llamacpp_tailor.py)
model: smollm2
mode: {mode}
default_domain: {default}
threads: 2
lora: null
args:
  max_steps: {steps}
  per_device_train_batch_size: 2
  gradient_accumulation_steps: 1
  gradient_checkpointing: false
  learning_rate: 3.0e-4
  lr_scheduler_type: cosine
  warmup_steps: 0
  max_length: 1280
  logging_steps: 1
  save_strategy: "no"
"""


def sft(work: Path, steps: int, mode: str = "omni", default: str = "daily_life") -> dict:
    name = "sft" if mode == "omni" else "expert"
    cfg = work / f"{name}.yaml"
    cfg.write_text(SFT_CONFIG.format(steps=steps, mode=mode, default=default))
    cmd = [sys.executable, "-m", "dataclaw.cli", "train", "sft", "--data", str(work / "corpus"), "--config", str(cfg),
           "-o", str(work / name)]
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    return {"command": " ".join(cmd), "mode": mode, "steps": steps, "wall_s": round(time.perf_counter() - t, 1)}


GRPO_CONFIG = """# issue 15: a short GRPO from W/sft on the RL prompts of the same corpus (bench_llamacpp_tailor.py)
mode: omni
threads: 2
lora: null
reward_weights: {{format: 1.0, grounding: 1.0, efficiency: 0.5}}
args:
  max_steps: {steps}
  per_device_train_batch_size: 2
  gradient_accumulation_steps: 1
  num_generations: 2
  max_completion_length: 320
  learning_rate: 5.0e-6
  beta: 0.02
  temperature: 0.9
  logging_steps: 1
  save_strategy: "no"
"""


def grpo(work: Path, steps: int) -> dict:
    cfg = work / "grpo.yaml"
    cfg.write_text(GRPO_CONFIG.format(steps=steps))
    cmd = [sys.executable, "-m", "dataclaw.cli", "train", "grpo", "--data", str(work / "corpus"), "--config", str(cfg),
           "--model", str(work / "sft"), "-o", str(work / "grpo")]
    t = time.perf_counter()
    subprocess.run(cmd, check=True)
    return {"command": " ".join(cmd), "steps": steps, "wall_s": round(time.perf_counter() - t, 1)}


SCORE_METRICS = ("validity", "accept", "field", "semantic", "sequence", "grounding")


def _cell(m: dict | None) -> str:
    if not m or m.get("mean") is None:
        return "n/a"
    return f"{m['mean']:.3f} [{m['lo']:.3f}, {m['hi']:.3f}]"


def headline_ids(bench: Path, cases: str | None) -> list[str]:
    """The benchmark's headline cases (not the focused ones, which `bench run` scores apart) whose id contains
    one of the comma-separated `cases` substrings (all of them without `cases`), as exact ids: `bench run
    --cases` matches substrings, and with no `--cases` it runs the 330 focused cases of the full size too."""
    rows = [json.loads(line) for line in (bench / "cases.jsonl").read_text().splitlines() if line.strip()]
    ids = [r["id"] for r in rows if not r.get("focus")]
    if cases:
        ids = [i for i in ids if any(k in i for k in cases.split(","))]
    every = [r["id"] for r in rows]
    for i in ids:  # an exact id must not be a substring of another case's id
        assert sum(i in j for j in every) == 1, i
    return ids


def score(work: Path, bench: Path, cases: str | None, models: list[str], threads: int) -> dict:
    """rules, naive and each model on the same cases; W/score.md is the table with its commands. A run resumes
    (bench run skips the cases in its results.jsonl), so the wall column is the sum of the cases' own seconds."""
    ids = headline_ids(bench, cases)
    runs = []  # the models first (the slow runs), then the rules teacher and the naive annotator
    for m in models:
        runs.append((Path(m).name, ["-b", "llamacpp", "-m", m, "-n", "2", "--max-attempts", "2", "--max-repairs", "0",
                                    "--backend-option", "parallel=2", "--backend-option", f"threads={threads}",
                                    "--backend-option", "max_tokens=384"]))
    runs += [("rules", ["-b", "rules"]), ("naive", ["-b", "naive"])]
    rows, task_rows, out = [], [], {}
    for label, opts in runs:
        res = work / f"val_{label}"
        cmd = [sys.executable, "-m", "dataclaw.cli", "bench", "run", str(bench), *opts, "-o", str(res), "--label", label, "-q",
               "--cases", ",".join(ids)]
        t = time.perf_counter()
        subprocess.run(cmd, check=True)
        summ = json.loads((res / "summary.json").read_text())
        ov = summ["overall"]
        recs = {r["case"]: r for r in map(json.loads, (res / "results.jsonl").read_text().splitlines())}
        wall = round(sum(recs[i].get("seconds", 0.0) for i in ids), 1)
        out[label] = {"command": " ".join(cmd[:cmd.index("--cases") + 1]) + f" <{len(ids)} ids>",
                      "this_call_s": round(time.perf_counter() - t, 1), "wall_s": wall, "cases": ov["cases"],
                      "errors": summ.get("errors"), **{k: ov.get(k) for k in SCORE_METRICS},
                      "domains": {d: {k: v.get(k) for k in ("cases", *SCORE_METRICS)} for d, v in summ["domains"].items()}}
        by_task: dict[str, list[float]] = {}
        for i in ids:
            by_task.setdefault(recs[i]["task"], []).append(float(recs[i].get("accept") or 0.0))
        out[label]["tasks"] = {k: {"cases": len(v), "accept": round(sum(v) / len(v), 3)} for k, v in sorted(by_task.items())}
        rows.append(f"| {label} | {ov['cases']} | " + " | ".join(_cell(ov.get(k)) for k in SCORE_METRICS) + f" | {wall} s |")
        task_rows.append(f"| {label} | " + " | ".join(f"{v['accept']:.2f} ({v['cases']})" for v in out[label]["tasks"].values()) + " |")
        md = ["| run | cases | " + " | ".join(SCORE_METRICS) + " | wall |", "|---" * (len(SCORE_METRICS) + 3) + "|", *rows,
              "", "Accept by task (cases):", "", "| run | " + " | ".join(sorted(by_task)) + " |",
              "|---" * (len(by_task) + 1) + "|", *task_rows]
        (work / "score.md").write_text("\n".join(md) + "\n")
    return out


def tailor(work: Path, model: str, threads: int, offline_plan: bool, intent: str = INTENT) -> dict:
    """README's command with the model: `--intent` (the model is asked for the plan too, intent.py), or
    with `offline_plan` a recipe from `dataclaw plan` (the offline planner) replayed with the model."""
    lecture = str(ROOT / "examples" / "lecture" / "lecture.mp4")
    tag = "" if intent == INTENT else "_" + "".join(w[0] for w in intent.split())
    out = work / f"tailor_{Path(model).name}{tag}{'_recipe' if offline_plan else ''}"
    if offline_plan:
        plan = work / f"plan{tag}.yaml"
        subprocess.run([sys.executable, "-m", "dataclaw.cli", "plan", lecture, "-i", intent, "-o", str(plan)],
                       check=True, capture_output=True)
        how = ["--recipe", str(plan)]
    else:
        how = ["--intent", intent]
    cmd = [sys.executable, "-m", "dataclaw.cli", "tailor", lecture, *how, "--backend", "llamacpp", "--model", model,
           "--backend-option", "parallel=2", "--backend-option", f"threads={threads}", "-j", "2",
           "--max-repairs", "1", "-o", str(out), "--json", "-q"]
    t = time.perf_counter()
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = round(time.perf_counter() - t, 1)
    reasons: dict[str, int] = {}
    rej = out / "rejected.jsonl"
    for line in rej.read_text().splitlines() if rej.exists() else []:
        for r in json.loads(line).get("reasons", [])[:1]:
            key = r.split(":")[0] + ": " + r.split(":", 2)[1][:60] if ":" in r else r
            reasons[key] = reasons.get(key, 0) + 1
    summary = json.loads(res.stdout[res.stdout.index("{"):]) if "{" in res.stdout else {}
    return {"command": " ".join(cmd), "wall_s": wall, "summary": summary, "first_reasons": reasons}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stage", choices=["sources", "corpus", "sft", "grpo", "tailor", "score"])
    ap.add_argument("--intent", default=INTENT, help="tailor: the intent (README's tutorial intent, or t2v by default)")
    ap.add_argument("--bench", type=Path, default=None, help="score: a dataclaw-val folder (dataclaw bench build)")
    ap.add_argument("--cases", default=None, help="score: comma-separated substrings of headline case ids (default: all 80 of the full size)")
    ap.add_argument("--models", default=None, help="score: comma-separated models (default smollm2,W/sft,W/grpo)")
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--steps", type=int, default=12, help="sft / grpo: steps (per domain with --mode expert)")
    ap.add_argument("--mode", choices=["omni", "expert"], default="omni", help="sft: one model, or one per domain (W/expert)")
    ap.add_argument("--default-domain", default="daily_life", help="sft --mode expert: the expert for other domains")
    ap.add_argument("--tasks", default="t2v,tutorial,temporal_qa", help="corpus: the tasks the teacher writes rows for")
    ap.add_argument("--max-samples", type=int, default=12, help="corpus: rows per source and task at most")
    ap.add_argument("--model", default=None, help="tailor: GGUF, checkpoint folder or smollm2 (default WORK/sft)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--offline-plan", action="store_true", help="tailor: plan with `dataclaw plan`, replay the recipe")
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    if a.stage == "sources":
        res = {"sources": [str(p) for p in sources(a.work)]}
    elif a.stage == "corpus":
        res = corpus(a.work, a.tasks.split(","), a.max_samples)
    elif a.stage == "sft":
        res = sft(a.work, a.steps, a.mode, a.default_domain)
    elif a.stage == "grpo":
        res = grpo(a.work, a.steps)
    elif a.stage == "score":
        models = [m for m in a.models.split(",") if m and m != "none"] if a.models else \
            ["smollm2", str(a.work / "sft"), str(a.work / "grpo")]  # --models none: rules and naive alone
        res = score(a.work, a.bench, a.cases, models, a.threads)
    else:
        res = tailor(a.work, a.model or str(a.work / "sft"), a.threads, a.offline_plan, a.intent)
    tag = "_expert" if a.stage == "sft" and a.mode == "expert" else ""
    (a.work / f"{a.stage}{tag}{'_' + Path(a.model).name if a.model else ''}.json").write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
