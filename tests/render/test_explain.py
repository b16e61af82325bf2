"""'Explain this field' (issue 11.1): the data covers every field the server reads and the
common ones it ignores, in English and Russian; the plain printer shows it per exchange."""

from __future__ import annotations

import io
import socket
import string
import time

import pytest

from httplab.render.exchange_views import ExchangeView
from httplab.render.explain import (
    LANGS,
    FieldExplanationView,
    explain,
    explain_field,
    explain_record,
    explanations,
    facts,
)
from httplab.render.fields import chunks, field_span, selectable_keys
from httplab.render.printer import plain_console
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from httplab.trace.bus import TraceBus
from httplab.trace.records import ExchangeRecord

READ_BY_THE_SERVER = [
    "host", "content-length", "transfer-encoding", "connection", "expect", "accept",
    "content-type", "if-match", "if-none-match", "@method", "@target", "@version",
    "@request-line", "@body", "@chunk", "@last-chunk",
]  # fmt: skip
COMMON_IGNORED = [
    "user-agent", "accept-encoding", "accept-language", "cookie", "authorization",
    "cache-control", "referer", "origin", "upgrade", "range", "if-modified-since",
    "pragma", "keep-alive", "trailer", "forwarded", "x-forwarded-for", "via", "dnt",
    "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest", "priority", "content-encoding",
]  # fmt: skip
FACT_NAMES = {
    "status", "content_type", "path", "body_length", "framing", "persistence", "continue",
    "value", "chunk_size", "body_bytes", "chunk_bytes",
}  # fmt: skip


def test_every_entry_speaks_both_languages_and_cites_its_rule() -> None:
    for key, entry in explanations().items():
        assert entry.rfc, key
        for lang in LANGS:
            assert entry.text[lang].strip(), (key, lang)


@pytest.mark.parametrize("key", READ_BY_THE_SERVER)
def test_what_the_server_reads_says_what_it_did(key: str) -> None:
    entry = explain(key)
    assert entry is not None and entry.read
    for lang in LANGS:
        template = entry.did[lang]
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        assert names <= FACT_NAMES, (key, lang, names)


@pytest.mark.parametrize("key", COMMON_IGNORED)
def test_common_fields_it_ignores_say_so(key: str) -> None:
    entry = explain(key.upper())  # any case
    assert entry is not None and not entry.read and not entry.did


def exchange(request: bytes) -> ExchangeRecord:
    bus = TraceBus()
    with HTTPServer(UsersApp(), port=0, tracer=bus) as server:
        with socket.create_connection(server.address, timeout=5) as sock:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
            while sock.recv(65536):
                pass
        for _ in range(500):  # the record is published just after the response is written
            records = [i for i in bus.snapshot() if isinstance(i, ExchangeRecord)]
            if records:
                return records[0]
            time.sleep(0.01)
    raise AssertionError("no exchange traced")


def test_an_exchange_is_explained_with_what_happened() -> None:
    record = exchange(
        b"POST /users HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\n"
        b'User-Agent: t\r\nX-Mine: 1\r\nContent-Length: 26\r\n\r\n{"name": "Ada", "age": 36}'
    )
    parts = {part.label: part for part in explain_record(record)}
    assert parts["POST"].done == "answered 201 Created"
    assert parts["Content-Length"].done == "took the next 26 bytes as the body: read 26"
    assert "RFC 9112 §6.2" in parts["Content-Length"].rfc
    assert parts["User-Agent"].done == "not interpreted by this server"
    assert parts["X-Mine"].meaning == "an extension or private field" and not parts["X-Mine"].read
    assert list(parts)[-1] == "X-Mine"  # extension fields share the last row
    assert parts["body"].done == "read 26 bytes, framed by Content-Length"
    assert "persistence" in facts(record)
    russian = {part.label: part for part in explain_record(record, "ru")}
    assert (
        russian["Content-Length"].done == "взял как тело столько следующих байтов: 26; прочитал 26"
    )
    assert russian["User-Agent"].done == "этот сервер его не интерпретирует"


def test_russian_byte_counts_agree_with_their_number() -> None:
    """2-4 take "байта", 1 and 21 "байт"; English says "1 byte"."""
    for body, ru, en in (
        (b"name=Ada&age=3" + b"6" * 8, "22 байта", "22 bytes"),
        (b"name=Ada&age=3" + b"6" * 7, "21 байт", "21 bytes"),
        (b"x", "1 байт", "1 byte"),
    ):
        record = exchange(
            b"POST /users HTTP/1.1\r\nHost: lab\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        russian = {part.label: part for part in explain_record(record, "ru")}
        english = {part.label: part for part in explain_record(record)}
        assert russian["body"].done.startswith(f"прочитал {ru};"), russian["body"].done
        assert english["body"].done.startswith(f"read {en},"), english["body"].done


def test_the_plain_printer_shows_the_explanations() -> None:
    record = exchange(b"GET /users HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n")
    out = io.StringIO()
    plain_console(out, color=False).print(ExchangeView(record))
    text = out.getvalue()
    assert "what the fields mean" in text
    assert "closed the connection after the response" in text
    assert "RFC 9112 §3.2" in text


def test_a_request_that_did_not_parse_has_nothing_to_explain() -> None:
    record = exchange(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n")
    assert explain_record(record) == []


def test_many_unknown_fields_share_one_row() -> None:
    fields = b"".join(b"X-F%d: v\r\n" % i for i in range(50))
    record = exchange(b"GET /users HTTP/1.1\r\nHost: lab\r\n" + fields + b"\r\n")
    parts = explain_record(record)
    assert [p.label for p in parts][:4] == ["GET", "/users", "HTTP/1.1", "Host"]
    assert parts[-1].label == "X-F0, X-F1, X-F2 … (50)" and len(parts) == 5


def test_every_field_the_server_reads_is_in_the_data_in_both_languages() -> None:
    """The fields httplab's own code reads (server, protocol, users app): each explained."""
    for key in READ_BY_THE_SERVER:
        entry = explain(key)
        assert entry is not None, key
        for lang in LANGS:
            assert entry.text[lang].strip() and entry.did[lang].strip(), (key, lang)
            if lang == "ru":  # really Russian, not a copy of the English
                assert any("а" <= ch <= "я" for ch in entry.text[lang].lower()), key


CHUNKED = (
    b"POST /users HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\nX-Mine: 1\r\n\r\n"
    b'5\r\n{"nam\r\n15;x=y\r\ne": "Ada", "age": 36}\r\n0\r\nT: v\r\n\r\n'
)


def test_each_selectable_field_is_explained_with_what_this_server_did() -> None:
    record = exchange(CHUNKED)
    keys = selectable_keys(record)
    assert keys[-4:] == ["body", "chunk:0", "chunk:1", "chunk:2"]
    for key in keys:
        for lang in LANGS:
            part = explain_field(record, key, lang)
            assert part is not None and part.meaning and part.done, (key, lang)
    method = explain_field(record, "method")
    assert method is not None and (method.label, method.value) == ("method", "POST")
    assert method.done == "answered 201 Created"
    te = explain_field(record, "header:2")
    assert te is not None and te.done == "decoded the chunked body: 26 bytes"
    mine = explain_field(record, "header:3", "ru")
    assert mine is not None and mine.done == "этот сервер его не интерпретирует"
    second = explain_field(record, "chunk:1")
    assert second is not None and second.value == "15" and "= 21 bytes" in second.done
    last = explain_field(record, "chunk:2", "ru")
    assert last is not None and last.done == "закончил тело здесь: всего 26 байт"
    assert explain_field(record, None) is None and explain_field(record, "chunk:9") is None


def test_chunk_spans_cover_the_body_in_order() -> None:
    record = exchange(CHUNKED)
    found = chunks(record)
    assert [c.size for c in found] == [5, 0x15, 0]
    raw = record.raw_request
    pieces = [raw[slice(*c.span)] for c in found]
    assert pieces[0] == b'5\r\n{"nam\r\n' and pieces[2] == b"0\r\nT: v\r\n\r\n"
    assert b"".join(pieces) == raw[raw.index(b"\r\n\r\n") + 4 :]
    assert field_span(record, "chunk:1") == found[1].span


def test_one_field_view_quotes_the_value_escaped() -> None:
    record = exchange(
        b"POST /users HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\n"
        b"X-Evil: a\x9b31mred\r\nContent-Length: 26\r\n\r\n"
        b'{"name": "Ada", "age": 36}'
    )
    out = io.StringIO()
    console = plain_console(out, color=False)
    console.width = 80
    for key in ("header:3", "header:2"):
        part = explain_field(record, key)
        assert part is not None
        console.print(FieldExplanationView(part))
    text = out.getvalue()
    assert "Content-Length: 26 — The body is exactly" in text
    assert "this server: took the next 26 bytes as the body: read 26" in text
    assert "\x9b" not in text and "X-Evil: a\\x9b31mred" in text  # a C1 CSI, made visible


def test_the_plain_printer_explains_in_russian() -> None:
    record = exchange(b"GET /users HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n")
    out = io.StringIO()
    plain_console(out, color=False).print(ExchangeView(record, lang="ru"))
    text = out.getvalue()
    assert "что значат поля" in text
    assert "закрыл соединение после ответа" in text
    assert "closed the connection" not in text


def test_explanations_are_short_enough_to_read_beside_the_bytes() -> None:
    """Three rows at 80 columns at most, with the field's name and value in front."""
    for key, entry in explanations().items():
        for lang in LANGS:
            assert len(entry.text[lang]) <= 200, (key, lang, len(entry.text[lang]))
            assert len(entry.did.get(lang, "")) <= 140, (key, lang)


def test_an_exchange_with_another_server_is_not_explained_as_ours() -> None:
    """The client pane's exchanges with the --to server: that server's doing, not ours."""
    record = exchange(POST_WITH_LENGTH)
    record.source = "client"
    part = explain_field(record, "header:2")
    assert part is not None and not part.read
    assert part.done.startswith("another server (--to) answered 201 Created")
    assert "took the next" not in part.done
    unknown = explain_field(record, "header:3", "ru")
    assert unknown is not None and unknown.done.startswith("ответил другой сервер (--to)")


POST_WITH_LENGTH = (
    b"POST /users HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\n"
    b'Content-Length: 26\r\nX-A: 1\r\n\r\n{"name": "Ada", "age": 36}'
)
