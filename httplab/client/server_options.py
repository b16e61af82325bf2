"""`# server: OPTIONS` lines: how the fresh server a transcript is replayed against is started.

A transcript about the limits or the virtual-host check needs a server started with options
(`httplab serve --max-body 16`, `--name example.test`); a comment line that the transcript
reader skips says which, and `httplab replay FILE` (without `--to`) starts that file's server
with them:

    httplab-transcript 1
    title: a body larger than the server takes
    # server: --max-body 16

The options are `httplab serve`'s own spelling, each with its value: `--name HOST`,
`--max-request-line`, `--max-header-line`, `--max-header-block`, `--max-fields`, `--max-body`
and `--seed N`. Several `# server:` lines add up. A line that cannot be read is a
`TranscriptError` naming its line, like any other mistake in the file.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from httplab.protocol.limits import Limits
from httplab.trace.transcript import TranscriptError

SERVER_LINE = "# server:"

_LIMITS = {
    "--max-request-line": ("max_request_line", 16),
    "--max-header-line": ("max_header_line", 16),
    "--max-header-block": ("max_header_block", 16),
    "--max-fields": ("max_fields", 1),
    "--max-body": ("max_body", 0),
}
"""Option → (Limits field, smallest value), as `httplab serve` takes them."""
_SEED_MAX = 100_000
KNOWN = ("--name", *_LIMITS, "--seed")


@dataclass(frozen=True)
class ServerOptions:
    """What a fresh users server for one file is started with (the defaults: `httplab serve`)."""

    name: str | None = None
    limits: Limits = field(default_factory=Limits)
    seed: int = 0
    words: tuple[str, ...] = ()  # as written in the file, to show

    def __str__(self) -> str:
        return " ".join(self.words)

    @property
    def line(self) -> str:
        """The `# server:` line that gives these options ("" for the defaults)."""
        return f"{SERVER_LINE} {self}" if self.words else ""


def _number(option: str, text: str, minimum: int, maximum: int | None, line: int) -> int:
    digits = text.encode("ascii", "replace")
    if not digits.isdigit() or len(digits) > 12:
        raise TranscriptError(line, f"{SERVER_LINE} {option} takes a whole number, got {text!r}")
    value = int(digits)
    if value < minimum or (maximum is not None and value > maximum):
        most = f" and at most {maximum}" if maximum is not None else ""
        raise TranscriptError(line, f"{SERVER_LINE} {option} must be at least {minimum}{most}")
    return value


def _apply(options: ServerOptions, words: list[str], line: int) -> ServerOptions:
    if len(words) % 2:
        raise TranscriptError(line, f"{SERVER_LINE} {words[-1]} needs a value")
    name, limits, seed = options.name, options.limits, options.seed
    for option, value in zip(words[::2], words[1::2], strict=True):
        if option == "--name":
            name = value
        elif option == "--seed":
            seed = _number(option, value, 0, _SEED_MAX, line)
        elif option in _LIMITS:
            limit, minimum = _LIMITS[option]
            number = _number(option, value, minimum, None, line)
            limits = dataclasses.replace(limits, **{limit: number})
        else:
            known = ", ".join(KNOWN)
            raise TranscriptError(line, f"{SERVER_LINE} unknown option {option!r} (known: {known})")
    return ServerOptions(name, limits, seed, (*options.words, *words))


def read_server_options(text: str) -> ServerOptions:
    """The options of every `# server:` line of a transcript's text (none: the defaults)."""
    options = ServerOptions()
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith(SERVER_LINE):
            words = line[len(SERVER_LINE) :].replace("\t", " ").split(" ")
            options = _apply(options, [w for w in words if w], number)
    return options
