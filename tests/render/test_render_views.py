"""The views render hand-made records to the text a reader sees on an 80-column terminal."""

from __future__ import annotations

import json

from render_console import SGR, plain, render
from render_records import USERS_HEAD, make_record, users_record

from httplab.protocol.headers import Headers
from httplab.protocol.messages import Note
from httplab.render import (
    ExchangeSummary,
    ExchangeView,
    HeadersTable,
    HexdumpView,
    NotesView,
    ParsedTreeView,
    RawBytesView,
    ResponseView,
    body_preview,
    exchange_label,
    field_span,
    selectable_keys,
)
from httplab.render.theme import HIGH_CONTRAST_THEME, STYLE_NAMES, THEME


def test_raw_view_shows_each_wire_line_with_its_crlf() -> None:
    out = plain(RawBytesView(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
    assert out.splitlines() == ["GET / HTTP/1.1\\r\\n", "Host: a\\r\\n", "\\r\\n"]


def test_raw_view_of_a_clear_screen_request_is_escaped() -> None:
    out = render(RawBytesView(b"GET /\x1b[2J HTTP/1.1\r\n\r\n"))
    assert "\x1b[2J" not in out
    assert "GET /\\x1b[2J HTTP/1.1\\r\\n" in SGR.sub("", out)


def test_raw_view_highlights_a_selected_field_exactly() -> None:
    record = users_record()
    span = field_span(record, "header:1")
    assert span is not None
    out = render(RawBytesView(record.raw_request, highlight=span))
    # The highlight style (black on yellow) wraps exactly the Accept line's bytes.
    marked = [m for m in out.split("\x1b[30;43m")[1:]]
    assert len(marked) == 1
    assert marked[0].split("\x1b[0m")[0] == "Accept: application/json"


def test_raw_view_cuts_large_data_with_a_note() -> None:
    out = plain(RawBytesView(b"a" * 100, limit=10))
    assert out.splitlines() == ["aaaaaaaaaa", "… 90 more bytes not shown (100 bytes in all)"]


def test_hexdump_line_layout() -> None:
    out = plain(HexdumpView(b"GET / HTTP/1.1\r\n\x1b\x00"))
    assert out.splitlines() == [
        "00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 31 0d 0a  |GET / HTTP/1.1..|",
        "00000010  1b 00                                             |..|",
    ]


def test_hexdump_goes_to_8_bytes_a_line_when_narrow() -> None:
    out = plain(HexdumpView(bytes(range(0x41, 0x51))), width=50)
    assert out.splitlines()[0] == "00000000  41 42 43 44  45 46 47 48  |ABCDEFGH|"


def test_parsed_tree_splits_target_into_path_and_query() -> None:
    out = plain(ParsedTreeView(users_record()))
    assert "│   ├── method GET" in out
    assert "│   │   ├── path /users" in out
    assert '│   │       ├── limit = ["2"]' in out
    assert '│   │       └── tag = ["a", "b"]' in out
    assert "│   └── version HTTP/1.1" in out
    assert "├── headers (4)" in out
    assert "└── body 0 bytes" in out


def test_parsed_tree_marks_the_selected_field() -> None:
    out = render(ParsedTreeView(users_record(), selected="header:2"))
    (selected_line,) = [line for line in out.splitlines() if "\x1b[7m" in line]
    assert "X-Trace" in selected_line and "one" in selected_line


def test_parsed_tree_escapes_a_percent_encoded_escape_in_the_query() -> None:
    record = make_record(b"GET /?q=%1b%5b2J HTTP/1.1\r\nHost: a\r\n\r\n")
    out = render(ParsedTreeView(record))
    assert "\x1b[2J" not in out
    assert 'q = ["\\x1b[2J"]' in SGR.sub("", out)


def test_unparsed_request_says_why() -> None:
    record = users_record()
    record.request = None
    record.head = None
    record.error = "400 Bad Request: bad request line (RFC 9112 §3)"
    assert plain(ParsedTreeView(record)).strip() == (
        "not parsed: 400 Bad Request: bad request line (RFC 9112 §3)"
    )


def test_headers_table_keeps_order_and_case_and_marks_repeats() -> None:
    lines = plain(HeadersTable(users_record())).splitlines()
    assert lines[1].split() == ["1", "Host", "127.0.0.1:53210"]
    assert lines[3].split() == ["3", "X-Trace", "one", "repeated", "1/2"]
    assert lines[4].split() == ["4", "x-trace", "two", "repeated", "2/2"]


def test_headers_table_escapes_obs_text_and_controls() -> None:
    record = make_record(b"GET / HTTP/1.1\r\nHost: a\r\nX: caf\xe9\x1b[31m\r\n\r\n")
    out = render(HeadersTable(record))
    assert "\xe9" not in out
    assert "caf\\xe9\\x1b[31m" in SGR.sub("", out)


def test_response_view_pretty_prints_json() -> None:
    out = plain(ResponseView(users_record()))
    lines = out.splitlines()
    assert lines[0] == "HTTP/1.1 200 OK"
    assert "Content-Type: application/json" in lines
    label = lines.index("") + 1
    assert lines[label] == "pretty-printed; `h` for the bytes"  # not the bytes: say so
    body = "\n".join(lines[label + 1 :])
    assert json.loads(body) == {"users": [{"id": 1, "name": "ada"}]}
    assert '  "users": [' in lines


def test_a_decoded_text_body_says_so_and_escaped_bytes_are_not_labelled() -> None:
    record = make_record(
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        response_headers=[("Content-Type", "text/plain; charset=utf-8")],
        response_body="café\n".encode(),
    )
    assert "decoded as utf-8; `h` for the bytes\ncafé" in plain(ResponseView(record))
    assert "pretty-printed" not in plain(ResponseView(make_record(USERS_HEAD, response_body=b"x")))


def test_the_printed_card_labels_a_pretty_body_without_a_key() -> None:
    assert "pretty-printed; not the bytes as sent" in plain(ExchangeView(users_record()))


def test_response_status_line_is_coloured_by_class() -> None:
    record = make_record(USERS_HEAD, status=404)
    out = render(ResponseView(record))
    assert "\x1b[1;33m404\x1b[0m" in out  # bold yellow: http.status.4xx


def test_response_view_pretty_prints_html() -> None:
    body = b"<html><body><h1>Hi</h1><p>a &amp; b</p></body></html>"
    headers = Headers([("Content-Type", "text/html; charset=utf-8")])
    lines = plain(body_preview(headers, body)).splitlines()
    assert lines == [
        "<html>",
        "  <body>",
        "    <h1>",
        "      Hi",
        "    </h1>",
        "    <p>",
        "      a",
        "      &amp;",
        "      b",
        "    </p>",
        "  </body>",
        "</html>",
    ]


def test_large_body_is_truncated_with_a_note() -> None:
    headers = Headers([("Content-Type", "application/json")])
    out = plain(body_preview(headers, b"[" + b"1," * 3000 + b"1]", limit=100))
    assert out.splitlines()[-1] == "… 5,903 more bytes not shown (6,003 bytes in all)"


def test_body_without_charset_is_shown_as_escaped_bytes() -> None:
    headers = Headers([("Content-Type", "text/plain")])
    assert plain(body_preview(headers, b"caf\xc3\xa9\n")).strip() == "caf\\xc3\\xa9\\n"


def test_head_response_says_it_has_no_content() -> None:
    record = make_record(b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert "(no content: 200 to HEAD, RFC 9110 §6.4.1)" in plain(ResponseView(record))


def test_notes_view_lists_parser_server_and_lint_notes() -> None:
    record = make_record(
        b"GET / HTTP/1.1\r\nAccept: */*\r\n\r\n",
        response_headers=[("Content-Length", "0")],
        notes=[Note("slow", "handler took 2 s", "RFC 9110 §1", "info")],
    )
    record.head = record.request = None  # refused: the parser's note comes from the raw bytes
    lines = plain(NotesView(record)).splitlines()
    assert lines == [
        "· handler took 2 s (RFC 9110 §1)",
        "✗ an HTTP/1.1 request needs a Host field (RFC 9112 §3.2)",
        "· response without a Date field (RFC 9110 §6.6.1)",
    ]


def test_summary_is_one_line() -> None:
    out = plain(ExchangeSummary(users_record()), width=80)
    assert out.count("\n") == 1
    fields = out.split()
    assert fields[1:] == [
        "#3.1",
        "GET",
        "/users?limit=2&tag=a&tag=b",
        "200",
        "141",
        "B",
        "1.2",
        "ms",
    ]


def test_exchange_view_shows_every_part_in_order() -> None:
    out = plain(ExchangeView(users_record()))
    order = ["request, 120 bytes", "parsed", "header fields", "response,", "notes", "no notes"]
    positions = [out.index(title) for title in order]
    assert positions == sorted(positions)


def test_selectable_keys_follow_the_wire_order() -> None:
    record = make_record(b"POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n", b"hi")
    assert selectable_keys(record) == [
        "request-line",
        "method",
        "target",
        "version",
        "header:0",
        "header:1",
        "body",
    ]
    start, end = field_span(record, "body") or (0, 0)
    assert record.raw_request[start:end] == b"hi"


def test_both_themes_define_every_style_name() -> None:
    for theme in (THEME, HIGH_CONTRAST_THEME):
        assert set(STYLE_NAMES) <= set(theme.styles)


def test_response_view_shows_the_fields_as_sent_not_as_the_app_built_them() -> None:
    # The app's Response has no Content-Length or Server; the server added them on the wire.
    raw = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nServer: httplab/0.1.0\r\n"
        b"content-length: 2\r\n\r\n{}"
    )
    record = make_record(
        USERS_HEAD,
        response_headers=[("Content-Type", "application/json")],
        response_body=b"{}",
        raw_response=raw,
    )
    lines = plain(ResponseView(record)).splitlines()
    assert lines[1:4] == [
        "Content-Type: application/json",
        "Server: httplab/0.1.0",
        "content-length: 2",
    ]


def test_head_response_does_not_preview_a_body_that_was_never_sent() -> None:
    # The app answers HEAD like GET; the server sends only the head.
    record = make_record(
        b"HEAD /users HTTP/1.1\r\nHost: a\r\n\r\n",
        response_headers=[("Content-Type", "application/json"), ("Content-Length", "7")],
        response_body=b'["ann"]',
        raw_response=b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Content-Length: 7\r\n\r\n",
    )
    out = plain(ResponseView(record))
    assert "ann" not in out
    assert "(no content: 200 to HEAD, RFC 9110 §6.4.1)" in out


def test_summary_rows_line_up_status_size_and_duration_in_columns() -> None:
    short = make_record(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", status=200)
    long = make_record(b"DELETE /users/1?x=" + b"y" * 200 + b" HTTP/1.1\r\nHost: a\r\n\r\n")
    long.response.status = 405  # type: ignore[union-attr]
    rows = [plain(ExchangeSummary(r), width=90).rstrip("\n") for r in (short, long)]
    assert rows[0].index(" 200 ") == rows[1].index(" 405 "), rows
    assert len(rows[1]) == 90 and "…" in rows[1], "a long target is cut with a mark"


def test_summary_of_an_unparsed_request_shows_its_first_line_escaped() -> None:
    record = make_record(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", status=400)
    record.request = None
    record.raw_request = b"\r\nGET /\x1b[2J HTTP/1.1\r\n\r\n"
    row = plain(ExchangeSummary(record), width=90)
    assert "GET /\\x1b[2J HTTP/1.1" in row and "\x1b[2J" not in row


def test_json_preview_keeps_json_escapes_as_sent_and_escapes_format_characters() -> None:
    headers = Headers([("Content-Type", "application/json")])
    out = plain(body_preview(headers, b'{"a": "\\u001b[2J\\u202e", "b": "c:\\\\d"}'))
    assert '"a": "\\u001b[2J\\xe2\\x80\\xae"' in out, out  # U+202E: its UTF-8 bytes, escaped
    assert '"b": "c:\\\\d"' in out, out
    assert "\x1b[2J" not in out and "\u202e" not in out


def test_an_exchange_the_client_pane_made_with_another_server_reads_as_an_arrow() -> None:
    ours = make_record(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    theirs = make_record(b"GET /users HTTP/1.1\r\nHost: b\r\n\r\n")
    theirs.source, theirs.connection_id, theirs.number = "client", -12, 2
    assert exchange_label(ours) == "#3.1"
    assert exchange_label(theirs) == "→12.2"
    rows = [plain(ExchangeSummary(r), width=90).rstrip("\n") for r in (ours, theirs)]
    assert rows[1].split()[1] == "→12.2" and "#-" not in rows[1], rows[1]
    assert rows[0].index(" 200 ") == rows[1].index(" 200 "), "same columns as a server row"


def test_json_nested_too_deeply_is_shown_as_text_not_a_traceback() -> None:
    """json.loads raises RecursionError (not ValueError) for `[[[[…]]]]`: a server answering
    that took down the trace view and `send`'s preview; it is shown as the bytes it is."""
    deep = b"[" * 2000 + b"]" * 2000
    out = plain(body_preview(Headers([("Content-Type", "application/json")]), deep))
    assert out.replace("\n", "").startswith("[[[[") and "]]]]" in out


def test_content_type_ows_is_sp_and_htab_only() -> None:
    """A Content-Type's parameters and media type are trimmed of SP/HTAB only (RFC 9110
    §5.6.3): str.strip() took "\\xa0" and "\\x85" for whitespace too."""
    from httplab.client.output import _lexer_for
    from httplab.render.body_preview import media_type

    def of(value: str) -> tuple[str, str | None]:
        return media_type(Headers([("Content-Type", value)]))

    assert of(' text/html ;\tcharset="UTF-8" ') == ("text/html", "utf-8")
    assert of("text/html;\xa0charset=utf-8") == ("text/html", None)
    assert of("application/json\x85")[0] == "application/json\x85"
    assert _lexer_for("application/json ; charset=utf-8") == "json"
    assert _lexer_for("application/json\xa0") is None
