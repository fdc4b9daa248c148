"""GUI sources, anchors, tasks and exports, checked against recorded browser sessions.

Ground truth is what the Playwright driver did (truth.json) and the screenshots it took right
before each action (steps/), in the same session as the screen video, events log and trace.zip.
"""
from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from metrics import action_prf, in_box
from PIL import Image

import dataclaw
from dataclaw.anchors import run_experts
from dataclaw.errors import SourceError
from dataclaw.model import Plan, Segment, TaskSpec
from dataclaw.sources import load_source
from dataclaw.sources.gui import GuiStream, validate_event
from shop_fragments import FRAGMENT_DISTRACTOR, FRAGMENT_TRUTH, STITCH_INTENT

FORMS = {"events": "gui", "trace": "trace.zip", "steps": "steps"}
NO_OCR = {"gui_screens": {"ocr": False, "ocr_elements": "never"}}


def truth(rec: Path) -> list[dict]:
    return json.loads((rec / "truth.json").read_text())["actions"]


def actions(path: Path, params=None) -> list:
    return run_experts(path, ["gui_actions"], params).of_kind("gui_action")


def plan(*tasks: str, intent: str = "make GUI agent training data") -> Plan:
    return Plan(intent=intent, tasks=[TaskSpec(task=t, domain="gui", instruction=intent) for t in tasks])


# ---------------------------------------------------------------- sources
def test_every_recorded_event_fits_the_schema(recordings):
    for rec in recordings.values():
        for line in (rec / "gui" / "events.jsonl").read_text().splitlines():
            assert validate_event(json.loads(line)) is None, line


@pytest.mark.parametrize("form", FORMS)
def test_each_input_form_reads_as_a_gui_source(recordings, form):
    path = recordings["form"] / FORMS[form]
    src = load_source(path)
    assert src.kind == "gui"
    with GuiStream(path) as s:
        assert s.meta.form == form and (s.meta.width, s.meta.height) == (800, 600)
        assert s.skipped == [] and s.events
        assert all(0 <= e["t"] <= s.meta.duration for e in s.events)
        assert any("form.html" in u for u in s.meta.urls)
        assert s.frame_at(s.meta.duration / 2, max_side=200).image.shape == (150, 200, 3)


def test_steps_with_agentnet_style_pyautogui_code(recordings, tmp_path):
    """The recorded steps rewritten as AgentNet stores them (pyautogui code, coordinates in [0, 1])."""
    from dataclaw.experts.gui_actions import pyautogui_code

    rec = recordings["form"]
    d = tmp_path / "agentnet_steps"
    shutil.copytree(rec / "steps", d)
    _rewrite(d / "steps.jsonl", lambda rows: [{**r, "action": pyautogui_code(r["action"], (800, 600))} for r in rows])
    assert "pyautogui.click(x=0.4425, y=0.1917)" in (d / "steps.jsonl").read_text()
    got = [a.data for a in actions(d)]
    assert action_prf(got, truth(rec))["exact"], [a["code"] for a in got]


# ---------------------------------------------------------------- anchors
@pytest.mark.parametrize("session", ["form", "settings", "shop1"])
@pytest.mark.parametrize("form", FORMS)
def test_action_reduction_recovers_the_driven_actions(recordings, session, form):
    rec = recordings[session]
    got = [a.data for a in actions(rec / FORMS[form])]
    m = action_prf(got, truth(rec))
    assert m["exact"], (m, [a["code"] for a in got])


def test_moves_fold_into_clicks_and_keys_into_text(recordings):
    acts = actions(recordings["form"] / "gui")
    types = [a.data["type"] for a in acts]
    assert "move" not in types  # 4 raw moves before each click were folded
    typed = [a.data["text"] for a in acts if a.data["type"] == "type"]
    assert typed[0] == "Bob Lee"  # "Bib" typed then erased with Backspace
    raw_keys = sum(1 for ln in (recordings["form"] / "gui" / "events.jsonl").read_text().splitlines()
                   if json.loads(ln)["type"] == "key")
    assert raw_keys > 50 and len(acts) == 10
    assert [a.data["code"] for a in acts][:3] == ["pyautogui.click(x=354, y=115)", "pyautogui.write('Bob Lee')",
                                                   "pyautogui.press('tab')"]


@pytest.mark.parametrize("session", ["form", "settings"])
def test_observation_is_before_the_action_and_matches_the_screen_then(recordings, session):
    """obs frame: strictly before the action (no future leak) and the screen the driver saw right
    before acting (its screenshot); settled frame: after the action, before the next one, and the
    screen at the next step."""
    from dataclaw.experts.gui_screens import hash_distance, phash_hex

    rec = recordings[session]
    acts = actions(rec / "gui")
    with GuiStream(rec / "gui") as s:
        for i, a in enumerate(acts):
            d = a.data
            assert d["obs_t"] < a.t0 and a.t1 <= d["after_t"] + 1e-6
            if i + 1 < len(acts):
                assert d["after_t"] <= acts[i + 1].t0
            shot = np.asarray(Image.open(rec / "steps" / f"step_{i:03d}.png").convert("RGB"))
            assert hash_distance(phash_hex(s.frame_at(d["obs_t"]).image), phash_hex(shot)) <= 10, i
            if i + 1 < len(acts):
                nxt = np.asarray(Image.open(rec / "steps" / f"step_{i + 1:03d}.png").convert("RGB"))
                assert hash_distance(phash_hex(s.frame_at(d["after_t"]).image), phash_hex(nxt)) <= 10, i


def test_changed_region_covers_the_clicked_toggle(recordings):
    acts = actions(recordings["settings"] / "gui")
    t = truth(recordings["settings"])
    first = acts[0].data  # "Dark mode" turns the whole page dark; "Email notifications" only its label
    assert first["changed_bbox"][2] >= 700
    notif = acts[1].data["changed_bbox"]  # "...: on" -> "...: off": inside the clicked button
    bx, by, bw, bh = t[1]["bbox"]
    assert notif is not None and notif[2] * notif[3] > 0
    assert bx - 2 <= notif[0] and by - 2 <= notif[1]
    assert notif[0] + notif[2] <= bx + bw + 2 and notif[1] + notif[3] <= by + bh + 2


def test_element_text_from_log_and_from_ocr(recordings):
    """Events carry element names; the trace has none, so OCR at the pointer must find them."""
    pytest.importorskip("rapidocr")
    rec = recordings["form"]
    want = [a["target"] for a in truth(rec) if a["type"] == "click"]
    logged = [e.data["text"] for e in run_experts(rec / "gui", ["gui_screens"]).of_kind("gui_element")]
    assert logged[:2] == want[:2] and logged[3] == "Send message"
    ocr = run_experts(rec / "trace.zip", ["gui_screens"]).of_kind("gui_element")
    assert [e.data["text_source"] for e in ocr] == ["ocr_label", "ocr_label", "ocr", "ocr"]
    assert ocr[0].data["text"] == "Your name" and ocr[1].data["text"] == "Message"
    assert ocr[2].data["text"] == "Subscribe to newsletter" and ocr[3].data["text"] == "Send message"
    send = [a for a in truth(rec) if a.get("target") == "Send message"][0]
    assert in_box(send["x"], send["y"], ocr[3].data["box"])
    states = run_experts(rec / "trace.zip", ["gui_screens"]).of_kind("screen_state")
    assert "Thanks, Bob Lee" in states[-1].data["text"] and states[0].data["title"] == "Contact Form"


# ---------------------------------------------------------------- tasks + exports
def test_trajectory_samples_verify_and_export(recordings, tmp_path):
    rec = recordings["form"]
    out = tmp_path / "traj"
    res = dataclaw.tailor(rec / "gui", plan=plan("gui_trajectory"), out=out, quiet=True, expert_params=NO_OCR,
                          formats=["native", "trl", "llamafactory", "agentnet"])
    assert res.counts["samples"] == 1 and res.counts["rejected"] == 0, res.counts
    s = json.loads((out / "samples.jsonl").read_text().splitlines()[0])
    assert s["task"] == "gui_trajectory" and s["scores"]["grounding"] == 1.0
    acts = [Segment.model_validate(x).action for x in s["solution"] if x["type"] == "action"]  # typed objects
    assert action_prf(acts, truth(rec))["exact"]
    assert all((out / x["path"]).exists() for x in s["solution"] if x["type"] == "image")
    row = json.loads((out / "agentnet.jsonl").read_text().splitlines()[0])
    assert len(row["traj"]) == 10 and row["traj"][0]["value"]["code"] == "pyautogui.click(x=0.4425, y=0.1917)"
    assert (out / "trl.jsonl").exists() and (out / "llamafactory.json").exists()
    datasets = pytest.importorskip("datasets")
    for f in ("samples.jsonl", "trl.jsonl", "agentnet.jsonl"):
        assert len(datasets.load_dataset("json", data_files=str(out / f))["train"]) == 1


def test_stitch_drops_the_distractor_and_orders_by_continuity(fragment_set, tmp_path):
    out = tmp_path / "stitch"
    res = dataclaw.tailor(fragment_set, plan=plan("gui_stitch", "gui_grounding", intent=STITCH_INTENT), out=out,
                          quiet=True, expert_params=NO_OCR)
    rows = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
    stitch = [r for r in rows if r["task"] == "gui_stitch"]
    assert len(stitch) == 1, res.counts
    meta = json.loads(stitch[0]["meta"]) if isinstance(stitch[0]["meta"], str) else stitch[0]["meta"]
    assert meta["order"] == FRAGMENT_TRUTH
    assert [d["name"] for d in meta["dropped"]] == [FRAGMENT_DISTRACTOR]
    assert "no screen continuity" in meta["dropped"][0]["reason"]
    assert meta["n_steps"] == 4 + 3 + 3  # the three shop fragments' actions, nothing from the distractor
    ground = [r for r in rows if r["task"] == "gui_grounding"]
    assert len(ground) == 11  # every click of the four fragments has a logged name and box


def test_stitch_across_input_forms(recordings, tmp_path):
    """A trace.zip, a screenshot-steps folder and a video+events folder stitch by their screens."""
    from dataclaw.tasks import get_task

    d = tmp_path / "mixed"
    d.mkdir()
    shutil.copy(recordings["shop1"] / "trace.zip", d / "p.zip")
    shutil.copytree(recordings["shop2"] / "steps", d / "q")
    shutil.copytree(recordings["shop3"] / "gui", d / "a")
    shutil.copy(recordings["settings"] / "trace.zip", d / "z.zip")
    aset = run_experts(d, ["gui_screens"], NO_OCR)
    names = [f["name"] for f in aset.meta["video"]["fragments"]]
    ev = get_task("gui_stitch").select(aset, TaskSpec(task="gui_stitch", domain="gui", instruction=STITCH_INTENT))
    assert [names[k] for k in ev[0].meta["chain"]] == ["p.zip", "q", "a"]
    assert [names[x["fragment"]] for x in ev[0].meta["dropped"]] == ["z.zip"]


def test_stitch_refuses_fragments_that_do_not_connect(recordings, tmp_path):
    from dataclaw.tasks import get_task

    d = tmp_path / "unrelated"
    shutil.copytree(recordings["form"] / "gui", d / "one")
    shutil.copytree(recordings["settings"] / "gui", d / "two")
    aset = run_experts(d, ["gui_screens"], NO_OCR)
    with pytest.raises(ValueError, match="no two of the 2 fragments connect"):
        get_task("gui_stitch").select(aset, TaskSpec(task="gui_stitch", domain="gui", instruction=STITCH_INTENT))


def test_grounding_points_fall_in_the_true_element_box(recordings, tmp_path):
    rec = recordings["settings"]
    out = tmp_path / "ground"
    dataclaw.tailor(rec / "gui", plan=plan("gui_grounding"), out=out, quiet=True, expert_params=NO_OCR)
    rows = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
    clicks = [a for a in truth(rec) if a["type"] == "click"]
    assert len(rows) == len(clicks)
    for r, t in zip(rows, clicks):
        act = json.loads(r["solution"][0]["action"]) if isinstance(r["solution"][0]["action"], str) \
            else r["solution"][0]["action"]
        assert in_box(act["x"], act["y"], t["bbox"]) and t["target"] in r["query"]["text"]


# ---------------------------------------------------------------- bad input
def _copy_gui(rec: Path, tmp: Path, name: str) -> Path:
    d = tmp / name
    shutil.copytree(rec / "gui", d)
    return d


def _rewrite(path: Path, fn) -> None:
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(r) + "\n" for r in fn(rows)))


def test_bad_events_are_skipped_with_reasons(recordings, tmp_path):
    d = _copy_gui(recordings["form"], tmp_path, "bad")

    def spoil(rows):
        kinds = [r["type"] for r in rows]
        rows[kinds.index("click")]["t"] = 999.0  # outside the video
        rows[kinds.index("move")]["x"] = 5000  # off screen
        rows[kinds.index("key")]["type"] = "telepathy"  # unknown type
        return rows
    _rewrite(d / "events.jsonl", spoil)
    with open(d / "events.jsonl", "a") as fh:
        fh.write("{not json\n")
    with GuiStream(d) as s:
        reasons = " | ".join(x["reason"] for x in s.skipped)
    assert len(s.skipped) == 4
    assert "outside the recording's timeline" in reasons and "off the 800x600 screen" in reasons
    assert "unknown event type 'telepathy'" in reasons and "not a JSON object" in reasons
    skips = run_experts(d, ["gui_actions"]).of_kind("gui_skip")
    assert len(skips) == 4


def test_events_of_another_video_are_refused(recordings, tmp_path):
    d = _copy_gui(recordings["shop3"], tmp_path, "mismatch")
    shutil.copy(recordings["form"] / "gui" / "events.jsonl", d / "events.jsonl")  # the form's 14 s log, a 4 s video
    with pytest.raises(SourceError, match="do not match the recording"):
        GuiStream(d)
    _rewrite(d / "events.jsonl", lambda rows: rows[1:])  # without the session line: caught by times
    with pytest.raises(SourceError, match="do not match the recording"):
        GuiStream(d)


def test_broken_trace_zip_is_a_clear_error(recordings, tmp_path):
    data = (recordings["form"] / "trace.zip").read_bytes()
    bad = tmp_path / "cut.zip"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError, match="broken trace.zip"):
        GuiStream(bad)
    empty = tmp_path / "other.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("readme.txt", "hi")
    with pytest.raises(SourceError, match="not a Playwright trace"):
        GuiStream(empty)


def test_steps_with_a_missing_image_skip_that_step(recordings, tmp_path):
    d = tmp_path / "steps"
    shutil.copytree(recordings["settings"] / "steps", d)
    (d / "step_002.png").unlink()
    with GuiStream(d) as s:
        assert len(s.steps) == 4 and "step_002.png" in s.skipped[0]["reason"]


def test_fragment_set_with_a_broken_fragment_keeps_the_others(fragment_set, tmp_path):
    d = tmp_path / "set"
    shutil.copytree(fragment_set, d)
    (d / "zz_broken.zip").write_bytes(b"PK\x03\x04 broken")
    with GuiStream(d) as s:
        assert len(s.fragments) == 4 and any("zz_broken.zip" in x["reason"] for x in s.skipped)
