"""The conformance corpus (tests/conformance/corpus.py) over a real socket, beyond the status
checks of tests/conformance/test_corpus_server.py: a closing answer says `Connection: close`,
a kept connection still serves the next request, and bytes smuggled after a rejected request
are never answered."""

from __future__ import annotations

import pytest

from httplab.server.engine import HTTPServer
from tests.conformance.corpus import CASES, Case

from .conftest import RawClient, get

ALLOWED_5XX = {501, 505}


@pytest.fixture(scope="module")
def corpus_server() -> HTTPServer:  # type: ignore[misc]
    from httplab.server.apps.users import UsersApp

    with HTTPServer(UsersApp(), port=0, idle_timeout=3.0, header_timeout=3.0) as server:
        yield server  # type: ignore[misc]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_server_answers_the_corpus(corpus_server: HTTPServer, case: Case) -> None:
    with RawClient(corpus_server.address) as client:
        client.send(case.data)
        response = client.read_response()
        assert response.status == case.status, response.text
        assert response.status < 500 or response.status in ALLOWED_5XX
        if case.closes:
            assert response.header("Connection") == "close"
            assert client.at_eof()
        else:
            # still usable: a follow-up request on the same connection is answered
            assert client.request(get("/users")).status == 200


@pytest.mark.parametrize("case", [c for c in CASES if c.closes], ids=lambda c: c.name)
def test_smuggled_bytes_after_a_rejected_request_are_never_answered(
    corpus_server: HTTPServer, case: Case
) -> None:
    with RawClient(corpus_server.address) as client:
        client.send(case.data + get("/users?smuggled=1"))
        first = client.read_response()
        assert first.status == case.status
        assert client.at_eof()  # nothing after the error: the smuggled request was dropped
