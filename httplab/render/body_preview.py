"""A readable preview of a message body: JSON and HTML pretty-printed, large bodies cut short.

Bodies are decoded only with a declared charset (JSON is UTF-8 by definition, RFC 8259 §8.1);
anything else is shown as escaped bytes. Decoded text still goes through `escape_text`, line by
line, so a body cannot carry a control character to the terminal either.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from rich.console import Group, RenderableType
from rich.highlighter import JSONHighlighter
from rich.text import Text

from httplab.protocol.headers import Headers
from httplab.render.bytes_views import truncation_note
from httplab.render.escape import escape_text, escaped_text
from httplab.render.words import word

BODY_PREVIEW_LIMIT = 4 * 1024
"""Bytes of a body shown in a preview; the rest is summarised in one line."""
MAX_PREVIEW_LINES = 200


def media_type(headers: Headers) -> tuple[str, str | None]:
    """(type/subtype lower-cased, charset or None) of the Content-Type field.

    OWS is SP and HTAB only (RFC 9110 §5.6.3): str.strip() would also take "\xa0" and "\x85",
    and read "application/json\xa0" as JSON."""
    value = headers.get("content-type") or ""
    parts = [p.strip(" \t") for p in value.split(";")]
    charset = None
    for param in parts[1:]:
        name, _, val = param.partition("=")
        if name.strip(" \t").lower() == "charset":
            charset = val.strip(" \t").strip('"').lower() or None
    return parts[0].lower(), charset


def _decode(body: bytes, charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        return body.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return None


def _lines_text(text: str, style: str = "http.body", *, json_text: bool = False) -> Text:
    lines = text.split("\n")
    if len(lines) > MAX_PREVIEW_LINES:
        more = len(lines) - MAX_PREVIEW_LINES
        lines = [*lines[:MAX_PREVIEW_LINES], f"… {more:,} more lines"]
    shown = [escape_text(line.rstrip("\r")) for line in lines]
    if json_text:
        # JSON writes its own escapes (\u001b, \"); doubling their backslash would show a
        # different string than the one sent. json.dumps leaves no control character raw.
        shown = [line.replace("\\\\", "\\") for line in shown]
    return Text("\n".join(shown), style=style)


def _json_preview(body: bytes, charset: str | None) -> Text | None:
    text = _decode(body, charset or "utf-8")
    if text is None:
        return None
    try:
        data = json.loads(text)
        pretty = json.dumps(data, indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):  # nested too deeply too: shown as plain text
        return None
    shown = _lines_text(pretty, json_text=True)
    JSONHighlighter().highlight(shown)
    return shown


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _Indenter(HTMLParser):
    """Re-indents HTML one tag or text run per line; never fixes or drops anything."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.lines: list[str] = []
        self.depth = 0

    def _emit(self, text: str) -> None:
        self.lines.append("  " * self.depth + text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._emit(self.get_starttag_text() or f"<{tag}>")
        if tag not in _VOID:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._emit(self.get_starttag_text() or f"<{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        self.depth = max(0, self.depth - 1)
        self._emit(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if data.strip():
            self._emit(re.sub(r"\s+", " ", data.strip()))

    def handle_decl(self, decl: str) -> None:
        self._emit(f"<!{decl}>")

    def handle_comment(self, data: str) -> None:
        self._emit(f"<!--{data}-->")

    def handle_entityref(self, name: str) -> None:
        self._emit(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._emit(f"&#{name};")


def _html_preview(body: bytes, charset: str | None) -> Text | None:
    text = _decode(body, charset)
    if text is None:
        return None
    indenter = _Indenter()
    indenter.feed(text)
    indenter.close()
    shown = _lines_text("\n".join(indenter.lines))
    shown.highlight_regex(r"</?[A-Za-z][^>]*>|<!--.*?-->|<![^>]*>", "html.tag")
    return shown


def body_preview(
    headers: Headers,
    body: bytes,
    *,
    limit: int = BODY_PREVIEW_LIMIT,
    bytes_hint: str | None = None,
    lang: str = "en",
) -> RenderableType:
    """The body pretty-printed when its type is known and it fits in `limit`, else escaped.

    With `bytes_hint` (where to see the bytes, e.g. "`h` for the bytes"), a body shown other
    than as its bytes gets a line above it saying so — "pretty-printed; `h` for the bytes",
    "decoded as utf-8; …" — so nobody counts Content-Length on it.
    """
    if not body:
        return Text("(empty body)", style="trace.muted")
    kind, charset = media_type(headers)
    preview: Text | None = None
    done = word("pretty-printed", lang)
    if len(body) <= limit:
        if kind == "application/json" or kind.endswith("+json"):
            preview = _json_preview(body, charset)
        elif kind == "text/html":
            preview = _html_preview(body, charset)
        elif kind.startswith("text/"):
            text = _decode(body, charset)
            preview = _lines_text(text) if text is not None else None
            done = word("decoded-as", lang, charset=escape_text(charset or ""))
    if preview is not None:
        if bytes_hint:
            return Group(Text(f"{done}; {bytes_hint}", style="trace.muted"), preview)
        return preview
    shown = escaped_text(body[:limit])
    if len(body) > limit:
        return Group(shown, truncation_note(limit, len(body)))
    return shown
