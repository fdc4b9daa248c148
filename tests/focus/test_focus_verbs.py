"""Round 5 of the focus matcher: a robot phrasing is read by its verb. The phase descriptions share
their nouns ("move the gripper to the object", "open the gripper to release the object"), so "the
gripper lets go of the cube" matched reach by "gripper" and "cube" (a kind of object); each phase now
has a verb lexicon from WordNet (its name's and its description's verbs, their synonyms, narrower
verbs one level down, the broader verb one level up) and the request's verb picks the phase.

The robot checks run a pybullet episode with the real phase and gripper experts (`success_episode`)."""
from __future__ import annotations

import pytest

from dataclaw.focus import locate, parse_focus, request_verbs
from testkit import spans_within


def _wordnet():
    from dataclaw import synonyms

    if not synonyms.available():
        pytest.skip("WordNet (apt-get install wordnet-base; pip install nltk) not installed")
    return synonyms


def test_verb_lexicon_synonyms_narrower_and_broader_verbs():
    syn = _wordnet()
    assert syn.verb_lexicon("release")["let go of"] == syn.VERB_SYNONYM
    assert syn.verb_lexicon("put")["set down"] == syn.VERB_NARROWER  # a way of putting
    assert syn.verb_lexicon("carry")["bring"] == syn.VERB_NARROWER
    assert syn.verb_lexicon("grasp")["take hold"] == syn.VERB_BROADER
    # "move" is a top of WordNet's verbs: every motion is narrower than it, so none is its word
    assert "lift" not in syn.verb_lexicon("move") and "set down" not in syn.verb_lexicon("move")


def test_request_verbs_read_lemmas_first_and_skip_nouns():
    _wordnet()
    assert request_verbs("the gripper lets go of the cube")[0][:2] == ("let go of", "let go")
    assert request_verbs("sets the object down")[0][0] == "set down"  # the particle a few words on
    got = [v for vs in request_verbs("brings the block to its goal") for v in vs]
    assert "bring" in got and "block" not in got  # "the block" is a noun, not the verb "block"


def _phase(truth: dict, name: str) -> tuple[float, float]:
    ph = next(p for p in truth["phases"] if p["phase"] == name)
    return ph["t0"], ph["t1"]


@pytest.mark.parametrize("intent,phase", [
    ("label only the part where the fingers let go of the block", "place"),
    ("segment just where it sets the block down", "place"),
    ("label only where the arm brings the cube to its goal", "transport"),
    ("segment only the part where the gripper shuts on the cube", "grasp"),
])
def test_a_robot_phrasing_is_read_by_its_verb(success_episode, intent, phase):
    _wordnet()
    aset, truth = success_episode
    m = locate(aset, parse_focus(intent))
    assert spans_within(m.spans, _phase(truth, phase), tol=0.3), (m.record(), truth["phases"])
    assert any("its verb" in r for p in m.parts for r in p.reasons), m.record()


def test_a_verb_several_phases_share_leaves_the_choice_to_the_other_words(success_episode):
    """"goes" is reach's "move" and retreat's "move ... away" alike: the object (reach's) chooses."""
    _wordnet()
    aset, truth = success_episode
    m = locate(aset, parse_focus("label only the part where the arm goes toward the object"))
    assert spans_within(m.spans, _phase(truth, "reach"), tol=0.3), (m.record(), truth["phases"])


@pytest.fixture(scope="module")
def drop_episode(tmp_path_factory):
    """A pick-and-place whose object falls out of the gripper during transport (fault `drop`)."""
    pytest.importorskip("pybullet")
    from dataclaw.anchors import run_experts
    from dataclaw.sim import simulate_episode, write_hdf5_episode
    from dataclaw.sources import load_source

    ep = simulate_episode("drop", seed=3, fps=10.0, cameras=("front",))
    path = tmp_path_factory.mktemp("robot5") / "drop.hdf5"
    write_hdf5_episode(path, ep)
    return run_experts(load_source(str(path))), ep.truth()


def test_a_phase_request_selects_the_phase_not_the_fault_in_it(drop_episode):
    """The drop's fault part starts at the contact it cites, inside the grasp; "the transport phase" is
    the transport phase alone, while "only the drops" still gets the fault."""
    aset, truth = drop_episode
    m = locate(aset, parse_focus("label only the transport phase"))
    assert spans_within(m.spans, _phase(truth, "transport"), tol=0.3), (m.record(), truth["phases"])
    m = locate(aset, parse_focus("contact annotations, only the drops"))
    fault = next(f for f in truth["faults"] if f["type"] == "drop")
    assert m.matched and any(a <= fault["t0"] + 0.3 and b >= fault["t1"] - 0.3 for a, b in m.spans), m.record()
