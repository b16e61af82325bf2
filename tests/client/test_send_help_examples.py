"""The examples in `httplab send --help` work, in their order, against the bundled server."""

from __future__ import annotations

import shlex
from collections.abc import Iterator

import pytest

from httplab.client.send_cli import EPILOG, main_send
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    with HTTPServer(UsersApp(), port=0) as running:
        yield running


def examples() -> list[list[str]]:
    """The `httplab send '…'` lines of the epilog, as argv after `send` (comments dropped)."""
    found = []
    for line in EPILOG.splitlines():
        if not line.startswith("  httplab send "):
            continue
        words = shlex.split(line, comments=True)
        if words[:2] == ["httplab", "send"] and "|" not in words:
            found.append(words[2:])
    return found


def test_the_help_has_examples_of_every_method() -> None:
    methods = {argv[0].split()[0] for argv in examples()}
    assert {"GET", "POST", "PUT", "PATCH", "DELETE"} <= methods


def test_each_example_gets_a_2xx_from_the_bundled_server(
    server: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    to = f"127.0.0.1:{server.port}"
    for argv in examples():
        argv = [word.replace("127.0.0.1:53210", to) for word in argv]
        status = main_send([*argv, "--to", to, "--check-status"])
        out = capsys.readouterr().out
        assert status == 0, (argv, out)
