"""What `--plain` reads: the learner's lines, and the server's records of each exchange."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from typing import IO

from httplab.client.repl import is_raw_input
from httplab.client.shorthand import KNOWN_METHODS
from httplab.trace.bus import TraceBus
from httplab.trace.records import ExchangeRecord, TraceItem


class RecordQueue:
    """Exchange records from the bus, handed from the server thread to the REPL thread."""

    def __init__(self, bus: TraceBus) -> None:
        self._items: list[ExchangeRecord] = []
        self._ready = threading.Condition()
        self._woken = False
        self.unsubscribe = bus.subscribe(self._on_item)

    def _on_item(self, item: TraceItem) -> None:
        if isinstance(item, ExchangeRecord):
            with self._ready:
                self._items.append(item)
                self._ready.notify_all()

    def take(self, at_least: int, wait: float) -> list[ExchangeRecord]:
        """Every record so far, after waiting (at most `wait` s) until there are `at_least`."""
        with self._ready:
            self._ready.wait_for(lambda: len(self._items) >= at_least, wait)
            items, self._items = self._items, []
            return items

    def wait_any(self, wait: float) -> bool:
        """Block until a record is waiting (at most `wait` s, or until `wake()`)."""
        with self._ready:
            return self._ready.wait_for(lambda: bool(self._items) or self._woken, wait)

    def wake(self) -> None:
        with self._ready:
            self._woken = True
            self._ready.notify_all()


def looks_like_request(line: str) -> bool:
    """A typed request rather than an answer: raw, `METHOD target`, or a bare path."""
    words = line.split()
    if is_raw_input(line) or line.startswith("/"):
        return True
    return len(words) >= 2 and words[0].upper() in KNOWN_METHODS


BOM = "\ufeff"


def read_lines(
    stream: IO[str],
    prompt: Callable[[], str] = lambda: "> ",
    note: Callable[[str], None] = lambda text: None,
) -> Iterator[str]:
    """Lines of `stream` without their line ends; `prompt()` before each when it is the
    terminal (input() with line editing). One byte order mark at the start of a piped input
    (a walkthrough saved by Notepad) is left out, and `note` says so."""
    if stream.isatty() and stream is sys.stdin:
        while True:
            try:
                yield input(prompt())
            except EOFError:  # Ctrl-D: end the prompt's line before the goodbye
                sys.stdout.write("\n")
                return
    else:
        # Bytes, decoded here: a pipe of invalid UTF-8 must not stop the lesson with an error,
        # and its bytes stay the bytes they were (lone surrogates, PEP 383), so a raw request
        # sends them exactly (U+FFFD would send EF BF BD instead).
        binary = getattr(stream, "buffer", None)
        for number, line in enumerate(binary if binary is not None else stream, 1):
            text = line.decode("utf-8", "surrogateescape") if isinstance(line, bytes) else line
            if number == 1 and text.startswith(BOM):
                text = text.removeprefix(BOM)
                note("the input starts with a byte order mark (U+FEFF): left out")
            yield text.removesuffix("\n").removesuffix("\r")
