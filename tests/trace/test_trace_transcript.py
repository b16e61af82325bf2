"""Transcripts: the file format round-trips, mistakes name their line (replay: tests/client)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from httplab.trace.transcript import (
    Expectation,
    Transcript,
    TranscriptConnection,
    TranscriptError,
    TranscriptExchange,
    format_transcript,
    parse_transcript,
    read_transcript,
)

TRANSCRIPTS = sorted((Path(__file__).parents[2] / "transcripts").glob("*.transcript"))


@given(
    request=st.binary(min_size=1, max_size=200),  # an exchange has a request
    response=st.binary(max_size=200),
    body=st.one_of(st.none(), st.binary(max_size=50)),
    piece=st.binary(max_size=20),
    label=st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=20),
)
def test_any_bytes_survive_a_write_and_read(
    request: bytes, response: bytes, body: bytes | None, piece: bytes, label: str
) -> None:
    expect = Expectation(200, [("Content-Type", "text/plain"), ("Location", None)], ["X"])
    expect.body, expect.body_contains, expect.close = body, [piece], True
    exchange = TranscriptExchange(label, request, expect, response)
    transcript = Transcript("t", [TranscriptConnection([exchange], pipelined=True)])
    text = format_transcript(transcript)
    assert text.isascii()
    assert all(line == line.rstrip() for line in text.splitlines())  # editors may strip
    assert parse_transcript(text) == transcript


def test_a_crlf_checkout_reads_the_same() -> None:
    text = "httplab-transcript 1\n== connection 1\n-- exchange 1\n> GET / HTTP/1.1\\r\\n\n"
    plain = parse_transcript(text)
    assert parse_transcript(text.replace("\n", "\r\n")) == plain
    assert plain.connections[0].exchanges[0].request == b"GET / HTTP/1.1\r\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("GET / HTTP/1.1", "line 1: a transcript starts with"),
        ("httplab-transcript 1\n> GET /", "line 2: expected '== connection'"),
        ("httplab-transcript 1\n-- exchange 1", "line 2: an exchange must follow"),
        ("httplab-transcript 1\n== connection 1\n-- exchange 1\n> a\\qb", "line 4: lone backslash"),
        ("httplab-transcript 1\n== connection 1\n-- exchange 1\n> caf\u00e9", "line 4: character"),
        (
            "httplab-transcript 1\n== connection 1\n-- exchange 1\nexpect status ok",
            "line 4: status",
        ),
        ("httplab-transcript 1\n== connection 1\n-- exchange 1\nexpect colour", "line 4: unknown"),
        ("httplab-transcript 1\n== connection 1\n-- exchange 1\nhello", "line 4: unknown line"),
        (
            "httplab-transcript 1\n== connection 1\n-- exchange 1\nexpect status 200\n"
            "-- exchange 2\n> GET / HTTP/1.1\\r\\n\n> \\r\\n",
            "line 3: this exchange has no request",
        ),
    ],
)
def test_mistakes_are_reported_with_their_line(text: str, message: str) -> None:
    with pytest.raises(TranscriptError, match=message.replace("(", r"\(")):
        parse_transcript(text)


def test_the_example_transcripts_cover_the_sessions_the_issue_names() -> None:
    names = {p.name for p in TRANSCRIPTS}
    assert {"users.transcript", "malformed.transcript", "pipelining.transcript"} <= names
    assert (
        read_transcript(Path(TRANSCRIPTS[0]).parent / "pipelining.transcript")
        .connections[0]
        .pipelined
    )


def test_a_russian_name_survives_a_read_and_write() -> None:
    """`label.ru:` (a build check's case name in Russian) follows its exchange line."""
    text = (
        "httplab-transcript 1\n\n== connection 1\n-- exchange 1: no Host field\n"
        "label.ru: нет поля Host\n> GET / HTTP/1.1\\r\\n\n> \\r\\n\nexpect status 400\n"
    )
    transcript = parse_transcript(text)
    exchange = transcript.connections[0].exchanges[0]
    assert (exchange.label, exchange.label_ru) == ("no Host field", "нет поля Host")
    assert format_transcript(transcript) == text
