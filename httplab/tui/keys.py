"""The keymap of the trace screen: ONE table, read by everything that needs keys.

Each row (`KeyRow`) says which keys do what, where (`context`), and how the help names it. The
prompt_toolkit key bindings are generated from it (`key_bindings.build_key_bindings`), and so are
the footer, the `?` overlay and the key tour in docs/trace-keys.md — a key cannot be bound
without being documented, or documented without being bound (as in mitmproxy's keymap, where
each `km.add(key, command, contexts, help)` row serves both).

A row's `binds` name the keys in prompt_toolkit's spelling ("up", "c-s", "alt-enter") with the
action each runs; the help writes them for people ("↑", "Ctrl-S", "Alt-Enter"), derived here
unless the row says otherwise (`shown`, for groups like "1-4"). A row with no binds documents a
key the text area handles itself (new line, completion, history, emacs editing).

Contexts: "list", "detail", "client" (where the focus is), "any" (outside the client pane and
the prompts), "always" (even while typing), "overlay" (help or curl open), "help", "curl",
"prompt" (the filter/save prompt), "lesson" (keys of the lesson pane, outside typing), "hold"
(as "any", on `serve --trace` only: requests held for the class) and "editor" (the response
editor of a held request).
The footer has one line: per focus, `FOOTER_PRIORITY` says which keys it keeps first when the
terminal is narrow (at 80 columns the most useful ones still fit); `?` always lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass

# Keys that messages name too (a warning about Content-Length says how to unpin it).
PIN_LENGTH_KEY = "Ctrl-O"
SEND_KEY = "Ctrl-S"


@dataclass(frozen=True, slots=True)
class Bind:
    """Keys (alternatives, each one key or a sequence "escape enter") that run `action`."""

    keys: tuple[str, ...]
    action: str
    context: str | None = None  # None: the row's context


@dataclass(frozen=True, slots=True)
class KeyRow:
    name: str  # what FOOTER_PRIORITY refers to
    context: str
    action: str  # as the help screen says it ("" keeps the row out of the help)
    binds: tuple[Bind, ...] = ()
    short: str = ""  # the footer's word for it
    footer_keys: str = ""  # the keys as the footer writes them, when shorter than `keys`
    shown: str = ""  # the keys as the help writes them, when not derived from `binds`

    @property
    def zone(self) -> str:
        return self.context

    @property
    def keys(self) -> str:
        """The keys as shown to the user."""
        return self.shown or shown_keys(self.binds)

    @property
    def footer_label(self) -> str:
        return self.short or self.action

    @property
    def footer_key_text(self) -> str:
        return self.footer_keys or self.keys

    @property
    def footer_width(self) -> int:
        """Cells taken in the footer: " keys label "."""
        return len(self.footer_key_text) + len(self.footer_label) + 3

    def footer_label_in(self, lang: str) -> str:
        """The footer's word in `lang`: the lesson view speaks the lesson's language."""
        if lang == "ru":
            return FOOTER_RU.get(self.name, self.footer_label)
        return self.footer_label

    def keys_in(self, lang: str) -> str:
        """The keys as the help writes them in `lang` (a few have words: "on first line")."""
        if lang == "ru":
            return SHOWN_RU.get(self.name, self.keys)
        return self.keys

    def action_in(self, lang: str) -> str:
        """The help's words for it in `lang` (the lesson view's `?` speaks the lesson's)."""
        if lang == "ru":
            return HELP_RU.get(self.name, self.action)
        return self.action

    def footer_width_in(self, lang: str) -> int:
        return len(self.footer_key_text) + len(self.footer_label_in(lang)) + 3


_DISPLAY = {
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "end": "End",
    "enter": "Enter",
    "escape": "Esc",
    "tab": "Tab",
    "s-tab": "Shift-Tab",
    " ": "Space",
    "alt-enter": "Alt-Enter",
    "sigint": "",  # the terminal's interrupt: Ctrl-C says it already
}


def display_key(key: str) -> str:
    """A prompt_toolkit key name as the help writes it: "c-s" → "Ctrl-S", "up" → "↑"."""
    if key in _DISPLAY:
        return _DISPLAY[key]
    if key.startswith("c-") and len(key) == 3:
        return "Ctrl-" + key[2].upper()
    return key


def shown_keys(binds: tuple[Bind, ...]) -> str:
    """The keys of `binds` for the help, in order, without repeats; ↑↓ and ←→ pair up."""
    words: list[str] = []
    for bind in binds:
        for key in bind.keys:
            word = display_key(key)
            if word and word not in words:
                words.append(word)
    text = " ".join(words)
    return text.replace("↑ ↓", "↑↓")


def _b(keys: str, action: str, context: str | None = None) -> Bind:
    """`keys` separated by spaces; a literal space key is written "space"."""
    return Bind(tuple(" " if k == "space" else k for k in keys.split()), action, context)


KEYMAP: tuple[KeyRow, ...] = (
    # --- the exchange list ---------------------------------------------------------------
    KeyRow(
        "move",
        "list",
        "move through exchanges",
        (_b("up", "list-up"), _b("down j", "list-down"), _b("k", "list-up")),
        "move",
        "↑↓",
    ),
    KeyRow(
        "page",
        "list",
        "page / oldest / newest (G follows new ones)",
        (
            _b("pageup", "list-page-up"),
            _b("pagedown", "list-page-down"),
            _b("g", "list-oldest"),
            _b("G", "list-newest"),
            _b("home", "list-oldest"),
            _b("end", "list-newest"),
        ),
    ),
    KeyRow("detail", "list", "step into the detail views", (_b("enter", "into-detail"),), "detail"),
    KeyRow("mark", "list", "mark the exchange for saving", (_b("space", "mark"),), "mark"),
    # --- the detail views ----------------------------------------------------------------
    KeyRow(
        "field",
        "detail",
        "step through parsed fields: their bytes light up in the raw view, and what the field "
        "means and what this server did with it is shown below (serve --trace --lang ru)",
        (_b("up", "field-up"), _b("down j", "field-down"), _b("k", "field-up")),
        "field",
        "↑↓",
    ),
    KeyRow(
        "scroll",
        "detail",
        "scroll the current view (a long body, many headers)",
        (
            _b("pageup", "view-page-up"),
            _b("pagedown", "view-page-down"),
            _b("home", "view-top"),
            _b("end", "view-bottom"),
        ),
        "scroll",
        "PgUp/Dn",
    ),
    KeyRow(
        "view",
        "detail",
        "current view: the tab on a narrow terminal, the one PgUp/PgDn scroll",
        (
            _b("left", "tab-left"),
            _b("right", "tab-right"),
            _b("1", "tab-1", "any"),
            _b("2", "tab-2", "any"),
            _b("3", "tab-3", "any"),
            _b("4", "tab-4", "any"),
        ),
        "view",
        "←→",
        shown="← → 1-4",
    ),
    KeyRow("back", "detail", "back to the exchange list", (_b("escape", "to-list"),), "back"),
    # --- the client pane (the text area binds the rows without binds) --------------------
    # Bound here, not left to the text area: its Enter copies the line's leading spaces to the
    # next line, and in a request a line that starts with a space continues the line above
    # (obs-fold) — ` "age": 85}` in a chunk would turn the `0` after it into ` 0`.
    KeyRow("newline", "client", "new line", (_b("enter", "newline"),), shown="Enter"),
    KeyRow(
        "send",
        "client",
        "send; the input clears (↑ brings it back)",
        (_b("c-s alt-enter", "send"),),
        "send",
        SEND_KEY,
    ),
    KeyRow(
        "complete",
        "client",
        "complete method, header name or path",
        (),
        "complete",
        "Tab",
        shown="Tab",
    ),
    KeyRow("history", "client", "input history", (), "history", "↑", shown="↑↓ on first/last line"),
    KeyRow(
        "clear",
        "client",
        "clear the input (↑ brings it back)",
        (_b("c-u", "clear-input"),),
        "clear",
    ),
    KeyRow(
        "editing",
        "client",
        "line start / line end / cut to line end / paste (emacs keys)",
        shown="Ctrl-A Ctrl-E Ctrl-K Ctrl-Y",
    ),
    KeyRow(
        "answer",
        "client",
        "scroll the answer",
        (_b("pageup", "answer-page-up"), _b("pagedown", "answer-page-down")),
        "answer",
        "PgUp/Dn",
    ),
    KeyRow("crlf", "client", "CRLF line ends on/off", (_b("c-t", "toggle-crlf"),), "CRLF"),
    # Not Ctrl-K: that is kill-line in the text area's emacs keys (and in readline).
    KeyRow(
        "pin",
        "client",
        "Content-Length auto (added to a body typed without one, fixed when wrong) or as "
        "typed (sent exactly as typed: a body without one goes unframed, as in lesson 9)",
        (_b("c-o", "toggle-pin"),),
        "CL auto/typed",
    ),
    KeyRow("leave", "client", "leave the client pane", (_b("escape", "leave-client"),), "leave"),
    # --- everywhere outside the client pane ----------------------------------------------
    KeyRow(
        "focus",
        "any",
        "focus: list → detail → client",
        (_b("tab", "next-zone"), _b("s-tab", "previous-zone")),
        "focus",
        "Tab",
    ),
    KeyRow(
        "filter",
        "any",
        "filter: method, status class (4xx), status, path text",
        (_b("/", "filter"),),
        "filter",
    ),
    KeyRow("replay", "any", "replay the selected request", (_b("r", "replay"),), "replay"),
    KeyRow(
        "edit", "any", "edit the selected request in the client pane", (_b("e", "edit"),), "edit"
    ),
    KeyRow(
        "save",
        "any",
        "save marked (or selected) exchanges as a transcript",
        (_b("s", "save"),),
        "save",
    ),
    KeyRow(
        "curl",
        "any",
        "the request as a curl command: select it with the mouse (also sent to the clipboard "
        "with OSC 52 where the terminal allows; w writes it to a file)",
        (_b("y", "curl"),),
        "curl",
    ),
    KeyRow("hex", "any", "hexdump on/off", (_b("h", "toggle-hex"),), "hex"),
    KeyRow(
        "zoom",
        "any",
        "zoom: the focused view gets the whole screen (z again: back)",
        (_b("z", "zoom"),),
        "zoom",
    ),
    KeyRow(
        "clear-list",
        "any",
        "clear the list (asks: x again clears)",
        (_b("x", "clear-list"),),
        "clear",
    ),
    KeyRow(
        "reset-users",
        "any",
        "empty the server's users, ids from 1 again (asks: U again)",
        (_b("U", "reset-users"),),
        "reset",
    ),
    KeyRow("client", "any", "go to the client pane", (_b("c", "to-client"),), "client"),
    # --- held requests (serve --trace; --hold starts with holding on) ----------------------
    KeyRow(
        "hold",
        "hold",
        "hold each request before the app answers, on/off (off releases all)",
        (_b("H", "toggle-hold"),),
        "hold",
    ),
    KeyRow(
        "release",
        "hold",
        "release the selected held request (‖): the app answers it",
        (_b("a", "release"),),
        "release",
    ),
    KeyRow("release-all", "hold", "release every held request", (_b("A", "release-all"),), "all"),
    KeyRow(
        "edit-response",
        "hold",
        "edit the held request's response (the app's answer), then send it",
        (_b("E", "edit-response"),),
        "edit answer",
    ),
    KeyRow(
        "send-edited",
        "editor",
        "send it checked: Content-Length recomputed, framing verified (else: what is wrong)",
        (_b("c-s", "send-edited"),),
        "send checked",
        SEND_KEY,
    ),
    KeyRow(
        "send-raw",
        "editor",
        "send the bytes exactly as typed, unchecked; the connection closes after them",
        (_b("c-r", "send-raw"),),
        "send raw",
    ),
    KeyRow(
        "leave-editor",
        "editor",
        "back to the list; the request stays held (E comes back to the edit)",
        (_b("escape", "leave-editor"),),
        "back (still held)",
    ),
    KeyRow("help", "any", "this help", (_b("?", "help"),), "help"),
    KeyRow(
        "quit",
        "any",
        "quit (stops the server)",
        (_b("q", "quit"), _b("c-c sigint", "quit", "always")),
        "quit",
        "q",
    ),
    # --- the lesson view (`httplab lesson N`): bound only there --------------------------
    KeyRow(
        "lesson-scroll",
        "lesson-pane",
        "scroll the lesson pane",
        (
            _b("up", "lesson-up"),
            _b("down j", "lesson-down"),
            _b("k", "lesson-up"),
            _b("pageup", "lesson-page-up"),
            _b("pagedown", "lesson-page-down"),
            _b("home", "lesson-top"),
            _b("end", "lesson-bottom"),
        ),
        "scroll",
        "↑↓",
    ),
    KeyRow(
        "hint", "lesson", "the next hint: nudge → pointer → near-answer", (_b("i", "hint"),), "hint"
    ),
    KeyRow(
        "next-step",
        "lesson",
        "next step (in class: the whole class moves)",
        (_b("n", "next-step"),),
        "next",
    ),
    KeyRow("prev-step", "lesson", "previous step", (_b("p", "prev-step"),), "prev"),
    KeyRow(
        "predict",
        "lesson",
        "answer the step's question (a prediction)",
        (_b("a", "predict"),),
        "answer",
    ),
    KeyRow("lang", "lesson", "language: English / Russian", (_b("l", "toggle-lang"),), "EN/RU"),
    # --- overlays and prompts (named in their own titles and the prompt footer) ----------
    KeyRow(
        "help-scroll",
        "help",
        "",
        (
            _b("up k", "help-up"),
            _b("down j", "help-down"),
            _b("pageup", "help-page-up"),
            _b("pagedown space", "help-page-down"),
            _b("home", "help-top"),
            _b("end", "help-bottom"),
        ),
    ),
    KeyRow("close", "overlay", "", (_b("escape ? q", "close-overlay"),), "back", "Esc"),
    KeyRow("write-curl", "curl", "", (_b("w", "write-curl"),), "write it to a file"),
    KeyRow("apply", "prompt", "", (_b("enter", "accept-prompt"),), "apply"),
    KeyRow("cancel", "prompt", "", (_b("escape", "cancel-prompt"),), "cancel"),
)

KEY_HELP = KEYMAP  # the rows; those with an empty `action` stay out of the help

# Per focus: the footer's keys, most useful first; it keeps as many as fit, in this order.
FOOTER_PRIORITY: dict[str, tuple[str, ...]] = {
    "list": (
        "move",
        "detail",
        "replay",
        "edit",
        "hold",
        "filter",
        "save",
        "client",
        "curl",
        "hex",
        "zoom",
    ),
    # the list or the detail while requests are held: the hold keys first
    "held-list": ("release", "release-all", "edit-response", "hold", "move", "detail"),
    "held-detail": ("release", "release-all", "edit-response", "hold", "field", "back"),
    "editor": ("send-edited", "send-raw", "leave-editor"),
    "detail": (
        "field",
        "scroll",
        "view",
        "back",
        "zoom",
        "replay",
        "hex",
        "edit",
        "filter",
        "save",
    ),
    "client": ("send", "leave", "complete", "crlf", "pin", "clear", "history", "answer"),
    "prompt": ("apply", "cancel"),
    "curl": ("write-curl", "close"),
    "lesson": (
        "client",
        "hint",
        "next-step",
        "prev-step",
        "predict",
        "lang",
        "lesson-scroll",
        "focus",
    ),
}
# Shown whatever the width, at the end (q and ? type text in the client pane, so not there).
FOOTER_ALWAYS: dict[str, tuple[str, ...]] = {
    "list": ("help", "quit"),
    "detail": ("help", "quit"),
    "client": (),
    "prompt": (),
    "curl": (),
    "lesson": ("help", "quit"),
    "held-list": ("help", "quit"),
    "held-detail": ("help", "quit"),
    "editor": (),
}

# The footer's words in Russian, by row name: the lesson view shows them after `l` (or with
# `--lang ru`); every row its footer can show has one (tested). The help (`?`) stays English.
FOOTER_RU: dict[str, str] = {
    "move": "выбор",
    "detail": "подробно",
    "mark": "отметить",
    "replay": "повтор",
    "edit": "править",
    "filter": "фильтр",
    "save": "сохранить",
    "client": "клиент",
    "curl": "curl",
    "hex": "hex",
    "zoom": "крупно",
    "field": "поле",
    "scroll": "прокрутка",
    "view": "вкладка",
    "back": "назад",
    "send": "отправить",
    "leave": "выйти",
    "complete": "дополнить",
    "history": "история",
    "clear": "очистить",
    "answer": "ответ",
    "crlf": "CRLF",
    "pin": "CL авто/как есть",
    "focus": "фокус",
    "help": "справка",
    "quit": "выход",
    "lesson-scroll": "прокрутка",
    "hint": "подсказка",
    "next-step": "дальше",
    "prev-step": "назад",
    "predict": "ответить",
    "lang": "EN/RU",
    "close": "назад",
    "write-curl": "записать в файл",
    "apply": "применить",
    "cancel": "отмена",
}

ZONE_TITLES = {
    "lesson": "Lesson (httplab lesson N)",
    "list": "Exchange list",
    "detail": "Detail views",
    "client": "Client pane",
    "any": "Everywhere (outside the client pane)",
    "hold": "Held requests (httplab serve --trace; --hold starts with holding on)",
    "editor": "Response editor (E on a held request)",
}
TRACE_ONLY_ZONES = ("hold", "editor")  # not on the lesson view

# Each row's help text in Russian, by row name: the lesson view speaks the lesson's language.
HELP_RU: dict[str, str] = {
    "move": "перемещение по обменам",
    "page": "страница / самый старый / самый новый (G — следить за новыми)",
    "detail": "перейти к подробным видам",
    "mark": "отметить обмен для сохранения",
    "field": "по разобранным полям: их байты подсвечиваются в запросе как есть, а ниже — что "
    "поле значит и что с ним сделал этот сервер",
    "scroll": "прокрутка текущего вида (длинное тело, много полей)",
    "view": "текущий вид: вкладка на узком терминале, его прокручивают PgUp/PgDn",
    "back": "назад к списку обменов",
    "newline": "новая строка",
    "send": "отправить; ввод очищается (↑ возвращает его)",
    "complete": "дополнить метод, имя поля или путь",
    "history": "история ввода",
    "clear": "очистить ввод (↑ возвращает его)",
    "editing": "в начало строки / в конец / вырезать до конца / вставить (клавиши emacs)",
    "answer": "прокрутка ответа",
    "crlf": "концы строк CRLF: вкл./выкл.",
    "pin": "Content-Length авто (добавляется к телу без него, исправляется, если неверен) "
    "или как набран (уходит как набрано: тело без него — без границ, как в уроке 9)",
    "leave": "выйти из панели клиента",
    "focus": "фокус: список → подробно → клиент",
    "filter": "фильтр: метод, класс статуса (4xx), статус, текст пути",
    "replay": "повторить выбранный запрос",
    "edit": "править выбранный запрос в панели клиента",
    "save": "сохранить отмеченные (или выбранный) обмены как транскрипт",
    "curl": "запрос как команда curl: выделите её мышью (она же уходит в буфер обмена через "
    "OSC 52, где терминал позволяет; w записывает её в файл)",
    "hex": "шестнадцатеричный дамп: вкл./выкл.",
    "zoom": "крупно: вид в фокусе занимает весь экран (z ещё раз — назад)",
    "clear-list": "очистить список (спросит: x ещё раз очищает)",
    "reset-users": "очистить пользователей сервера, id снова с 1 (спросит: ещё раз U)",
    "client": "перейти в панель клиента",
    "hold": "задерживать каждый запрос до ответа приложения: вкл./выкл. (выкл. отпускает все)",
    "release": "отпустить выбранный задержанный запрос (‖): приложение ответит на него",
    "release-all": "отпустить все задержанные запросы",
    "edit-response": "править ответ на задержанный запрос (ответ приложения), затем отправить",
    "send-edited": "отправить с проверкой: Content-Length пересчитан, границы проверены "
    "(иначе — что не так)",
    "send-raw": "отправить байты ровно как набраны, без проверки; после них соединение закрывается",
    "leave-editor": "назад к списку; запрос остаётся задержанным (E вернёт к правке)",
    "help": "эта справка",
    "quit": "выход (останавливает сервер)",
    "lesson-scroll": "прокрутка панели урока",
    "hint": "следующая подсказка: намёк → указание → почти ответ",
    "next-step": "следующий шаг (на занятии — для всего класса)",
    "prev-step": "предыдущий шаг",
    "predict": "ответить на вопрос шага (предсказание)",
    "lang": "язык: английский / русский",
}

SHOWN_RU = {"history": "↑↓ на первой/последней строке"}

ZONE_TITLES_RU = {
    "lesson": "Урок (httplab lesson N)",
    "list": "Список обменов",
    "detail": "Подробные виды",
    "client": "Панель клиента",
    "any": "Везде (вне панели клиента)",
    "hold": "Задержанные запросы (httplab serve --trace; --hold — сразу с задержкой)",
    "editor": "Правка ответа (E на задержанном запросе)",
}

# What the list and the panes show besides keys.
LEGEND: tuple[tuple[str, str], ...] = (
    ("#3.1", "exchange 1 on connection 3 to this server"),
    ("→3.1", "exchange 1 the client pane made with the --to server (its connection 3)"),
    ("●", "marked for saving"),
    ("‖", "held: the client waits until you release it (a), or its countdown ends"),
    ("… 12 more lines below", "the view goes on: PgDn / PgUp (detail focused)"),
)
LEGEND_TITLE = "In the list and the views"
LEGEND_RU: tuple[tuple[str, str], ...] = (
    ("#3.1", "обмен 1 в соединении 3 с этим сервером"),
    ("→3.1", "обмен 1, сделанный панелью клиента с сервером --to (её соединение 3)"),
    ("●", "отмечен для сохранения"),
    ("‖", "задержан: клиент ждёт, пока вы его не отпустите (a) или не кончится отсчёт"),
    ("… ниже ещё строк: 12", "вид продолжается: PgDn / PgUp (в фокусе подробный вид)"),
)
LEGEND_TITLE_RU = "В списке и видах"

_BY_NAME = {key.name: key for key in KEYMAP}


def key_named(name: str) -> KeyRow:
    return _BY_NAME[name]


def bindings() -> list[tuple[tuple[str, ...], str, str]]:
    """Every (key sequence, context, action) of the table, in table order."""
    table: list[tuple[tuple[str, ...], str, str]] = []
    for row in KEYMAP:
        for bind in row.binds:
            for key in bind.keys:
                sequence = ("escape", "enter") if key == "alt-enter" else (key,)
                table.append((sequence, bind.context or row.context, bind.action))
    return table


def footer_keys(
    zone: str, columns: int, without: tuple[str, ...] = TRACE_ONLY_ZONES, lang: str = "en"
) -> list[KeyRow]:
    """The keys the footer shows for `zone` in `columns` cells: by priority, then the musts;
    none of the contexts in `without` (keys the screen does not have); `lang` is the language
    of their words (their widths differ)."""
    must = [_BY_NAME[name] for name in FOOTER_ALWAYS.get(zone, ())]
    room = columns - sum(key.footer_width_in(lang) for key in must)
    chosen: list[KeyRow] = []
    for name in FOOTER_PRIORITY.get(zone, ()):
        key = _BY_NAME[name]
        if key.context in without:
            continue
        if key.footer_width_in(lang) <= room:
            chosen.append(key)
            room -= key.footer_width_in(lang)
    return chosen + must


LESSON_CONTEXTS = ("lesson", "lesson-pane")


def help_sections(*, lesson: bool = False, lang: str = "en") -> list[tuple[str, list[KeyRow]]]:
    """The help's sections: one per focus; the lesson's only on the lesson view. The titles
    are in `lang`; each row's words are `KeyRow.action_in(lang)`."""
    sections = []
    titles = ZONE_TITLES_RU if lang == "ru" else ZONE_TITLES
    for zone, title in titles.items():
        if (zone == "lesson" and not lesson) or (zone in TRACE_ONLY_ZONES and lesson):
            continue
        contexts = LESSON_CONTEXTS if zone == "lesson" else (zone,)
        sections.append((title, [k for k in KEYMAP if k.context in contexts and k.action]))
    return sections


def key_tour_markdown() -> str:
    """The key tour in docs/trace-keys.md, generated from the same table."""
    lines: list[str] = []
    for title, keys in help_sections():
        lines.append(f"**{title}**\n")
        lines += [f"- `{k.keys}` — {k.action}" for k in keys]
        lines.append("")
    lines.append(f"**{LEGEND_TITLE}**\n")
    lines += [f"- `{shown}` — {meaning}" for shown, meaning in LEGEND]
    return "\n".join(lines).rstrip() + "\n"
