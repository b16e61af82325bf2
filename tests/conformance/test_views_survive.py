"""No view dies on a record (issue 7 #1): an exception while reading one record is counted and
said in one line; the records after it are still shown."""

from __future__ import annotations

import io

from httplab.protocol.messages import Request, Response
from httplab.render.printer import PlainPrinter, plain_console
from httplab.trace.bus import TraceBus
from httplab.trace.records import ExchangeRecord
from httplab.tui.state import TraceState


class ExplodingRequest(Request):
    @property
    def path(self) -> str:  # type: ignore[override]
        raise ValueError("Invalid IPv6 URL")


def record(request: Request) -> ExchangeRecord:
    return ExchangeRecord(
        connection_id=1,
        number=1,
        started_at=0.0,
        peer="127.0.0.1:1",
        raw_request=b"GET / HTTP/1.1\r\n\r\n",
        raw_response=b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        request=request,
        head=None,
        response=Response(200),
    )


def test_trace_state_counts_a_record_it_cannot_learn_from() -> None:
    state = TraceState()
    bad, good = record(ExplodingRequest("GET", "http://[x")), record(Request("GET", "/users"))
    bad.seq, good.seq = 1, 2
    assert state.add([bad, good]) == 2
    assert state.record_errors == 1
    assert "/users" in state.paths_seen


def test_plain_printer_goes_on_after_a_record_it_cannot_render() -> None:
    bus = TraceBus()
    out = io.StringIO()
    printer = PlainPrinter(bus, plain_console(out, color=False))
    broken = record(Request("GET", "/a"))
    broken.response = "not a response"  # type: ignore[assignment]
    bus.publish(broken)
    bus.publish(record(Request("GET", "/users")))
    printer.print_pending()
    assert printer.failed == 1 and printer.printed == 1
    assert "could not be shown" in out.getvalue() and "/users" in out.getvalue()
