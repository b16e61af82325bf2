"""Completion in the client pane: methods on the first line, then paths the server has seen;
header names at the start of the following lines (common ones plus those seen on the wire)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from httplab.client.shorthand import KNOWN_METHODS

COMMON_HEADER_NAMES = (
    "Host",
    "Accept",
    "Accept-Encoding",
    "Accept-Language",
    "Authorization",
    "Cache-Control",
    "Connection",
    "Content-Length",
    "Content-Type",
    "Cookie",
    "Expect",
    "If-Match",
    "If-Modified-Since",
    "If-None-Match",
    "Range",
    "Transfer-Encoding",
    "User-Agent",
)


class RequestCompleter(Completer):
    def __init__(
        self,
        paths_seen: Callable[[], Iterable[str]],
        header_names_seen: Callable[[], Iterable[str]],
    ) -> None:
        self._paths_seen = paths_seen
        self._header_names_seen = header_names_seen

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        before = document.current_line_before_cursor
        if document.cursor_position_row == 0:
            words = before.split(" ")
            if len(words) == 1:
                yield from _starting_with(words[0].upper(), KNOWN_METHODS, len(words[0]))
            elif len(words) == 2:
                yield from _starting_with(words[1], self._paths_seen(), len(words[1]))
            return
        if ":" in before:
            return
        names = dict.fromkeys([*COMMON_HEADER_NAMES, *self._header_names_seen()])
        typed = before.lower()
        for name in names:
            if name.lower().startswith(typed) and name.lower() != typed:
                yield Completion(name + ": ", start_position=-len(before), display=name)


def _starting_with(prefix: str, options: Iterable[str], typed_length: int) -> Iterator[Completion]:
    for option in options:
        if option.startswith(prefix) and option != prefix:
            yield Completion(option, start_position=-typed_length)
