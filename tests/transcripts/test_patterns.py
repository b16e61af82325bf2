"""Expectations that survive changing state: `expect json` (JSON with holes),
`expect header-matches` and `expect body-matches` (regular expressions)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from httplab.client.replay import replay_transcript
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from httplab.trace.json_pattern import MAX_DEPTH, PatternError, match_json, parse_pattern
from httplab.trace.transcript import (
    TranscriptError,
    format_transcript,
    parse_transcript,
    read_transcript,
)

ANY_STATE = Path(__file__).parents[2] / "transcripts" / "any-state.transcript"


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    with HTTPServer(UsersApp(), port=0) as running:
        yield running


@pytest.mark.parametrize(
    ("pattern", "value"),
    [
        ('{"id": *, "name": "ada"}', {"name": "ada", "id": 7}),
        ('{"name": "ada", ...}', {"id": 7, "name": "ada", "age": 36}),
        ("[*, ...]", [1, 2, 3]),
        ('[{"name": "ada", ...}, ...]', [{"name": "ada", "id": 1}, {}]),
        ("*", None),
        ("{...}", {}),
        ("1", 1.0),
    ],
)
def test_patterns_that_match(pattern: str, value: Any) -> None:
    assert match_json(parse_pattern(pattern), value) is None


@pytest.mark.parametrize(
    ("pattern", "value", "said"),
    [
        ('{"id": *, "name": "ada"}', {"id": 1, "name": "bob"}, '$.name: expected "ada", got "bob"'),
        ('{"id": *}', {"id": 1, "name": "bob"}, '$: unexpected key "name"'),
        ('{"id": *}', {}, "$.id: missing"),
        ("[*, ...]", [], "$: expected at least 1 item(s), got 0"),
        ("[]", [1], "$: expected 0 item(s), got 1"),
        ("1", True, "$: expected 1, got true"),
        ('[{"a": 1}]', [{"a": 2}], "$[0].a: expected 1, got 2"),
    ],
)
def test_patterns_that_do_not_match_say_where(pattern: str, value: Any, said: str) -> None:
    found = match_json(parse_pattern(pattern), value)
    assert found is not None and found.startswith(said)


@pytest.mark.parametrize("bad", ['{"a" *}', "[1,]", '{..., "a": 1}', "*x", '{"a": }', ""])
def test_a_bad_pattern_is_a_pattern_error(bad: str) -> None:
    with pytest.raises(PatternError):
        parse_pattern(bad)


def _exchange(*expect_lines: str) -> str:
    return (
        "httplab-transcript 1\n== connection 1\n-- exchange 1: GET /users\n"
        "> GET /users HTTP/1.1\\r\\n\n> Host: x\\r\\n\n> \\r\\n\n" + "\n".join(expect_lines) + "\n"
    )


def test_a_bad_pattern_in_a_file_names_its_line() -> None:
    with pytest.raises(TranscriptError, match="line 8: expect json: "):
        parse_transcript(_exchange("expect status 200", "expect json {id: *}"))
    with pytest.raises(TranscriptError, match="line 7: not a regular expression"):
        parse_transcript(_exchange("expect body-matches ([0-9]"))
    with pytest.raises(TranscriptError, match="needs NAME: REGEX"):
        parse_transcript(_exchange("expect header-matches Location"))


def test_a_pattern_nested_too_deep_is_its_lines_error_not_a_traceback() -> None:
    """`expect json [[[[…]]]]` 600 deep: parse_pattern ran out of recursion at 500 levels,
    and `httplab replay FILE` ended in a RecursionError traceback."""
    nested = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    said = f"line 7: expect json: nested deeper than {MAX_DEPTH}"
    with pytest.raises(TranscriptError, match=said):
        parse_transcript(_exchange("expect json " + "[" * 600 + "]" * 600))
    with pytest.raises(PatternError, match=f"nested deeper than {MAX_DEPTH} levels"):
        parse_pattern(nested)
    allowed = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert match_json(parse_pattern(allowed), json.loads(allowed)) is None


def test_the_new_lines_survive_a_round_trip() -> None:
    text = _exchange(
        'expect json {"id": *, "name": "ada", ...}',
        "expect header-matches Location: /users/[0-9]+",
        'expect body-matches "id": ?[0-9]+',
    )
    transcript = parse_transcript(text)
    again = parse_transcript(format_transcript(transcript))
    assert again.exchanges()[0].expect == transcript.exchanges()[0].expect
    assert 'expect json {"id": *, "name": "ada", ...}' in format_transcript(again)


def test_the_any_state_transcript_passes_twice_on_one_server(server: HTTPServer) -> None:
    transcript = read_transcript(ANY_STATE)
    for _ in range(2):  # the second time, ada gets id 2 and the list holds two users
        results = replay_transcript(transcript, "127.0.0.1", server.port)
        assert all(r.ok for r in results), [r.one_line() for r in results]


def test_unmet_patterns_say_what_differs(server: HTTPServer) -> None:
    text = _exchange(
        "expect json [*]",
        "expect header-matches Content-Type: text/.*",
        "expect body-matches ada",
    )
    (result,) = replay_transcript(parse_transcript(text), "127.0.0.1", server.port)
    messages = result.failures
    assert messages[0] == "json: $: expected 1 item(s), got 0"
    assert messages[1].startswith("header Content-Type: expected a value matching /text/.*/")
    assert messages[2] == "body: /ada/ not found in '[]\\n'"
    assert {m.kind for m in result.mismatches} == {"json", "header-matches", "body-matches"}


def test_a_body_that_is_not_json(server: HTTPServer) -> None:
    text = _exchange("expect json *").replace("GET /users HTTP", "GET /users?x HTTP")
    text = text.replace("> Host: x\\r\\n\n", "> Host: x\\r\\n\n> Accept: text/html\\r\\n\n")
    (result,) = replay_transcript(parse_transcript(text), "127.0.0.1", server.port)
    assert result.failures and result.failures[0].startswith("json: the body is not JSON: '")
