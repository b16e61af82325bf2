"""Hand-made exchange records for the render tests (no parser, no server needed)."""

from __future__ import annotations

from httplab.protocol.events import Framing, RequestHead, Span
from httplab.protocol.headers import Headers
from httplab.protocol.messages import Note, Response
from httplab.trace.records import ExchangeRecord, Timings


def head_of(raw_head: bytes) -> RequestHead:
    """A RequestHead with the spans a parser would give, built by hand for tests."""
    lines = raw_head.split(b"\r\n")
    request_line = lines[0]
    method, target, version = request_line.split(b" ")
    spans: dict[str, Span] = {
        "request-line": (0, len(request_line)),
        "method": (0, len(method)),
        "target": (len(method) + 1, len(method) + 1 + len(target)),
        "version": (len(request_line) - len(version), len(request_line)),
    }
    headers = Headers()
    offset = len(request_line) + 2
    for n, line in enumerate(lines[1:]):
        if not line:
            break
        name, _, value = line.partition(b":")
        headers.add(name, value.strip())
        value_start = offset + len(name) + 1 + (len(value) - len(value.lstrip()))
        spans[f"header:{n}"] = (offset, offset + len(line))
        spans[f"header:{n}:name"] = (offset, offset + len(name))
        spans[f"header:{n}:value"] = (value_start, value_start + len(value.strip()))
        offset += len(line) + 2
    length = headers.get("content-length")
    return RequestHead(
        method=method.decode(),
        target=target.decode("latin-1"),
        version=version.decode(),
        headers=headers,
        raw=raw_head,
        target_form="origin",
        framing=Framing("length", int(length)) if length else Framing("none"),
        keep_alive=True,
        expect_continue=False,
        spans=spans,
    )


def make_record(
    raw_head: bytes,
    body: bytes = b"",
    *,
    status: int = 200,
    response_headers: list[tuple[str, str]] | None = None,
    response_body: bytes = b"",
    raw_response: bytes | None = None,
    notes: list[Note] | None = None,
) -> ExchangeRecord:
    head = head_of(raw_head)
    headers = Headers(
        response_headers
        if response_headers is not None
        else [
            ("Date", "Mon, 24 Nov 2025 10:00:00 GMT"),
            ("Content-Length", str(len(response_body))),
        ]
    )
    response = Response(status, headers, response_body)
    if raw_response is None:
        lines = [f"HTTP/1.1 {status} {response.reason}".encode()]
        lines += [f"{n}: {v}".encode("latin-1") for n, v in headers.items()]
        raw_response = b"\r\n".join(lines) + b"\r\n\r\n" + response_body
    return ExchangeRecord(
        connection_id=3,
        number=1,
        started_at=1_700_000_000.25,
        peer="127.0.0.1:50000",
        raw_request=raw_head + body,
        raw_response=raw_response,
        request=head.to_request(body),
        head=head,
        response=response,
        timings=Timings(1.0, 1.0001, 1.0002, 1.0012),
        notes=list(notes or []),
    )


USERS_HEAD = (
    b"GET /users?limit=2&tag=a&tag=b HTTP/1.1\r\n"
    b"Host: 127.0.0.1:53210\r\n"
    b"Accept: application/json\r\n"
    b"X-Trace: one\r\n"
    b"x-trace: two\r\n"
    b"\r\n"
)


def users_record() -> ExchangeRecord:
    return make_record(
        USERS_HEAD,
        response_headers=[
            ("Date", "Mon, 24 Nov 2025 10:00:00 GMT"),
            ("Content-Type", "application/json"),
            ("Content-Length", "33"),
        ],
        response_body=b'{"users":[{"id":1,"name":"ada"}]}',
    )
