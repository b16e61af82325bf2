"""The conformance corpus, bytes in → the status the parser asks a server to send; with the fast
path for common heads and with the strict parser alone (both must give the same answers)."""

from __future__ import annotations

import pytest

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import EndOfMessage, RequestHead
from tests.protocol.helpers import parse_requests
from tests.protocol.test_common_head import exact

from .corpus import CASES, Case

ERRORS = [c for c in CASES if c.status >= 400 and c.status not in (404, 405) and c.parser_decides]


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast", "strict"])
@pytest.mark.parametrize("case", ERRORS, ids=[c.name for c in ERRORS])
def test_parser_rejects_with_the_rfc_status(case: Case, fast_path: bool) -> None:
    events = parse_requests([case.data], fast_path=fast_path)
    last = events[-1]
    assert isinstance(last, ProtocolError), events
    assert last.status == case.status, last.one_line()
    if case.rfc:
        assert last.rfc_ref == case.rfc
    assert not any(isinstance(e, EndOfMessage) for e in events)


VALID = [c for c in CASES if c not in ERRORS]


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast", "strict"])
@pytest.mark.parametrize("case", VALID, ids=[c.name for c in VALID])
def test_parser_accepts_valid_requests(case: Case, fast_path: bool) -> None:
    events = parse_requests([case.data], fast_path=fast_path)
    assert isinstance(events[0], RequestHead)
    assert not any(isinstance(e, ProtocolError) for e in events), events
    assert sum(isinstance(e, EndOfMessage) for e in events) == 1, events


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fast_path_and_strict_parser_answer_alike(case: Case) -> None:
    fast = parse_requests([case.data], fast_path=True)
    strict = parse_requests([case.data], fast_path=False)
    assert exact(fast) == exact(strict)
