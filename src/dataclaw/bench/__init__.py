"""dataclaw-val: the benchmark of data tailoring (build, run, metrics, report, baselines).

    dataclaw bench build -o BENCH/ [--seed N] [--size small|full]
    dataclaw bench run BENCH/ --backend rules|naive|hf|openai -o RESULTS/
    dataclaw bench report RESULTS1/ RESULTS2/ -o REPORT/

Modules: `build` (cases from generators with known truth), `intents` (clear and fuzzy phrasings),
`metrics` (Field, Semantic, Sequence, bootstrap), `run` (tailor + score, validity, grounding via
dataclaw.verify, intent), `naive` (passive-annotation baseline), `report` (Markdown + charts).
"""
