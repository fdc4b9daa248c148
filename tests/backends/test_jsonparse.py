"""jsonparse.extract_json on the shapes models really produce."""
from __future__ import annotations

import pytest

from dataclaw.backends.jsonparse import extract_json


@pytest.mark.parametrize("text,expected", [
    ('{"a": 1}', {"a": 1}),
    ('Sure! Here is the JSON:\n{"a": [1, 2], "b": "x"}\nHope this helps.', {"a": [1, 2], "b": "x"}),
    ('```json\n{"steps": [{"t0": 1.5}]}\n```', {"steps": [{"t0": 1.5}]}),
    ('```\n{"a": 1}\n``` and {"b": 2}', {"a": 1}),
    ('{"a": 1} } ] trailing garbage {', {"a": 1}),
    ('prose {with braces} first, then {"a": "}"}', {"a": "}"}),
    ('{"q": "say \\"hi\\" {not an object}"}', {"q": 'say "hi" {not an object}'}),
])
def test_extracts_first_object(text, expected):
    obj, err = extract_json(text)
    assert err is None and obj == expected


@pytest.mark.parametrize("text,why", [
    ('{"steps": [{"t0": 1}, {"t0": ', "truncated"),
    ('```json\n{"steps": [{"a": 1}', "truncated"),
    ('{"a": "unterminated string', "truncated"),
    ("{'a': 1}", "invalid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ("no json here", "no JSON object"),
    ("", "empty"),
    (None, "empty"),
])
def test_errors_say_why(text, why):
    obj, err = extract_json(text)
    assert obj is None and why in err


def test_truncated_outer_object_never_yields_inner_fragment():
    # the inner {"t0": 1} is complete, but it is a fragment of a cut-off answer
    obj, err = extract_json('{"steps": [{"t0": 1}, {"t0": 2}], "query": "wh')
    assert obj is None and "truncated" in err
