"""A body typed in the REPL without Content-Length (issue 11.6): a POST/PUT/PATCH with a
Content-Type waits for it, an empty line sends it, and Content-Length is added and said."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from httplab.client.content_length import add_content_length
from httplab.client.repl import (
    Repl,
    awaits_typed_body,
    input_complete,
    raw_text_to_send,
    run_repl,
)
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer

JSON_HEAD = "POST /users HTTP/1.1\nHost: x\nContent-Type: application/json\n"


@pytest.fixture
def app() -> UsersApp:
    return UsersApp()


@pytest.fixture
def server(app: UsersApp) -> Iterator[HTTPServer]:
    with HTTPServer(app, port=0) as running:
        yield running


@pytest.mark.parametrize(
    ("head", "awaits"),
    [
        (JSON_HEAD, True),
        ("PUT /users/1 HTTP/1.1\ncontent-type: application/json\n", True),
        ("PATCH /users/1 HTTP/1.1\nContent-Type:application/json\n", True),
        ("POST /users HTTP/1.1\nHost: x\n", False),  # no Content-Type: no body expected
        ("GET /users HTTP/1.1\nContent-Type: application/json\n", False),
        (JSON_HEAD + "Content-Length: 2\n", False),  # framed by the learner: kept as typed
        (JSON_HEAD + "Transfer-Encoding: chunked\n", False),
    ],
)
def test_which_heads_wait_for_a_typed_body(head: str, awaits: bool) -> None:
    assert awaits_typed_body(head) is awaits


def test_enter_waits_for_the_body_then_an_empty_line_sends() -> None:
    assert input_complete(JSON_HEAD) is False  # the empty line ends the head: a body is next
    assert input_complete(JSON_HEAD + "\n") is True  # an empty line at once: no body
    assert input_complete(JSON_HEAD + '\n{"name": "Ada",') is False  # mid-line
    assert input_complete(JSON_HEAD + '\n{"name": "Ada",\n "age": 36}\n') is True


def test_an_empty_body_is_sent_with_its_head_ended() -> None:
    assert raw_text_to_send(JSON_HEAD + "\n") == JSON_HEAD + "\n"


def test_content_length_is_added_in_bytes_before_the_empty_line() -> None:
    data = 'POST /users HTTP/1.1\r\nHost: x\r\n\r\n{"name": "Вася"}'.encode()
    framed, added = add_content_length(data)
    assert added == len('{"name": "Вася"}'.encode()) == 20  # bytes, not characters
    assert framed == (
        'POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{"name": "Вася"}'.encode()
    )
    bare = b"POST / HTTP/1.1\nHost: x\n\nab"
    assert add_content_length(bare) == (b"POST / HTTP/1.1\nHost: x\nContent-Length: 2\n\nab", 2)
    assert add_content_length(b"POST / HTTP/1.1\r\nHost: x\r\n\r\n") == (
        b"POST / HTTP/1.1\r\nHost: x\r\n\r\n",
        None,
    )
    typed = b"POST / HTTP/1.1\r\ncontent-length : 9\r\n\r\nab"
    assert add_content_length(typed) == (typed, None)


def test_a_typed_json_body_gets_content_length_and_a_201(server: HTTPServer) -> None:
    out = io.StringIO()
    repl = Repl("127.0.0.1", server.port, stream=out)
    repl.handle(JSON_HEAD + '\n{"name": "Ada",\n "age": 36}\n')
    exchange = repl.last[0]
    assert exchange.status == 201
    assert b"\r\nContent-Length: 28\r\n\r\n" in exchange.request_bytes
    assert exchange.request_bytes.endswith(b'{"name": "Ada",\r\n "age": 36}')
    assert "added Content-Length: 28" in out.getvalue()
    assert json.loads(exchange.response_bytes.partition(b"\r\n\r\n")[2]) == {
        "id": 1,
        "name": "Ada",
        "age": 36,
    }


def test_other_raw_input_is_sent_exactly_as_typed(server: HTTPServer) -> None:
    """No Content-Type: the learner's bytes go out untouched (the body is then a second
    request, which is what a lesson on framing shows)."""
    out = io.StringIO()
    repl = Repl("127.0.0.1", server.port, stream=out)
    repl.handle("POST /users?name=A&age=1 HTTP/1.1\nHost: x\n\nGET /users HTTP/1.1\nHost: x\n")
    assert b"Content-Length" not in repl.last[0].request_bytes
    assert "added Content-Length" not in out.getvalue()


def test_typed_at_the_prompt_the_body_waits_and_the_empty_line_sends(
    app: UsersApp, server: HTTPServer, tmp_path: Path
) -> None:
    app.store.add("Ada", 36)
    out = io.StringIO()
    with create_pipe_input() as pipe:
        pipe.send_text("PATCH /users/1 HTTP/1.1\rHost: x\rContent-Type: application/json\r\r")
        pipe.send_text('{"age": 37}\r')  # Enter after the body line: go on typing
        pipe.send_text("\r")  # Enter on an empty line: send
        pipe.send_text(":quit\r")
        run_repl(
            "127.0.0.1", server.port, history_path=tmp_path / "history", stream=out,
            input=pipe, output=DummyOutput(),
        )  # fmt: skip
    text = out.getvalue()
    assert text.count("> PATCH /users/1") == 1
    assert "added Content-Length: 11" in text
    assert "< HTTP/1.1 200 OK" in text and '"age": 37' in text


# the trace view's client pane (httplab/tui/compose.py) frames a typed body the same way -------
def test_the_client_pane_adds_content_length_unless_pinned(server: HTTPServer) -> None:
    from httplab.tui.compose import compose_request

    text = JSON_HEAD + '\n{"name": "Ada", "age": 36}'
    auto = compose_request(text, host="127.0.0.1", port=server.port)
    assert b"\r\nContent-Length: 26\r\n\r\n{" in auto.data
    assert any("added Content-Length: 26" in note for note in auto.notes)
    pinned = compose_request(text, host="127.0.0.1", port=server.port, pin_length=True)
    assert b"Content-Length" not in pinned.data
    with socket.create_connection(server.address, timeout=5) as sock:
        sock.sendall(auto.data)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            assert chunk
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 201 Created\r\n")
