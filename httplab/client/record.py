"""What the client records: `httplab send --record FILE` and the REPL's `:record FILE`.

A client exchange becomes a transcript exchange — the request bytes as sent, the expectation a
recording writes (status, the stable fields, a small body, a close; see
`httplab.trace.transcript.expectation_from`) and the response as received — and goes to a
`TranscriptRecorder`, which appends it to FILE atomically (temporary file, rename) right away.
An exchange that got no response is not recorded (there is nothing to expect).
"""

from __future__ import annotations

from httplab.client.connection import ClientExchange
from httplab.trace.transcript import TranscriptExchange, expectation_from
from httplab.trace.wire_text import escape_wire, first_line


def recorded_exchange(exchange: ClientExchange) -> TranscriptExchange | None:
    """`exchange` as a transcript exchange; None when no final response came back."""
    final = exchange.final
    if final is None or exchange.error is not None:
        return None
    head = final.head
    method = exchange.request_head.method if exchange.request_head else exchange.method
    expect = expectation_from(head.status, head.headers, final.body, method)
    return TranscriptExchange(
        label=escape_wire(first_line(exchange.request_bytes, 60)),
        request=exchange.request_bytes,
        expect=expect,
        recorded_response=exchange.response_bytes,
    )
