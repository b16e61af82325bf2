"""A record with thousands of header fields renders a screenful, not the whole record
(issue 7 #13: each key press in the trace view took 3.4–4.6 s with 4,000 headers)."""

from __future__ import annotations

from render_console import plain
from render_records import make_record

from httplab.render import (
    ExchangeView,
    HeadersTable,
    HexdumpView,
    ParsedTreeView,
    RawBytesView,
    ResponseView,
    field_span,
)
from httplab.render.bytes_views import RAW_LINES
from httplab.render.fields import FIELDS_SHOWN, field_window

COUNT = 4000
HEAD = (
    b"GET /many HTTP/1.1\r\nHost: a\r\n"
    + b"".join(b"X-Field-%d: value %d\r\n" % (i, i) for i in range(COUNT))
    + b"\r\n"
)
RECORD = make_record(HEAD, response_headers=[(f"X-R-{i}", "v") for i in range(COUNT)])
SELECTED = "header:3500"  # header 0 is Host, so this is X-Field-3499


def test_the_window_holds_the_selection_and_stays_in_range() -> None:
    assert field_window(10, 5) == range(10)
    assert field_window(COUNT, None) == range(FIELDS_SHOWN)
    assert field_window(COUNT, 3500) == range(3500 - FIELDS_SHOWN // 2, 3500 + FIELDS_SHOWN // 2)
    assert field_window(COUNT, COUNT - 1) == range(COUNT - FIELDS_SHOWN, COUNT)
    assert field_window(COUNT, 3) == range(FIELDS_SHOWN)


def test_tree_and_table_render_a_window_around_the_selection() -> None:
    for view in (ParsedTreeView(RECORD, SELECTED), HeadersTable(RECORD, SELECTED)):
        out = plain(view, width=120)
        assert len(out.splitlines()) < FIELDS_SHOWN + 20
        (line,) = [line for line in out.splitlines() if "X-Field-3499" in line]
        assert "value 3499" in line
        before, after = 3500 - FIELDS_SHOWN // 2, COUNT + 1 - (3500 + FIELDS_SHOWN // 2)
        assert f"… {before:,} more fields" in out and f"… {after:,} more fields" in out


def test_the_table_numbers_fields_as_received() -> None:
    out = plain(HeadersTable(RECORD, SELECTED), width=120)
    assert "3501  X-Field-3499" in out


def test_the_response_shows_the_first_fields_and_counts_the_rest() -> None:
    out = plain(ResponseView(RECORD), width=120)
    assert "X-R-0: v" in out and "X-R-3999" not in out
    assert f"… {COUNT - FIELDS_SHOWN:,} more fields" in out


def test_the_raw_view_starts_near_a_highlight_far_down() -> None:
    out = plain(RawBytesView(RECORD.raw_request, field_span(RECORD, SELECTED)), width=120)
    lines = out.splitlines()
    assert len(lines) <= RAW_LINES + 2
    assert lines[0].startswith("… ") and "before not shown" in lines[0]
    assert any(line.startswith("X-Field-3499: value 3499") for line in lines[:10])
    assert "more bytes not shown" in lines[-1]


def test_the_raw_view_without_a_highlight_starts_at_the_request_line() -> None:
    lines = plain(RawBytesView(RECORD.raw_request), width=120).splitlines()
    assert lines[0] == "GET /many HTTP/1.1\\r\\n"
    assert len(lines) == RAW_LINES + 1 and "more bytes not shown" in lines[-1]


def test_the_hexdump_starts_near_a_highlight_far_down() -> None:
    span = field_span(RECORD, SELECTED)
    assert span is not None
    out = plain(HexdumpView(RECORD.raw_request, span), width=120)
    assert out.startswith("… ") and "bytes before not shown" in out.splitlines()[0]
    assert f"{span[0] // 16 * 16:08x}  " in out


def test_the_whole_card_stays_a_few_hundred_lines() -> None:
    out = plain(ExchangeView(RECORD, SELECTED), width=120)
    assert len(out.splitlines()) < RAW_LINES + 3 * FIELDS_SHOWN + 60


def test_a_table_without_fields_says_so() -> None:
    from httplab.protocol.headers import Headers
    from httplab.render.request_views import FieldsTable

    assert plain(FieldsTable(Headers())).strip() == "(no header fields)"
