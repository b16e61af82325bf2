"""What a connection keeps while the trace view holds its request (see `trace.intercept`), and
the pieces of a held exchange that need no connection: the record the view shows while it
waits, the note the final record carries, the 503 a held client gets when the server stops.

The connection's own part (park, take the decision, answer) is the "held by the trace view"
section of `connection.py`; this module does not import it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from time import perf_counter

from httplab.protocol.events import EndOfMessage, RequestHead
from httplab.protocol.messages import Note, Request, Response
from httplab.server.problem import problem_response
from httplab.trace.intercept import Decision, DecisionKind, HeldExchange
from httplab.trace.records import ExchangeRecord, Timings

HELD_NOTE_CODE = "held"


@dataclass(eq=False, slots=True)
class Parked:
    """A connection's held request: the ticket the view decides on, the timer that releases it
    on its own, and the app's answer once the view asked for it to edit (sent on RELEASE, so
    the app is never called twice for one request)."""

    ticket: HeldExchange
    timer: asyncio.TimerHandle
    draft: tuple[Response, bytes, bool] | None = None  # response, its bytes, keep-alive


def held_record(
    connection_id: int,
    number: int,
    peer: str,
    request: Request,
    head: RequestHead,
    end: EndOfMessage,
    first_byte: float,
    head_parsed: float,
    notes: list[Note],
    timeout: float,
    source: str = "server",
) -> ExchangeRecord:
    """The exchange as the view shows it while held: the request, no response yet (`source`
    as the record that replaces it will have)."""
    now = perf_counter()
    first = first_byte or now
    waiting = Note(
        HELD_NOTE_CODE,
        f"held by the trace view before the app answers; released in {timeout:g} s at the "
        "latest (the client waits meanwhile)",
        "",
        "info",
    )
    return ExchangeRecord(
        connection_id=connection_id,
        number=number,
        started_at=time.time() - (now - first),
        peer=peer,
        raw_request=end.raw,
        raw_response=b"",
        request=request,
        head=head,
        response=None,
        timings=Timings(first, head_parsed),
        notes=[*notes, waiting],
        source=source,
    )


_HOW = {
    DecisionKind.RELEASE: "released by the teacher; the app answered",
    DecisionKind.EDITED: "released by the teacher with an edited response",
    DecisionKind.RAW: "released by the teacher with raw bytes as typed (connection closed after)",
    DecisionKind.TIMEOUT: "released on its own when the hold timed out; the app answered",
    DecisionKind.STOPPED: "the server stopped while it was held: 503",
}


def released_note(decision: Decision, held_seconds: float, drafted: bool) -> Note:
    """What the final record says about the hold."""
    how = _HOW[decision.kind]
    if drafted and decision.kind in (DecisionKind.RELEASE, DecisionKind.TIMEOUT):
        how = how.replace("the app answered", "the app's answer (drafted for editing) was sent")
    text = f"held {held_seconds:.1f} s by the trace view, {how}"
    if decision.notes:
        text += "; " + "; ".join(decision.notes)
    return Note(HELD_NOTE_CODE, text, "", "info")


def stopped_response(accept: str | None) -> Response:
    """The answer a held client gets when the server stops before the view released it."""
    return problem_response(
        503,
        "the server stopped while this request was held in the trace view; retry",
        rfc_ref="RFC 9110 §15.6.4",
        accept=accept,
        headers=[("Retry-After", "1")],
    )
