"""`httplab repl`: talk HTTP by hand over a kept-alive connection.

Type a shorthand (`GET /users`, sent on Enter) or a raw request: a first line that ends in
`HTTP/1.1` starts raw mode, where Enter adds a line and an empty line sends (after the body,
when the head announces one). A POST, PUT or PATCH with a `Content-Type` and no
`Content-Length` waits for a body: type it, an empty line sends, and the REPL adds the
`Content-Length` it needs and says so (as curl does). Esc Enter sends whatever is typed. Raw
input follows the `send --raw` rules: escapes are exact, line breaks become CRLF unless `:crlf`
turned that off.

The connection stays open between requests; the prompt says whether it is open, not yet made,
or closed by the server (the next request then opens a new one). Input handling lives in
`Repl.handle()`, free of prompt_toolkit, so tests can drive it directly or through a pipe.
Standard input that is not a terminal is read as plain lines (`run_piped`): no prompt.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.styles import Style

from httplab.client.connection import ClientConnection, ClientError, ClientExchange
from httplab.client.content_length import BODY_METHODS, add_content_length
from httplab.client.output import (
    Item,
    OutputError,
    Printer,
    extra_items,
    info_line,
    note_items,
    output_failed,
    request_items,
    response_items,
    timing_line,
    unread_items,
    use_color,
)
from httplab.client.raw import CHUNKED_HEAD, chunked_body_end, prepare_raw, unescape
from httplab.client.record import RecordOnFirstExchange, recorded_exchange
from httplab.client.shorthand import KNOWN_METHODS, ShorthandError, plan_request, split_host_port
from httplab.trace.transcript import TranscriptError
from httplab.trace.wire_text import escape_decoded, escape_surrogateescaped, escape_wire_lines
from httplab.trace.words import localized

_VERSION_AT_END = re.compile(r"\sHTTP/[0-9]\.[0-9]\s*$")
_CONTENT_LENGTH = re.compile(r"^content-length\s*:\s*(\d+)\s*$", re.IGNORECASE | re.MULTILINE)
_CONTENT_TYPE = re.compile(r"^content-type[ \t]*:", re.IGNORECASE | re.MULTILINE)
_FRAMING = re.compile(r"^(?:content-length|transfer-encoding)[ \t]*:", re.IGNORECASE | re.MULTILINE)

REFRESH_SECONDS = 1.0  # how often the prompt re-checks the connection

COMMON_HEADERS = (
    "Accept", "Accept-Encoding", "Accept-Language", "Authorization", "Cache-Control",
    "Connection", "Content-Length", "Content-Type", "Cookie", "Expect", "Host",
    "If-Match", "If-Modified-Since", "If-None-Match", "Origin", "Range", "Referer", "TE",
    "Transfer-Encoding", "Upgrade", "User-Agent",
)  # fmt: skip

COMMANDS = {
    ":to": ":to HOST:PORT   talk to another server (closes the connection)",
    ":crlf": ":crlf on|off    raw line breaks sent as CRLF (on) or bare LF (off); alone: toggle",
    ":hexdump": ":hexdump on|off show the bytes as a hexdump (on) or not (off); alone: toggle",
    ":last": ":last           show the last exchange as raw escaped bytes (also :raw)",
    ":close": ":close          close the connection",
    ":record": ":record FILE    append each exchange to FILE as a transcript (:record off stops)",
    ":help": ":help           this help",
    ":quit": ":quit           leave (also Ctrl-D)",
}

HELP = """\
Type a request and press Enter:
  GET /users                          shorthand: Host, User-Agent, Accept added for you
  POST /users?name=Vasya              (full URLs work too: GET http://127.0.0.1:8080/)
  GET /users HTTP/1.1                 raw mode: then type header lines; an empty line
  Host: x                             sends (a body: once it holds Content-Length bytes,
  <empty line>                        or on an empty line after it). Escapes \\r \\n \\t
                                      \\\\ \\xNN are exact; Esc Enter sends now.
  POST /users HTTP/1.1                a POST/PUT/PATCH with a Content-Type waits for
  Host: x                             its body after the empty line; an empty line
  Content-Type: application/json      after the body sends it, with the Content-Length
  <empty line>                        it needs added (and said so)
  {"name": "Ada", "age": 36}
  <empty line>
Commands:
""" + "\n".join(f"  {text}" for text in COMMANDS.values())


def default_history_path() -> Path:
    """$XDG_STATE_HOME/httplab/repl-history (~/.local/state/… when unset)."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(state) / "httplab" / "repl-history"


def is_raw_input(text: str) -> bool:
    """A first line ending in an HTTP version starts a raw, multi-line request."""
    first = text.lstrip("\r\n").partition("\n")[0]
    return bool(_VERSION_AT_END.search(first))


def awaits_typed_body(head: str) -> bool:
    """A raw POST/PUT/PATCH head with a `Content-Type` and neither `Content-Length` nor
    `Transfer-Encoding`: its body is typed after the head, and framed when it is sent."""
    method = head.lstrip("\r\n").partition(" ")[0]
    return method in BODY_METHODS and bool(_CONTENT_TYPE.search(head)) and not _FRAMING.search(head)


def input_complete(text: str, *, typed_bodies: bool = True) -> bool:
    """Should Enter send `text` (True) or start a new line (False)? With `typed_bodies`
    False (the lessons, where an unframed body is a mistake to see) a head without a
    framing field is sent at its empty line, as typed."""
    if not text.strip() or text.lstrip().startswith(":") or not is_raw_input(text):
        return True
    if not text.endswith("\n"):
        return False  # Enter at the end of a non-empty raw line: go on typing
    head, blank, body = text.lstrip("\r\n").partition("\n\n")
    length = _CONTENT_LENGTH.search(head)
    typed_body = typed_bodies and awaits_typed_body(head)
    wants_body = (
        bool(CHUNKED_HEAD.search(head)) or bool(length and int(length.group(1)) > 0) or typed_body
    )
    if not blank:
        # The Enter that would end the head: send, unless a body is announced or awaited.
        return text.endswith("\n") and not wants_body and head.endswith("\n")
    if typed_body:
        return True  # Enter on an empty line sends the body typed so far (maybe none)
    return bool(body.strip())


def body_reaches_length(text: str) -> bool:
    """Does the typed body of raw `text` already hold the bytes its Content-Length announces?
    Line breaks count one byte (as bare LF): with CRLF on the body is longer, never shorter."""
    head, blank, body = text.lstrip("\r\n").partition("\n\n")
    length = _CONTENT_LENGTH.search(head)
    if not blank or not length or CHUNKED_HEAD.search(head) or int(length.group(1)) == 0:
        return False
    return len(unescape(body)) >= int(length.group(1))


def not_utf8(text: str) -> str | None:
    """`text` escaped for a terminal when it holds bytes that are not UTF-8 (read with
    surrogateescape), in quotes; None when it is UTF-8 text."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "'" + escape_surrogateescaped(text) + "'"
    return None


def raw_text_to_send(text: str) -> str:
    """Raw input as typed → the text to send: the head ends with an empty line; a typed body
    loses the line break of the Enter that sent it, except a chunked body typed to its last
    chunk (`0`), whose trailer section that empty line ends."""
    text = text.lstrip("\r\n")
    if "\n\n" in text:
        head, _, body = text.partition("\n\n")
        if not body.strip("\n"):
            return head + "\n\n"  # no body typed: the head and its empty line
        end = chunked_body_end(text)
        if end is not None:
            # after the last chunk, the empty line that sends ends the trailer section: keep it
            return text + end
        return text[:-1] if text.endswith("\n") else text
    return text.rstrip("\n") + "\n\n"


SHELL_WORDS = {
    "help": "type :help for the commands",
    "exit": "type :quit (or Ctrl-D) to leave",
    "quit": "type :quit (or Ctrl-D) to leave",
    "clear": "press Ctrl-L to clear the screen",
}
"""Words typed alone out of habit from a shell: pointed to the REPL's own way instead of being
sent as a method (`help` would go out as `help / HTTP/1.1`)."""

WORDS: dict[str, dict[str, str]] = {
    "help": {"en": SHELL_WORDS["help"], "ru": "команды — :help"},
    "exit": {"en": SHELL_WORDS["exit"], "ru": "выход — :quit (или Ctrl-D)"},
    "quit": {"en": SHELL_WORDS["quit"], "ru": "выход — :quit (или Ctrl-D)"},
    "clear": {"en": SHELL_WORDS["clear"], "ru": "экран очищает Ctrl-L"},
    "not-sent": {"en": "{text} was not sent: {why}", "ru": "{text} не отправлено: {why}"},
    "error": {"en": "error: {message}", "ru": "ошибка: {message}"},
    "not-utf8": {
        "en": "error: {text} holds bytes that are not UTF-8, and shorthand is text; to send "
        "bytes exactly, type the request raw (its first line ending in HTTP/1.1)",
        "ru": "ошибка: в {text} есть байты не в UTF-8, а сокращённая запись — текст; чтобы "
        "отправить байты как есть, наберите запрос целиком (первая строка кончается на HTTP/1.1)",
    },
    "reopened": {
        "en": "the server had closed the idle connection; sent on a new one",
        "ru": "сервер закрыл простаивавшее соединение; запрос ушёл по новому",
    },
    "closed-because": {"en": "connection closed: {reason}", "ru": "соединение закрыто: {reason}"},
    # why, by the connection's CloseKind (the English is the connection's closed_reason)
    "idle": {"ru": "сервер закрыл простаивавшее соединение"},
    "at-accept": {"ru": "сервер закрыл соединение сразу, как принял его, ещё до запроса"},
    "asked": {"ru": "сервер попросил закрыть (Connection: close)"},
    "body-by-close": {"ru": "конец тела сервер обозначил закрытием соединения (RFC 9112 §6.3)"},
    "no-keep-alive": {"ru": "ответ HTTP/1.0 без keep-alive (RFC 9112 §9.3)"},
    "server-closed": {"ru": "сервер закрыл соединение"},
    "unannounced": {
        "ru": "сервер закрыл соединение после ответа, не объявив Connection: close (RFC 9112 §9.6)"
    },
    "closed": {"en": "connection closed", "ru": "соединение закрыто"},
    "not-open": {
        "en": "no connection is open: nothing to close",
        "ru": "открытого соединения нет: закрывать нечего",
    },
    "no-argument": {
        "en": "error: {name} takes no argument, got '{given}'",
        "ru": "ошибка: у {name} нет аргумента, а дано '{given}'",
    },
    "on-off": {
        "en": "error: {name} takes on, off or nothing (a toggle), got '{given}'",
        "ru": "ошибка: {name} принимает on, off или ничего (переключить), а дано '{given}'",
    },
    "crlf": {"en": "raw line breaks: CRLF", "ru": "переводы строк в «сыром» запросе: CRLF"},
    "bare-lf": {
        "en": "raw line breaks: bare LF (as typed)",
        "ru": "переводы строк в «сыром» запросе: одиночный LF (как набрано)",
    },
    "hexdump-on": {"en": "hexdump on", "ru": "hexdump включён"},
    "hexdump-off": {"en": "hexdump off", "ru": "hexdump выключен"},
    "nothing-sent": {"en": "nothing sent yet", "ru": "ещё ничего не отправлено"},
}
"""What the REPL says in a lesson's language (`lang`, "en" or "ru"); the messages a lesson never
shows (`:to`, `:record`, an added Content-Length) stay English. Reasons the connection gives
(`connection closed: …`) and client errors come from the connection, in English."""


class Repl:
    """The state of a session and what each input does; printing goes to `stream`."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout: float = 5.0,
        stream: IO[str] | None = None,
        typed_bodies: bool = True,
        lang: str = "en",
    ) -> None:
        self.stream = stream or sys.stdout
        self.lang = lang
        self.printer = Printer(self.stream, color=use_color(self.stream))
        self.timeout = timeout
        self.connection = ClientConnection(host, port, timeout=timeout)
        self.crlf = True
        self.typed_bodies = typed_bodies  # frame a typed body with Content-Length (see handle)
        self.hexdump = False
        self.running = True
        self.last: list[ClientExchange] = []
        self.last_sent = b""
        self.seen_paths: set[str] = set()
        self.seen_headers: set[str] = set()
        self.recorder: RecordOnFirstExchange | None = None
        self.record_key = object()  # one per TCP connection in the recording
        self.errors = 0  # inputs that ended in an error (piped input exits 1 if any)

    @property
    def status(self) -> str:
        """For the prompt, which is redrawn every REFRESH_SECONDS: an idle connection the
        server closes shows as closed while the learner is still typing."""
        if self.connection.still_open():
            return "open"
        return "closed by server" if self.connection.closed else "not connected"

    def say(self, text: str, style: str = "trace.event", *, escaped: bool = False) -> None:
        """One `* text` line, escaped for the terminal unless `escaped` says it already is
        (the messages of ShorthandError, ClientError and TranscriptError quote what the user
        typed escaped once)."""
        self.printer.write([info_line(text, style, escaped=escaped)])

    def fail(self, text: str, *, escaped: bool = False) -> None:
        """An error line (counted: piped input then exits with status 1)."""
        self.errors += 1
        self.say(text, "trace.error", escaped=escaped)

    def words(self, key: str, **values: object) -> str:
        return localized(WORDS, key, self.lang, **values)

    def close_reason(self) -> str:
        """Why the connection closed, in the REPL's language."""
        kind = self.connection.closed_kind
        if self.lang == "ru" and kind is not None:
            return localized(WORDS, kind, "ru")
        if self.lang == "ru":
            return self.connection.closed_reason_ru or self.connection.closed_reason
        return self.connection.closed_reason

    # one input ----------------------------------------------------------------------------
    def handle(self, text: str) -> None:
        if not text.strip():
            return
        if text.lstrip().startswith(":"):
            self.command(text.strip())
            return
        if text.strip() in SHELL_WORDS:
            word = text.strip()
            self.say(self.words("not-sent", text=f"'{word}'", why=self.words(word)))
            return
        try:
            if is_raw_input(text):
                typed = raw_text_to_send(text).encode("utf-8", "surrogateescape")
                data = prepare_raw(typed, crlf=self.crlf)
                added = None
                head = text.lstrip("\r\n").partition("\n\n")[0]
                if self.typed_bodies and awaits_typed_body(head):
                    # only then: other raw input goes out exactly as typed (pipelining, smuggling)
                    data, added = add_content_length(data)
                if added is not None:
                    self.say(
                        f"added Content-Length: {added} (the body typed is {added} bytes; "
                        "without it the server would read the body as the next request)"
                    )
            else:
                undecodable = not_utf8(text)
                if undecodable is not None:
                    self.fail(self.words("not-utf8", text=undecodable), escaped=True)
                    return
                plan = plan_request(text, host=self.connection.host, port=self.connection.port)
                if (plan.host, plan.port) != (self.connection.host, self.connection.port):
                    self.switch(plan.host, plan.port)
                data = plan.data
        except ShorthandError as exc:
            self.fail(self.words("error", message=exc), escaped=True)
            return
        self.send(data)

    def send(self, data: bytes) -> None:
        shown = False

        def on_sent(sent: bytes) -> None:
            nonlocal shown
            shown = True
            self.printer.write(request_items(sent, hexdump=self.hexdump))

        self.last_sent = data
        try:
            exchanges = self.connection.send(data, on_sent=on_sent)
        except ClientError as exc:
            if not shown:
                self.printer.write(request_items(data, hexdump=self.hexdump))
            self.last = [ClientExchange(data, "", error=exc.message, error_kind=exc.kind)]
            message = exc.ru if self.lang == "ru" else exc.message
            self.fail(self.words("error", message=message), escaped=True)
            return
        self.last = exchanges
        if self.connection.reopened:
            self.say(self.words("reopened"))
            self.record_key = object()
        self._record(exchanges)
        for exchange in exchanges:
            self._remember(exchange)
            items: list[Item] = []
            for response in exchange.responses:
                items += response_items(response, hexdump=self.hexdump)
                items += note_items(response)
            items += unread_items(exchange.unread, hexdump=self.hexdump, lang=self.lang)
            if exchange.responses:
                items.append(timing_line(exchange, self.lang))
            items += extra_items(exchange.extra, hexdump=self.hexdump, lang=self.lang)
            if exchange.error:
                self.errors += 1
                said = exchange.error_ru if self.lang == "ru" else None
                error = self.words("error", message=said or exchange.error)
                items.append(info_line(error, "trace.error", escaped=True))
            self.printer.write(items)
        reason = self.connection.closed_reason
        if self.connection.closed and all(e.error != reason for e in exchanges):
            # (an error that closed the connection was said just above: not twice)
            self.say(self.words("closed-because", reason=self.close_reason()))

    def _record(self, exchanges: list[ClientExchange]) -> None:
        if self.recorder is None:
            return
        for exchange in exchanges:
            recorded = recorded_exchange(exchange)
            if recorded is not None:
                self.recorder.add(recorded, connection=self.record_key)
        if self.connection.closed:
            self.record_key = object()

    def start_recording(self, argument: str) -> None:
        """`:record FILE` appends to FILE (a new transcript if missing); `:record off`."""
        self.stop_recording()
        if argument in ("", "off"):
            return
        try:
            self.recorder = RecordOnFirstExchange(argument)
        except (OSError, TranscriptError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            where = escape_decoded(argument)
            self.fail(f"error: cannot record to {where}: {reason}", escaped=True)
            return
        self.record_key = object()
        self.say(f"recording to {argument} (each exchange; :record off stops)")

    def stop_recording(self) -> None:
        """FILE is written with the first exchange recorded: none, and it is not made (or, when
        it was there, left as it was) — a header-only transcript would replay nothing."""
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return
        recorder.close()
        if recorder.started:
            self.say(f"recorded {recorder.recorded} exchange(s) to {recorder.path}")
        elif recorder.path.exists():
            self.say(f"nothing recorded: {recorder.path} left as it was")
        else:
            self.say(f"nothing recorded: {recorder.path} not written")

    def _remember(self, exchange: ClientExchange) -> None:
        head = exchange.request_head
        if head is None:
            return
        if head.target.startswith("/"):
            self.seen_paths.add(head.target)
        for field in head.headers:
            self.seen_headers.add(field.name.decode("latin-1"))

    def remember_history(self, entries: Iterable[str]) -> None:
        """Paths of requests typed in earlier runs, for completion."""
        for entry in entries:
            words = entry.lstrip().partition("\n")[0].split()
            if len(words) >= 2 and words[1].startswith("/"):
                self.seen_paths.add(words[1])

    # :commands ----------------------------------------------------------------------------
    def command(self, line: str) -> None:
        name, _, argument = line.partition(" ")
        argument = argument.strip()
        if name in (":quit", ":q", ":exit"):
            self.running = False
        elif name == ":help":
            self.stream.write(HELP + "\n")
        elif name == ":to":
            try:
                host, port = split_host_port(argument)
            except ShorthandError as exc:
                self.fail(f"error: {exc} (usage: :to HOST:PORT)", escaped=True)
                return
            self.switch(host, port)
        elif name in (":crlf", ":hexdump"):
            switch = self.switch_value(name, argument)
            if switch is None:
                return
            if name == ":crlf":
                self.crlf = not self.crlf if switch == "toggle" else switch == "on"
                self.say(self.words("crlf" if self.crlf else "bare-lf"))
            else:
                self.hexdump = not self.hexdump if switch == "toggle" else switch == "on"
                self.say(self.words("hexdump-on" if self.hexdump else "hexdump-off"))
        elif name in (":last", ":raw"):
            self.show_last()
        elif name == ":close":
            if argument:
                self.fail(self.words("no-argument", name=name, given=argument))
                return
            if not self.connection.connected:
                self.say(self.words("not-open"))
                return
            self.connection.close()
            self.record_key = object()
            self.say(self.words("closed"))
        elif name == ":record":
            self.start_recording(argument)
        else:
            self.fail(f"unknown command {name}; :help lists them")

    def switch_value(self, name: str, argument: str) -> str | None:
        """`:crlf` and `:hexdump` toggle, or take on / off; anything else is refused (it
        toggled, so `:crlf maybe` turned CRLF off); None when refused."""
        if argument in ("", "on", "off"):
            return argument or "toggle"
        self.fail(self.words("on-off", name=name, given=argument))
        return None

    def switch(self, host: str, port: int) -> None:
        self.connection.close()
        self.record_key = object()
        self.connection = ClientConnection(host, port, timeout=self.timeout)
        self.say(f"now talking to {self.connection.address}")

    def show_last(self) -> None:
        if not self.last:
            self.say(self.words("nothing-sent"))
            return
        lines: list[Item] = [[("> ", "trace.muted"), (line, "wire.text")]
                             for line in escape_wire_lines(self.last_sent)]  # fmt: skip
        for exchange in self.last:
            received = exchange.response_bytes[: len(exchange.response_bytes) - len(exchange.extra)]
            lines += [[("< ", "trace.muted"), (line, "wire.text")]
                      for line in escape_wire_lines(received)]  # fmt: skip
            lines += extra_items(exchange.extra, lang=self.lang)
        self.printer.write(lines)


class ReplCompleter(Completer):
    """Methods and :commands first, then paths already seen; header names on later lines."""

    def __init__(self, repl: Repl) -> None:
        self.repl = repl

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        before = document.text_before_cursor
        line = document.current_line_before_cursor
        if "\n" in before:
            if ":" not in line and "\n\n" not in before:  # header names, not in the body
                names = sorted({*COMMON_HEADERS, *self.repl.seen_headers}, key=str.lower)
                yield from _matching(line, [f"{n}: " for n in names], ignore_case=True)
            return
        words = line.split(" ")
        if len(words) == 1:
            if line.startswith(":"):
                yield from _matching(line, list(COMMANDS))
            else:
                yield from _matching(line, list(KNOWN_METHODS), ignore_case=True)
        elif len(words) == 2:
            yield from _matching(words[1], sorted(self.repl.seen_paths))


def _matching(
    prefix: str, options: list[str], *, ignore_case: bool = False
) -> Iterable[Completion]:
    key = prefix.lower() if ignore_case else prefix
    for option in options:
        if (option.lower() if ignore_case else option).startswith(key) and option != prefix:
            yield Completion(option, start_position=-len(prefix))


def _key_bindings() -> KeyBindings:
    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        text = buffer.document.text_before_cursor
        at_end = buffer.document.is_cursor_at_the_end
        if at_end and (input_complete(text) or (is_raw_input(text) and body_reaches_length(text))):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    @bindings.add("escape", "enter")
    def _send_now(event: KeyPressEvent) -> None:
        event.current_buffer.validate_and_handle()

    return bindings


def _history(path: Path | None) -> History:
    target = path or default_history_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch(exist_ok=True)
    except OSError:
        return InMemoryHistory()
    return FileHistory(str(target))


def run_repl(
    host: str,
    port: int,
    *,
    timeout: float = 5.0,
    history_path: Path | None = None,
    stream: IO[str] | None = None,
    input: Any = None,  # prompt_toolkit Input, for tests (create_pipe_input)
    output: Any = None,  # prompt_toolkit Output, for tests (DummyOutput)
) -> int:
    """Run the prompt until :quit or Ctrl-D; returns the exit status (0). With standard
    input not a terminal (and no prompt_toolkit `input` given), read it as plain lines."""
    repl = Repl(host, port, timeout=timeout, stream=stream)
    if input is None and not sys.stdin.isatty():
        return run_piped(repl, sys.stdin.buffer)
    history = _history(history_path)
    repl.remember_history(history.load_history_strings())
    session: PromptSession[str] = PromptSession(
        history=history,
        completer=ReplCompleter(repl),
        key_bindings=_key_bindings(),
        multiline=True,
        prompt_continuation=lambda width, line, wrap: "… ".rjust(width),
        refresh_interval=REFRESH_SECONDS,
        style=Style.from_dict({"target": "ansicyan", "open": "ansigreen", "closed": "ansired"}),
        input=input,
        output=output,
    )

    def message() -> FormattedText:
        state = repl.status
        style = {"open": "class:open", "closed by server": "class:closed"}.get(state, "")
        return FormattedText(
            [("class:target", repl.connection.address), ("", " ["), (style, state), ("", "]> ")]
        )

    repl.say(f"httplab repl → {repl.connection.address}; :help for help, Ctrl-D to leave")
    while repl.running:
        try:
            text = session.prompt(message)
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        try:
            repl.handle(text)
        except KeyboardInterrupt:  # Ctrl-C while waiting for an answer: back to the prompt
            repl.connection.close()
            repl.say("interrupted; the connection was closed", "trace.error")
    repl.connection.close()
    repl.stop_recording()
    return 0


EXIT_OK, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 130
BOM = "\ufeff"  # a UTF-8 byte order mark, EF BB BF: stripped once, from piped input's start


def run_piped(repl: Repl, source: IO[bytes]) -> int:
    """`printf 'GET /users\\n' | httplab repl`: each line of `source` is what Enter would
    have sent at the prompt (a raw request collects its lines until its empty line, as typed),
    with no prompt, history or line editing; output as at the prompt. At the end of the input
    a request still being typed is sent as Esc Enter would send it. The exit status is 0, or 1
    when an input ended in an error (a request not sent, no answer, a bad command), or 130 on
    Ctrl-C."""
    try:
        _read_piped(repl, source)
    except KeyboardInterrupt:
        repl.connection.close()
        with contextlib.suppress(OutputError):
            repl.fail("interrupted; the connection was closed")
        return EXIT_INTERRUPTED
    except OutputError as exc:  # `> /dev/full`: one line, not a traceback
        return output_failed(exc)
    finally:
        repl.connection.close()
        with contextlib.suppress(OutputError):
            repl.stop_recording()
    return EXIT_ERROR if repl.errors else EXIT_OK


def _read_piped(repl: Repl, source: IO[bytes]) -> None:
    repl.say(f"httplab repl → {repl.connection.address}; reading requests from standard input")
    pending = ""  # a raw request's lines so far, each ended by "\n" (the Enters typed)
    for number, data in enumerate(source, 1):
        # bytes that are not UTF-8 stay the bytes they were (lone surrogates, PEP 383): a raw
        # request sends them exactly, shorthand says it is text (Repl.handle)
        line = data.decode("utf-8", "surrogateescape")
        if number == 1 and line.startswith(BOM):
            # an editor's byte order mark (Notepad's UTF-8) would go out as part of the method
            line = line.removeprefix(BOM)
            repl.say("the input starts with a byte order mark (U+FEFF): left out, not sent")
        text = pending + line.removesuffix("\n").removesuffix("\r")
        if input_complete(text) or (is_raw_input(text) and body_reaches_length(text)):
            pending = ""
            repl.handle(text)
            if not repl.running:
                return
        else:
            pending = text + "\n"
    if pending.strip():
        repl.say("end of input: sending the request typed so far")
        repl.handle(pending)
