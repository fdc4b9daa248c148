"""`dataclaw bench report`: runs side by side as a Markdown report with PNG charts."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .run import FOCUS_METRICS, METRICS

SHOWN = ("validity", "field", "semantic", "sequence", "grounding", "intent_top1")
LABELS = {"validity": "Validity", "accept": "Accept", "field": "Field", "semantic": "Semantic", "sequence": "Sequence",
          "kendall_tau": "Kendall tau", "tiou": "tIoU", "grounding": "Grounding", "hallucination": "Halluc./100", "intent_top1": "Intent top-1",
          "intent_hit": "Intent hit", "focus_precision": "On-focus precision", "focus_recall": "Focus recall",
          "baseline_precision": "Unfocused precision", "baseline_recall": "Unfocused recall"}


def focus_table(summary: dict[str, Any], label: str = "") -> list[str]:
    """The Focus section's rows: subsets and domains of the focused cases (Markdown lines)."""
    f = summary.get("focus")
    if not f:
        return []
    cols = [m for m in FOCUS_METRICS]
    md = ["| " + (f"{label} " if label else "") + "subset | cases | no output | " + " | ".join(LABELS[m] for m in cols) + " |",
          "|---|---|---|" + "---|" * len(cols)]
    rows = [(k, f[k]) for k in ("all", "clear", "fuzzy", "tuned", "heldout")] + \
        [(f"domain {d}", b) for d, b in f.get("domains", {}).items()]
    for name, b in rows:
        md.append(f"| {name} | {b['cases']} | {b.get('no_output', 0)} | " + " | ".join(_cell(b.get(m)) for m in cols) + " |")
    return md


def load_run(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not (path / "summary.json").is_file():
        raise ConfigError(f"{path}: no summary.json (run `dataclaw bench run BENCH --backend ... -o {path}` first)")
    summary = json.loads((path / "summary.json").read_text())
    label = summary.get("config", {}).get("label") or path.name
    return {"path": path, "label": label, "summary": summary}


def _cell(s: dict[str, Any] | None, ci: bool = True) -> str:
    if not s or s.get("mean") is None:
        return "n/a"
    m = f"{s['mean']:.3f}"
    return f"{m} [{s['lo']:.2f}, {s['hi']:.2f}]" if ci else m


def _unique_labels(runs: list[dict[str, Any]]) -> None:
    seen: dict[str, int] = {}
    for r in runs:
        n = seen.get(r["label"], 0)
        seen[r["label"]] = n + 1
        if n:
            r["label"] = f"{r['label']} ({r['path'].name})"


def report(run_dirs: list[str | Path], out: str | Path) -> Path:
    """Writes REPORT/report.md and charts; returns the Markdown path."""
    if not run_dirs:
        raise ConfigError("bench report needs at least one results folder")
    runs = [load_run(p) for p in run_dirs]
    _unique_labels(runs)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    charts = _charts(runs, out)
    md = ["# dataclaw-val report", ""]
    md += ["Runs: " + ", ".join(f"`{r['label']}` ({r['path']}, backend {r['summary']['config'].get('backend')}, "
                                f"model {r['summary']['config'].get('model') or '-'}, "
                                f"{r['summary']['overall']['cases']} cases)" for r in runs), ""]
    md += ["Means over cases with bootstrap 95% intervals [lo, hi]; n/a: the metric does not apply "
           "(e.g. the passive baseline has no plan to score for Intent).", ""]
    md += ["## Overall", "", "| run | " + " | ".join(LABELS[m] for m in METRICS) + " |",
           "|---|" + "---|" * len(METRICS)]
    for r in runs:
        md.append(f"| {r['label']} | " + " | ".join(_cell(r["summary"]["overall"].get(m)) for m in METRICS) + " |")
    domains = sorted({d for r in runs for d in r["summary"]["domains"]})
    md += ["", "## Per domain", ""]
    for m in SHOWN:
        md += [f"### {LABELS[m]}", "", "| domain | cases | " + " | ".join(r["label"] for r in runs) + " |",
               "|---|---|" + "---|" * len(runs)]
        for d in domains:
            n = max(r["summary"]["domains"].get(d, {}).get("cases", 0) for r in runs)
            md.append(f"| {d} | {n} | " + " | ".join(_cell(r["summary"]["domains"].get(d, {}).get(m)) for r in runs) + " |")
        md.append("")
    md += ["## Clear vs fuzzy intents", "", "| subset | metric | " + " | ".join(r["label"] for r in runs) + " |",
           "|---|---|" + "---|" * len(runs)]
    for sub in ("clear", "fuzzy"):
        for m in ("intent_top1", "intent_hit", "field", "semantic"):
            md.append(f"| {sub} | {LABELS[m]} | " + " | ".join(_cell(r["summary"]["subsets"].get(sub, {}).get(m)) for r in runs) + " |")
    focused = [r for r in runs if r["summary"].get("focus")]
    if focused:
        md += ["", "## Focus", "", "Focused cases: the intent names a part (a step, a time window, a robot phase or "
               "failure, a control); on-focus precision = share of samples whose evidence lies in the part, recall = "
               "share of the part's reference spans covered; unfocused = the same source and task without the focus.", ""]
        for r in focused:
            md += focus_table(r["summary"], r["label"]) + [""]
    md += ["", "## Charts", ""] + [f"![{name}]({name})" for name in charts] + [""]
    errors = [(r["label"], r["summary"].get("errors", 0)) for r in runs if r["summary"].get("errors")]
    if errors:
        md += ["Cases that failed with an error (scored as no output): " + ", ".join(f"{l}: {n}" for l, n in errors), ""]
    path = out / "report.md"
    path.write_text("\n".join(md))
    (out / "compact.md").write_text(compact_table(runs) + "\n")
    return path


def compact_table(runs: list[dict[str, Any]], metrics: tuple[str, ...] = SHOWN) -> str:
    """One row per domain (and overall), one column per metric, runs side by side as "a / b" (means)."""
    domains = sorted({d for r in runs for d in r["summary"]["domains"]})
    head = "| domain | cases | " + " | ".join(LABELS[m] for m in metrics) + " |"
    lines = [f"Each cell: {' / '.join(r['label'] for r in runs)} (means over cases)", "", head,
             "|---|---|" + "---|" * len(metrics)]
    for name in domains + ["overall"]:
        blocks = [r["summary"]["overall"] if name == "overall" else r["summary"]["domains"].get(name, {}) for r in runs]
        n = max(b.get("cases", 0) for b in blocks)
        cells = [" / ".join(_cell(b.get(m), ci=False) for b in blocks) for m in metrics]
        lines.append(f"| {'**overall**' if name == 'overall' else name} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _charts(runs: list[dict[str, Any]], out: Path) -> list[str]:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    names = []

    def bars(ax: Any, groups: list[str], get: Any) -> None:
        width = 0.8 / len(runs)
        x = np.arange(len(groups))
        for k, r in enumerate(runs):
            stats = [get(r, g) or {} for g in groups]
            mean = [s.get("mean") if s.get("mean") is not None else 0.0 for s in stats]
            err = [[max(0.0, m - (s.get("lo") if s.get("lo") is not None else m)) for m, s in zip(mean, stats)],
                   [max(0.0, (s.get("hi") if s.get("hi") is not None else m) - m) for m, s in zip(mean, stats)]]
            ax.bar(x + (k - (len(runs) - 1) / 2) * width, mean, width, yerr=err, capsize=2, label=r["label"])
        ax.set_xticks(x, groups, rotation=20, ha="right")
        ax.set_ylim(0, 1.05)
        ax.grid(axis="y", alpha=0.3)

    fig, ax = plt.subplots(figsize=(9, 4))
    bars(ax, [LABELS[m] for m in SHOWN], lambda r, g: r["summary"]["overall"].get(SHOWN[[LABELS[m] for m in SHOWN].index(g)]))
    ax.set_title("dataclaw-val overall (95% bootstrap CI)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "overall.png", dpi=110)
    plt.close(fig)
    names.append("overall.png")
    domains = sorted({d for r in runs for d in r["summary"]["domains"]})
    for m in ("field", "semantic", "sequence", "grounding"):
        fig, ax = plt.subplots(figsize=(8, 3.5))
        bars(ax, domains, lambda r, d, m=m: r["summary"]["domains"].get(d, {}).get(m))
        ax.set_title(f"{LABELS[m]} per domain")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / f"domain_{m}.png", dpi=110)
        plt.close(fig)
        names.append(f"domain_{m}.png")
    return names
