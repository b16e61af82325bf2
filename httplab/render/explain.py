""" "Explain this field": what each part of a request is for, with its RFC rule and what this
server did with it, in English and Russian.

The explanations are data (`explain.toml` beside this module, like the lessons' texts); this
module loads them, gathers the facts of one exchange (status, body length, chosen media type,
whether the connection stays open) and fills them in. Fields this server does not read are
explained too and say "not interpreted by this server"; a field not in the data is called an
extension field. `ExplanationsView` prints them all for `serve --trace --plain` (`--lang ru`
in Russian); the trace view shows `FieldExplanationView` of the selected field (`explain_field`),
under the raw bytes it lights up.

The `did` templates are filled from `facts()`: what happened in the exchange (`status`,
`content_type`, `path`, `body_length`, `body_bytes` (with its unit, the Russian plural right),
`framing`, `persistence`, `continue`) and, for the field itself, `value` (as received, escaped)
and, for a chunk, `chunk_size` (in decimal) and `chunk_bytes`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from httplab.render.fields import BODY, chunk_index, chunks, header_index
from httplab.trace.records import ExchangeRecord
from httplab.trace.wire_text import escape_latin1
from httplab.trace.words import count_bytes

LANGS = ("en", "ru")
NOT_READ = {
    "en": "not interpreted by this server",
    "ru": "этот сервер его не интерпретирует",
}
EXTENSION = {
    "en": "an extension or private field",
    "ru": "поле-расширение или частное поле",
}
THIS_SERVER = {"en": "this server", "ru": "этот сервер"}
PERSISTENCE = {
    ("en", True): "closed the connection after the response",
    ("en", False): "kept the connection open for the next request",
    ("ru", True): "закрыл соединение после ответа",
    ("ru", False): "оставил соединение открытым для следующего запроса",
}
CONTINUE = {
    ("en", True): "sent 100 Continue, then read the body",
    ("en", False): "sent no 100 Continue (no body was still to come)",
    ("ru", True): "отправил 100 Continue, потом прочитал тело",
    ("ru", False): "не отправлял 100 Continue (тело уже не ожидалось)",
}
ANOTHER_SERVER = {
    "en": "another server (--to) answered {status}; what it did with this field is its own",
    "ru": "ответил другой сервер (--to): {status}; что он сделал с этим полем — его дело",
}
ELSEWHERE = {
    "client": ANOTHER_SERVER,
    "upstream": {
        "en": "sent upstream by httplab's proxy; the upstream answered {status}, and what it "
        "did with this field is its own",
        "ru": "это отправил дальше прокси httplab; вышестоящий сервер ответил {status}, и что он "
        "сделал с этим полем — его дело",
    },
}
"""Records of an exchange httplab's server did not answer, by `source`: every row says who did
(the client pane's `--to` server; the upstream, on the leg `httplab proxy` sent it)."""
FOREIGN = "_foreign"
"""A fact naming the ELSEWHERE entry, when the exchange was with another server."""
BEHIND = "_behind"
"""A fact set when httplab's server passed the request on: to the user's app (`serve --app`:
records of `source` "app") or upstream (`httplab proxy`: a client leg that was forwarded).
Rows of fields the application acts on (`app = true` in explain.toml) then say who answered,
and fields httplab's server ignores may be read there."""
BEHIND_ANSWERED = {
    "app": {
        "en": "your app (--app) answered {status}; what it did with this field is its own",
        "ru": "ответило ваше приложение (--app): {status}; что оно сделало с этим полем — его дело",
    },
    "proxy": {
        "en": "forwarded upstream, which answered {status}; what it did with this field is its own",
        "ru": "переслал дальше; вышестоящий сервер ответил {status}; что он сделал с этим полем — "
        "его дело",
    },
}
BEHIND_NOT_READ = {
    "app": {
        "en": "not interpreted by httplab's server; your app (--app) may read it",
        "ru": "сервер httplab его не интерпретирует; ваше приложение (--app) может его читать",
    },
    "proxy": {
        "en": "not interpreted by the proxy; the upstream it went to may read it",
        "ru": "прокси его не интерпретирует; вышестоящий сервер может его читать",
    },
}
APP_SOURCE = "app"  # a record of `serve --app` (server/apps: record_source)
FORWARDED_NOTE = "proxy-forwarded"  # the note on a proxy's client leg that went upstream
VALUE_SHOWN = 60
"""Characters of a field's value an explanation quotes at most."""
# A selected field key (render/fields.py) → its entry in explain.toml.
PART_KEYS = {
    "request-line": "@request-line",
    "method": "@method",
    "target": "@target",
    "version": "@version",
    BODY: "@body",
}
MAX_FIELDS = 40
"""Rows of explanations per exchange at most (the request line's three included); fields
this module does not know share one row however many a request carries."""


@dataclass(frozen=True, slots=True)
class Explanation:
    key: str  # "@method", "@target", "@version", "@body", "@chunk"… or a lower-case field name
    name: str
    rfc: str
    read: bool  # does this server interpret it?
    text: dict[str, str]
    did: dict[str, str]  # templates with {placeholders} from `facts()`
    app: bool = False  # acted on by the application (the users API, an --app, an upstream)


@dataclass(frozen=True, slots=True)
class Explained:
    """One part of one exchange, explained in one language. Every string is safe to show as
    it is: what came from the wire (labels, values, facts) is escaped (`escape_latin1`)."""

    label: str  # as received (a field name keeps its case)
    meaning: str
    rfc: str
    done: str  # what the server did, or "not interpreted by this server"
    read: bool
    value: str = ""  # the field's value as received (escaped), for the one-field view


@cache
def explanations() -> dict[str, Explanation]:
    """Every explanation by key, loaded once from explain.toml."""
    data = tomllib.loads(
        resources.files("httplab.render").joinpath("explain.toml").read_text(encoding="utf-8")
    )
    table: dict[str, Explanation] = {}
    for key, entry in data.items():
        did = entry.get("did", {})
        table[key] = Explanation(
            key=key,
            name=entry["name"],
            rfc=entry["rfc"],
            read=bool(entry["read"]),
            text={lang: entry[lang] for lang in LANGS},
            did={lang: did[lang] for lang in LANGS if lang in did},
            app=bool(entry.get("app", False)),
        )
    return table


def explain(name: str) -> Explanation | None:
    """The explanation of a field name (any case) or of "@method", "@target", "@version"…"""
    return explanations().get(name if name.startswith("@") else name.lower())


def facts(record: ExchangeRecord, lang: str = "en") -> dict[str, str]:
    """What happened in `record`, for the {placeholders} of the `did` templates."""
    found: dict[str, str] = {}
    response = record.response
    if response is not None:
        found["status"] = _quoted(f"{response.status} {response.reason}")
        content_type = response.headers.get("content-type")
        if content_type:
            found["content_type"] = _quoted(content_type.partition(";")[0].strip(" \t"))
    if record.source in ELSEWHERE:
        found[FOREIGN] = record.source
    elif record.error is None and response is not None:
        if record.source == APP_SOURCE:
            found[BEHIND] = "app"
        elif any(note.code == FORWARDED_NOTE for note in record.notes):
            found[BEHIND] = "proxy"
    request, head = record.request, record.head
    if request is not None:
        found["path"] = _quoted(request.path)
        length = _body_length(record)
        found["body_length"] = f"{length:,}"
        found["body_bytes"] = count_bytes(length, _lang(lang), grouped=True)
    if head is not None:
        found["framing"] = {"length": "Content-Length", "chunked": "chunked"}.get(
            head.framing.kind, "—"
        )
    if head is not None and response is not None:
        closes = not head.keep_alive or "close" in response.headers.tokens("connection")
        found["persistence"] = PERSISTENCE[(_lang(lang), closes)]
        continued = record.raw_response.startswith((b"HTTP/1.1 100 ", b"HTTP/1.0 100 "))
        found["continue"] = CONTINUE[(_lang(lang), continued)]
    return found


def _body_length(record: ExchangeRecord) -> int:
    """Body bytes the server read: all of them, also when the trace kept only the first."""
    head, request = record.head, record.request
    assert request is not None
    if head is not None and head.framing.kind == "length" and head.framing.length is not None:
        return head.framing.length if record.response is not None else len(request.body)
    return len(request.body)


def _lang(lang: str) -> str:
    return lang if lang in LANGS else "en"


def _elsewhere(lang: str, known: dict[str, str]) -> str:
    """Who answered an exchange httplab's server was not part of (FOREIGN)."""
    return ELSEWHERE[known[FOREIGN]][lang].format_map({"status": "—", **known})


def _done(entry: Explanation, lang: str, known: dict[str, str]) -> str:
    if FOREIGN in known:  # e.g. the pane's exchange with another server: not ours to tell
        return _elsewhere(lang, known)
    behind = known.get(BEHIND)
    if not entry.read:
        return BEHIND_NOT_READ[behind][lang] if behind else NOT_READ[lang]
    if behind and entry.app:  # the app (or the upstream) answered, not the users API
        return BEHIND_ANSWERED[behind][lang].format_map({"status": "—", **known})
    template = entry.did.get(lang, "")
    try:
        return template.format_map(known)
    except (KeyError, IndexError, ValueError):
        return ""  # a fact this exchange does not have (e.g. no response): say nothing


def _unknown_done(lang: str, known: dict[str, str]) -> str:
    """What was done with a field not in the data: nothing, here."""
    if FOREIGN in known:
        return _elsewhere(lang, known)
    behind = known.get(BEHIND)
    return BEHIND_NOT_READ[behind][lang] if behind else NOT_READ[lang]


def _quoted(text: str) -> str:
    """Wire text (decoded ISO-8859-1) escaped, cut to about `VALUE_SHOWN` characters."""
    if len(text) <= VALUE_SHOWN:
        return escape_latin1(text)
    return escape_latin1(text[: VALUE_SHOWN - 1]) + "…"


def _explained(
    entry: Explanation, label: str, lang: str, known: dict[str, str], value: str = ""
) -> Explained:
    if value:
        known = {**known, "value": value}
    done = _done(entry, lang, known)
    # "this server" did nothing with another server's exchange, nor what the app acted on
    read = entry.read and FOREIGN not in known and not (entry.app and BEHIND in known)
    return Explained(label, entry.text[lang], entry.rfc, done, read, value)


def explain_field(record: ExchangeRecord, key: str | None, lang: str = "en") -> Explained | None:
    """The field `key` (a key of `render.fields.selectable_keys`) of `record`, explained; None
    when there is nothing to say (no key, a request that did not parse)."""
    lang = _lang(lang)
    request, head = record.request, record.head
    if key is None or request is None or head is None:
        return None
    table = explanations()
    known = facts(record, lang)
    if key in PART_KEYS:
        entry = table[PART_KEYS[key]]
        value = {
            "method": request.method,
            "target": request.target,
            "version": request.version,
            "request-line": f"{request.method} {request.target} {request.version}",
        }.get(key, "")
        return _explained(entry, entry.name, lang, known, _quoted(value))
    index = header_index(key)
    if index is not None:
        fields = list(head.headers)
        if index >= len(fields):
            return None
        name, value = fields[index].text()
        found = table.get(name.lower())
        if found is None:
            done = _unknown_done(lang, known)
            return Explained(_quoted(name), EXTENSION[lang], "", done, False, _quoted(value))
        return _explained(found, _quoted(name), lang, known, _quoted(value))
    index = chunk_index(key)
    if index is not None:
        found_chunks = chunks(record)
        if index >= len(found_chunks):
            return None
        chunk = found_chunks[index]
        entry = table["@last-chunk" if chunk.size == 0 else "@chunk"]
        sized = count_bytes(chunk.size, lang, grouped=True)
        known = {**known, "chunk_size": f"{chunk.size:,}", "chunk_bytes": sized}
        digits = chunk.size_digits.decode("latin-1")
        return _explained(entry, f"{entry.name} {index + 1}", lang, known, digits)
    return None


def explain_record(record: ExchangeRecord, lang: str = "en") -> list[Explained]:
    """The request line's parts, each distinct header field and the body of `record`,
    explained (fields not in the data share the last row)."""
    lang = _lang(lang)
    request = record.request
    if request is None:
        return []
    known = facts(record, lang)
    table = explanations()
    parts: list[Explained] = []
    for key, label in (
        ("@method", request.method),
        ("@target", request.target),
        ("@version", request.version),
    ):
        entry = table[key]
        shown = _quoted(label)
        explained = _explained(entry, shown, lang, known, shown)
        meaning = f"{entry.name}: {entry.text[lang]}"
        parts.append(Explained(shown, meaning, entry.rfc, explained.done, explained.read))
    seen: set[bytes] = set()
    extensions: list[str] = []  # fields not in the data: one row for all of them
    for field in request.headers:
        if field.lower_name in seen:
            continue
        seen.add(field.lower_name)
        name, value = field.text()
        label = _quoted(name)
        found = table.get(field.lower_name.decode("latin-1"))
        if found is None:
            extensions.append(label)
        elif len(parts) < MAX_FIELDS:
            explained = _explained(found, label, lang, known, _quoted(value))
            parts.append(
                Explained(label, explained.meaning, found.rfc, explained.done, explained.read)
            )
    head = record.head
    if head is not None and len(record.raw_request) > len(head.raw):  # a body came
        entry = table["@body"]
        body = _explained(entry, entry.name, lang, known)
        parts.append(Explained(entry.name, entry.text[lang], entry.rfc, body.done, body.read))
    if extensions:
        shown = ", ".join(extensions[:3])
        if len(extensions) > 3:
            shown += f" … ({len(extensions):,})"
        parts.append(Explained(shown, EXTENSION[lang], "", _unknown_done(lang, known), False))
    return parts


def _server_line(part: Explained, lang: str) -> Text | None:
    """ "this server: what it did", or "not interpreted by this server"; None: nothing known."""
    if part.read and part.done:
        line = Text(f"{THIS_SERVER[lang]}: ", style="trace.muted")
        line.append(part.done, "trace.event")
        return line
    if not part.read:
        return Text(part.done, "trace.muted")
    return None


class ExplanationsView:
    """Each part of the request with its explanation: the "what the fields mean" section."""

    def __init__(self, record: ExchangeRecord, lang: str = "en") -> None:
        self.record = record
        self.lang = _lang(lang)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="http.header.name", max_width=30, overflow="fold")
        grid.add_column(ratio=1)
        for part in explain_record(self.record, self.lang):
            text = Text(part.meaning)
            if part.rfc:
                text.append(f" ({part.rfc})", style="note.rfc")
            server = _server_line(part, self.lang)
            if server is not None:
                text.append("\n")
                text.append_text(server)
            grid.add_row(Text(part.label[:60]), text)
        yield grid


class FieldExplanationView:
    """One selected field, explained: its name and value (styled as its bytes are lit in the
    raw view), what it is for with the RFC section, and what this server did with it."""

    def __init__(self, part: Explained, lang: str = "en") -> None:
        self.part = part
        self.lang = _lang(lang)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        part = self.part
        label = f"{part.label}: {part.value}" if part.value else part.label
        text = Text.assemble((label, "wire.highlight"), " — ", part.meaning)
        if part.rfc:
            text.append(f" ({part.rfc})", style="note.rfc")
        yield text
        server = _server_line(part, self.lang)
        if server is not None:
            yield server
