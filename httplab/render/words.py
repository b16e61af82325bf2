"""The words of the printed trace (`serve --trace --plain --lang ru`) in English and Russian:
section titles, the parsed tree's labels, the header table's columns, connection events. HTTP's
own words (method names, header names, status codes) are shown as they are on the wire."""

from __future__ import annotations

from httplab.trace.words import localized

WORDS: dict[str, dict[str, str]] = {
    # the sections of one exchange
    "request-section": {
        "en": "request, {count} bytes as received",
        "ru": "запрос как получен, байтов: {count}",
    },
    "parsed": {"en": "parsed", "ru": "разбор"},
    "header-fields": {"en": "header fields", "ru": "поля заголовка"},
    "fields-mean": {"en": "what the fields mean", "ru": "что значат поля"},
    "response-section": {
        "en": "response, {count} bytes sent",
        "ru": "ответ как отправлен, байтов: {count}",
    },
    "not-the-bytes": {"en": "not the bytes as sent", "ru": "это не байты, как они ушли"},
    "pretty-printed": {"en": "pretty-printed", "ru": "отформатировано"},
    "decoded-as": {"en": "decoded as {charset}", "ru": "декодировано как {charset}"},
    "notes": {"en": "notes", "ru": "замечания"},
    "no-notes": {"en": "no notes", "ru": "замечаний нет"},
    # the parsed tree
    "request": {"en": "request", "ru": "запрос"},
    "request-line": {"en": "request line", "ru": "стартовая строка"},
    "method": {"en": "method", "ru": "метод"},
    "target": {"en": "target", "ru": "цель"},
    "path": {"en": "path", "ru": "путь"},
    "query": {"en": "query", "ru": "query"},
    "version": {"en": "version", "ru": "версия"},
    "headers": {"en": "headers ({count})", "ru": "поля заголовка ({count})"},
    "trailers": {"en": "trailers ({count})", "ru": "трейлеры ({count})"},
    "body": {"en": "body", "ru": "тело"},
    "body-bytes": {"en": "{count} bytes", "ru": "(байтов: {count})"},
    # the header table
    "name": {"en": "name", "ru": "имя"},
    "value": {"en": "value", "ru": "значение"},
    "repeated": {"en": "repeated {seen}/{total}", "ru": "повтор {seen}/{total}"},
    # units in an exchange's one-line summary
    "size-b": {"en": "{size} B", "ru": "{size} Б"},
    "size-kb": {"en": "{size} KB", "ru": "{size} КБ"},
    "size-mb": {"en": "{size} MB", "ru": "{size} МБ"},
    "ms": {"en": "ms", "ru": "мс"},
    # connection events
    "opened": {"en": "connection opened", "ru": "соединение открыто"},
    "closed": {"en": "connection closed", "ru": "соединение закрыто"},
    "timeout": {"en": "connection timeout", "ru": "соединение: тайм-аут"},
    "protocol-error": {"en": "connection protocol-error", "ru": "соединение: ошибка протокола"},
    "refused": {"en": "connection refused", "ru": "соединение отклонено"},
}


def word(key: str, lang: str = "en", **values: object) -> str:
    """The words named `key` in `lang` ("en" or "ru"; anything else is English)."""
    return localized(WORDS, key, lang, **values)
