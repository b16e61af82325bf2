"""The trace side's own words (pane titles, tabs, the client pane's modes, prompts) in English
and Russian: the lesson view speaks the lesson's language (`l`); `serve --trace` stays English,
as its other words do (`TraceController.words_lang`)."""

from __future__ import annotations

from httplab.trace.words import localized

WORDS: dict[str, dict[str, str]] = {
    # the exchange list's title
    "exchanges": {"en": "exchanges {count}", "ru": "обмены: {count}"},
    "filtered": {"en": "of {total} · filter: {text}", "ru": "из {total} · фильтр: {text}"},
    "marked": {"en": "· {count} marked", "ru": "· отмечено: {count}"},
    "dropped": {
        "en": "· {count} dropped (ring buffer full)",
        "ru": "· потеряно: {count} (кольцевой буфер полон)",
    },
    "flood": {
        "en": "· following a flood ({rate}/s)",
        "ru": "· поток обменов ({rate}/с), показываю новые",
    },
    "following": {"en": "· following", "ru": "· показываю новые"},
    "paused": {"en": "· paused (G follows)", "ru": "· пауза (G — к новым)"},
    # the detail views' titles and tabs
    "raw": {"en": "raw request", "ru": "запрос как есть"},
    "parsed": {"en": "parsed", "ru": "разбор"},
    "headers": {"en": "headers", "ru": "поля"},
    "response": {"en": "response", "ru": "ответ"},
    "hex": {"en": " (hex)", "ru": " (hex)"},
    # the selected field, in the raw view's title
    "field-header": {"en": "header {number} ({name})", "ru": "поле {number} ({name})"},
    "field-chunk": {"en": "chunk {number}", "ru": "кусок {number}"},
    "field-request-line": {"en": "request line", "ru": "стартовая строка"},
    "field-method": {"en": "method", "ru": "метод"},
    "field-target": {"en": "target", "ru": "цель"},
    "field-version": {"en": "version", "ru": "версия"},
    "field-body": {"en": "body", "ru": "тело"},
    # the client pane's title
    "client": {"en": "client → {where}", "ru": "клиент → {where}"},
    "crlf-on": {"en": "CRLF on", "ru": "CRLF вкл."},
    "crlf-off": {"en": "CRLF off (bare LF)", "ru": "CRLF выкл. (одиночный LF)"},
    "length-typed": {"en": "Content-Length as typed", "ru": "Content-Length как набран"},
    "length-auto": {"en": "Content-Length auto", "ru": "Content-Length авто"},
    "sending": {"en": " · sending…", "ru": " · отправка…"},
    # the prompts
    "prompt-filter": {"en": " filter (GET 4xx /users): ", "ru": " фильтр (GET 4xx /users): "},
    "prompt-save": {"en": " save transcript to: ", "ru": " сохранить транскрипт в: "},
    "prompt-curl-file": {
        "en": " write curl command to: ",
        "ru": " записать команду curl в: ",
    },
    # the curl overlay (`y`)
    "curl-title": {
        "en": " the request as a curl command — select the lines below with the mouse{shift}",
        "ru": " запрос как команда curl — выделите строки ниже мышью{shift}",
    },
    "curl-shift": {"en": " (with --mouse: hold Shift)", "ru": " (с --mouse: держите Shift)"},
    "curl-too-wide": {
        "en": " a line is wider than the screen: a selection would break it — paste what "
        "OSC 52 copied, or w",
        "ru": " строка шире экрана: выделение её разорвёт — вставьте то, что скопировал OSC 52, "
        "или нажмите w",
    },
    # the `?` overlay's frame
    "help-title": {
        "en": "keys — ↑↓ PgUp PgDn scroll · Esc or ? closes",
        "ru": "клавиши — ↑↓ PgUp PgDn прокрутка · Esc или ? закрывает",
    },
}


def view_word(key: str, lang: str, **values: object) -> str:
    return localized(WORDS, key, lang, **values)


def field_label(key: str, lang: str, **values: object) -> str:
    """A selected field's name ("method", "header 2 (Host)"); an unknown key as it is."""
    name = f"field-{key}"
    if name in WORDS:
        return localized(WORDS, name, lang, **values)
    return key.replace("-", " ")
