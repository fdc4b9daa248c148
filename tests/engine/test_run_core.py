"""The run core's shape: no import cycles, a light `import dataclaw`, one AnchorSet record across
boundaries, plans whose task params are the task's own (older recipes still replay)."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

SRC = Path(__file__).resolve().parents[2] / "src" / "dataclaw"


def _import_graph() -> dict[str, set[str]]:
    """module -> dataclaw modules it imports (module level or inside functions; TYPE_CHECKING left out)."""
    mods = {}
    for f in SRC.rglob("*.py"):
        parts = list(f.relative_to(SRC.parent).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        mods[".".join(parts[:-1] if is_pkg else parts)] = (f, is_pkg)

    def known(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in mods}
    for m, (f, is_pkg) in mods.items():
        tree = ast.parse(f.read_text())
        typing_only = {id(x) for n in ast.walk(tree) if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test)
                       for x in ast.walk(n)}
        for n in ast.walk(tree):
            if not isinstance(n, (ast.Import, ast.ImportFrom)) or id(n) in typing_only:
                continue
            if isinstance(n, ast.Import):
                names = [a.name for a in n.names]
            else:
                base = m.split(".") if is_pkg else m.split(".")[:-1]
                if n.level > 1:
                    base = base[: len(base) - (n.level - 1)]
                prefix = ".".join((base if n.level else []) + ([n.module] if n.module else []))
                subs = [f"{prefix}.{a.name}" for a in n.names]
                # `from pkg import submodule`: an edge to the submodule, not to the package around it
                names = subs if all(x in mods for x in subs) else [prefix] + subs
            for name in names:
                k = known(name)
                if k and k != m:
                    graph[m].add(k)
    return graph


def test_no_import_cycles():
    graph = _import_graph()
    # Tarjan's strongly connected components: any group of two or more modules is a cycle
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []
    sys.setrecursionlimit(10000)

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert cycles == []


def test_importing_dataclaw_and_its_run_core_loads_no_heavy_library():
    code = ("import sys, dataclaw, dataclaw.pipeline, dataclaw.engine; "
            "print([m for m in ('torch', 'cv2', 'av', 'onnxruntime', 'ray', 'transformers') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_anchorset_json_round_trip():
    from dataclaw.model import Anchor, AnchorSet, Source

    src = Source(id="s1", path="/x.mp4", kind="video")
    anchors = [Anchor(source="s1", kind="shot", t0=0.0, t1=1.5, expert="shots"),
               Anchor(source="s1", kind="ocr_text", t0=0.5, t1=1.0, data={"text": "hi"}, expert="ocr")]
    aset = AnchorSet(source=src, anchors=anchors, errors={"speech": "no audio"}, timings={"shots": 0.1},
                     meta={"duration": 1.5})
    back = AnchorSet.from_json(json.loads(json.dumps(aset.to_json())))
    assert back.to_json() == aset.to_json()
    assert back.by_expert == {"shots": [anchors[0]], "ocr": [anchors[1]]}
    assert back.get(anchors[1].id) == anchors[1]


def _recipe(tmp_path: Path, params: dict) -> Path:
    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump({"dataclaw_recipe": 1, "plan": {"intent": "temporal QA", "tasks": [
        {"task": "temporal_qa", "domain": "daily_life", "instruction": "ask when", "params": params}]}}))
    return path


def test_older_recipe_with_limits_in_params_replays(tmp_path):
    from dataclaw.recipe import load_recipe

    plan = load_recipe(_recipe(tmp_path, {"samples": 4, "max_attempts": 9, "format": "trl", "per_type": 2}))
    [spec] = plan.tasks
    assert spec.params == {"per_type": 2}  # the task's own parameters only
    assert (spec.samples, spec.max_attempts, plan.formats) == (4, 9, ["trl"])
    assert any("older recipe" in n for n in plan.notes)


def test_unknown_task_param_is_refused_when_the_recipe_loads(tmp_path):
    from dataclaw.errors import ConfigError
    from dataclaw.recipe import load_recipe

    with pytest.raises(ConfigError, match=r"old\.yaml.*per_tipe"):
        load_recipe(_recipe(tmp_path, {"per_tipe": 2}))


def test_options_are_typed():
    import dataclaw

    with pytest.raises(TypeError, match="max_sample_per_task"):
        dataclaw.tailor(["x.mp4"], "make QA", out="/nonexistent", max_sample_per_task=3)


def test_a_worker_outcome_written_by_the_driver_is_what_the_writer_would_hold(tmp_path):
    from collections import Counter

    from dataclaw.engine.driver import _take
    from dataclaw.engine.result import RunTally
    from dataclaw.engine.step import SourceStats, TaskStats
    from dataclaw.engine.work import OutcomeSink, outcome
    from dataclaw.export import DatasetWriter, read_samples
    from dataclaw.model import Anchor, AnchorSet, Query, Rejection, Sample, Segment, Source

    src = Source(id="s1", path="/x.mp4", kind="video")
    aset = AnchorSet(source=src, anchors=[Anchor(source="s1", kind="shot", t0=0.0, t1=2.0, expert="shots")])
    sample = Sample(id="t2v-1", task="t2v", domain="aigc", source="s1", query=Query(text="caption this"),
                    solution=[Segment(type="text", text="a shot", t0=0.0, t1=2.0, anchors=[aset.anchors[0].id])],
                    meta={"variant": "x"})
    sink = OutcomeSink(media=None)
    sink.add_anchors(aset)
    sink.add(sample)
    sink.reject(Rejection(source="s1", task="t2v", reasons=["too short"]))
    stats = SourceStats(source=src, anchors=1, tasks={"t2v": TaskStats(accepted=1, rejected=1)})
    sent = json.loads(json.dumps(outcome(stats, sink)))  # what crosses the process boundary
    with DatasetWriter(tmp_path / "ds") as writer:
        tally = RunTally(tmp_path / "ds", 1, writer)
        _take(sent, writer, {"t2v": None}, Counter(), tally)
        assert writer.done_tasks() == {"s1": {"t2v"}} and writer.done_sources() == {"s1"}
    assert [s.model_dump() for s in read_samples(tmp_path / "ds")] == [sample.model_dump()]
    assert json.loads((tmp_path / "ds" / "anchors" / "s1.json").read_text()) == aset.to_json()
    assert tally.counts["samples"] == 1 and tally.counts["rejected"] == 1
