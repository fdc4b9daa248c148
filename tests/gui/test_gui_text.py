"""The rules backend's own GUI drafts always verify: over every recorded session and input form,
and over generated element names, roles, titles and typed values (hypothesis) written into the
anchors of a real recording. Quotes are read back exactly as they were written."""
from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dataclaw
from dataclaw.anchors import run_experts
from dataclaw.media import MediaStore
from dataclaw.model import Anchor, Plan, TaskSpec
from dataclaw.tasks import get_task
from dataclaw.tasks.shared.gui_text import ROLE_WORDS, Unquotable, key_words, quote, quote_errors, quoted_spans, role_word
from dataclaw.verify import verify_sample

NO_OCR = {"gui_screens": {"ocr": False, "ocr_elements": "never"}}
FORMS = {"events": "gui", "trace": "trace.zip", "steps": "steps"}

# names and values people and pages really have: quotes, apostrophes, digits, unicode, empty, very long
NASTY = st.one_of(
    st.text(max_size=90),
    st.text(alphabet=st.sampled_from(list("ab '\"’‘“”«»:.-0123456789 ")), max_size=30),
    st.sampled_from(["", "2", "'", "''", "Bob's cafe", "Jones' car", "'quoted'", "it's 10:30", "Add to cart",
                     "Größe ändern", "提交", "😀 emoji", "x" * 300, "a 'b' c", 'Say "hi"', "5 s", "at 12",
                     "Quantity", " padded  spaces ", "O'Neil", "rock 'n' roll", "t=3"]),
)
ROLES = st.one_of(st.sampled_from(sorted(ROLE_WORDS) + ["div", "span", "", "weird-role"]), st.none())


def test_the_issue_step_text_verifies():
    """`I type '2' into the 'Quantity' field.` quotes '2' and 'Quantity', not "' into the '"."""
    text = "Step 3 of 9. The 'Shop' page is open. I type '2' into the 'Quantity' field."
    assert quoted_spans(text) == ["Shop", "2", "Quantity"]
    typed = Anchor(id="a", kind="gui_action", t0=1, t1=1, data={"type": "type", "text": "2", "title": "Shop"})
    field = Anchor(id="b", kind="gui_action", t0=0, t1=0, data={"type": "click", "element": {"name": "Quantity"}})
    assert quote_errors(text, [typed, field]) == []
    assert quote_errors(text, [typed]) == ["Quantity"]  # a name nobody logged still fails
    assert quoted_spans("I can't find the users' list") == []  # apostrophes inside words open nothing


def test_roles_and_keys_in_peoples_words():
    assert [role_word(r) for r in ("a", "link", "textbox", "combobox", "select", "checkbox", "button", "tab")] == \
        ["link", "link", "text field", "drop-down", "drop-down", "check box", "button", "tab"]
    assert role_word("div") == ""
    assert key_words(["ctrl", "a"]) == "Ctrl+A" and key_words(["enter"]) == "Enter"
    assert key_words(["down"]) == "the down arrow" and key_words(["ctrl", "shift", "left"]) == "Ctrl+Shift+left"


@given(NASTY, NASTY)
@settings(max_examples=300, deadline=None)
def test_quote_reads_back_exactly_what_it_wrote(v, w):
    try:
        qv, qw = quote(v), quote(w)
    except Unquotable as exc:
        assert str(exc)
        return
    text = f"Step 1 of 2. I type {qv} into the {qw} field. I click {qw}."
    got = quoted_spans(text)
    assert got == [qv[1:-1], qw[1:-1], qw[1:-1]]
    assert quote_errors(text, [Anchor(id="x", kind="gui_action", t0=0, t1=0, data={"text": v, "name": w})]) == []


@pytest.mark.parametrize("session", ["form", "settings", "shop1", "shop2", "shop3"])
@pytest.mark.parametrize("form", FORMS)
def test_rules_trajectory_verifies_on_every_recorded_session(recordings, tmp_path, session, form):
    plan = Plan(intent="agent data", tasks=[TaskSpec(task="gui_trajectory", domain="gui", instruction="agent data")])
    res = dataclaw.tailor(recordings[session] / FORMS[form], plan=plan, out=tmp_path / "o", quiet=True,
                          expert_params=NO_OCR)
    assert res.counts["samples"] == 1 and res.counts["rejected"] == 0, res.counts
    s = json.loads((tmp_path / "o" / "samples.jsonl").read_text().splitlines()[0])
    steps = sum(1 for x in s["solution"] if x["type"] == "action")
    truth = json.loads((recordings[session] / "truth.json").read_text())["actions"]
    assert steps == len(truth)


@pytest.fixture(scope="module")
def form_anchors(recordings):
    return run_experts(recordings["form"] / "gui", ["gui_screens"], NO_OCR)


def _rename(aset, names, roles, typed, title):
    """The recording's anchors with generated names / roles / typed text / title (ids kept)."""
    out = copy.deepcopy(aset)
    k = t = 0
    for a in out.anchors:
        if a.kind == "gui_action":
            a.data["title"] = title
            if a.data["type"] == "type":
                a.data["text"] = typed[t % len(typed)]
                t += 1
            if a.data.get("element"):
                a.data["element"]["name"] = names[k % len(names)]
                a.data["element"]["role"] = roles[k % len(roles)]
                k += 1
    by_action = {a.id: a for a in out.anchors if a.kind == "gui_action"}
    for a in out.anchors:
        if a.kind == "gui_element":
            el = by_action[a.data["action"]].data.get("element") or {}
            a.data.update(name=el.get("name"), text=el.get("name") or None, role=el.get("role"))
    return out


@given(names=st.lists(NASTY, min_size=1, max_size=6), roles=st.lists(ROLES, min_size=1, max_size=6),
       typed=st.lists(NASTY, min_size=1, max_size=4), title=NASTY)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_rules_output_verifies_for_any_names_and_values(form_anchors, tmp_path, names, roles, typed, title):
    _rules_output_verifies(form_anchors, tmp_path, names, roles, typed, title)


@pytest.mark.parametrize("value", ["0㐀", "a0中b", "第2步", "OK确定"])
def test_mixed_script_values_verify(form_anchors, tmp_path, value):
    """A claim's text is CJK/Latin-spaced before parsing, the anchors' text is not: a quote of a
    mixed-script name ('0中') must still match it (hypothesis found '0㐀' rejected, 80/100)."""
    _rules_output_verifies(form_anchors, tmp_path, [value, "Name"], ["button"], [value], value)


@pytest.mark.parametrize("named", [True, False])
@pytest.mark.parametrize("dx,dy", [(-40, -70), (0, -70), (55, 30)])
def test_drag_steps_verify_with_signed_deltas(form_anchors, tmp_path, named, dx, dy):
    """"drag 'Kalina' 70 px up" for dy = -70 (MiniWoB drag-items, fresh seeds): the text states sizes and
    end points, the log signed deltas; the rules step must verify either way."""
    aset = copy.deepcopy(form_anchors)
    act = aset.of_kind("gui_action")[1]
    act.data.update(type="drag", dx=dx, dy=dy, x=100, y=120)
    if named:
        act.data["element"] = {"name": "Kalina", "role": "listitem", "bbox": [90, 110, 40, 20]}
    task = get_task("gui_trajectory")
    spec = TaskSpec(task="gui_trajectory", domain="gui", instruction="agent data")
    ev = task.select(aset, spec)[0]
    draft = task.rules(ev, spec)
    with MediaStore(tmp_path / "ds") as media:
        sample = task.build(draft, ev, spec, media)
    v = verify_sample(sample, aset, dataset_dir=tmp_path / "ds", task=task, evidence=ev, draft=draft)
    step = [s.text for s in sample.solution if s.type == "text"][1]
    assert ("drag 'Kalina'" in step) == named and "drag" in step, step
    assert v.ok, (v.errors, step)


def _rules_output_verifies(form_anchors, tmp_path, names, roles, typed, title):
    aset = _rename(form_anchors, names, roles, typed, title)
    n_actions = len(aset.of_kind("gui_action"))
    with MediaStore(tmp_path / "ds") as media:
        for name in ("gui_trajectory", "gui_grounding"):
            task = get_task(name)
            spec = TaskSpec(task=name, domain="gui", instruction="agent data")
            evs = task.select(aset, spec)
            if name == "gui_trajectory":
                assert sum(len(e.meta["steps"]) for e in evs) == n_actions
            for ev in evs:
                draft = task.rules(ev, spec)
                sample = task.build(draft, ev, spec, media)
                v = verify_sample(sample, aset, dataset_dir=tmp_path / "ds", task=task, evidence=ev, draft=draft)
                assert v.ok, (v.errors, sample.query.text, [s.text for s in sample.solution if s.type == "text"])
                if name == "gui_trajectory":  # every step kept; each claim left out says why
                    assert sample.meta["n_steps"] == len(ev.meta["steps"])
                    assert all(n["reason"] for n in sample.meta["notes"])


def test_a_model_step_with_a_false_quote_is_rewritten_not_the_trajectory_lost(form_anchors, tmp_path):
    task = get_task("gui_trajectory")
    spec = TaskSpec(task="gui_trajectory", domain="gui", instruction="agent data")
    ev = task.select(form_anchors, spec)[0]
    draft = task.rules(ev, spec)
    draft["steps"][3]["reasoning"] = "Step 4 of 10. I click the 'Nonexistent thing' button."
    with MediaStore(tmp_path / "ds") as media:
        sample = task.build(draft, ev, spec, media)
    v = verify_sample(sample, form_anchors, dataset_dir=tmp_path / "ds", task=task, evidence=ev, draft=draft)
    assert v.ok, v.errors
    assert sample.meta["n_steps"] == 10
    assert any(n["step"] == 3 and "Nonexistent thing" in n["reason"] for n in sample.meta["notes"])


def test_a_trajectory_that_skips_an_action_is_rejected(form_anchors, tmp_path):
    """A model trajectory without one of its fragment's actions is rejected, naming the action left out."""
    task = get_task("gui_trajectory")
    spec = TaskSpec(task="gui_trajectory", domain="gui", instruction="agent data")
    ev = task.select(form_anchors, spec)[0]
    draft = task.rules(ev, spec)
    skipped = draft["steps"][4]["action_anchor"]
    gap = dict(draft, steps=draft["steps"][:4] + draft["steps"][5:])
    with MediaStore(tmp_path / "ds") as media:
        whole = task.build(draft, ev, spec, media)
        sample = task.build(gap, ev, spec, media)
    assert task.check(whole, ev) == []
    v = verify_sample(sample, form_anchors, dataset_dir=tmp_path / "ds", task=task, evidence=ev, draft=gap)
    assert not v.ok and any("step 5 of the fragment" in e and skipped in e for e in v.errors), v.errors


def test_select_change_reads_choose_in(form_anchors):
    """Typing into a drop-down (a <select>) reads "choose '2' in 'Quantity'"."""
    from dataclaw.tasks.gui_trajectory import describe

    acts = form_anchors.of_kind("gui_action")
    click, typed = copy.deepcopy(acts[0]), copy.deepcopy(acts[1])
    click.data["element"] = {"name": "Quantity", "role": "combobox", "bbox": [0, 0, 10, 10]}
    typed.data["text"] = "2"
    assert describe(typed, None, click, None) == "choose '2' in 'Quantity'"
    assert describe(click, None) == "click the 'Quantity' drop-down"
    click.data["element"]["role"] = "a"
    assert describe(click, None) == "click the 'Quantity' link"
