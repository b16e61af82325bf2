"""Drive a parser over a list of byte pieces and collect every event."""

from __future__ import annotations

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    RequestHead,
    ResponseHead,
)
from httplab.protocol.limits import DEFAULT_LIMITS, Limits
from httplab.protocol.parser import RequestParser, ResponseParser

Collected = list[object]


def drain(parser: RequestParser | ResponseParser, out: Collected) -> None:
    while True:
        event = parser.next_event()
        if event is NEED_DATA:
            return
        if event is PAUSED:
            parser.start_next()
            continue
        out.append(event)
        if isinstance(event, ConnectionClosed):
            return


def parse_requests(
    pieces: list[bytes], limits: Limits | None = None, eof: bool = True, *, fast_path: bool = True
) -> Collected:
    """Events for `pieces` fed in order; a ProtocolError is appended as the last item.
    `fast_path=False`: the strict parser alone (see `common_head`)."""
    parser = RequestParser(limits or DEFAULT_LIMITS, fast_path=fast_path)
    out: Collected = []
    try:
        for piece in pieces:
            parser.feed(piece)
            drain(parser, out)
        if eof:
            parser.feed(b"")
            drain(parser, out)
    except ProtocolError as error:
        out.append(error)
    return out


def merge_data(events: Collected) -> Collected:
    """Join adjacent Data events: how bytes were split must not matter beyond that."""
    merged: Collected = []
    for event in events:
        if isinstance(event, Data) and merged and isinstance(merged[-1], Data):
            merged[-1] = Data(merged[-1].data + event.data)
        else:
            merged.append(event)
    return merged


def comparable(events: Collected) -> list[object]:
    """Events reduced to plain values, so two runs can be compared with ==."""
    result: list[object] = []
    for event in merge_data(events):
        if isinstance(event, RequestHead):
            result.append(
                ("head", event.method, event.target, event.version, event.headers.raw(), event.raw)
            )
        elif isinstance(event, ResponseHead):
            result.append(("rhead", event.status, event.headers.raw(), event.raw))
        elif isinstance(event, Data):
            result.append(("data", event.data))
        elif isinstance(event, EndOfMessage):
            result.append(("end", event.trailers.raw(), event.raw))
        elif isinstance(event, ProtocolError):
            result.append(("error", event.status))
        else:
            result.append(type(event).__name__)
    return result


def one_error(data: bytes, limits: Limits | None = None) -> ProtocolError:
    events = parse_requests([data], limits)
    assert events and isinstance(events[-1], ProtocolError), events
    return events[-1]


def first_head(data: bytes) -> RequestHead:
    events = parse_requests([data])
    assert isinstance(events[0], RequestHead), events
    return events[0]


def parse_responses(data: bytes, methods: list[str]) -> Collected:
    parser = ResponseParser()
    out: Collected = []
    remaining = list(methods)
    parser.expect(remaining.pop(0) if remaining else "GET")
    parser.feed(data)
    parser.feed(b"")
    try:
        while True:
            event = parser.next_event()
            if event is NEED_DATA or isinstance(event, ConnectionClosed):
                break
            if event is PAUSED:
                parser.start_next()
                parser.expect(remaining.pop(0) if remaining else "GET")
                continue
            out.append(event)
    except ProtocolError as error:
        out.append(error)
    return out
