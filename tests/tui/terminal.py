"""A VT100 output that draws into a pyte terminal emulator, so tests read the real screen grid."""

from __future__ import annotations

import io

import pyte
from prompt_toolkit.data_structures import Size
from prompt_toolkit.output.vt100 import Vt100_Output


class EmulatedTerminal:
    """A pyte screen of `columns` × `rows` fed with everything prompt_toolkit writes."""

    def __init__(self, columns: int, rows: int) -> None:
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.written = bytearray()  # every byte, to check how the screen was left
        self.output = Vt100_Output(
            _Sink(self), lambda: Size(rows=self.screen.lines, columns=self.screen.columns)
        )

    def feed(self, data: bytes) -> None:
        self.written += data
        self.stream.feed(data)

    @property
    def lines(self) -> list[str]:
        return list(self.screen.display)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def resize(self, columns: int, rows: int) -> None:
        self.screen.resize(rows, columns)


class _Sink(io.TextIOBase):
    def __init__(self, terminal: EmulatedTerminal) -> None:
        self._terminal = terminal

    @property
    def encoding(self) -> str:
        return "utf-8"

    def write(self, text: str) -> int:
        self._terminal.feed(text.encode("utf-8"))
        return len(text)

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        raise io.UnsupportedOperation("an emulated terminal has no file descriptor")
