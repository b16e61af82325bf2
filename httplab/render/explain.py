""" "Explain this field": what each part of a request is for, with its RFC rule and what this
server did with it, in English and Russian.

The explanations are data (`explain.toml` beside this module, like the lessons' texts); this
module loads them, gathers the facts of one exchange (status, body length, chosen media type,
whether the connection stays open) and fills them in. Fields this server does not read are
explained too and say "not interpreted by this server"; a field not in the data is called an
extension field. `ExplanationsView` prints them for `serve --trace --plain`; the trace view's
pane (the TUI's) can call `explain_record` for the selected field.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table

from httplab.render.escape import safe_text
from httplab.trace.records import ExchangeRecord

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
MAX_FIELDS = 40
"""Rows of explanations per exchange at most (the request line's three included); fields
this module does not know share one row however many a request carries."""


@dataclass(frozen=True, slots=True)
class Explanation:
    key: str  # "@method", "@target", "@version" or a lower-case field name
    name: str
    rfc: str
    read: bool  # does this server interpret it?
    text: dict[str, str]
    did: dict[str, str]  # templates with {placeholders} from `facts()`


@dataclass(frozen=True, slots=True)
class Explained:
    """One part of one exchange, explained in one language."""

    label: str  # as received (a field name keeps its case)
    meaning: str
    rfc: str
    done: str  # what the server did, or "not interpreted by this server"
    read: bool


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
        )
    return table


def explain(name: str) -> Explanation | None:
    """The explanation of a field name (any case) or of "@method", "@target", "@version"."""
    return explanations().get(name if name.startswith("@") else name.lower())


def facts(record: ExchangeRecord) -> dict[str, str]:
    """What happened in `record`, for the {placeholders} of the `did` templates."""
    found: dict[str, str] = {}
    response = record.response
    if response is not None:
        found["status"] = f"{response.status} {response.reason}"
        content_type = response.headers.get("content-type")
        if content_type:
            found["content_type"] = content_type.partition(";")[0].strip(" \t")
    request = record.request
    if request is not None:
        found["path"] = request.path
        found["body_length"] = f"{len(request.body):,}"
    if record.head is not None and response is not None:
        closes = not record.head.keep_alive or "close" in response.headers.tokens("connection")
        found["persistence"] = (
            "closed the connection after the response"
            if closes
            else "kept the connection open for the next request"
        )
        found["persistence_ru"] = (
            "закрыл соединение после ответа"
            if closes
            else "оставил соединение открытым для следующего запроса"
        )
    return found


def _done(entry: Explanation, lang: str, known: dict[str, str]) -> str:
    if not entry.read:
        return NOT_READ[lang]
    template = entry.did.get(lang, "")
    try:
        return template.format_map(known)
    except (KeyError, IndexError, ValueError):
        return ""  # a fact this exchange does not have (e.g. no response): say nothing


def explain_record(record: ExchangeRecord, lang: str = "en") -> list[Explained]:
    """The request line's parts and each distinct header field of `record`, explained."""
    if lang not in LANGS:
        lang = "en"
    request = record.request
    if request is None:
        return []
    known = facts(record)
    table = explanations()
    parts: list[Explained] = []
    for key, label in (
        ("@method", request.method),
        ("@target", request.target),
        ("@version", request.version),
    ):
        entry = table[key]
        meaning = f"{entry.name}: {entry.text[lang]}"
        parts.append(Explained(label, meaning, entry.rfc, _done(entry, lang, known), True))
    seen: set[bytes] = set()
    extensions: list[str] = []  # fields not in the data: one row for all of them
    for field in request.headers:
        if field.lower_name in seen:
            continue
        seen.add(field.lower_name)
        label = field.name.decode("latin-1")
        found = table.get(field.lower_name.decode("latin-1"))
        if found is None:
            extensions.append(label)
        elif len(parts) < MAX_FIELDS:
            done = _done(found, lang, known)
            parts.append(Explained(label, found.text[lang], found.rfc, done, found.read))
    if extensions:
        shown = ", ".join(extensions[:3])
        if len(extensions) > 3:
            shown += f" … ({len(extensions):,})"
        parts.append(Explained(shown, EXTENSION[lang], "", NOT_READ[lang], False))
    return parts


class ExplanationsView:
    """Each part of the request with its explanation: the "what the fields mean" section."""

    def __init__(self, record: ExchangeRecord, lang: str = "en") -> None:
        self.record = record
        self.lang = lang

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        server = THIS_SERVER.get(self.lang, THIS_SERVER["en"])
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="http.header.name", max_width=30, overflow="fold")
        grid.add_column(ratio=1)
        for part in explain_record(self.record, self.lang):
            text = safe_text(part.meaning)
            if part.rfc:
                text.append(f" ({part.rfc})", style="note.rfc")
            if part.read and part.done:
                text.append("\n")
                text.append(f"{server}: ", style="trace.muted")
                text.append_text(safe_text(part.done, "trace.event"))
            elif not part.read:
                text.append("\n")
                text.append_text(safe_text(part.done, "trace.muted"))
            grid.add_row(safe_text(part.label[:60]), text)
        yield grid
