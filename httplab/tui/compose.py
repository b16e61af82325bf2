"""From what the user typed in the client pane to the bytes that go on the wire.

Shorthand (`GET /users`) is expanded by the client's `plan_request`, raw text by its
`prepare_raw` — the same code as `httplab send`. Two pane-only helpers sit on top:

- the empty line that ends a head is added when the user left it out (CRLF mode only; with
  CRLF off the bytes go exactly as typed), because a pane has no "type an empty line" moment;
  so is the one after a chunked body's last chunk `0`, by the rule the repl uses
  (`chunked_body_end`);
- a request loaded for editing keeps a stale Content-Length when its body is edited, so the
  value is recomputed unless the user chose "as typed" (`pin_length`; the client's
  `content_length_mismatch` finds the field with the protocol core's parser); a body typed
  without one (a POST, PUT, PATCH or a request with a Content-Type) gets one, with a note —
  unless "as typed": then it goes unframed, as a lesson's mistake needs, and a note says
  what the server will make of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from httplab.client.content_length import add_content_length, content_length_mismatch
from httplab.client.raw import chunked_body_end, escape_for_input, prepare_raw
from httplab.client.shorthand import ShorthandError, looks_like_shorthand, plan_request
from httplab.trace.wire_text import escape_wire
from httplab.trace.words import count_bytes, localized
from httplab.tui.keys import PIN_LENGTH_KEY

WORDS: dict[str, dict[str, str]] = {
    "nothing": {
        "en": "nothing to send: type a request, e.g. GET /",
        "ru": "отправлять нечего: наберите запрос, например GET /",
    },
    "unreadable": {
        "en": "cannot read the request line: {why}",
        "ru": "не читается стартовая строка: {why}",
    },
    "as-raw": {
        "en": "; to send it as raw bytes, add the empty line that ends a head",
        "ru": "; чтобы отправить её как есть, добавьте пустую строку, которой кончается заголовок",
    },
    "empty-line": {
        "en": "added the empty line that ends the head",
        "ru": "добавлена пустая строка, которой кончается заголовок",
    },
    "chunked-end": {
        "en": "added the empty line after the last chunk (0) that ends a chunked body",
        "ru": "добавлена пустая строка после последнего куска (0): ею кончается тело chunked",
    },
    "added": {
        "en": "added Content-Length: {count}, the body's size ({key}: send as typed)",
        "ru": "добавлен Content-Length: {count}, размер тела ({key}: отправить как набрано)",
    },
    "unframed": {
        "en": "as typed: no Content-Length, so the server reads no body and the {count} bytes "
        "after the empty line arrive as the start of another request (RFC 9112 §6.3)",
        "ru": "как набрано: Content-Length нет, поэтому сервер не читает тела, и {counted} после "
        "пустой строки приходят как начало другого запроса (RFC 9112 §6.3)",
    },
    "kept-wrong": {
        "en": "Content-Length {shown} sent as typed, but the body is {count} bytes ({key}: auto)",
        "ru": "Content-Length {shown} ушёл как набран, а в теле {counted} ({key}: авто)",
    },
    "recomputed": {
        "en": "Content-Length {shown} → {count} recomputed ({key}: send as typed)",
        "ru": "Content-Length {shown} → {count} пересчитан ({key}: отправить как набрано)",
    },
}
"""What the pane says about what it did to a request, in the lesson's language on the lesson
view (`lang`); the trace view's are English."""


@dataclass(slots=True)
class Composed:
    data: bytes
    host: str
    port: int
    notes: list[str] = field(default_factory=list)


class ComposeError(ValueError):
    """The input cannot become a request (bad shorthand); the message says why."""


def compose_request(
    text: str,
    *,
    host: str,
    port: int,
    crlf: bool = True,
    pin_length: bool = False,
    lang: str = "en",
) -> Composed:
    if not text.strip():
        raise ComposeError(localized(WORDS, "nothing", lang))
    # one line is meant as shorthand: when it is not valid shorthand, say why rather than
    # send it raw (a raw request has its head on several lines)
    one_line = "\n" not in text.strip() and not text.rstrip(" \t").endswith("\n")
    try:
        shorthand = one_line or looks_like_shorthand(text)
        planned = plan_request(text, host=host, port=port) if shorthand else None
    except ShorthandError as exc:
        hint = localized(WORDS, "as-raw", lang) if one_line else ""
        raise ComposeError(localized(WORDS, "unreadable", lang, why=f"{exc}{hint}")) from exc
    if planned is not None:
        return Composed(planned.data, planned.host, planned.port)
    notes: list[str] = []
    if crlf and "\n\n" not in text.replace("\r\n", "\n").lstrip("\n"):
        text = text.rstrip("\n") + "\n\n"
        notes.append(localized(WORDS, "empty-line", lang))
    end = chunked_body_end(text) if crlf else None
    if end:
        text += end
        notes.append(localized(WORDS, "chunked-end", lang))
    data = prepare_raw(text.encode("utf-8", "surrogateescape"), crlf=crlf)
    data, length_note = fix_content_length(data, pinned=pin_length, lang=lang)
    if length_note:
        notes.append(length_note)
    framed, added = add_content_length(data)
    if added is not None and not pin_length:  # said as curl shows it
        data = framed
        notes.append(localized(WORDS, "added", lang, count=added, key=PIN_LENGTH_KEY))
    elif added is not None:
        counted = count_bytes(added, "ru")
        notes.append(localized(WORDS, "unframed", lang, count=added, counted=counted))
    return Composed(data, host, port, notes)


def fix_content_length(data: bytes, *, pinned: bool, lang: str = "en") -> tuple[bytes, str | None]:
    """Make a single Content-Length match the body that follows the head.

    Returns the (possibly changed) bytes and a warning when the value was wrong. A request the
    parser rejects, or one with several Content-Length fields, is left alone: sending it as
    typed is the point of the lab.
    """
    mismatch = content_length_mismatch(data)
    if mismatch is None:
        return data, None
    shown = escape_wire(mismatch.declared)
    values = {"shown": shown, "count": mismatch.actual, "key": PIN_LENGTH_KEY}
    if pinned:
        counted = count_bytes(mismatch.actual, "ru")
        return data, localized(WORDS, "kept-wrong", lang, counted=counted, **values)
    return mismatch.fixed, localized(WORDS, "recomputed", lang, **values)


def editable_text(raw_request: bytes) -> str:
    """Raw request bytes as pane text that `compose_request(..., crlf=True)` sends back exactly.

    Each CRLF becomes a real line break (CRLF mode turns it back); every other special byte,
    a bare LF included, is written as the client's escape for it.
    """
    return "\n".join(escape_for_input(piece) for piece in raw_request.split(b"\r\n"))
