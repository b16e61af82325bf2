"""`httplab send`: turn the options into requests, send them, print the exchanges, pick the exit.

Exit statuses: 0 when every request got a response (whatever its status); 1 for a network or
response error (refused, unknown host, timeout, unparseable response); 2 for a mistake in the
input (malformed shorthand, unreadable file); with `check_status`, 3/4/5 for a 3xx/4xx/5xx
final status (HTTPie's convention; the highest class seen wins).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from typing import IO, TYPE_CHECKING

from httplab.client.connection import (
    DEFAULT_MAX_TIME,
    ClientConnection,
    ClientError,
    ClientExchange,
)
from httplab.client.output import (
    PARTS,
    Item,
    Printer,
    exchange_json,
    extra_items,
    info_line,
    note_items,
    request_items,
    response_items,
    timing_line,
    unread_items,
    use_color,
)
from httplab.client.raw import prepare_raw
from httplab.client.shorthand import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    PlannedRequest,
    ShorthandError,
    plan_request,
    split_host_port,
)
from httplab.trace.wire_text import (
    escape_decoded,
    escape_unprintable_lines,
    escape_wire,
    first_words,
)

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
FORM_TYPE = "application/x-www-form-urlencoded"  # -d's Content-Type, as with curl -d
MAX_INPUT = 64 * 2**20  # bytes read for one -d/--json/--raw source


if TYPE_CHECKING:
    from httplab.client.record import RecordOnFirstExchange


class InputError(ValueError):
    """Something the user gave cannot be used (exit 2)."""


@dataclass
class SendOptions:
    request: str | None = None
    to: str | None = None
    headers: list[str] = field(default_factory=list)
    data: str | None = None
    json_data: str | None = None
    query: list[str] = field(default_factory=list)
    http10: bool = False
    chunked: bool = False
    raw: bool = False
    crlf: bool = True
    file: str | None = None
    parts: str = PARTS
    hexdump: bool = False
    offline: bool = False
    output_format: str = "text"
    timeout: float = 5.0
    max_time: float = DEFAULT_MAX_TIME
    check_status: bool = False
    theme: str = "dark"
    record: str | None = None  # a transcript file the exchanges are appended to


@dataclass
class Streams:
    stdin: IO[bytes]
    stdout: IO[str]
    stderr: IO[str]


def run_send(options: SendOptions, streams: Streams | None = None) -> int:
    """Do what `httplab send` was asked; returns the exit status."""
    io = streams or Streams(sys.stdin.buffer, sys.stdout, sys.stderr)
    try:
        plans = plan_requests(options, io.stdin)
    except (InputError, ShorthandError) as exc:
        _error(io, str(exc))
        return EXIT_USAGE
    if options.record is None or options.offline:
        return _Session(options, io).run(plans)
    from httplab.client.record import RecordOnFirstExchange
    from httplab.trace.transcript import TranscriptError

    try:
        recorder = RecordOnFirstExchange(options.record)
    except (OSError, TranscriptError) as exc:
        _error(io, f"--record: cannot record to {escape_decoded(options.record)}: {_why(exc)}")
        return EXIT_USAGE
    try:
        return _Session(options, io, recorder).run(plans)
    except OSError as exc:  # FILE could not be written when the first answer came
        _error(io, f"--record: cannot record to {escape_decoded(options.record)}: {_why(exc)}")
        return EXIT_ERROR
    finally:
        recorder.close()


# inputs ------------------------------------------------------------------------------------
def plan_requests(options: SendOptions, stdin: IO[bytes]) -> list[PlannedRequest]:
    host, port = split_host_port(options.to) if options.to else (DEFAULT_HOST, DEFAULT_PORT)
    if options.file:
        if options.request:
            raise InputError("give either a request or -f FILE, not both")
        if options.file.lower().endswith(".har"):
            return _plan_har_file(options.file, options.to)
        plans = _plan_http_file(options.file, host, port, options.http10)
        if options.to:  # as for a HAR: --to wins over each URL and Host field (kept as written)
            plans = [replace(plan, host=host, port=port) for plan in plans]
        return plans
    if options.raw:
        source = options.request if options.request is not None else "-"
        data = prepare_raw(read_source(source, stdin, what="raw request"), crlf=options.crlf)
        if not data:
            raise InputError("nothing to send: the raw request is empty")
        return [PlannedRequest(host, port, first_words(data)[0].decode("latin-1"), data)]
    if not options.request:
        raise InputError("what to send? e.g. httplab send 'GET /users' (see httplab send --help)")
    body = read_source(options.data, stdin, what="-d") if options.data is not None else None
    json_body = None
    if options.json_data is not None:
        json_body = read_source(options.json_data, stdin, what="--json")
    return [
        plan_request(
            options.request,
            host=host,
            port=port,
            headers=options.headers,
            body=body,
            json_body=json_body,
            query=options.query,
            http10=options.http10,
            chunked=options.chunked,
            content_type=FORM_TYPE if options.data is not None else None,
        )
    ]


def _plan_http_file(path: str, host: str, port: int, http10: bool) -> list[PlannedRequest]:
    from httplab.client.httpfile import HttpFileError, read_http_file  # only for -f: start-up

    try:
        requests = read_http_file(path)
        if not requests:
            raise InputError(f"no requests in {path}")
        return [
            replace(
                r.plan(host=host, port=port, http10=http10),
                title=f"{r.name} (line {r.line})" if r.name else f"line {r.line}",
            )
            for r in requests
        ]
    except HttpFileError as exc:
        message = str(exc)  # name the file, as replay does (`cannot read PATH` already does)
        raise InputError(message if path in message else f"{path}: {message}") from exc


def _plan_har_file(path: str, to: str | None) -> list[PlannedRequest]:
    """A HAR's requests (as `replay FILE.har` builds them): to `to` when given, else to each
    URL's host and port (http:// only: send speaks plain HTTP)."""
    from urllib.parse import urlsplit  # only for -f FILE.har: start-up

    from httplab.client.har_import import HarError, read_har_requests

    try:
        requests = read_har_requests(path)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except HarError as exc:
        raise InputError(f"{path}: {exc}") from exc
    plans = []
    for number, request in enumerate(requests, 1):
        if to is not None:
            host, port = split_host_port(to)
        else:
            url = urlsplit(request.url)
            if url.scheme.lower() != "http" or not url.hostname:
                raise InputError(
                    f"{path}: entry {number} is {request.url[:80]!r}: send speaks plain HTTP; "
                    "give --to HOST:PORT to send the HAR's requests to a plain-HTTP server"
                )
            host, port = split_host_port(url.netloc.rpartition("@")[2], default_port=80)
        method = request.label.partition(" ")[0]
        title = f"{request.label} (entry {number})"
        # a transcript's `# server:` options, kept by export --har: its answers came from there
        note = f"recorded from a server started as: httplab serve {request.server}"
        note = note if request.server else ""
        plans.append(PlannedRequest(host, port, method, request.data, title=title, note=note))
    return plans


def read_source(value: str, stdin: IO[bytes], *, what: str) -> bytes:
    """'-' → stdin, '@path' → the file's bytes, anything else → the text as UTF-8 (a byte the
    shell passed through that is not UTF-8 text stays that byte).

    At most MAX_INPUT bytes are read: `@/dev/urandom` or `yes | …` is an error, not a hang.
    """
    if value == "-":
        return _read_at_most(stdin, what, "stdin")
    if value.startswith("@"):
        path = value[1:]
        try:
            with open(path, "rb") as file:
                return _read_at_most(file, what, path)
        except OSError as exc:
            raise InputError(f"{what}: cannot read {path}: {exc.strerror or exc}") from exc
    return value.encode("utf-8", "surrogateescape")  # bytes the shell passed through, exactly


def _read_at_most(source: IO[bytes], what: str, name: str) -> bytes:
    data = source.read(MAX_INPUT + 1)
    if len(data) > MAX_INPUT:
        raise InputError(f"{what}: {name} holds more than {MAX_INPUT // 2**20} MiB")
    return data


# sending and showing -----------------------------------------------------------------------
class _Session:
    def __init__(
        self, options: SendOptions, io: Streams, recorder: RecordOnFirstExchange | None = None
    ) -> None:
        self.options = options
        self.io = io
        self.recorder = recorder
        self.record_keys: dict[tuple[str, int], object] = {}  # one per TCP connection
        self.json = options.output_format == "json"
        isatty = getattr(io.stdout, "isatty", None)
        to_terminal = bool(isatty and isatty())
        self.printer = Printer(
            io.stdout,
            color=not self.json and use_color(io.stdout),
            # `-p b > file` saves the body as sent; a terminal always gets it escaped
            raw_bodies=options.parts == "b" and not to_terminal,
            theme=options.theme,
        )
        self.heads = bool({"H", "h"} & set(options.parts))
        self.connections: dict[tuple[str, int], ClientConnection] = {}
        self.outcomes: list[str] = []  # per exchange: its final status, or "error"

    def run(self, plans: list[PlannedRequest]) -> int:
        status = EXIT_OK
        several = len(plans) > 1 and self.heads and not self.json
        noted = ""
        try:
            for number, plan in enumerate(plans, 1):
                if plan.note != noted:
                    noted = plan.note
                    self._note(f"{plan.title}: {plan.note}" if plan.note else "")
                if several:
                    self._show_title(number, len(plans), plan.title)
                result = self.exchange(plan)
                if result == EXIT_ERROR:
                    status = EXIT_ERROR
                    break
                status = max(status, result)
        finally:
            for connection in self.connections.values():
                connection.close()
        if several:
            self.printer.write([info_line(self._summary(len(plans)))])
        return status

    def _note(self, text: str) -> None:
        if text:
            self.io.stderr.write(f"httplab: note: {escape_decoded(text)}\n")
            self.io.stderr.flush()

    def _show_title(self, number: int, total: int, title: str) -> None:
        items: list[Item] = [[]] if number > 1 else []  # an empty line between exchanges
        heading = escape_decoded(f"{number}/{total} {title}")
        items.append([("### ", "trace.muted"), (heading, "trace.section")])
        self.printer.write(items)

    def _summary(self, total: int) -> str:
        """`3 requests: 200 ×2, 404; 1 not sent` — what a run of a .http file came to."""
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            counts[outcome] = counts.get(outcome, 0) + 1
        shown = [f"{o} ×{n}" if n > 1 else o for o, n in counts.items()]
        line = f"{total} requests: " + ", ".join(shown)
        if len(self.outcomes) < total:
            line += f"; {total - len(self.outcomes)} not sent (stopped at the error)"
        return line

    def exchange(self, plan: PlannedRequest) -> int:
        host = f"[{plan.host}]" if ":" in plan.host else plan.host
        destination = f"{host}:{plan.port}"
        if self.options.offline:
            self._show_request(plan.data, destination)
            if self.json:
                self._print_json(ClientExchange(plan.data, plan.method), destination)
            return EXIT_OK
        connection = self._connection(plan.host, plan.port)
        shown = False

        def on_sent(data: bytes) -> None:
            nonlocal shown
            shown = True
            self._show_request(data, destination)

        try:
            exchanges = connection.send(plan.data, on_sent=on_sent)
        except ClientError as exc:
            if not shown:
                self._show_request(plan.data, destination, sent=False)
            if self.json:
                failed = ClientExchange(plan.data, plan.method, error=exc.message)
                failed.error_kind = exc.kind
                self._print_json(failed, destination)
            _error(self.io, exc.message + self._unrecorded())
            self.outcomes.append("error")
            return EXIT_ERROR
        self._record(plan, connection, exchanges)
        status = EXIT_OK
        for exchange in exchanges:
            self.outcomes.append("error" if exchange.error is not None else str(exchange.status))
            if self.json:
                self._print_json(exchange, destination)
            else:
                self._show_exchange(exchange)
            if exchange.error is not None:
                _error(self.io, _error_with_bytes(exchange) + self._unrecorded())
                status = EXIT_ERROR
            elif self.options.check_status and exchange.status >= 300:
                status = max(status, min(exchange.status // 100, 5))
        if connection.closed and self.heads and not self.json and status != EXIT_ERROR:
            self.printer.write([info_line(f"connection closed: {connection.closed_reason}")])
        return status

    def _unrecorded(self) -> str:
        """After an error: that `--record`'s FILE was neither created nor changed, if so."""
        if self.recorder is None or self.recorder.started:
            return ""
        return f" (nothing was recorded to {escape_decoded(str(self.recorder.path))})"

    def _record(
        self, plan: PlannedRequest, connection: ClientConnection, exchanges: list[ClientExchange]
    ) -> None:
        """`--record`: the exchanges of one TCP connection share a `== connection`."""
        if self.recorder is None:
            return
        from httplab.client.record import recorded_exchange

        key = (plan.host, plan.port)
        if connection.reopened or key not in self.record_keys:
            self.record_keys[key] = object()
        for exchange in exchanges:
            recorded = recorded_exchange(exchange)
            if recorded is not None:
                self.recorder.add(recorded, connection=self.record_keys[key])
        if connection.closed:
            del self.record_keys[key]

    def _connection(self, host: str, port: int) -> ClientConnection:
        key = (host, port)
        if key not in self.connections:
            self.connections[key] = ClientConnection(
                host, port, timeout=self.options.timeout, max_time=self.options.max_time
            )
        return self.connections[key]

    def _show_request(self, data: bytes, destination: str, *, sent: bool = True) -> None:
        if self.json:
            return
        items: list[Item] = []
        if self.heads:
            verb = "would send" if self.options.offline else "sent" if sent else "not sent:"
            items.append(info_line(f"{verb} {len(data)} bytes to {destination}"))
        items += request_items(data, self.options.parts, self.options.hexdump)
        self.printer.write(items)

    def _show_exchange(self, exchange: ClientExchange) -> None:
        parts, hexdump = self.options.parts, self.options.hexdump
        items = []
        for response in exchange.responses:
            items += response_items(response, parts, hexdump)
            items += note_items(response, parts)
        items += unread_items(exchange.unread, parts, hexdump)
        if self.heads and exchange.responses:
            items.append(timing_line(exchange))
        items += extra_items(exchange.extra, parts, hexdump)
        self.printer.write(items)

    def _print_json(self, exchange: ClientExchange, destination: str) -> None:
        import json  # only for --format json: start-up

        self.io.stdout.write(json.dumps(exchange_json(exchange, destination)) + "\n")
        self.io.stdout.flush()


def _error_with_bytes(exchange: ClientExchange) -> str:
    message = exchange.error or ""
    if exchange.error_kind == "bad-response" and exchange.unread:
        preview = escape_wire(exchange.unread[:120])
        more = "…" if len(exchange.unread) > 120 else ""
        message += f"; received {len(exchange.unread)} bytes: {preview}{more}"
    return message


def _why(exc: OSError | ValueError) -> str:
    """An OSError's own words (`No such file or directory`), else the message."""
    return (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)


def _error(io: Streams, message: str) -> None:
    # a file name or a peer's words in it: escaped when not printable (parts already escaped
    # are printable, so they are not escaped twice)
    io.stderr.write(f"httplab: error: {escape_unprintable_lines(message)}\n")
    io.stderr.flush()
