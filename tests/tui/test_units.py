"""The trace screen's pieces on their own: filter, list state, inbox, compose, curl, bridge."""

from __future__ import annotations

import asyncio
import base64
import shlex
import subprocess
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.style import Style
from rich.text import Text

from httplab.client.curl_export import shell_quote as curl_quote
from httplab.client.raw import prepare_raw
from httplab.client.repl import raw_text_to_send
from httplab.render import THEME, RawBytesView
from httplab.trace.bus import TraceBus
from httplab.trace.records import ConnectionEvent
from httplab.tui.compose import ComposeError, compose_request, editable_text, fix_content_length
from httplab.tui.curl import command_lines, curl_command, osc52, shell_words, why_no_curl
from httplab.tui.filtering import ExchangeFilter
from httplab.tui.inbox import BusInbox
from httplab.tui.rich_bridge import make_console, render_fragment_lines, style_to_pt
from httplab.tui.state import TraceState
from tests.tui.records import get, post, record_for, rejected


# filter -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("", ["/users", "/users", "/nope", "(bad)"]),
        ("GET", ["/users", "/nope"]),
        ("POST GET", ["/users", "/users", "/nope"]),
        ("4xx", ["/nope", "(bad)"]),
        ("404", ["/nope"]),
        ("2xx 404", ["/users", "/users", "/nope"]),
        ("GET /us", ["/users"]),
        ("x1b", ["(bad)"]),  # an unparsed request is found by its first line
    ],
)
def test_filter_words(text: str, kept: list[str]) -> None:
    records = [
        get("/users"),
        post("/users", b"{}"),
        get("/nope", 404),
        rejected(b"GET /\x1b HTTP/1.1\r\n\r\n"),
    ]
    matching = [r for r in records if ExchangeFilter.parse(text).matches(r)]
    assert [r.target or "(bad)" for r in matching] == kept


# state --------------------------------------------------------------------------------------
def test_state_is_bounded_and_counts_what_it_drops() -> None:
    state = TraceState(capacity=3)
    records = [get(f"/{i}") for i in range(5)]
    state.add(records)
    assert [r.target for r in state.visible] == ["/2", "/3", "/4"]
    assert state.dropped == 2
    assert state.current is records[-1]


def test_state_evicts_in_batches_as_it_did_one_by_one() -> None:
    # issue 12.4: records arrive in batches and leave the front of the list in one slice
    state = TraceState(capacity=4)
    records = [get(f"/{i}") for i in range(11)]
    state.add(records[:3])
    state.marked = {records[0].seq, records[2].seq}
    state.move(-1)  # on /1, no longer following
    assert state.current is records[1]
    state.add(records[3:5])  # one over: /0 goes
    assert [r.target for r in state.visible] == ["/1", "/2", "/3", "/4"]
    assert state.current is records[1] and state.marked == {records[2].seq}
    state.add(records[5:11])  # more than it holds in one batch
    assert [r.target for r in state.visible] == ["/7", "/8", "/9", "/10"]
    assert state.dropped == 7 and state.marked == set()
    assert state.selected == 0  # its exchange is gone: the oldest left
    state.filter = ExchangeFilter.parse("/9")
    state.visible = [r for r in state.records if state.filter.matches(r)]
    state.add([get("/99"), get("/x")])
    assert [r.target for r in state.visible] == ["/9", "/99"]
    assert [r.target for r in state.records] == ["/9", "/10", "/99", "/x"]


def test_state_ignores_a_record_it_has_already_seen() -> None:
    state = TraceState()
    first, second = get("/a"), get("/b")
    state.add([first, second])
    state.add([second])  # the backlog snapshot and the live feed overlapped
    assert len(state.visible) == 2


def test_state_selection_survives_a_filter_change_when_not_following() -> None:
    state = TraceState()
    state.add([get("/a"), get("/b", 404), get("/c")])
    state.move(-2)
    assert state.current.target == "/a" and not state.follow
    state.set_filter("4xx")
    assert state.current.target == "/b"
    state.set_filter("")
    assert state.current.target == "/b"


def test_to_save_is_the_marked_records_or_the_selected_one() -> None:
    state = TraceState()
    state.add([get("/a"), get("/b"), get("/c")])
    assert [r.target for r in state.to_save()] == ["/c"]
    state.toggle_mark()
    state.move(-2)
    state.toggle_mark()
    assert [r.target for r in state.to_save()] == ["/a", "/c"]


# inbox ------------------------------------------------------------------------------------
def test_inbox_batches_records_from_many_threads_and_loses_none() -> None:
    batches: list[int] = []
    seen: list[str] = []
    evicted: list[int] = []
    total = 4 * 500

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        done = asyncio.Event()

        def deliver(records: list, dropped: int) -> None:  # type: ignore[type-arg]
            batches.append(len(records))
            seen.extend(r.target for r in records)
            evicted.append(dropped)
            if len(seen) == total:
                done.set()

        bus = TraceBus(capacity=10_000)
        inbox = BusInbox(loop, bus, deliver, delay=0.05)
        inbox.start()
        records = {base: [get(f"/{base + i}") for i in range(500)] for base in range(0, 4000, 1000)}

        def publisher(base: int) -> None:
            for i, record in enumerate(records[base]):
                bus.publish(record)
                bus.publish(ConnectionEvent(base + i, "opened", 0.0, "p"))  # not delivered

        threads = [threading.Thread(target=publisher, args=(k * 1000,)) for k in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        await asyncio.wait_for(done.wait(), 10)

    asyncio.run(scenario())
    assert sorted(seen) == sorted(f"/{k * 1000 + i}" for k in range(4) for i in range(500))
    assert sum(evicted) == 0
    assert len(batches) < 100, "records arrive in batches, not one wake-up each"


def test_inbox_counts_what_the_bus_evicted_before_it_could_take_it() -> None:
    got: list[tuple[int, int]] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        bus = TraceBus(capacity=10)
        inbox = BusInbox(loop, bus, lambda records, dropped: got.append((len(records), dropped)))
        inbox.start()
        for i in range(25):
            bus.publish(get(f"/{i}"))
        while not got:
            await asyncio.sleep(0.01)

    asyncio.run(scenario())
    assert got == [(10, 15)]


# compose ------------------------------------------------------------------------------------
def test_shorthand_is_expanded_by_the_client_code() -> None:
    composed = compose_request("GET /users", host="127.0.0.1", port=8080)
    assert composed.data.startswith(b"GET /users HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n")
    assert composed.data.endswith(b"\r\n\r\n")


def test_raw_lines_get_crlf_and_the_head_end_unless_crlf_is_off() -> None:
    text = "GET / HTTP/1.1\nHost: x"
    on = compose_request(text, host="h", port=1)
    assert on.data == b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    assert any("empty line" in note for note in on.notes)
    off = compose_request(text, host="h", port=1, crlf=False)
    assert off.data == b"GET / HTTP/1.1\nHost: x"


@pytest.mark.parametrize(
    ("body", "added"),
    [
        ("1\nx\n0", True),
        ("1\nx\n0\n", True),
        ("1\nx\n0;ext\nChecksum: 1", True),
        ("1\nx\n0\n\n", False),  # the empty line is there
    ],
)
def test_a_chunked_body_ends_as_the_repl_ends_it(body: str, added: bool) -> None:
    """The pane and the repl add the same empty line after the last chunk (one rule,
    `chunked_body_end`): the bytes the pane sends are the repl's for the same text."""
    text = "POST / HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\n" + body
    pane = compose_request(text, host="h", port=1)
    assert pane.data == prepare_raw(raw_text_to_send(text).encode())
    assert pane.data.endswith(b"\r\n\r\n")
    assert any("after the last chunk" in note for note in pane.notes) is added
    off = compose_request(text, host="h", port=1, crlf=False)
    assert off.data == text.encode()  # CRLF off: exactly as typed


def test_empty_input_is_a_clear_error() -> None:
    with pytest.raises(ComposeError, match="nothing to send"):
        compose_request("  \n", host="h", port=1)


def test_content_length_is_recomputed_unless_pinned() -> None:
    data = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhello"
    fixed, note = fix_content_length(data, pinned=False)
    assert fixed == b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
    assert note is not None and "2 → 5" in note
    kept, warning = fix_content_length(data, pinned=True)
    assert kept == data
    assert warning is not None and "sent as typed" in warning


def test_two_content_lengths_are_sent_as_typed() -> None:
    data = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 9\r\n\r\nabc"
    assert fix_content_length(data, pinned=False) == (data, None)


@given(st.binary(max_size=300))
def test_editable_text_sends_back_exactly_the_same_bytes(data: bytes) -> None:
    assert prepare_raw(editable_text(data).encode("utf-8"), crlf=True) == data


# curl ---------------------------------------------------------------------------------------
def test_curl_command_keeps_method_headers_and_body() -> None:
    record = post("/users?x=1", b'{"name": "O\'Neil"}')
    command = curl_command(record, "http://127.0.0.1:53210")
    assert command is not None
    words = shlex.split(command)
    assert "http://127.0.0.1:53210/users?x=1" in words
    assert words[words.index("-X") + 1] == "POST"
    assert "Content-Type: application/json" in words
    assert words[words.index("--data-binary") + 1] == '{"name": "O\'Neil"}'
    assert not any(w.lower().startswith("content-length") for w in words)


def test_curl_command_never_carries_a_raw_control_byte() -> None:
    raw = b"PUT / HTTP/1.1\r\nHost: x\r\nX-Name: caf\xe9\r\nContent-Length: 6\r\n\r\na\x1b[2Jb"
    command = curl_command(record_for(raw), "http://h")
    assert command is not None
    assert "\x1b" not in command and "\xe9" not in command
    assert "$'X-Name: caf\\xe9'" in command
    assert "--data-binary $'a\\x1b[2Jb'" in command


def test_no_curl_command_for_an_unparsed_or_trimmed_request() -> None:
    bad = rejected(b"GET /\x00 HTTP/1.1\r\n\r\n")
    assert curl_command(bad, "http://h") is None
    assert "did not parse" in why_no_curl(bad)
    trimmed = post("/users", b"x" * 10)
    trimmed.omitted = (5, 0)  # the trace kept the start of the body only
    assert curl_command(trimmed, "http://h") is None
    assert "only the start" in why_no_curl(trimmed)


WORDS = st.text(st.characters(min_codepoint=1, max_codepoint=255), max_size=12)


@given(st.lists(WORDS, min_size=1, max_size=6))
def test_shell_words_split_quoted_words_back(values: list[str]) -> None:
    command = " ".join(["curl", *(curl_quote(v.encode("latin-1")) for v in values)])
    assert " ".join(shell_words(command)) == command
    assert len(shell_words(command)) == len(values) + 1


def test_the_shown_command_breaks_before_each_option_with_continuations() -> None:
    record = post("/users", b"{'a b' -H x}")
    command = curl_command(record, "http://h:1")
    assert command is not None
    lines = command_lines(command)
    assert lines[0].startswith("curl ") and lines[0].endswith(" \\")
    assert [line.split()[0] for line in lines[1:]] == ["-H"] * (len(lines) - 2) + ["--data-binary"]
    assert all(line.endswith(" \\") for line in lines[:-1])
    assert lines[-1] == "  --data-binary '{'\\''a b'\\'' -H x}'"
    assert shell_reads("\n".join(lines)) == shell_reads(command) == shlex.split(command)[1:]


def shell_reads(command: str) -> list[str]:
    """The words bash passes to curl when it runs `command` (curl replaced by a printer)."""
    script = "curl() { printf '%s\\0' \"$@\"; }\n" + command
    done = subprocess.run(["bash", "-c", script], capture_output=True, check=True, timeout=10)
    return done.stdout.decode("utf-8", "surrogateescape").split("\0")[:-1]


def test_osc52_is_the_base64_of_the_text_or_nothing_when_too_long() -> None:
    text = "curl -sS 'http://h/é'"
    sequence = osc52(text)
    assert sequence is not None
    assert sequence.startswith("\x1b]52;c;") and sequence.endswith("\x07")
    assert base64.b64decode(sequence[len("\x1b]52;c;") : -1]).decode("utf-8") == text
    assert osc52("x" * 80_000) is None  # over 100,000 base64 characters


# rich bridge ----------------------------------------------------------------------------------
def test_styles_map_to_prompt_toolkit_names_and_hex() -> None:
    assert style_to_pt(Style.parse("bold red on yellow")) == "fg:ansired bg:ansiyellow bold"
    assert style_to_pt(Style.parse("#102030 underline")) == "fg:#102030 underline"
    assert style_to_pt(Style.parse("color(196)")) == "fg:#ff0000"
    assert style_to_pt(None) == ""


def test_rendering_respects_the_width_and_finds_the_highlighted_line() -> None:
    console = make_console(THEME)
    data = b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + b"y" * 100 + b"\r\n\r\n"
    marker = console.get_style("wire.highlight")
    rendered = render_fragment_lines(console, RawBytesView(data, (16, 20)), 40, marker)
    widths = [sum(len(text) for _, text in line) for line in rendered.lines]
    assert max(widths) <= 40
    assert rendered.marked_line == 1  # "Host" is on the second line
    highlighted = [text for style, text in rendered.lines[1] if "bg:ansiyellow" in style]
    assert "".join(highlighted) == "Host"


def test_control_characters_never_come_out_as_fragment_text() -> None:
    console = make_console(THEME)
    rendered = render_fragment_lines(console, RawBytesView(b"\x1b[2J\x07\x00\r\n\x9b"), 80)
    text = "".join(t for line in rendered.lines for _, t in line)
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in text)
    # A renderable that lets one through (plain Text) is still shown by prompt_toolkit as ^[,
    # but the views never produce one: that is render/escape.py's job, tested above.
    assert render_fragment_lines(console, Text("ok"), 10).lines == [[("", "ok")]]


# docs ---------------------------------------------------------------------------------------
def test_the_key_tour_in_docs_is_generated_from_the_key_table() -> None:
    from pathlib import Path

    from httplab.tui.keys import key_tour_markdown

    tour = Path(__file__).resolve().parents[2] / "docs" / "trace-keys.md"
    assert tour.read_text(encoding="utf-8") == key_tour_markdown(), (
        "regenerate with: python docs/make_trace_picture.py"
    )


def test_the_trace_command_tunes_the_collector_and_restores_it() -> None:
    import gc

    from httplab.tui.trace_command import TRACE_GC_THRESHOLD, tune_garbage_collector

    before = gc.get_threshold()
    restore = tune_garbage_collector()
    try:
        assert gc.get_threshold()[0] == TRACE_GC_THRESHOLD
        assert gc.get_freeze_count() > 0, "the start-up heap is out of the collections"
    finally:
        restore()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


# footer -------------------------------------------------------------------------------------
@pytest.mark.parametrize("zone", ["list", "detail", "client", "curl"])
@pytest.mark.parametrize("columns", [60, 80, 100, 200])
def test_the_footer_fits_and_keeps_its_musts(zone: str, columns: int) -> None:
    from httplab.tui.keys import FOOTER_ALWAYS, FOOTER_PRIORITY, footer_keys, key_named

    chosen = footer_keys(zone, columns, without=())
    assert sum(key.footer_width for key in chosen) <= max(
        columns, sum(key_named(n).footer_width for n in FOOTER_ALWAYS[zone])
    )
    assert [k.name for k in chosen[len(chosen) - len(FOOTER_ALWAYS[zone]) :]] == list(
        FOOTER_ALWAYS[zone]
    )
    for name in FOOTER_PRIORITY[zone]:
        # "hold" keys work where "any" keys do, on serve --trace only
        allowed = (zone, "any", "overlay") if zone == "curl" else (zone, "any", "hold")
        assert key_named(name).zone in allowed, f"{name} is not a {zone} key"
    if columns >= 200:
        assert len(chosen) == len(FOOTER_PRIORITY[zone]) + len(FOOTER_ALWAYS[zone])


def test_one_line_that_is_not_shorthand_says_how_to_send_it_raw() -> None:
    with pytest.raises(ComposeError, match="add the empty line that ends a head"):
        compose_request("GET http://[::1/x", host="127.0.0.1", port=1)
    raw = compose_request("GET http://[::1/x HTTP/1.1\nHost: a\n\n", host="127.0.0.1", port=1)
    assert raw.data == b"GET http://[::1/x HTTP/1.1\r\nHost: a\r\n\r\n"  # sent as typed


def test_help_shows_every_key_list_on_one_line_at_100_columns() -> None:
    from rich.console import Console

    from httplab.render.theme import THEME
    from httplab.tui.help_view import HelpView
    from httplab.tui.keys import help_sections
    from httplab.tui.styles import with_help_styles

    theme = with_help_styles(THEME, "default")
    console = Console(width=96, record=True, color_system=None, theme=theme)
    console.print(HelpView())
    lines = console.export_text().splitlines()
    for _, keys in help_sections():
        for key in keys:
            assert any(line.startswith(key.keys + " ") for line in lines), key.keys


def test_pane_exchanges_are_numbered_by_the_connection_they_used() -> None:
    from httplab.client.connection import ClientExchange
    from httplab.tui.client_records import PaneNumbering

    def exchange(connected: bool) -> ClientExchange:
        made = ClientExchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET")
        made.timings.connect_ms = 0.5 if connected else None
        return made

    numbering = PaneNumbering()
    ids = [numbering.next(exchange(c)) for c in (True, False, False, True, False)]
    first, second = ids[0][0], ids[3][0]
    assert first < 0 and second < 0 and first != second
    assert ids == [(first, 1), (first, 2), (first, 3), (second, 1), (second, 2)]


def test_compose_notes_speak_russian_with_the_byte_plural() -> None:
    from httplab.tui.compose import compose_request

    head = "POST /users HTTP/1.1\nHost: x\nContent-Type: text/plain\n"
    kept = compose_request(head + "Content-Length: 5\n\nab", host="h", port=1, lang="ru",
                           pin_length=True)  # fmt: skip
    assert kept.notes == ["Content-Length 5 ушёл как набран, а в теле 2 байта (Ctrl-O: авто)"]
    with pytest.raises(ComposeError, match="отправлять нечего"):
        compose_request("  ", host="h", port=1, lang="ru")
