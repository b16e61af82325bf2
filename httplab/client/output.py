"""What `httplab send` prints: for people (like `curl -v`, but readable) and for scripts (JSON).

People output, per exchange:

    > GET /users HTTP/1.1\\r\\n          request head as sent, one wire line per line
    > Host: 127.0.0.1:53210\\r\\n
    > \\r\\n
    < HTTP/1.1 200 OK\\r\\n              response head as received
    < Content-Length: 27\\r\\n
    < \\r\\n
    [{"id": 1, "name": "Vasya"}]       body as received (chunk framing and all)
    * connect 0.3 ms · sent 0.4 ms · first byte 1.1 ms · last byte 1.2 ms

Every byte passes through the wire-text escaping first (`\\r\\n` visible, controls and non-UTF-8
bytes as `\\xNN`), so nothing a server sends can move the cursor or hide itself. Colour (rich,
imported only then) when stdout is a terminal and NO_COLOR is unset; plain text otherwise.
`parts` picks what is shown, HTTPie's letters: H request head, B request body, h response head,
b response body; the `*` lines come only with a head.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from typing import IO, Any

from httplab.client.connection import (
    EXTRA_NOTE,
    ClientExchange,
    ClientResponse,
    split_requests,
)
from httplab.trace.wire_text import (
    escape_decoded,
    escape_decoded_lines,
    escape_wire_lines,
    hexdump_lines,
    split_head,
)
from httplab.trace.words import localized

PARTS = "HBhb"
UNREAD_SHOWN = 4096

WORDS: dict[str, dict[str, str]] = {
    "connect": {"en": "connect", "ru": "подключение"},
    "sent": {"en": "sent", "ru": "отправлено"},
    "first byte": {"en": "first byte", "ru": "первый байт"},
    "last byte": {"en": "last byte", "ru": "последний байт"},
    "ms": {"en": "ms", "ru": "мс"},
    "reused": {"en": "reused connection", "ru": "то же соединение"},
    "not-shown": {"en": "… {count} more bytes not shown", "ru": "… не показано байтов: {count}"},
    "extra": {
        "en": "{count} " + EXTRA_NOTE + ":",
        "ru": "байты после ответа ({count}) — не его часть (RFC 9110 §6.4.1 / RFC 9112 §6.3):",
    },
}
"""The client's own words on the `*` lines, in English and Russian: the REPL inside a lesson
speaks the lesson's language (`httplab lesson N --plain --lang ru`)."""


def said(key: str, lang: str = "en", **values: object) -> str:
    return localized(WORDS, key, lang, **values)


Segment = tuple[str, str]  # (text, style name)
Line = list[Segment]


@dataclass(frozen=True, slots=True)
class Body:
    """A body to show: its bytes and the media type it was declared with."""

    data: bytes
    content_type: str
    framed: bool = False  # chunk framing included: shown as wire lines with CRLF visible


Item = Line | Body


def validate_parts(parts: str) -> str:
    """`parts` if it uses only the letters H B h b; ValueError otherwise."""
    bad = sorted(set(parts) - set(PARTS))
    if bad or not parts:
        raise ValueError(f"--print takes letters from {PARTS!r} (got {parts!r})")
    return parts


def use_color(stream: IO[str]) -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


# building the lines ------------------------------------------------------------------------
def request_items(data: bytes, parts: str = PARTS, hexdump: bool = False) -> list[Item]:
    """The request bytes as sent, request by request when several were pipelined."""
    items: list[Item] = []
    for piece in split_requests(data) or []:
        head, body = split_head(piece.raw)
        framed = piece.head is not None and piece.head.framing.kind == "chunked"
        content_type = piece.head.headers.get("content-type", "") if piece.head else ""
        items += _message_items(
            head, body, ">", "H" in parts, "B" in parts, hexdump, content_type or "", framed
        )
    return items


def response_items(
    response: ClientResponse, parts: str = PARTS, hexdump: bool = False
) -> list[Item]:
    head = response.head.raw
    body = response.raw[len(head) :]
    content_type = response.head.headers.get("content-type", "") or ""
    framed = response.head.framing.kind == "chunked"
    return _message_items(
        head, body, "<", "h" in parts, "b" in parts, hexdump, content_type, framed
    )


def note_items(response: ClientResponse, parts: str = PARTS) -> list[Item]:
    """What the parser tolerated in a response (a bare LF, obs-fold …), one `!` line each with
    its RFC section: a student testing their own server needs exactly these."""
    if "h" not in parts:
        return []
    return [
        [("! ", "trace.error"), (escape_decoded(note.one_line()), "trace.error")]
        for note in response.notes
    ]


def unread_items(
    data: bytes, parts: str = PARTS, hexdump: bool = False, lang: str = "en"
) -> list[Item]:
    """Bytes that came back but did not parse: shown escaped, as a head, up to UNREAD_SHOWN
    bytes (a response refused for its size must not flood the terminal with megabytes)."""
    if not data or not ({"h", "b"} & set(parts)):
        return []
    shown = data[:UNREAD_SHOWN]
    items = _hexdump_items(shown, "<") if hexdump else _head_lines(shown, "<")
    if len(data) > len(shown):
        items.append(info_line(said("not-shown", lang, count=len(data) - len(shown))))
    return items


def extra_items(
    data: bytes, parts: str = PARTS, hexdump: bool = False, lang: str = "en"
) -> list[Item]:
    """Bytes the server sent after the response: marked as not part of it, then escaped."""
    if not data or not ({"h", "b"} & set(parts)):
        return []
    shown = data[:UNREAD_SHOWN]
    items: list[Item] = [info_line(said("extra", lang, count=len(data)), "trace.error")]
    if hexdump:
        items += _hexdump_items(shown, "<")
    else:
        items += [[("< ", "trace.muted"), (line, "wire.text")] for line in escape_wire_lines(shown)]
    if len(data) > len(shown):
        items.append(info_line(said("not-shown", lang, count=len(data) - len(shown))))
    return items


def _message_items(
    head: bytes,
    body: bytes,
    arrow: str,
    show_head: bool,
    show_body: bool,
    hexdump: bool,
    content_type: str,
    framed: bool = False,
) -> list[Item]:
    items: list[Item] = []
    if hexdump:
        data = (head if show_head else b"") + (body if show_body else b"")
        return _hexdump_items(data, arrow) if data else []
    if show_head:
        items += _head_lines(head, arrow)
    if show_body and body:
        items.append(Body(body, content_type, framed))
    return items


def _head_lines(head: bytes, arrow: str) -> list[Item]:
    lines: list[Item] = []
    for number, text in enumerate(escape_wire_lines(head)):
        ending = ""
        for suffix in ("\\r\\n", "\\n"):
            if text.endswith(suffix):
                text, ending = text[: -len(suffix)], suffix
                break
        line: Line = [(f"{arrow} ", "trace.muted")]
        line += _start_line(text, arrow) if number == 0 else _field_line(text)
        if ending:
            line.append((ending, "wire.crlf" if ending == "\\r\\n" else "wire.bare_lf"))
        lines.append(line)
    return lines


def _start_line(text: str, arrow: str) -> Line:
    words = text.split(" ", 2)
    if arrow == ">" and len(words) == 3:
        return [(words[0], "http.method"), (" ", ""), (words[1], "http.target"), (" ", ""),
                (words[2], "http.version")]  # fmt: skip
    if arrow == "<" and len(words) >= 2 and words[1].isdigit():
        style = f"http.status.{words[1][0]}xx" if words[1][0] in "12345" else "http.status.none"
        return [(words[0], "http.version"), (" ", ""), (" ".join(words[1:]), style)]
    return [(text, "")]


def _field_line(text: str) -> Line:
    name, colon, value = text.partition(":")
    if not colon:
        return [(text, "")]
    return [(name, "http.header.name"), (":", ""), (value, "http.header.value")]


def _hexdump_items(data: bytes, arrow: str) -> list[Item]:
    return [[(f"{arrow} ", "trace.muted"), (line, "hex.bytes")] for line in hexdump_lines(data)]


def timing_line(exchange: ClientExchange, lang: str = "en") -> Line:
    t = exchange.timings
    phases = [
        ("connect", t.connect_ms),
        ("sent", t.written_ms),
        ("first byte", t.first_byte_ms),
        ("last byte", t.last_byte_ms),
    ]
    unit = said("ms", lang)
    shown = [f"{said(name, lang)} {ms:.1f} {unit}" for name, ms in phases if ms is not None]
    if t.connect_ms is None:
        shown.insert(0, said("reused", lang))
    return [("* ", "trace.muted"), (" · ".join(shown), "trace.duration")]


def info_line(text: str, style: str = "trace.event", *, escaped: bool = False) -> Line:
    """`* text`, escaped for the terminal; `escaped`: it already is (an error message that
    quotes the user's input escaped where it was written), shown as is."""
    return [("* ", "trace.muted"), (text if escaped else escape_decoded(text), style)]


def body_text(data: bytes) -> str:
    """A body for the terminal: UTF-8 text with its line breaks, everything else escaped by
    the wire-text rules (a CR before a line break shows as `\\r`, a tab as `\\t`); a body
    that is not UTF-8 as escaped bytes, one wire line per line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "\n".join(line.removesuffix("\\n") for line in escape_wire_lines(data))
    return "\n".join(escape_decoded_lines(text))


# writing -----------------------------------------------------------------------------------
class OutputError(OSError):
    """The output stream could not be written (a full disk, a file closed under us): said in
    one line by the command, never a traceback."""


def output_failed(exc: OutputError) -> int:
    """A command whose output cannot be written: one line on stderr (if it takes it), stdout
    pointed at /dev/null so that Python's flush at exit does not fail again; status 1."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(f"httplab: error: cannot write the output: {exc.strerror}\n")
        sys.stderr.flush()
    return 1


class Printer:
    """Writes items to a stream: plain text, or styled with rich when `color` is on."""

    def __init__(
        self,
        stream: IO[str],
        *,
        color: bool = False,
        width: int | None = None,
        raw_bodies: bool = False,
        theme: str = "dark",
    ) -> None:
        self.stream = stream
        self.color = color
        # bodies as the exact bytes, unescaped: only for a file or pipe (`-p b > file`)
        self.raw_bodies = raw_bodies and hasattr(stream, "buffer")
        self._console: Any = None
        # pygments' ANSI styles: the terminal's own palette, one for each kind of background
        self._syntax_theme = "ansi_light" if theme == "light" else "ansi_dark"
        if color:
            from rich.console import Console

            from httplab.render.theme import theme_named

            self._console = Console(
                file=stream,
                theme=theme_named(theme),
                highlight=False,
                force_terminal=True,
                width=width,
            )

    def write(self, items: list[Item]) -> None:
        """Raises OutputError when the stream cannot take it (a full disk), BrokenPipeError
        when its reader went away (`| head -1`)."""
        try:
            for item in items:
                if isinstance(item, Body):
                    self._write_body(item)
                elif self._console is not None:
                    from rich.text import Text

                    self._console.print(Text.assemble(*item), soft_wrap=True)
                else:
                    self.stream.write("".join(text for text, _ in item) + "\n")
            self.stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(exc.errno, exc.strerror or str(exc)) from exc

    def _write_body(self, body: Body) -> None:
        if self.raw_bodies and not body.framed:
            self.stream.flush()
            self.stream.buffer.write(body.data)  # type: ignore[attr-defined]
            self.stream.buffer.flush()  # type: ignore[attr-defined]
            return
        if body.framed:
            self.write([[(line, "wire.text")] for line in escape_wire_lines(body.data)])
            return
        text = body_text(body.data)
        lexer = _lexer_for(body.content_type)
        if self._console is None:
            self.stream.write(text + ("\n" if not text.endswith("\n") else ""))
        elif lexer:
            from rich.syntax import Syntax

            self._console.print(
                Syntax(
                    text.removesuffix("\n"),
                    lexer,
                    theme=self._syntax_theme,
                    background_color="default",
                    word_wrap=True,
                )
            )
        else:
            from rich.text import Text

            # the body's own last line break ends the line, as in plain output (no blank line)
            self._console.print(Text(text.removesuffix("\n"), style="http.body"), soft_wrap=True)


def _lexer_for(content_type: str) -> str | None:
    media = content_type.partition(";")[0].strip(" \t").lower()  # OWS: SP / HTAB only
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media in ("text/html", "application/xhtml+xml"):
        return "html"
    if media in ("application/xml", "text/xml") or media.endswith("+xml"):
        return "xml"
    return None


# JSON for scripts --------------------------------------------------------------------------
def exchange_json(exchange: ClientExchange, destination: str) -> dict[str, Any]:
    """One exchange as a JSON-ready dict.

    Raw bytes are given as ISO-8859-1 strings (one character per byte, so nothing is lost and
    `.encode("latin-1")` gives the bytes back); bodies also as UTF-8 text when they are, and
    a JSON body parsed under `json`.
    """
    head = exchange.request_head
    request: dict[str, Any] = {
        "raw": exchange.request_bytes.decode("latin-1"),
        "method": exchange.method,
    }
    if head is not None:
        request.update(
            target=head.target,
            version=head.version,
            headers=[list(f.text()) for f in head.headers],
        )
    t = exchange.timings
    return {
        "to": destination,
        "request": request,
        "responses": [_response_json(r) for r in exchange.responses],
        "status": exchange.status or None,
        "response_raw": exchange.response_bytes.decode("latin-1"),
        "timings_ms": {
            "connect": t.connect_ms,
            "sent": t.written_ms,
            "first_byte": t.first_byte_ms,
            "last_byte": t.last_byte_ms,
        },
        "extra": exchange.extra.decode("latin-1"),
        "extra_note": EXTRA_NOTE if exchange.extra else None,
        "error": exchange.error,
        "error_kind": exchange.error_kind,
    }


def _response_json(response: ClientResponse) -> dict[str, Any]:
    import base64  # JSON output only: kept off the start-up path of people output
    import contextlib
    import json

    head = response.head
    out: dict[str, Any] = {
        "status": head.status,
        "reason": head.reason,
        "version": head.version,
        "headers": [list(f.text()) for f in head.headers],
        "trailers": [list(f.text()) for f in response.trailers],
        "framing": head.framing.kind,
        "notes": [note.one_line() for note in response.notes],
    }
    try:
        out["body"] = response.body.decode("utf-8")
        out["body_encoding"] = "utf-8"
    except UnicodeDecodeError:
        out["body"] = base64.b64encode(response.body).decode("ascii")
        out["body_encoding"] = "base64"
    if _lexer_for(head.headers.get("content-type", "") or "") == "json":
        with contextlib.suppress(ValueError, RecursionError):  # nested too deeply too
            out["json"] = json.loads(response.body)
    return out
