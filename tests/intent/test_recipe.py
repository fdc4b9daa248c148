"""Plan -> YAML recipe -> Plan round trip, bad recipes, and `dataclaw plan -o` + `dataclaw tailor
--recipe` replaying the saved plan exactly (rules backend, the shipped lecture)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dataclaw.errors import ConfigError
from dataclaw.intent import plan_intent
from dataclaw.recipe import load_recipe, save_recipe

LECTURE = Path(__file__).resolve().parents[2] / "examples" / "lecture" / "lecture.mp4"


def test_round_trip(tmp_path):
    plan = plan_intent("make 20 hard questions about when things happen and a tutorial", ["video"])
    path = save_recipe(plan, tmp_path / "plan.yaml", sources=["a.mp4"])
    assert load_recipe(path) == plan
    data = yaml.safe_load(path.read_text())
    assert data["dataclaw_recipe"] == 1 and data["sources"] == ["a.mp4"] and data["intent"] == plan.intent


def test_bad_recipes_name_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("plan:\n  intent: x\n  tasks:\n  - {task: teleport, domain: gui, instruction: x}\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml.*unknown task type.*teleport"):
        load_recipe(bad)
    bad.write_text("plan: [1, 2")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_recipe(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        load_recipe(tmp_path / "missing.yaml")


def test_plan_then_tailor_replays_exactly(tmp_path, monkeypatch):
    if not LECTURE.is_file():
        pytest.skip("shipped example missing")
    # content-addressed anchors shared across sessions (see tests/backends/conftest.py)
    monkeypatch.setenv("DATACLAW_CACHE", str(Path.home() / ".cache" / "dataclaw-test-shared"))
    from dataclaw.cli import _load_commands, app

    _load_commands()
    runner = CliRunner()
    recipe = tmp_path / "plan.yaml"
    res = runner.invoke(app, ["plan", "--intent", "turn this lesson into step-by-step tutorial data", str(LECTURE),
                              "-o", str(recipe), "--json"])
    assert res.exit_code == 0, res.output
    shown = json.loads(res.output)
    assert shown["tasks"][0]["task"] == "tutorial" and shown["source_kinds"] == ["video"]
    # hand-edit the recipe: replay must use it as written, not re-plan
    data = yaml.safe_load(recipe.read_text())
    data["plan"]["tasks"][0]["params"] = {"variants": ["full"]}
    recipe.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    res = runner.invoke(app, ["tailor", "--recipe", str(recipe), str(LECTURE), "-o", str(out), "--quiet", "--json",
                              "--experts", "shots,keyframes,motion,ocr"])
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["plan"] == load_recipe(recipe).model_dump()
    rows = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert rows and {r["task"] for r in rows} == {"tutorial"}
