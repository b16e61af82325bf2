"""Facts are read from any record, whatever bytes it holds; a check never raises."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from httplab.lessons import load_lesson
from httplab.lessons.checking import judge
from httplab.lessons.facts import facts_of
from httplab.trace.records import ExchangeRecord

STEPS = [step for number in (1, 2, 3, 4) for step in load_lesson(number).steps]


def _record(raw_request: bytes, raw_response: bytes) -> ExchangeRecord:
    return ExchangeRecord(
        connection_id=1,
        number=1,
        started_at=0.0,
        peer="127.0.0.1:1",
        raw_request=raw_request,
        raw_response=raw_response,
        request=None,
        head=None,
        response=None,
        error="400 Bad Request: test",
    )


@given(
    st.binary(max_size=300) | st.sampled_from([b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", b"\r\n\n"]),
    st.binary(max_size=300) | st.just(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
)
def test_any_bytes_give_facts_and_a_verdict(raw_request: bytes, raw_response: bytes) -> None:
    record = _record(raw_request, raw_response)
    facts = facts_of(record)
    assert facts.parsed is False
    for step in STEPS:
        assert judge(step, record).verdict in ("passed", "mistake", "unrelated")


def test_a_rejected_request_still_names_its_fields() -> None:
    facts = facts_of(_record(b"GET  /users HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", b""))
    assert facts.method == "GET"
    assert facts.request_fields == {"host": ["a", "b"]}
    assert not facts.stray_bytes
    assert facts_of(_record(b'\xd1\x8f"}', b"")).stray_bytes


def test_importing_the_engine_loads_no_terminal_or_server_code() -> None:
    import subprocess
    import sys

    code = (
        "import sys, httplab.lessons; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'prompt_toolkit') "
        "or m.startswith('httplab.server')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
