"""What the keys do: the trace screen's actions, on plain state, without any layout.

`app.py` draws this state and binds keys to these methods; tests can call them directly. What
the controller needs of the screen (redraw, run background work, the client pane's text) is a
`ScreenHooks` given when it is built; work that blocks (sending, replaying) runs through its
`spawn`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from httplab.client.shorthand import ShorthandError, split_host_port
from httplab.render import escape_bytes, exchange_label, selectable_keys
from httplab.render.fields import chunk_index, header_index
from httplab.trace.intercept import Intercept
from httplab.trace.records import ExchangeRecord
from httplab.trace.transcript import write_transcript
from httplab.trace.wire_text import escape_latin1
from httplab.trace.words import localized
from httplab.tui.client_records import PaneNumbering, client_records
from httplab.tui.client_session import ClientSession, PaneResult
from httplab.tui.compose import ComposeError, compose_request, editable_text
from httplab.tui.curl import shown_lines, why_no_curl
from httplab.tui.flood import FloodWatch
from httplab.tui.hold_desk import HoldDesk
from httplab.tui.keys import PIN_LENGTH_KEY, SEND_KEY
from httplab.tui.state import TraceState
from httplab.tui.view_words import field_label

MESSAGES: dict[str, dict[str, str]] = {
    "busy": {
        "en": "still waiting for the previous answer",
        "ru": "ещё ждём ответа на предыдущий запрос",
    },
    "client": {"en": "client", "ru": "клиент"},
    "sending": {
        "en": "sending {count} bytes to {where} …",
        "ru": "отправляем байты ({count}) на {where} …",
    },
    "back": {"en": "{label}: {count} bytes back", "ru": "{label}: пришло байтов: {count}"},
    "crlf-on": {"en": "CRLF line ends on", "ru": "концы строк CRLF: вкл."},
    "crlf-off": {
        "en": "CRLF line ends off: bare LF as typed",
        "ru": "концы строк CRLF: выкл., одиночный LF, как набрано",
    },
    "pinned": {
        "en": "Content-Length as typed: none added, none fixed — a body typed without one "
        "goes unframed ({key}: auto again)",
        "ru": "Content-Length как набран: не добавляется и не исправляется — тело без него "
        "уходит без границ ({key}: снова авто)",
    },
    "auto": {
        "en": "Content-Length auto: added to a body typed without one, fixed when wrong "
        "({key}: as typed)",
        "ru": "Content-Length авто: добавляется к телу без него, исправляется, если неверен "
        "({key}: как набран)",
    },
    # the status line's messages of the list's keys (/, r, e, s, y, w, x, U)
    "filter": {
        "en": "filter {text}: {shown} of {total} shown",
        "ru": "фильтр {text}: показано {shown} из {total}",
    },
    "filter-cleared": {"en": "filter cleared", "ru": "фильтр снят"},
    "empty-replay": {
        "en": "nothing to replay: the list is empty",
        "ru": "повторять нечего: список пуст",
    },
    "replay-of": {"en": "replay of {label}", "ru": "повтор {label}"},
    "cannot-replay": {"en": "cannot replay {label}: {why}", "ru": "не повторить {label}: {why}"},
    "upstream-not-address": {
        "en": "its upstream address {peer} is not HOST:PORT",
        "ru": "адрес его сервера за прокси {peer} — не HOST:PORT",
    },
    "empty-edit": {"en": "nothing to edit: the list is empty", "ru": "править нечего: список пуст"},
    "loaded": {
        "en": "{label} loaded: edit it, {send} sends (Content-Length is recomputed unless {pin} "
        "sends it as typed)",
        "ru": "{label} загружен: правьте, {send} отправляет (Content-Length пересчитывается, "
        "если {pin} не велит отправить его как набран)",
    },
    "empty-save": {
        "en": "nothing to save: the list is empty",
        "ru": "сохранять нечего: список пуст",
    },
    "cannot-save": {"en": "cannot save to {path}: {why}", "ru": "не сохранить в {path}: {why}"},
    "saved": {
        "en": "saved {count} exchange{s} to {path}",
        "ru": "в {path} сохранено обменов: {count}",
    },
    "exists": {
        "en": "{path} exists: Enter again replaces it; edit the name, or Esc",
        "ru": "{path} уже есть: Enter ещё раз заменит его; исправьте имя или нажмите Esc",
    },
    "empty-copy": {
        "en": "nothing to copy: the list is empty",
        "ru": "копировать нечего: список пуст",
    },
    "no-curl": {"en": "no curl for {label}: {why}", "ru": "curl для {label} нет: {why}"},
    "copied": {
        "en": "copied with OSC 52 — if nothing was copied, select the text",
        "ru": "скопировано через OSC 52 — если ничего не скопировалось, выделите текст",
    },
    "select": {
        "en": "select the text with the mouse to copy it (w writes it to a file)",
        "ru": "выделите текст мышью, чтобы скопировать (w запишет его в файл)",
    },
    "cannot-write": {"en": "cannot write {path}: {why}", "ru": "не записать {path}: {why}"},
    "curl-written": {
        "en": "curl command written to {path}",
        "ru": "команда curl записана в {path}",
    },
    "ask-clear": {
        "en": "clear {count} exchange{s}? x again clears, any other key keeps them",
        "ru": "очистить список (обменов: {count})? x ещё раз — очистить, другая клавиша — оставить",
    },
    "no-users": {
        "en": "this server keeps no users to reset",
        "ru": "у этого сервера нет пользователей, которых можно сбросить",
    },
    "ask-reset": {
        "en": "empty the server's users? U again empties them, any other key keeps them",
        "ru": "удалить всех пользователей сервера? U ещё раз — удалить, другая клавиша — оставить",
    },
    "users-reset": {
        "en": "users reset: {count} removed; the next one created gets id 1",
        "ru": "пользователи сброшены, удалено: {count}; следующий созданный получит id 1",
    },
    "cleared": {
        "en": "cleared {count} exchange{s}",
        "ru": "список очищен, обменов удалено: {count}",
    },
}
"""The status line's messages (the client pane's and the list keys') speak the lesson's
language in the lesson view (`l`); the trace view's stay English, as its other words do."""

TABS = ("raw", "parsed", "headers", "response")
ZONES = ("list", "detail", "client")
LESSON_ZONES = ("lesson", *ZONES)  # `httplab lesson N`: the lesson pane comes first


@dataclass(slots=True)
class TraceOptions:
    server_host: str = "127.0.0.1"
    server_port: int = 53210
    to_host: str | None = None  # --to: where the client pane sends; None: our server
    to_port: int | None = None
    theme: str = "default"
    mouse: bool = False
    capacity: int = 10_000
    save_dir: Path = field(default_factory=Path.cwd)
    reset_users: Callable[[], int] | None = None  # empties our server's users (U)
    lang: str = "en"  # the explanations' language (--lang); the lesson view uses its own
    intercept: Intercept | None = None  # requests our server holds for the view (H, a, A, E)

    @property
    def client_target(self) -> tuple[str, int]:
        return (self.to_host or self.server_host, self.to_port or self.server_port)

    @property
    def serves_users_api(self) -> bool:
        """True when our server is the users API (its store can be reset), not a user's app
        (`serve --app`) or a proxy: what the empty view suggests trying depends on it."""
        return self.reset_users is not None

    @property
    def client_is_remote(self) -> bool:
        """True when the pane talks to a server that is not ours (ours traces by itself)."""
        return self.client_target != (self.server_host, self.server_port)


def _ignore(_: Coroutine[Any, Any, None]) -> None:
    raise RuntimeError("no event loop to run the task on")


def _nothing() -> None:
    return None


def _no_text() -> str:
    return ""


def _drop_text(text: str) -> None:
    return None


def _no_clipboard(text: str) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class ScreenHooks:
    """What the controller asks of the screen that draws it (defaults: no screen at all)."""

    invalidate: Callable[[], None] = _nothing  # redraw soon
    spawn: Callable[[Coroutine[Any, Any, None]], None] = _ignore  # run work in the background
    set_client_text: Callable[[str], None] = _drop_text  # what the client pane's input holds
    get_client_text: Callable[[], str] = _no_text
    # ask the terminal to put `text` on the clipboard (OSC 52); False when it was not asked
    copy_to_clipboard: Callable[[str], bool] = _no_clipboard
    set_editor_text: Callable[[str], None] = _drop_text  # the response editor's (E)
    sync_focus: Callable[[], None] = _nothing  # focus where the state says (after async work)


@dataclass(frozen=True, slots=True)
class Extension:
    """What a screen built on the trace view adds (the lesson view): its own first zone, a
    look at every record that arrives, and prompts of its own (kind → what Enter does)."""

    zones: tuple[str, ...] = ZONES
    on_records: Callable[[list[ExchangeRecord]], None] | None = None
    prompts: dict[str, Callable[[str], None]] = field(default_factory=dict)
    lang: Callable[[], str] | None = None  # the screen's language when it has its own (l)


class TraceController:
    def __init__(
        self,
        options: TraceOptions,
        publish: Callable[[ExchangeRecord], None] | None = None,
        hooks: ScreenHooks | None = None,
        extension: Extension | None = None,
        *,
        flood: FloodWatch | None = None,
    ) -> None:
        self.options = options
        self.hooks = hooks if hooks is not None else ScreenHooks()
        self.extension = extension if extension is not None else Extension()
        self.zones = self.extension.zones
        self.state = TraceState(options.capacity)
        self.client = ClientSession(*options.client_target)
        self._publish = publish  # the bus: client-pane exchanges with another server go there
        self._pane_numbering: dict[tuple[str, int], PaneNumbering] = {}
        self.zone = self.zones[0]
        self.tab = 0
        self.hexdump = False
        self.field_index = 0
        self.message = ""
        self.message_level = "info"
        self.overlay: str | None = None  # "help" | "curl"
        self.prompt: str | None = None  # "filter" | "save" | "curl-file"
        self.curl_text: str | None = None  # the command as shown (y), one row per line
        self.dropped_by_bus = 0
        self.flood = flood if flood is not None else FloodWatch()
        self.filter_before_prompt = ""  # what Esc in the filter prompt goes back to
        self.zoomed = False  # z: the focused view has the whole screen
        self._field_keys: tuple[ExchangeRecord, list[str]] | None = None
        self.clear_asked = False  # x was pressed once: the next x clears the list
        self.reset_asked = False  # U was pressed once: the next U empties the users
        self.replace_asked: Path | None = None  # s/w named it: Enter again replaces it
        self.hold = HoldDesk(
            options.intercept,
            self.state,
            self.say,
            self.hooks.spawn,
            self.hooks.invalidate,
            self.hooks.set_editor_text,
            self.hooks.sync_focus,
        )

    # messages -------------------------------------------------------------------------------
    def say(self, message: str, level: str = "info") -> None:
        self.message, self.message_level = message, level

    # arrivals -------------------------------------------------------------------------------
    def on_records(self, records: list[ExchangeRecord], dropped: int = 0) -> None:
        before = self.state.current
        seen = self.state.last_seq  # a backlog snapshot and the live feed can overlap
        self.state.add(records)
        self.dropped_by_bus += dropped
        self.flood.arrived(len(records))
        if self.extension.on_records is not None:
            self.extension.on_records([r for r in records if not r.seq or r.seq > seen])
        if self.state.current is not before:
            self.field_index = 0
        self.hooks.invalidate()

    def on_quiet(self) -> None:
        """Nothing has arrived for a while: a flood is over, the details catch up."""
        if self.flood.calm():
            self.hooks.invalidate()

    @property
    def details_paused(self) -> bool:
        """True while the selection follows a flood: the detail panes wait for it to calm
        down instead of laying out every newest exchange (see `flood`)."""
        state = self.state
        return self.flood.active and state.follow and 0 <= state.selected < len(state.visible)

    # moving ---------------------------------------------------------------------------------
    def move(self, delta: int) -> None:
        before = self.state.current
        self.state.move(delta)
        if self.state.current is not before:
            self.field_index = 0

    def to_newest(self) -> None:
        self.state.to_newest()
        self.field_index = 0

    def to_oldest(self) -> None:
        self.state.to_oldest()
        self.field_index = 0

    def go(self, zone: str) -> None:
        self.zone = zone

    def leave_client(self) -> None:
        """Esc in the client pane: back where the screen starts (the list, or the lesson)."""
        self.zone = self.zones[0]

    def set_tab(self, index: int) -> None:
        self.tab = index

    def toggle_zoom(self) -> None:
        self.zoomed = not self.zoomed

    def toggle_hexdump(self) -> None:
        self.hexdump = not self.hexdump

    def open_overlay(self, overlay: str | None) -> None:
        self.overlay = overlay

    def accept_prompt(self, text: str) -> None:
        """Enter in a prompt: the filter, the transcript file or the curl script's file."""
        kind, self.prompt = self.prompt, None
        if kind == "filter":
            self.apply_filter(text)
        elif kind == "save":
            self.save(text)
        elif kind == "curl-file":
            self.write_curl(text)
        elif kind in self.extension.prompts:
            self.extension.prompts[kind](text)

    def cancel_prompt(self) -> None:
        """Esc in a prompt; a filter typed so far is taken back."""
        if self.prompt == "filter":
            self.state.set_filter(self.filter_before_prompt)
        self.prompt = None
        self.replace_asked = None

    def cycle_zone(self, step: int = 1) -> None:
        self.zone = self.zones[(self.zones.index(self.zone) + step) % len(self.zones)]

    @property
    def field_keys(self) -> list[str]:
        """The current record's selectable fields, worked out once per record (every redraw
        asks several times; a request with 4,000 header fields made that most of a key's cost)."""
        record = self.state.current
        if record is None:
            return []
        cached = self._field_keys
        if cached is None or cached[0] is not record:
            cached = self._field_keys = (record, selectable_keys(record))
        return cached[1]

    @property
    def selected_field(self) -> str | None:
        """The parsed field whose bytes are lit in the raw view (only while in the detail,
        and not while the details wait for a flood)."""
        if self.zone != "detail" or self.details_paused:
            return None
        keys = self.field_keys
        if not keys:
            return None
        return keys[min(self.field_index, len(keys) - 1)]

    @property
    def selected_field_label(self) -> str | None:
        """The selected field as a learner reads it: "method", "header 2 (Host)", "body"."""
        key = self.selected_field
        record = self.state.current
        if key is None or record is None:
            return None
        index = header_index(key)
        lang = self.words_lang
        if index is not None and record.head is not None and index < len(record.head.headers):
            name = escape_bytes(list(record.head.headers)[index].name)
            return field_label("header", lang, number=index + 1, name=name)
        chunk = chunk_index(key)
        if chunk is not None:
            return field_label("chunk", lang, number=chunk + 1)
        return field_label(key, lang)

    @property
    def lang(self) -> str:
        """The language of the explanations: the lesson's (it toggles), else `--lang`."""
        if self.extension.lang is not None:
            return self.extension.lang()
        return self.options.lang

    @property
    def words_lang(self) -> str:
        """The language of the screen's own words (messages, footer, empty panes, "… N more
        lines"): the lesson's on the lesson view (`l` switches it); English on the trace view,
        where --lang is the language of the field explanations."""
        return "ru" if "lesson" in self.zones and self.lang == "ru" else "en"

    def said(self, name: str, **values: object) -> str:
        """A status-line message in `words_lang`."""
        return localized(MESSAGES, name, self.words_lang, **values)

    def move_field(self, delta: int) -> None:
        keys = self.field_keys
        if keys:
            self.field_index = min(max(self.field_index + delta, 0), len(keys) - 1)

    def switch_tab(self, step: int) -> None:
        self.tab = (self.tab + step) % len(TABS)

    # filter ---------------------------------------------------------------------------------
    def apply_filter(self, text: str) -> None:
        self.state.set_filter(text)
        self.field_index = 0
        shown = len(self.state.visible)
        if text.strip():
            total = len(self.state.records)
            self.say(self.said("filter", text=repr(text.strip()), shown=shown, total=total))
        else:
            self.say(self.said("filter-cleared"))

    # replay, edit, send -----------------------------------------------------------------------
    def replay(self) -> None:
        record = self.state.current
        if record is None:
            self.say(self.said("empty-replay"), "warning")
            return
        if self.client.busy:
            self.say(self.said("busy"), "warning")
            return
        label = self.said("replay-of", label=exchange_label(record))
        destination = self.destination(record)
        if isinstance(destination, str):
            why = destination
            self.say(self.said("cannot-replay", label=exchange_label(record), why=why), "warning")
            return
        host, port = destination
        self.say(f"{label} → {host}:{port} …")
        self.hooks.spawn(self._send(record.raw_request, host, port, label, fresh=True, notes=[]))

    def destination(self, record: ExchangeRecord) -> tuple[str, int] | str:
        """Where `record`'s request goes again (r, y): an exchange the pane made with the
        --to server goes there; the leg `httplab proxy` sent upstream (source "upstream") goes
        to that upstream (its peer), not through the proxy again; the rest to our server. A
        str says why it cannot go anywhere."""
        if record.source == "client":
            return self.options.client_target
        if record.source == "upstream":
            try:
                return split_host_port(record.peer, default_port=None)
            except ShorthandError:
                return self.said("upstream-not-address", peer=escape_latin1(record.peer))
        return self.options.server_host, self.options.server_port

    def load_into_client(self) -> None:
        record = self.state.current
        if record is None:
            self.say(self.said("empty-edit"), "warning")
            return
        self.hooks.set_client_text(editable_text(record.raw_request))
        self.zone = "client"
        self.client.crlf = True  # editable_text writes CRLF as line breaks
        label = exchange_label(record)
        self.say(self.said("loaded", label=label, send=SEND_KEY, pin=PIN_LENGTH_KEY))

    def send_client(self, text: str) -> bool:
        """Send what the pane holds; False when there was nothing sendable."""
        if self.client.busy:
            self.say(self.said("busy"), "warning")
            return False
        host, port = self.options.client_target
        try:
            composed = compose_request(
                text,
                host=host,
                port=port,
                crlf=self.client.crlf,
                pin_length=self.client.pin_length,
                lang=self.words_lang,
            )
        except ComposeError as exc:
            self.say(str(exc), "error")
            return False
        level = "warning" if any("Content-Length" in n for n in composed.notes) else "info"
        where = f"{composed.host}:{composed.port}"
        self.say(self.said("sending", count=len(composed.data), where=where), level)
        self.hooks.spawn(
            self._send(
                composed.data,
                composed.host,
                composed.port,
                self.said("client"),
                notes=composed.notes,
                typed=text,
            )
        )
        return True

    async def _send(
        self,
        data: bytes,
        host: str,
        port: int,
        label: str,
        *,
        notes: list[str],
        fresh: bool = False,
        typed: str | None = None,
    ) -> None:
        self.hooks.invalidate()
        self.client.lang = self.words_lang  # its errors are said in the lesson's language
        result: PaneResult = await self.client.send(data, host, port, fresh=fresh)
        result.title = f"{label} → {result.title}"
        result.notes = notes + result.notes
        self.client.show(result)
        if result.error:
            self.say(f"{label}: {result.error}", "error")
            if typed is not None and not result.response_bytes and not self.hooks.get_client_text():
                self.hooks.set_client_text(typed)  # nothing came back: the request, to try again
        else:
            length_notes = [n for n in notes if "Content-Length" in n]
            self.say(self.said("back", label=label, count=len(result.response_bytes)), "info")
            if length_notes:
                self.say(f"{label}: {length_notes[0]}", "warning")
        if self._publish is not None and (host, port) != (
            self.options.server_host,
            self.options.server_port,
        ):
            numbering = self._pane_numbering.setdefault((host, port), PaneNumbering())
            for record in client_records(result.exchanges, f"{host}:{port}", numbering):
                self._publish(record)
        self.hooks.invalidate()

    def toggle_crlf(self) -> None:
        self.client.crlf = not self.client.crlf
        self.say(self.said("crlf-on" if self.client.crlf else "crlf-off"))

    def toggle_pin(self) -> None:
        self.client.pin_length = not self.client.pin_length
        self.say(self.said("pinned" if self.client.pin_length else "auto", key=PIN_LENGTH_KEY))

    # save, curl, clear ----------------------------------------------------------------------
    def default_save_path(self) -> str:
        count = len(self.state.to_save())
        name = f"trace-{count}-exchange{'s' if count != 1 else ''}.transcript"
        return str(free_path(self.options.save_dir / name))

    def save(self, path_text: str) -> None:
        records = self.state.to_save()
        if not records:
            self.say(self.said("empty-save"), "warning")
            return
        path = Path(path_text.strip() or self.default_save_path()).expanduser()
        if not self.may_replace("save", path):
            return
        try:
            write_transcript(records, path, title="saved from httplab serve --trace")
        except OSError as exc:
            self.say(self.said("cannot-save", path=path, why=exc.strerror or exc), "error")
            return
        count = len(records)
        self.say(self.said("saved", count=count, s="" if count == 1 else "s", path=path))
        self.state.marked.clear()

    def may_replace(self, prompt: str, path: Path) -> bool:
        """A file that exists is replaced only when Enter is pressed twice on its name: the
        first time the prompt stays open with it and says so."""
        if not path.exists() or self.replace_asked == path:
            self.replace_asked = None
            return True
        self.replace_asked = path
        self.prompt = prompt
        self.say(self.said("exists", path=path), "warning")
        return False

    def show_curl(self) -> None:
        record = self.state.current
        if record is None:
            self.say(self.said("empty-copy"), "warning")
            return
        destination = self.destination(record)  # where replay sends it
        if isinstance(destination, str):
            self.say(self.said("no-curl", label=exchange_label(record), why=destination), "warning")
            return
        host, port = destination
        shown_host = f"[{host}]" if ":" in host else host
        lines = shown_lines(record, f"http://{shown_host}:{port}")
        if lines is None:
            self.say(why_no_curl(record, self.words_lang), "warning")
            return
        self.curl_text = "\n".join(lines)
        self.overlay = "curl"
        if self.hooks.copy_to_clipboard(self.curl_text):
            self.say(self.said("copied"))
        else:
            self.say(self.said("select"))

    def write_curl(self, path_text: str) -> None:
        if self.curl_text is None:
            return
        path = Path(path_text.strip() or free_path(self.options.save_dir / "request.sh"))
        path = path.expanduser()
        if not self.may_replace("curl-file", path):
            return
        try:
            path.write_text("#!/bin/sh\n" + self.curl_text + "\n", encoding="ascii")
        except OSError as exc:
            self.say(self.said("cannot-write", path=path, why=exc.strerror or exc), "error")
            return
        self.say(self.said("curl-written", path=path))

    def ask_clear(self) -> bool:
        """x: the first press asks, a second one at once clears; True when it cleared."""
        count = len(self.state.records)
        if count and not self.clear_asked:
            self.clear_asked = True
            self.say(self.said("ask-clear", count=count, s="s" if count != 1 else ""))
            return False
        self.clear_asked = False
        self.clear()
        return True

    def ask_reset_users(self) -> None:
        """U: the first press asks, a second one at once empties the users of our server."""
        reset = self.options.reset_users
        if reset is None:
            self.say(self.said("no-users"), "warning")
            return
        if not self.reset_asked:
            self.reset_asked = True
            self.say(self.said("ask-reset"))
            return
        self.reset_asked = False
        count = reset()
        self.say(self.said("users-reset", count=count))

    def clear(self) -> None:
        count = len(self.state.records)
        self.state.clear()
        self.field_index = 0
        self.say(self.said("cleared", count=count, s="s" if count != 1 else ""))


def free_path(path: Path) -> Path:
    """`path`, or `name-2.ext`, `name-3.ext` … when it exists: a suggested name never replaces
    an earlier save (a name typed over it does, after a second Enter: `may_replace`)."""
    number = 1
    candidate = path
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate
