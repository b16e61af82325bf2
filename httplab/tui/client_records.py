"""Client-pane exchanges with another server (`--to`) as trace records, so they join the list.

Our own server traces what the pane sends to it; a foreign server does not, so the pane builds
the record from what the client already parsed (its request head and responses). Nothing is
parsed here.
"""

from __future__ import annotations

import itertools
import time

from httplab.client.connection import EXTRA_NOTE, ClientExchange
from httplab.protocol.messages import Note, Response
from httplab.trace.records import ExchangeRecord, Timings

# Connection ids for pane exchanges count down from -1, so they never collide with the server's.
_pane_connections = itertools.count(1)


class PaneNumbering:
    """Connection id and exchange number as the wire had them: a send on a kept-alive
    connection is the next exchange on it, a send that had to connect starts a new one."""

    def __init__(self) -> None:
        self.connection_id = 0
        self.number = 0

    def next(self, exchange: ClientExchange) -> tuple[int, int]:
        if exchange.timings.connect_ms is not None or not self.connection_id:
            self.connection_id = -next(_pane_connections)
            self.number = 0
        self.number += 1
        return self.connection_id, self.number


def client_records(
    exchanges: list[ClientExchange], peer: str, numbering: PaneNumbering | None = None
) -> list[ExchangeRecord]:
    if not exchanges:
        return []
    numbering = numbering if numbering is not None else PaneNumbering()
    now = time.time()
    records = []
    for exchange in exchanges:
        connection_id, number = numbering.next(exchange)
        head = exchange.request_head
        request = None
        if head is not None:
            request = head.to_request(exchange.request_bytes[len(head.raw) :])
        final = exchange.final
        response = None
        if final is not None:
            response = Response(
                final.head.status,
                final.head.headers,
                final.body,
                reason=final.head.reason,
                version=final.head.version,
                trailers=final.trailers,
            )
        timings = Timings()
        if exchange.timings.last_byte_ms is not None:
            timings.first_byte = 1.0  # durations only: the client measured from the send
            timings.last_byte_written = 1.0 + exchange.timings.last_byte_ms / 1000.0
        notes = []
        if exchange.extra:
            # raw_response keeps them (the lint reads them as a body where none is allowed);
            # this says they came after the response rather than inside it
            notes.append(
                Note(
                    "bytes-after-response",
                    f"{len(exchange.extra)} {EXTRA_NOTE.split(' (')[0]}",
                    "RFC 9112 §6.3",
                    "error",
                )
            )
        records.append(
            ExchangeRecord(
                connection_id=connection_id,
                number=number,
                started_at=now,
                peer=peer,
                raw_request=exchange.request_bytes,
                raw_response=exchange.response_bytes,
                request=request,
                head=head,
                response=response,
                error=exchange.error,
                timings=timings,
                notes=notes,
                source="client",
            )
        )
    return records
