"""A reading made only of what the request makes and how (how many, how hard, in what style or
language, which kind of data) is no focus: "只要五个问题" ("just five questions") had read '五个' as a
topic and put every question on the slide showing a 5; "make GUI trajectories only" read
'gui trajectories' and "quiz me on this video, only 5 questions" read '5'."""
from __future__ import annotations

import pytest

from dataclaw.focus import parse_focus

UNFOCUSED = [
    ("只要五个问题", {"count": 5}),
    ("quiz me on this video, only 5 questions", {"count": 5}),
    ("give me only the hard questions", {"difficulty": "hard"}),
    ("make only multiple-choice questions", {"style": ["multiple_choice"]}),
    ("only English captions", {}),
    ("I only need captions for t2v training", {}),
    ("make GUI trajectories only", {}),
    ("segment the robot episodes, nothing else", {}),
]


@pytest.mark.parametrize("intent,kept", UNFOCUSED)
def test_how_many_how_hard_and_what_kind_are_no_topic(intent, kept):
    f = parse_focus(intent)
    assert f.readings == [], (intent, f.readings)
    for k, v in kept.items():  # the field itself is still read
        assert getattr(f, k) == v


@pytest.mark.parametrize("intent,terms", [
    ("give me only the hard questions about dividing", "dividing"),
    ("questions only about 5", "5"),  # no count: the number is what it is about
    ("only the English slides", "the english slides"),
    ("make 10 hard timestamped questions only about the part where they check the answer", "check the answer"),
])
def test_a_topic_beside_them_stays(intent, terms):
    assert [r.terms for r in parse_focus(intent).readings] == [terms]
