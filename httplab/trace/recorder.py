"""Record a live session as a transcript, safe against a kill at any moment.

    recorder = TranscriptRecorder(path, title="…")   # writes an empty transcript at once
    server tracer / bus subscriber: recorder.publish(record)   (quick: a queue put)
    client side: recorder.add(exchange)                          (a TranscriptExchange)
    recorder.close()                                             (writes what is queued, stops)

Every exchange is written the same way: the whole transcript so far goes to a temporary file in
the target's folder, which is flushed, fsync'ed and renamed over the target (`os.replace`). A
reader — or the file left behind by SIGKILL, a crash or Ctrl-C mid-session — therefore always
sees a complete transcript up to some exchange, never half a line. The writing happens on the
recorder's own thread, so the server's loop (which calls `publish`) never waits for the disk.

Records are grouped by their connection, in order of first appearance; a `== connection`
replays as one TCP connection. Expectations are what `expectation_of` records (status, the
stable fields, a small body): a session recorded from a freshly started server replays green
against a fresh server (`httplab replay FILE`).
"""

from __future__ import annotations

import contextlib
import os
import queue
import stat
import tempfile
import threading
from pathlib import Path

from httplab.trace.records import ExchangeRecord, TraceItem
from httplab.trace.transcript import (
    Transcript,
    TranscriptConnection,
    TranscriptExchange,
    format_transcript,
    read_transcript,
    transcript_from_records,
)

_STOP = object()


def write_atomically(path: Path, text: str) -> None:
    """`text` to a temporary file beside `path`, flushed to disk, then renamed over `path`:
    a reader sees the old file or the new one, never half of one."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with contextlib.suppress(OSError):  # keep the file's permissions (mkstemp's are 0600)
            mode = stat.S_IMODE(os.stat(path).st_mode) if path.exists() else 0o644
            os.chmod(temporary, mode)
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class TranscriptRecorder:
    """Writes a transcript of every exchange it is given (see the module docstring).

    `append=True` starts from the transcript already at `path` (its exchanges are kept and new
    connections follow them); otherwise the file is started afresh. OSError from the first
    write (a folder that does not exist, no permission) is raised by the constructor; later
    write errors are kept in `error` and stop the recording (the session goes on)."""

    def __init__(self, path: str | Path, *, title: str = "", append: bool = False) -> None:
        self.path = Path(path)
        self.error: OSError | None = None
        self._transcript = Transcript(title=title)
        if append and self.path.exists():
            self._transcript = read_transcript(self.path)  # TranscriptError: not a transcript
        self._by_connection: dict[object, TranscriptConnection] = {}
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self.recorded = 0
        write_atomically(self.path, format_transcript(self._transcript))
        self._thread = threading.Thread(target=self._run, name="httplab-recorder", daemon=True)
        self._thread.start()

    # producers ------------------------------------------------------------------------------
    def publish(self, item: TraceItem) -> None:
        """A server's trace item (the Tracer protocol, or a TraceBus subscriber): quick."""
        if isinstance(item, ExchangeRecord):
            self._queue.put(item)

    def add(self, exchange: TranscriptExchange, connection: object = None) -> None:
        """A client's exchange; exchanges with the same `connection` key share a connection
        (None: a new connection each time)."""
        self._queue.put((exchange, connection))

    def close(self) -> None:
        """Write everything queued so far, then stop the writer thread."""
        self._queue.put(_STOP)
        self._thread.join()

    def __enter__(self) -> TranscriptRecorder:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # the writer thread ----------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if self.error is not None:
                continue
            self._take(item)
            while True:  # a burst of exchanges: one write for all of them
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    self._write()
                    return
                self._take(more)
            self._write()

    def _take(self, item: object) -> None:
        if isinstance(item, ExchangeRecord):
            recorded = transcript_from_records([item]).connections[0].exchanges[0]
            key: object = ("server", item.connection_id)
        else:
            assert isinstance(item, tuple)
            recorded, connection = item
            key = ("client", connection) if connection is not None else object()
        connection_of = self._by_connection.get(key)
        if connection_of is None:
            connection_of = TranscriptConnection()
            self._by_connection[key] = connection_of
            self._transcript.connections.append(connection_of)
        connection_of.exchanges.append(recorded)
        self.recorded += 1

    def _write(self) -> None:
        try:
            write_atomically(self.path, format_transcript(self._transcript))
        except OSError as error:
            self.error = error
