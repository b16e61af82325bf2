"""Lessons as data: what `steps.toml` holds once it is read and checked.

Every text a learner reads exists in English and Russian (`Localized`); fixed sets of words are
`Literal` types, so a typo in a lesson file is a load error, not a silent mismatch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Literal

from httplab.protocol.limits import Limits

Lang = Literal["en", "ru"]
LANGS: tuple[Lang, ...] = ("en", "ru")
Framing = Literal["none", "length", "chunked", "close"]
TargetForm = Literal["origin", "absolute", "authority", "asterisk"]
HINT_LEVELS = ("nudge", "pointer", "near-answer")
"""Progressive hints, in the order `next_hint()` reveals them."""


@dataclass(frozen=True, slots=True)
class Localized:
    """One text in both languages of the course."""

    en: str
    ru: str

    def get(self, lang: Lang) -> str:
        return self.ru if lang == "ru" else self.en


@dataclass(frozen=True, slots=True)
class Match:
    """Conditions on one exchange; every condition that is set must hold (an empty Match
    matches anything). Header names compare case-insensitively; texts compare as UTF-8 bytes.

    The facts behind each field are computed by `httplab.lessons.facts` from the record."""

    method: str | None = None
    path: str | None = None  # the target's path (no query)
    path_prefix: str | None = None  # the path starts with this (e.g. "/users/")
    target: str | None = None  # the request-target exactly
    version: str | None = None  # "HTTP/1.1" / "HTTP/1.0"
    target_form: TargetForm | None = None  # as the parser classified the target
    status: tuple[int, ...] = ()  # any of these
    parsed: bool | None = None  # False: the server rejected the request before reading it whole
    request_has: tuple[str, ...] = ()  # header names present in the request
    request_lacks: tuple[str, ...] = ()
    request_header: tuple[tuple[str, str], ...] = ()  # name = text the value contains
    request_repeats: tuple[str, ...] = ()  # header names sent on more than one line
    trailer_has: tuple[str, ...] = ()  # trailer field names after a chunked request body
    response_has: tuple[str, ...] = ()
    response_lacks: tuple[str, ...] = ()
    response_header: tuple[tuple[str, str], ...] = ()  # name = text the value contains
    body_contains: str | None = None  # request body
    response_body_contains: str | None = None
    framing: Framing | None = None  # how the request body was delimited
    note: str | None = None  # a parser/lint note code recorded for the request
    stray_bytes: bool | None = None  # the "request" starts with bytes no method starts with
    body_cut_utf8: bool | None = None  # the request body ends inside a UTF-8 character
    reused_connection: bool | None = None  # not the first exchange on its connection
    body_length: int | None = None  # bytes of request body the server read

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) in (None, ()) for f in fields(self))


@dataclass(frozen=True, slots=True)
class Mistake:
    """A typical wrong turn, recognised by what actually happened, and what to say about it."""

    when: Match
    hint: Localized
    example: str = ""  # an input (shorthand or raw, as in walkthrough.txt) that makes it


@dataclass(frozen=True, slots=True)
class Prediction:
    """Asked before the step's exchange: the learner's answer is checked, then shown."""

    question: Localized
    answers: tuple[str, ...]  # accepted answers; compared without case and extra spaces
    explain: Localized

    def accepts(self, answer: str) -> bool:
        said = " ".join(answer.split()).casefold()
        return any(said == " ".join(a.split()).casefold() for a in self.answers)


@dataclass(frozen=True, slots=True)
class ServerOptions:
    """How the lesson's server runs for a step: `None` keeps the default (or the lesson's)."""

    name: str | None = None  # serve --name: answer only this Host (421 otherwise)
    max_request_line: int | None = None
    max_header_line: int | None = None
    max_header_block: int | None = None
    max_fields: int | None = None
    max_body: int | None = None
    idle_timeout: float | None = None
    header_timeout: float | None = None

    def over(self, base: ServerOptions) -> ServerOptions:
        """These options, falling back to `base` for whatever is not set here."""
        merged = {f.name: getattr(self, f.name) for f in fields(self)}
        for key, value in merged.items():
            if value is None:
                merged[key] = getattr(base, key)
        return ServerOptions(**merged)

    def limits(self) -> Limits:
        default = Limits()
        return Limits(
            max_request_line=self.max_request_line or default.max_request_line,
            max_header_line=self.max_header_line or default.max_header_line,
            max_header_block=self.max_header_block or default.max_header_block,
            max_fields=self.max_fields or default.max_fields,
            max_body=self.max_body if self.max_body is not None else default.max_body,
        )


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    title: Localized
    task: Localized
    check: Match
    notice: Localized  # what to look at once it passed, with the RFC section
    hints: tuple[Localized, ...] = ()  # nudge → pointer → near-answer
    mistakes: tuple[Mistake, ...] = ()
    predict: Prediction | None = None
    server: ServerOptions = field(default_factory=ServerOptions)
    # Under the task in the full-screen view only: its keys (the client pane's Ctrl-O);
    # `--plain` has no such keys, so the task itself must be true in both.
    screen: Localized | None = None


@dataclass(frozen=True, slots=True)
class LessonSettings:
    """How `httplab lesson N` runs: where the lesson server listens and what the learner reads."""

    host: str = "127.0.0.1"
    port: int = 53210
    lang: Lang = "en"
    timeout: float = 5.0  # the client's: connect, and wait for the next response byte
    class_mode: bool = False  # --class: all interfaces, the class board shown
    theme: str = "default"  # the lesson view's colours ("high-contrast" for a projector)


@dataclass(frozen=True, slots=True)
class LessonInfo:
    """What `list_lessons()` tells about a lesson without reading its steps."""

    number: int
    slug: str
    path: str  # the folder


@dataclass(frozen=True, slots=True)
class Lesson:
    number: int
    slug: str
    path: str  # the folder it was read from
    title: Localized
    text: Localized  # lesson.md / lesson.ru.md
    steps: tuple[Step, ...]
    server: ServerOptions = field(default_factory=ServerOptions)

    def server_for(self, step: Step) -> ServerOptions:
        """The step's server options over the lesson's."""
        return step.server.over(self.server)

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)
