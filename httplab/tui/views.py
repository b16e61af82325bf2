"""Which renderable each pane shows for the current state, with the key it is cached under.

Every key holds what the picture depends on (record seq, selected field, hexdump), so moving
through fields re-renders only the panes whose picture changes.
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.text import Text

from httplab.render import (
    HeadersTable,
    HexdumpView,
    NotesView,
    ParsedTreeView,
    RawBytesView,
    ResponseView,
    field_span,
)
from httplab.render.escape import safe_text
from httplab.render.explain import FieldExplanationView, explain_field
from httplab.trace.records import ExchangeRecord
from httplab.tui.client_session import PaneResult
from httplab.tui.controller import TABS, TraceController
from httplab.tui.rich_control import View


def _muted(text: str) -> Text:
    return Text(text, style="trace.muted")


FLOOD_TEXTS = {
    "en": (
        "following a flood of exchanges: the details wait until it calms down "
        "(↑ or k picks one to read now)"
    ),
    "ru": (
        "поток обменов: подробности появятся, когда он стихнет "
        "(↑ или k — выбрать обмен и прочитать сейчас)"
    ),
}


PANE_TEXTS = {
    "waiting": {
        "en": "waiting for requests on {server}\ntry: curl -i {server}{path}",
        "ru": "ждём запросов на {server}\nпопробуйте: curl -i {server}{path}",
    },
    "type": {
        "en": "type a request (GET /users, or a raw request line by line), then Ctrl-S to send",
        "ru": "наберите запрос (GET /users или «сырой» запрос строка за строкой) и отправьте "
        "его Ctrl-S",
    },
    "answer": {"en": "waiting for the answer …", "ru": "ждём ответа …"},
    "filtered": {
        "en": "no exchange matches the filter {filter} ({total} in all): / changes it, an empty "
        "filter shows them all",
        "ru": "под фильтр {filter} не подходит ни один обмен (всего {total}): / — изменить его, "
        "пустой фильтр показывает все",
    },
}
"""Texts of empty panes, in the screen's words language (the lesson's on the lesson view)."""


def _pane_text(name: str, lang: str) -> str:
    texts = PANE_TEXTS[name]
    return texts.get(lang, texts["en"])


class PaneViews:
    """View factories bound to one controller and one console (one theme)."""

    def __init__(self, controller: TraceController, console: Console) -> None:
        self.controller = controller
        self.console = console
        self._highlight = console.get_style("wire.highlight")
        self._tree_selected = console.get_style("tree.selected")

    def _empty(self, pane: str) -> View:
        options = self.controller.options
        server = f"http://{options.server_host}:{options.server_port}"
        path = "/users" if options.serves_users_api else "/"  # an --app's or upstream's paths
        lang = self.controller.words_lang
        state = self.controller.state
        if state.records and state.filter.text:  # none shown, but not for want of requests
            total = len(state.records)
            said = repr(state.filter.text)  # as the footer says it: control bytes escaped
            filtered = _pane_text("filtered", lang).format(filter=said, total=total)
            text = filtered if pane == "raw" else ""
            return View(("filtered", pane, lang, said, total), lambda: _muted(text))
        waiting = _pane_text("waiting", lang).format(server=server, path=path)
        text = {"raw": waiting, "notes": ""}.get(pane, "")
        return View(("empty", pane, lang), lambda: _muted(text))

    def _flood(self, pane: str) -> View:
        """While the selection follows a flood: one line saying why the details wait (the
        same picture every redraw, so it is laid out once)."""
        c = self.controller
        lang = c.lang
        # said in the raw view (the first of the wide layout) and in the tab shown when narrow
        said = pane in ("raw", TABS[c.tab])
        text = FLOOD_TEXTS.get(lang, FLOOD_TEXTS["en"]) if said else ""
        return View(("flood", pane, said, lang), lambda: _muted(text))

    def raw(self) -> View:
        c = self.controller
        record = c.state.current
        if record is None:
            return self._empty("raw")
        if c.details_paused:
            return self._flood("raw")
        key = c.selected_field
        span = field_span(record, key)
        if c.hexdump:
            return View(
                ("raw-hex", record.seq, key),
                lambda: HexdumpView(record.raw_request, span),
                self._highlight,
            )
        return View(
            ("raw", record.seq, key),
            lambda: RawBytesView(record.raw_request, span),
            self._highlight,
        )

    def parsed(self) -> View:
        c = self.controller
        record = c.state.current
        if record is None:
            return self._empty("parsed")
        if c.details_paused:
            return self._flood("parsed")
        key = c.selected_field
        if record.request is None:  # ParsedTreeView says why (the server's error line)
            return View(("parsed", record.seq), lambda: ParsedTreeView(record))
        return View(
            ("parsed", record.seq, key),
            lambda: ParsedTreeView(record, selected=key),
            self._tree_selected,
        )

    def headers(self) -> View:
        c = self.controller
        record = c.state.current
        if record is None:
            return self._empty("headers")
        if c.details_paused:
            return self._flood("headers")
        key = c.selected_field
        if record.request is None:
            return View(
                ("headers", record.seq),
                lambda: _muted("no header fields: the request did not parse (raw view: what came)"),
            )
        return View(
            ("headers", record.seq, key),
            lambda: HeadersTable(record, selected=key),
            self._tree_selected,
        )

    def explanation(self) -> View:
        """The selected field explained (shown under the views while a field is selected)."""
        c = self.controller
        record = c.state.current
        key = c.selected_field
        lang = c.lang
        if record is None or key is None:
            return View(("explain", None), lambda: Text(""))
        return View(("explain", record.seq, key, lang), lambda: _explanation(record, key, lang))

    def response(self) -> View:
        c = self.controller
        record = c.state.current
        if record is None:
            return self._empty("response")
        if c.details_paused:
            return self._flood("response")
        if c.hexdump:
            return View(("response-hex", record.seq), lambda: HexdumpView(record.raw_response))
        return View(("response", record.seq), lambda: ResponseView(record))

    def notes(self) -> View:
        record = self.controller.state.current
        if record is None:
            return self._empty("notes")
        if self.controller.details_paused:
            return self._flood("notes")
        lang = self.controller.words_lang  # "no notes": the lesson's language on its view
        return View(("notes", record.seq, lang), lambda: NotesView(record, lang))

    def client_result(self) -> View:
        client = self.controller.client
        result = client.result
        number = result.number if result else 0
        lang = self.controller.words_lang
        return View(
            ("client", number, client.busy, lang),
            lambda: _client_renderable(result, client.busy, lang),
        )


def _explanation(record: ExchangeRecord, key: str, lang: str) -> RenderableType:
    part = explain_field(record, key, lang)
    return Text("") if part is None else FieldExplanationView(part, lang)


def _client_renderable(result: PaneResult | None, busy: bool, lang: str = "en") -> RenderableType:
    if busy:
        return _muted(_pane_text("answer", lang))
    if result is None:
        return _muted(_pane_text("type", lang))
    parts: list[RenderableType] = [safe_text(result.title, "trace.section")]
    parts += [safe_text(f"! {note}", "note.warning") for note in result.notes]
    if result.error:
        parts.append(safe_text(f"✗ {result.error}", "trace.error"))
    if result.response_bytes:
        parts.append(RawBytesView(result.response_bytes))
    return Group(*parts)
