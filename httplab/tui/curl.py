"""`y`: the selected exchange's request as a curl command a learner can copy and run.

The command itself is the client's (`httplab.client.curl_export`, the same as `httplab replay
--curl`): quoted for POSIX shells, `$'…'` for bytes that are not printable ASCII, so it never
carries a raw escape byte to the terminal or the clipboard. This module only lays it out for
the screen and the clipboard:

- `command_lines` breaks it before each `-H` and `--data-binary`, with ` \\` at the end of
  every line but the last: rows a mouse selection copies as a command a shell runs as is (the
  view draws them with no border or anything else on their rows);
- `osc52` is the escape sequence that asks the terminal to put text on the clipboard (OSC 52,
  as xterm defines it; terminals that do not allow it ignore it — the view says so).
"""

from __future__ import annotations

import base64

from httplab.client.curl_export import curl_lines
from httplab.trace.records import ExchangeRecord
from httplab.trace.words import localized

BREAK_BEFORE = frozenset({"-H", "--data-binary", "--request-target", "curl"})
"""Words that start a line of their own (curl: after a `printf … |` feed)."""
CONTINUATION = " \\"
OSC52_LIMIT = 100_000
"""Base64 characters sent to the clipboard at most: terminals cap the sequence (xterm at
about this much), and a longer one could be cut into a wrong command."""


def curl_command(record: ExchangeRecord, base_url: str) -> str | None:
    """The command that sends `record`'s request to `base_url`; None when there is none (the
    request did not parse, the trace kept only part of its body, curl cannot send it)."""
    found = curl_text(record, base_url)
    return found[-1] if found is not None else None


def curl_text(record: ExchangeRecord, base_url: str) -> list[str] | None:
    """`# note:` lines (what curl sends differently), then the command on one line."""
    if record.request is None or record.omitted[0]:
        return None
    lines = curl_lines(record.raw_request, base_url)
    return None if lines[-1].startswith("#") else lines


def shown_lines(record: ExchangeRecord, base_url: str) -> list[str] | None:
    """What `y` shows (and copies): the notes, then the command broken into lines."""
    found = curl_text(record, base_url)
    return None if found is None else [*found[:-1], *command_lines(found[-1])]


WHY_NO_CURL: dict[str, dict[str, str]] = {
    "unparsed": {
        "en": "this request did not parse, so there is no curl command for it",
        "ru": "этот запрос не разобран, поэтому команды curl для него нет",
    },
    "trimmed": {
        "en": "the trace kept only the start of this request's body: no curl command for it",
        "ru": "трассировка сохранила только начало тела этого запроса: команды curl для него нет",
    },
    "cannot": {
        "en": "curl cannot send this request as it stands (httplab send --raw can)",
        "ru": "curl не отправит этот запрос как есть (httplab send --raw отправит)",
    },
}


def why_no_curl(record: ExchangeRecord, lang: str = "en") -> str:
    """The status line when `curl_command` gave None, in `lang`."""
    if record.request is None:
        return localized(WHY_NO_CURL, "unparsed", lang)
    if record.omitted[0]:
        return localized(WHY_NO_CURL, "trimmed", lang)
    return localized(WHY_NO_CURL, "cannot", lang)


def shell_words(command: str) -> list[str]:
    """`command` split into its words, quotes kept: the words are the command's own text
    (`'…'` with `'\\''` inside, `$'…'` with backslash escapes), so joining them with spaces
    gives `command` back."""
    words: list[str] = []
    current: list[str] = []
    quote = ""  # "'" inside '…', "$" inside $'…'
    escaped = False
    for index, ch in enumerate(command):
        current.append(ch)
        if escaped:
            escaped = False
        elif quote == "'":
            quote = "" if ch == "'" else quote
        elif quote == "$":
            if ch == "\\":
                escaped = True
            elif ch == "'":
                quote = ""
        elif ch == "\\":
            escaped = True
        elif ch == "'":
            ansi_c = index > 0 and command[index - 1] == "$" and len(current) >= 2
            quote = "$" if ansi_c else "'"
        elif ch == " ":
            current.pop()
            if current:
                words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def command_lines(command: str) -> list[str]:
    """`command` on several lines, each but the last ending in ` \\` (the shell joins them)."""
    lines: list[list[str]] = [[]]
    for word in shell_words(command):
        if word in BREAK_BEFORE and lines[-1]:
            lines.append([])
        lines[-1].append(word)
    texts = [" ".join(words) for words in lines]
    return [
        ("  " if i else "") + text + (CONTINUATION if i < len(texts) - 1 else "")
        for i, text in enumerate(texts)
    ]


def osc52(text: str) -> str | None:
    """The OSC 52 sequence that sets the clipboard to `text`; None when it is too long."""
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    if len(encoded) > OSC52_LIMIT:
        return None
    return f"\x1b]52;c;{encoded}\x07"
