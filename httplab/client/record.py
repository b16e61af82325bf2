"""What the client records: `httplab send --record FILE` and the REPL's `:record FILE`.

A client exchange becomes a transcript exchange — the request bytes as sent, the expectation a
recording writes (status, the stable fields, a small body, a close; see
`httplab.trace.transcript.expectation_from`) and the response as received — and goes to a
`TranscriptRecorder`, which appends it to FILE atomically (temporary file, rename) right away.
An exchange that got no response is not recorded (there is nothing to expect).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from httplab.client.connection import ClientExchange
from httplab.trace.recorder import TranscriptRecorder
from httplab.trace.transcript import TranscriptExchange, expectation_from, read_transcript
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


class RecordOnFirstExchange:
    """`send --record FILE` and the REPL's `:record FILE`: FILE is checked at once but written
    only when the first exchange is recorded, so a request that never got an answer (no server
    running, a bad host) leaves no file behind, and an existing transcript untouched.

    The constructor raises what `TranscriptRecorder` would: TranscriptError when FILE exists
    and is not a transcript, OSError when FILE cannot be read or nothing can be written beside
    it (a folder that does not exist, no permission)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.exists():
            read_transcript(self.path)  # only to check it: the recorder reads it again
        # what write_atomically needs: a temporary file beside FILE (made and removed here)
        handle, probe = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        os.close(handle)
        os.unlink(probe)
        self.recorder: TranscriptRecorder | None = None

    @property
    def recorded(self) -> int:
        """Exchanges written so far (exact once closed)."""
        return self.recorder.recorded if self.recorder is not None else 0

    @property
    def started(self) -> bool:
        """Has FILE been written (an exchange was recorded)?"""
        return self.recorder is not None

    def add(self, exchange: TranscriptExchange, connection: object = None) -> None:
        """Like `TranscriptRecorder.add`; the first call writes FILE (OSError if it cannot)."""
        if self.recorder is None:
            self.recorder = TranscriptRecorder(self.path, append=True)
        self.recorder.add(exchange, connection=connection)

    def close(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
