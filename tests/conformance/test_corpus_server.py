"""The conformance corpus over a real socket against the real server: the RFC's status, the
connection closed when it must be, never a 5xx other than 501/505, never a hang."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer

from .corpus import CASES, Case

TIMEOUT = 5.0  # guards against a hang; not a speed assertion


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    with HTTPServer(UsersApp(), port=0, idle_timeout=2.0, header_timeout=2.0) as running:
        yield running


def read_head(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status code, fields (lower-case names) and whatever body bytes came with the head.
    Read with a few lines of our own, not httplab's parser, so a parser bug cannot hide."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response head; got {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, code, _reason = lines[0].split(" ", 2)
    assert version == "HTTP/1.1"
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    return int(code), fields, rest


def closed_after(sock: socket.socket, fields: dict[str, str], already: bytes) -> bool:
    """Read the rest of the body, then tell whether the server closed the connection."""
    remaining = int(fields.get("content-length", "0")) - len(already)
    while remaining > 0:
        chunk = sock.recv(remaining)
        if not chunk:
            return True
        remaining -= len(chunk)
    sock.settimeout(0.5)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_server_answers_with_the_rfc_status(server: HTTPServer, case: Case) -> None:
    with socket.create_connection(server.address, timeout=TIMEOUT) as sock:
        sock.sendall(case.data)
        status, fields, rest = read_head(sock)
        assert status == case.status
        assert status < 500 or status in (501, 505)
        if case.closes:
            assert fields.get("connection", "").lower() == "close"
        assert closed_after(sock, fields, rest) is case.closes
