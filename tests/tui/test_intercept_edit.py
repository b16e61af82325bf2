"""The response editor's check (tui/response_edit.py), the held rows of the trace state, and
the serve options of the hold (issue 11.2)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any

import pytest
from typer.testing import CliRunner

from httplab.cli import app
from httplab.protocol.messages import Request
from httplab.trace.intercept import Decision, DecisionKind, Intercept, NoDraft
from httplab.trace.records import ExchangeRecord
from httplab.tui.hold_desk import TEMPLATE, HoldDesk
from httplab.tui.response_edit import (
    EditError,
    check_response,
    editable_response,
    parsed_response,
    raw_bytes,
)
from httplab.tui.state import TraceState

DRAFT = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n"
    b'{"a": "\\u0412"}\n'
)


def test_a_draft_round_trips_unchanged() -> None:
    editable = editable_response(DRAFT)
    assert not editable.body_escaped
    assert editable.text.startswith("HTTP/1.1 200 OK\nContent-Type: application/json\n")
    assert '{"a": "\\u0412"}' in editable.text  # the body's own backslashes stay as they are
    checked = check_response(editable.text, "GET")
    assert checked.data == DRAFT and checked.notes == []
    assert checked.response.status == 200 and checked.response.body.endswith(b"}\n")


def test_content_length_follows_the_edited_body() -> None:
    text = editable_response(DRAFT).text.replace('"a"', '"abc"')
    checked = check_response(text, "GET")
    assert b"\r\nContent-Length: 18\r\n" in checked.data
    assert checked.notes == ["Content-Length 16 → 18 recomputed"]


def test_a_body_without_framing_gets_a_content_length() -> None:
    checked = check_response("HTTP/1.1 200 OK\nX-Lab: 1\n\nhi", "GET")
    assert checked.data == b"HTTP/1.1 200 OK\r\nX-Lab: 1\r\nContent-Length: 2\r\n\r\nhi"
    assert checked.notes == ["added Content-Length: 2, the body's size"]


def test_a_chunked_draft_is_edited_as_its_content_and_chunked_again() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    editable = editable_response(chunked)
    assert editable.text.endswith("\n\nabcde")
    checked = check_response(editable.text + "f", "GET")
    assert checked.data.endswith(b"\r\n\r\n6\r\nabcdef\r\n0\r\n\r\n")
    assert checked.response.body == b"abcdef"


def test_a_binary_body_is_shown_escaped_and_read_back_exactly() -> None:
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n\x1b[2J"
    editable = editable_response(data)
    assert editable.body_escaped and "\x1b" not in editable.text and "\\x1b" in editable.text
    assert check_response(editable.text, "GET", body_escaped=True).data == data


@pytest.mark.parametrize(
    ("text", "method", "why"),
    [
        ("", "GET", "empty"),
        ("HTTP/1.1 2000 OK\n\n", "GET", "not a valid response head"),
        ("HTTP/1.1 200 OK\nno colon here\n\n", "GET", "no colon here"),
        ("HTTP/1.1 100 Continue\n\n", "GET", "interim"),
        ("HTTP/1.1 204 No Content\n\nbody", "GET", "204 response has no body"),
        ("HTTP/1.1 304 Not Modified\n\nbody", "GET", "no body"),
        ("HTTP/1.1 200 OK\n\nbody", "HEAD", "HEAD request has no body"),
        ("HTTP/1.1 200 OK\nContent-Length: 1\nContent-Length: 1\n\nb", "GET", "keep one"),
        ("HTTP/1.1 200 OK\nContent-Length: 1\nTransfer-Encoding: chunked\n\nb", "GET", "both"),
        ("HTTP/1.1 200 OK\nTransfer-Encoding: gzip\n\nb", "GET", "only Transfer-Encoding"),
        ("HTTP/1.1 200 OK\nX: a\n folded\n\n", "GET", "obs-fold"),
    ],
)
def test_what_would_break_the_connection_is_refused_with_the_reason(
    text: str, method: str, why: str
) -> None:
    with pytest.raises(EditError, match=why):
        check_response(text, method)


def test_head_keeps_the_length_of_the_get_it_stands_for() -> None:
    checked = check_response("HTTP/1.1 200 OK\nContent-Length: 42\n\n", "HEAD")
    assert checked.data == b"HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n" and not checked.notes


def test_raw_bytes_are_as_typed_and_parsed_only_when_they_parse() -> None:
    data = raw_bytes("HTTP/1.1 200 OK\nContent-Length: 9\n\nshort")
    assert data == b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort"
    assert parsed_response(data, "GET") is None
    assert raw_bytes("HTTP/1.1 200 OK\\r\\nX: 1") == b"HTTP/1.1 200 OK\r\nX: 1\r\n\r\n"
    whole = raw_bytes("HTTP/1.1 200 OK\nContent-Length: 2\n\nok")
    parsed = parsed_response(whole, "GET")
    assert parsed is not None and parsed.body == b"ok"


# the held rows of the trace state ---------------------------------------------------------
def record(connection: int, seq: int = 0, target: str = "/users") -> ExchangeRecord:
    return ExchangeRecord(
        connection_id=connection,
        number=1,
        started_at=0.0,
        peer="127.0.0.1:1",
        raw_request=b"GET / HTTP/1.1\r\n\r\n",
        raw_response=b"",
        request=Request("GET", target),
        head=None,
        response=None,
        seq=seq,
    )


def test_held_rows_come_after_the_answered_ones_and_keep_the_selection() -> None:
    state = TraceState()
    state.add([record(1, seq=1), record(2, seq=2)])
    first, second = record(3), record(4)
    state.set_held([first, second])
    assert state.rows == 4 and state.current is second  # following: the newest row
    state.move(-1)
    assert state.current is first and not state.follow
    state.add([record(5, seq=3)])  # an answer arrives: the selection stays on the held row
    assert state.current is first
    state.set_held([second])  # the selected one was released
    assert state.current is not first
    state.set_filter("POST")  # held rows are shown whatever the filter
    assert state.visible == [] and state.rows == 1
    state.toggle_mark()
    assert not state.marked and state.to_save() == []  # not answered: nothing to save
    state.clear()
    assert state.held == [second] and state.current is second


# the serve options ------------------------------------------------------------------------
def test_hold_needs_trace() -> None:
    result = CliRunner().invoke(app, ["serve", "--hold", "--port", "0"])
    assert result.exit_code == 2
    assert "--hold needs --trace" in result.output


def test_hold_is_refused_in_plain_mode_with_one_line() -> None:
    result = CliRunner().invoke(app, ["serve", "--trace", "--plain", "--hold", "--port", "0"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "--plain" in lines[0] and "a, A, E" in lines[0]


# the desk, without a screen ---------------------------------------------------------------
def test_an_app_that_streams_has_no_draft_and_the_editor_offers_a_template() -> None:
    intercept = Intercept(active=True)
    decided: list[Decision] = []

    def no_draft(future: Future[bytes]) -> None:
        future.set_exception(NoDraft("the app (--app) streams its answer to the socket"))

    held = record(7)
    intercept.hold((7, 1), held, decided.append, no_draft)
    state = TraceState()
    said: list[str] = []
    texts: list[str] = []
    work: list[Coroutine[Any, Any, None]] = []
    desk = HoldDesk(
        intercept,
        state,
        lambda message, level: said.append(message),
        work.append,
        lambda: None,
        texts.append,
        lambda: None,
    )
    desk.sync()
    assert state.current is held
    desk.edit()
    asyncio.run(work.pop())
    assert desk.editing is not None and texts == [TEMPLATE]
    assert "streams its answer" in said[-1] and "write one" in said[-1]
    desk.send(texts[0])
    assert [d.kind for d in decided] == [DecisionKind.EDITED]
    assert decided[0].data.endswith(b"\r\n\r\nwritten by the teacher\n")
