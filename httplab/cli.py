"""The `httplab` command: option parsing and wiring only.

Heavy modules (prompt_toolkit, the TUI, the server) are imported inside the commands that need
them, so `httplab send` starts fast.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from httplab import __version__

# typer >= 0.20 carries its own copy of click: take the classes it uses, not `click`'s.
_BaseFormatter: Any = typer.Context.formatter_class


class _HelpFormatter(_BaseFormatter):  # type: ignore[misc]
    """click's formatter, but an option's description never breaks inside a word: textwrap
    breaks at hyphens by default, which cut `--max-connections` and `high-contrast` in two."""

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        first_width = min(max((len(first) for first, _ in rows), default=0), col_max)
        column = self.current_indent + first_width + col_spacing
        text_width = max(self.width - column - 2, 20)
        for first, second in rows:
            line = " " * self.current_indent + first
            lines = _wrap(second, text_width)
            if not lines:
                self.write(line + "\n")
                continue
            if len(first) <= first_width:
                self.write(line.ljust(column) + lines[0] + "\n")
            else:  # a long name gets its own line, the text starts on the next
                self.write(line + "\n" + " " * column + lines[0] + "\n")
            for rest in lines[1:]:
                self.write(" " * column + rest + "\n")


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)


class _Context(typer.Context):
    formatter_class = _HelpFormatter


class _Group(TyperGroup):
    context_class = _Context


class _Command(TyperCommand):
    context_class = _Context


class _FilesCommand(_Command):
    """A command whose arguments are one or more files, shown as `FILE...` once: typer would
    write `{FILE...}...` in the usage line and `FILE... <list[Path]>` under Arguments (the
    argument itself is hidden; this class writes both)."""

    files_help = ""
    files_metavar = "FILE..."

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if not (param.param_type_name == "argument" and getattr(param, "hidden", False)):
                pieces.extend(param.get_usage_pieces(ctx))
        return [*pieces, self.files_metavar]

    def format_options(self, ctx: Any, formatter: Any) -> None:
        with formatter.section("Arguments"):
            formatter.write_dl([(self.files_metavar, self.files_help)])
        super().format_options(ctx, formatter)


class _TranscriptFiles(_FilesCommand):
    files_help = "Transcript files, one or more (e.g. transcripts/*.transcript).  [required]"


app = typer.Typer(
    cls=_Group,
    name="httplab",
    help="An HTTP/1.1 lab in the terminal: a from-scratch server, a client and a live trace view.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    epilog=(
        "\b\nExamples:\n"
        "  httplab serve --trace         the server, every exchange shown live\n"
        '  httplab send "GET /users"     one request, both sides byte for byte\n'
        "  httplab repl                  type HTTP by hand on a kept-alive connection\n"
        "  httplab replay transcripts/*.transcript   replay recorded sessions, check answers\n"
        "  httplab export --curl transcripts/users.transcript   the requests as curl commands\n"
        "  httplab proxy --to 127.0.0.1:8000   a reverse proxy, both legs of each exchange shown\n"
        "  httplab lesson list           the HTTP course, each step checked from your bytes\n"
        "\b\nEach command has its own --help with examples."
    ),
)


def _say_error(text: str) -> None:
    """A line (or a few) for stderr. It may carry a file name, an exception's words or a
    progress file's: a control character in them is escaped, never sent to the terminal raw."""
    from httplab.trace.wire_text import escape_unprintable_lines

    typer.echo(escape_unprintable_lines(text), err=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"httplab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """An HTTP/1.1 lab in the terminal."""


# --- serve (owner: server work; --trace: TUI work) -----------------------------------------
if TYPE_CHECKING:  # the server is imported inside `serve` only (fast start of other commands)
    from httplab.client.server_options import ServerOptions
    from httplab.server.context import Tracer
    from httplab.server.engine import HTTPServer
    from httplab.server.serve_command import ServeOptions
    from httplab.trace.intercept import Intercept
    from httplab.trace.recorder import TranscriptRecorder


def _listen_host(value: str | None) -> str | None:
    """`--host`: refused at once when it cannot be an address to listen on (a name with an
    empty part, `a..b`, was a traceback from the IDNA codec when the server started)."""
    if value is None:
        return None
    from httplab.client.shorthand import host_problem
    from httplab.trace.wire_text import escape_decoded

    problem = host_problem(value)
    if problem is not None:
        shown = escape_decoded(value if len(value) <= 60 else value[:60] + "…")
        raise typer.BadParameter(f"bad host '{shown}': {problem}")
    return value


def _run_trace(make_server: Callable[[Tracer | None], HTTPServer], **settings: Any) -> int:
    """`httplab serve --trace`: the full-screen trace view, or plain printing without a TTY.

    `make_server(tracer)` returns the configured, not yet started `HTTPServer` publishing to
    `tracer`; `settings` are the trace options (plain, to, mouse, theme, capacity).
    """
    from httplab.tui.trace_command import TraceSettings, run_trace

    return run_trace(make_server, TraceSettings(**settings))


@app.command(
    cls=_Command,
    no_args_is_help=False,
    short_help="Run the users API server (--trace: watch every exchange live).",
)
def serve(
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        metavar="ADDRESS",
        callback=_listen_host,
        help="Address to listen on; anything but 127.0.0.1 exposes the lab to the network. "
        "Example: --host 0.0.0.0",
    ),
    port: int = typer.Option(
        53210,
        "--port",
        min=0,
        max=65535,
        metavar="PORT",
        help="TCP port; 0 picks a free one (shown at start). Example: --port 8080",
    ),
    name: str | None = typer.Option(
        None,
        "--name",
        metavar="HOST",
        help="Answer only requests whose Host names this server (the tutorial's virtual-host "
        "check); others get 421 Misdirected Request. Example: --name example.local",
    ),
    max_request_line: int = typer.Option(
        8192,
        "--max-request-line",
        min=16,
        metavar="BYTES",
        help="Longest request line; longer → 414. Example: --max-request-line 1024",
    ),
    max_header_line: int = typer.Option(
        8192,
        "--max-header-line",
        min=16,
        metavar="BYTES",
        help="Longest header line; longer → 431. Example: --max-header-line 1024",
    ),
    max_header_block: int = typer.Option(
        65536,
        "--max-header-block",
        min=16,
        metavar="BYTES",
        help="Whole header section; larger → 431. Example: --max-header-block 4096",
    ),
    max_fields: int = typer.Option(
        100,
        "--max-fields",
        min=1,
        metavar="N",
        help="Number of header lines; more → 431. Example: --max-fields 20",
    ),
    max_body: int = typer.Option(
        10 * 1024 * 1024,
        "--max-body",
        min=0,
        metavar="BYTES",
        help="Largest request body; larger → 413. Example: --max-body 1024",
    ),
    idle_timeout: float = typer.Option(
        60.0,
        "--idle-timeout",
        min=0.01,
        metavar="SECONDS",
        help="Close a keep-alive connection idle this long. Example: --idle-timeout 5",
    ),
    header_timeout: float = typer.Option(
        60.0,
        "--header-timeout",
        min=0.01,
        metavar="SECONDS",
        help="Time from a request's first byte to the end of its head; slower → 408 "
        "(slow clients cannot hold a connection). Example: --header-timeout 5",
    ),
    max_connections: int = typer.Option(
        10000,
        "--max-connections",
        min=1,
        metavar="N",
        help="Connections served at once; one more gets 503 and is closed. "
        "Example: --max-connections 100",
    ),
    memory_budget: int = typer.Option(
        64,
        "--memory-budget",
        min=1,
        metavar="MIB",
        help="Request bytes all connections together may hold (heads, bodies, pipelined "
        "requests), in MiB; a request that would go beyond it gets 503 (small ones are always "
        "read). Example: --memory-budget 64",
    ),
    access_log: bool = typer.Option(
        True,
        "--access-log/--no-access-log",
        help="One line per exchange on stderr (written in batches); --no-access-log for "
        "benchmarks or a quiet terminal. Example: --no-access-log",
    ),
    seed: int = typer.Option(
        0,
        "--seed",
        min=0,
        max=100_000,
        metavar="N",
        help="Start with N sample users (the same names each run). In the trace view, U "
        "empties the users again. Example: --seed 5",
    ),
    trace: bool = typer.Option(
        False, "--trace", help="Show every exchange live in the trace view. Example: --trace"
    ),
    plain: bool = typer.Option(
        False,
        "--plain",
        help="With --trace: print each exchange as text instead of the full-screen view "
        "(the default when stdout is not a terminal). Example: --trace --plain",
    ),
    to: str | None = typer.Option(
        None,
        "--to",
        metavar="HOST:PORT",
        help="With --trace: where the client pane sends (default: this server). "
        "Example: --trace --to 127.0.0.1:8080",
    ),
    mouse: bool = typer.Option(
        False,
        "--mouse",
        help="With --trace: let the mouse select rows (off by default so the terminal can "
        "select and copy text). Example: --trace --mouse",
    ),
    theme: str = typer.Option(
        "default",
        "--theme",
        metavar="NAME",
        show_default=False,  # "default" means dark, which the help says
        help="With --trace: colours, 'dark' (the default), 'light' (a light background) or "
        "'high-contrast' (a projector). Example: --trace --theme light",
    ),
    lang: str = typer.Option(
        "en",
        "--lang",
        metavar="en|ru",
        help="With --trace: the language of the field explanations (beside the selected "
        "field in the view, 'what the fields mean' with --plain). Example: --trace --lang ru",
    ),
    hold: bool = typer.Option(
        False,
        "--hold",
        help="With --trace: hold each request before the app answers, so a class can read "
        "it; in the view, a releases the selected one, A all, E edits its response, H turns "
        "holding on and off (also without --hold). Not with --plain. Example: --trace --hold",
    ),
    hold_timeout: float = typer.Option(
        60.0,
        "--hold-timeout",
        min=0.1,
        max=3600.0,
        metavar="SECONDS",
        help="With --trace: a held request is released on its own after this long (the "
        "list counts down), so no client waits for ever. Example: --hold-timeout 120",
    ),
    record: Annotated[
        Path | None,
        typer.Option(
            "--record",
            metavar="FILE",
            help="Write every exchange the server sees to FILE as a transcript (replay it "
            "with `httplab replay FILE`), rewritten atomically after each exchange: complete "
            "up to the last exchange even after a kill. Example: --record session.transcript",
        ),
    ] = None,
    trace_buffer: int = typer.Option(
        10_000,
        "--trace-buffer",
        min=1,
        metavar="N",
        help="With --trace: exchanges kept in memory; older ones are dropped and counted. "
        "Example: --trace-buffer 1000",
    ),
    app_spec: str | None = typer.Option(
        None,
        "--app",
        metavar="MODULE:CALLABLE",
        help="Serve your own application instead of the users API: a WSGI app (Flask, "
        "Bottle, a plain app(environ, start_response)), an ASGI 3 app (async app(scope, "
        "receive, send)) or an httplab app(request) -> Response; it runs in worker threads. "
        "Example: --app hello:app",
    ),
    app_dir: Annotated[
        Path | None,
        typer.Option(
            "--app-dir",
            metavar="DIR",
            help="With --app: the directory to import MODULE from (default: the current one). "
            "Example: --app hello:app --app-dir ~/code/hello",
        ),
    ] = None,
) -> None:
    """Run the users API server: one access-log line per exchange on stderr, Ctrl-C stops.

    \b
    Examples:
      httplab serve
      httplab serve --port 8080 --name example.local
      httplab serve --max-body 1024 --header-timeout 5
      httplab serve --record session.transcript   then: httplab replay session.transcript
      httplab serve --app hello:app --trace        your WSGI app (hello.py), traced
      httplab serve --trace --hold                 each request waits for you (a releases)
    \b
    Then, in another terminal:
      curl -i -X POST 'http://127.0.0.1:53210/users?name=Vasya&age=42'
      curl -i -H 'Accept: text/html' http://127.0.0.1:53210/users
      printf 'GET /users HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' | nc 127.0.0.1 53210
    \b
    Exit status: 0 after Ctrl-C or SIGTERM, 1 when it cannot listen (e.g. port in use),
    2 for a bad option (an empty --host).
    """
    if lang not in ("en", "ru"):
        raise typer.BadParameter("en or ru", param_hint="--lang")
    from httplab.protocol.limits import Limits
    from httplab.server.serve_command import (
        ServeOptions,
        exposure_warning,
        host_error,
    )

    problem = host_error(host)
    if problem is not None:
        typer.echo(problem, err=True)
        raise typer.Exit(2)
    warning = exposure_warning(host)
    if warning is not None:
        typer.echo(warning, err=True)

    user_app, app_label = _load_user_app(app_spec, app_dir) if app_spec else (None, "")
    options = ServeOptions(
        app=user_app,
        app_label=app_label,
        host=host,
        port=port,
        name=name,
        limits=Limits(
            max_request_line=max_request_line,
            max_header_line=max_header_line,
            max_header_block=max_header_block,
            max_fields=max_fields,
            max_body=max_body,
        ),
        idle_timeout=idle_timeout,
        header_timeout=header_timeout,
        max_connections=max_connections,
        memory_budget=memory_budget * 1024 * 1024,
        access_log=access_log,
        seed=seed,
    )
    if hold and not trace:
        typer.echo(
            "httplab serve: --hold needs --trace (held requests are released in the trace "
            "view); e.g. httplab serve --trace --hold",
            err=True,
        )
        raise typer.Exit(2)
    intercept = _intercept(hold, hold_timeout) if trace else None
    recorder = _start_recorder(record) if record is not None else None
    try:
        status = _serve(
            options, recorder, trace, plain, to, mouse, theme, trace_buffer, lang, intercept
        )
    finally:
        if recorder is not None:
            recorder.close()
            _say_error(f"httplab: recorded {recorder.recorded} exchange(s) to {record}")
    raise typer.Exit(status)


def _intercept(hold: bool, timeout: float) -> Intercept:
    """The hold shared by the server and the trace view (`--hold` starts with it on)."""
    from httplab.trace.intercept import Intercept

    return Intercept(active=hold, timeout=timeout)


def _load_user_app(spec: str, app_dir: Path | None) -> tuple[Any, str]:
    """`--app`: the user's application and how the banner names it; a clear line and exit
    status 2 when it cannot be loaded (an import error's traceback printed once above)."""
    from httplab.server.apps.loading import AppLoadError, load_app

    try:
        loaded, kind = load_app(spec, app_dir)
    except AppLoadError as exc:
        if exc.details:
            _say_error(exc.details.rstrip("\n"))
        _say_error(f"httplab serve: {exc.line}")
        raise typer.Exit(2) from None
    return loaded, f"the {kind} app {spec}"


def _not_a_transcript(path: Path, command: str) -> None:
    """`--record FILE` rewrites FILE from the first moment: a FILE that holds something else
    (`--record server.py`) is refused, not replaced. An old transcript is replaced, as before."""
    from httplab.trace.transcript import MAGIC

    magic = MAGIC.encode("ascii")
    try:
        with path.open("rb") as file:
            start = file.read(len(magic))
    except OSError:
        return  # a new file; a folder or a file it cannot read gets the writer's own line
    if start and start != magic:
        _say_error(
            f"{command}: --record: {path} exists and is not a transcript; it was left as it is "
            "(give a new file name, or an old transcript to replace)"
        )
        raise typer.Exit(2)


def _start_recorder(path: Path) -> TranscriptRecorder:
    from httplab.trace.recorder import TranscriptRecorder

    _not_a_transcript(path, "httplab serve")
    try:
        return TranscriptRecorder(path, title=f"recorded by httplab serve --record {path.name}")
    except OSError as exc:
        _say_error(f"httplab serve: --record: cannot write {path}: {exc.strerror}")
        raise typer.Exit(2) from None


def _serve(
    options: ServeOptions,
    recorder: TranscriptRecorder | None,
    trace: bool,
    plain: bool,
    to: str | None,
    mouse: bool,
    theme: str,
    trace_buffer: int,
    lang: str = "en",
    intercept: Intercept | None = None,
) -> int:
    from httplab.server.serve_command import make_server, serve_until_signal

    if trace:
        from httplab.render.theme import theme_named

        try:
            theme_named(theme)
        except ValueError as exc:
            _say_error(f"httplab serve: --theme: {exc}")
            raise typer.Exit(2) from None

        def traced(tracer: Tracer | None) -> HTTPServer:
            subscribe = getattr(tracer, "subscribe", None)
            if recorder is not None and subscribe is not None:
                subscribe(recorder.publish)  # the trace bus feeds the recording too
            return make_server(options, tracer=tracer, intercept=intercept)

        return _run_trace(
            traced,
            plain=plain,
            to=to,
            mouse=mouse,
            theme=theme,
            capacity=trace_buffer,
            lang=lang,
            intercept=intercept,
        )
    return serve_until_signal(options, tracer=recorder)


# --- send / repl (owner: client work) ------------------------------------------------------
# Only typer at module level: `httplab send` must start fast (no rich, prompt_toolkit, server).


@app.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
    help="Send one request (or raw bytes, a .http or HAR file) and show both sides byte for "
    "byte. See httplab send --help.",
    short_help="Send one request and show both sides byte for byte.",
)
def send(ctx: typer.Context) -> None:
    # The options are parsed by httplab.client.send_cli (argparse): typer's start-up cost
    # (~100 ms of pydantic) is too much for a command whose point is to be quick.
    from httplab.client.send_cli import main_send

    raise typer.Exit(main_send(ctx.args))


@app.command(cls=_Command, short_help="Type HTTP by hand on a kept-alive connection.")
def repl(
    to: str = typer.Option(
        "127.0.0.1:53210",
        "--to",
        metavar="HOST:PORT",
        help="The server to talk to (switch later with :to). Example: --to localhost:8080",
    ),
    timeout: float = typer.Option(
        5.0,
        "--timeout",
        min=0.001,
        max=86400,
        metavar="SECONDS",
        help="Give up connecting, or waiting for the next response byte, after this long. "
        "Example: --timeout 2",
    ),
    history: str | None = typer.Option(
        None,
        "--history",
        metavar="FILE",
        help="Where to keep the input history (default $XDG_STATE_HOME/httplab/repl-history). "
        "Example: --history /tmp/h",
    ),
) -> None:
    """Talk HTTP by hand: type requests, see the bytes, over a kept-alive connection.

    \b
    Examples:
      httplab repl
      httplab repl --to localhost:8080
      printf 'GET /users\\n' | httplab repl     piped lines, no prompt (exit 1 on an error)
    \b
    At the prompt:
      GET /users                  shorthand, sent on Enter
      GET /users HTTP/1.1         raw: type headers, an empty line sends
      :to HOST:PORT  :crlf  :hexdump  :last  :close  :record FILE  :help  :quit
    """
    from pathlib import Path

    from httplab.client.repl import run_repl
    from httplab.client.shorthand import ShorthandError, split_host_port

    try:
        host, port = split_host_port(to)
    except ShorthandError as exc:
        raise typer.BadParameter(str(exc), param_hint="--to") from exc
    history_path = Path(history) if history else None
    raise typer.Exit(run_repl(host, port, timeout=timeout, history_path=history_path))


# --- replay (owner: lead) --------------------------------------------------------------------


@app.command(cls=_TranscriptFiles, short_help="Replay recorded transcripts, check each answer.")
def replay(
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILE", hidden=True, help=_TranscriptFiles.files_help),
    ],
    to: str | None = typer.Option(
        None,
        "--to",
        metavar="HOST:PORT",
        help="Replay against this running server. Default: a fresh in-process users server "
        "for each file (on a free port). Example: --to localhost:8080",
    ),
    timeout: float = typer.Option(
        5.0, "--timeout", min=0.1, metavar="SECONDS", help="Per connect and per read."
    ),
    curl: bool = typer.Option(
        False, "--curl", hidden=True, help="Old spelling of `httplab export --curl`."
    ),
    har: Annotated[
        Path | None,
        typer.Option(
            "--har", metavar="OUT.har", hidden=True, help="Old spelling of `httplab export --har`."
        ),
    ] = None,
    update: bool = typer.Option(
        False,
        "--update",
        help="Rewrite a failing file's expect lines and recorded responses from what the "
        "server answers now (the change is shown as a diff first; the file is replaced "
        "atomically). Example: --update",
    ),
) -> None:
    """Replay recorded transcripts and check every expectation.

    \b
    Examples:
      httplab replay transcripts/*.transcript       each file against a fresh users server
      httplab replay transcripts/users.transcript --to localhost:53210
      httplab replay my.transcript --update         accept what the server answers now
      httplab replay session.har                    a HAR's requests (a browser's export)
    \b
    Without --to, each file gets its own freshly started users server (the state it was
    recorded against), so nothing needs to be running. Progress: [file i/n], then
    [exchange j/m] per exchange as it completes (a failure with a diff of expected and
    received), a summary per file and overall.
    Exit status: 0 when every expectation held, 1 when one failed (or a file holds no
    exchange: nothing was checked), 2 for a file that cannot be read. To turn transcripts
    into curl commands or a HAR file, see httplab export.
    """
    from httplab.client.replay_cli import ReplayUsageError, run_replay

    def err(line: str) -> None:
        typer.echo(line, err=True)

    if curl or har is not None:  # the first spelling (one release): still works, points on
        new = "--curl" if curl else f"--har {har}"
        err(f"httplab: note: `replay {new.split()[0]}` is now `httplab export {new} FILE...`")
        _export(files, to, curl=curl, har=har)

    def fresh_server(options: ServerOptions) -> HTTPServer:
        # as `httplab serve` starts (no users, ids from 1), with the file's `# server:` options
        from httplab.server.apps.users import UsersApp
        from httplab.server.engine import HTTPServer

        users = UsersApp()
        users.store.seed(options.seed)
        return HTTPServer(users, "127.0.0.1", 0, options.limits, server_name=options.name)

    try:
        status = run_replay(
            files,
            to,
            timeout=timeout,
            out=typer.echo,
            err=err,
            fresh_server=fresh_server,
            update=update,
        )
    except ReplayUsageError as exc:
        raise typer.BadParameter(str(exc), param_hint="--to") from exc
    except KeyboardInterrupt:  # said as `httplab send` says it (it ended silently)
        err("httplab: interrupted")
        raise typer.Exit(130) from None
    raise typer.Exit(status)


# --- export (owner: EXPORT, issue 13) -------------------------------------------------------


class _ExportFiles(_FilesCommand):
    files_help = (
        "Transcript files (e.g. transcripts/*.transcript), or HAR files (their requests), "
        "one or more.  [required]"
    )


@app.command(cls=_ExportFiles, short_help="Turn transcripts into curl commands or a HAR file.")
def export(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILE", hidden=True, help=_ExportFiles.files_help),
    ],
    curl: bool = typer.Option(
        False,
        "--curl",
        help="Print one runnable, shell-quoted curl command per request (bash or zsh), each "
        "after a comment naming its exchange. Example: --curl > session.sh",
    ),
    har: Annotated[
        Path | None,
        typer.Option(
            "--har",
            metavar="OUT.har",
            help="Write every exchange as one HAR 1.2 file (atomically; - for stdout), for a "
            "browser's devtools or `httplab replay OUT.har`. Example: --har session.har",
        ),
    ] = None,
    to: str = typer.Option(
        "127.0.0.1:53210",
        "--to",
        metavar="HOST:PORT",
        help="The server the URLs name (the requests' own Host fields are kept). "
        "Example: --to localhost:8080",
    ),
) -> None:
    """Turn transcripts into curl commands or a HAR 1.2 file; nothing is sent.

    \b
    Examples:
      httplab export --curl transcripts/users.transcript
      httplab export --curl transcripts/bodies.transcript --to localhost:8080 > bodies.sh
      httplab export --har all.har transcripts/*.transcript   then: httplab replay all.har
      httplab export --har - session.transcript | jq '.log.entries[].request.url'
      httplab export --curl recorded-in-a-browser.har      a HAR's requests as curl commands
    \b
    curl: what curl adds by itself is switched off (-H 'User-Agent:', -H 'Accept:'), HEAD
    is --head, HTTP/1.0 is --http1.0, repeated fields stay repeated, a binary body is a
    $'\\xNN' string or piped in by printf. A request curl cannot send as it stands (a
    malformed one, two Host fields) is a '# not sent by curl (why)' comment; send it with
    httplab send --raw.
    \b
    Exit status: 0 done, 2 for a file that cannot be read or an OUT that cannot be written.
    """
    if curl == (har is not None):
        ctx.fail("give exactly one of --curl or --har OUT.har")
    _export(files, to, curl=curl, har=har)


def _export(files: list[Path], to: str | None, *, curl: bool, har: Path | None) -> None:
    from httplab.client.export_cli import DEFAULT_TO, export_curl, export_har
    from httplab.client.replay_cli import ReplayUsageError

    def err(line: str) -> None:
        typer.echo(line, err=True)

    try:
        if curl:
            status = export_curl(files, to or DEFAULT_TO, out=typer.echo, err=err)
        else:
            assert har is not None
            status = export_har(files, to or DEFAULT_TO, har, out=typer.echo, err=err)
    except ReplayUsageError as exc:
        raise typer.BadParameter(str(exc), param_hint="--to") from exc
    raise typer.Exit(status)


# --- proxy (owner: proxy work) ---------------------------------------------------------------
@app.command(
    cls=_Command,
    short_help="Forward to another server; both legs traced.",
)
def proxy(
    to: str = typer.Option(
        ...,
        "--to",
        metavar="HOST:PORT",
        help="The upstream server every request is forwarded to (plain HTTP/1.1). "
        "Example: --to 127.0.0.1:8000",
    ),
    listen: str = typer.Option(
        "127.0.0.1:53211",
        "--listen",
        metavar="[HOST:]PORT",
        help="Where the proxy listens; a host other than 127.0.0.1 exposes it to the network, "
        "port 0 picks a free one. Example: --listen 8080",
    ),
    timeout: float = typer.Option(
        30.0,
        "--timeout",
        min=0.01,
        metavar="SECONDS",
        help="How long the upstream may stay silent during an exchange; longer → 504 "
        "Gateway Timeout (or the client's connection is cut once its answer began). "
        "Example: --timeout 5",
    ),
    connect_timeout: float = typer.Option(
        5.0,
        "--connect-timeout",
        min=0.01,
        metavar="SECONDS",
        help="How long connecting to the upstream may take; longer → 504. "
        "Example: --connect-timeout 2",
    ),
    idle_timeout: float = typer.Option(
        60.0,
        "--idle-timeout",
        min=0.01,
        metavar="SECONDS",
        help="Close a client's kept-alive connection idle this long; also how long a client's "
        "body or its reading of an answer may stall. Example: --idle-timeout 5",
    ),
    header_timeout: float = typer.Option(
        60.0,
        "--header-timeout",
        min=0.01,
        metavar="SECONDS",
        help="Time from a request's first byte to the end of its head; slower → 408. "
        "Example: --header-timeout 5",
    ),
    max_connections: int = typer.Option(
        1000,
        "--max-connections",
        min=1,
        metavar="N",
        help="Client connections at once (each may hold one upstream connection); one more "
        "gets 503. Example: --max-connections 100",
    ),
    max_body: int = typer.Option(
        1024 * 1024 * 1024,
        "--max-body",
        min=0,
        metavar="BYTES",
        help="Largest body passed on, either way; bodies stream through, so this bounds time, "
        "not memory. A larger request gets 413, a larger response 502. "
        "Example: --max-body 104857600",
    ),
    access_log: bool = typer.Option(
        True,
        "--access-log/--no-access-log",
        help="Without --trace: one line per exchange on stderr, both legs. "
        "Example: --no-access-log",
    ),
    trace: bool = typer.Option(
        False,
        "--trace",
        help="Show both legs of every exchange live in the trace view: #N.M what the client "
        "sent and got, ↑N.M what went upstream and what came back. Example: --trace",
    ),
    plain: bool = typer.Option(
        False,
        "--plain",
        help="With --trace: print each exchange as text instead of the full-screen view "
        "(the default when stdout is not a terminal). Example: --trace --plain",
    ),
    mouse: bool = typer.Option(
        False, "--mouse", help="With --trace: let the mouse select rows. Example: --trace --mouse"
    ),
    theme: str = typer.Option(
        "default",
        "--theme",
        metavar="NAME",
        show_default=False,  # "default" means dark, which the help says
        help="With --trace: 'dark' (the default), 'light' or 'high-contrast'. "
        "Example: --trace --theme light",
    ),
    trace_buffer: int = typer.Option(
        10_000,
        "--trace-buffer",
        min=1,
        metavar="N",
        help="With --trace: records kept in memory (two per exchange); older ones are dropped "
        "and counted. Example: --trace-buffer 1000",
    ),
    lang: str = typer.Option(
        "en",
        "--lang",
        metavar="en|ru",
        help="With --trace: the language of the field explanations. Example: --trace --lang ru",
    ),
    record: Annotated[
        Path | None,
        typer.Option(
            "--record",
            metavar="FILE",
            help="Write what the clients sent and got (the client's leg of each exchange) to "
            "FILE as a transcript, rewritten atomically after each exchange; replay it with "
            "`httplab replay FILE --to HOST:PORT`. Example: --record session.transcript",
        ),
    ] = None,
) -> None:
    """Forward every request to another server and show both legs of each exchange.

    A reverse proxy built on httplab's own parser: it removes hop-by-hop fields (RFC 9110
    §7.6.1), adds `Via: 1.1 httplab` (§7.6.3; `1.0 httplab` on a message it received as
    HTTP/1.0), keeps connections alive on both sides and streams bodies through. An
    upstream that refuses or answers garbage → 502 Bad Gateway; one that stays silent → 504
    Gateway Timeout; the body of either says which and what to do. CONNECT (tunnels) → 501.

    \b
    Examples:
      python3 -m http.server 8000 &                    any server to look at
      httplab proxy --listen 8080 --to 127.0.0.1:8000
      curl -i http://127.0.0.1:8080/                   then: through the proxy
      httplab proxy --listen 8080 --to 127.0.0.1:8000 --trace   both legs, live
      httplab proxy --listen 8080 --to 127.0.0.1:53210 --record s.transcript
      httplab replay transcripts/users.transcript --to 127.0.0.1:8080   checks, proxied
    \b
    Exit status: 0 after Ctrl-C or SIGTERM, 1 when it cannot listen (e.g. port in use),
    2 for a bad option (a --to or --listen that is not an address).
    """
    from httplab.protocol.limits import Limits
    from httplab.proxy.proxy_command import (
        ProxyOptions,
        client_legs_only,
        make_proxy,
        proxy_until_signal,
    )
    from httplab.proxy.settings import AddressError, ProxySettings, parse_listen, parse_upstream
    from httplab.server.serve_command import exposure_warning

    if lang not in ("en", "ru"):
        raise typer.BadParameter("en or ru", param_hint="--lang")
    try:
        upstream_host, upstream_port = parse_upstream(to)
        host, port = parse_listen(listen)
    except AddressError as exc:
        _say_error(f"httplab proxy: {exc}")
        raise typer.Exit(2) from None
    warning = exposure_warning(host)
    if warning is not None:
        typer.echo(warning, err=True)
    settings = ProxySettings(
        upstream_host,
        upstream_port,
        limits=Limits(max_body=max_body),
        connect_timeout=connect_timeout,
        timeout=timeout,
        idle_timeout=idle_timeout,
        header_timeout=header_timeout,
        max_connections=max_connections,
    )
    options = ProxyOptions(settings, host, port, access_log=access_log)
    recorder = None
    if record is not None:
        from httplab.trace.recorder import TranscriptRecorder

        _not_a_transcript(record, "httplab proxy")
        try:
            recorder = TranscriptRecorder(record, title=f"recorded by httplab proxy --to {to}")
        except OSError as exc:
            _say_error(f"httplab proxy: --record: cannot write {record}: {exc.strerror}")
            raise typer.Exit(2) from None
    try:
        if not trace:
            status = proxy_until_signal(options, record=recorder)
        else:
            from httplab.render.theme import theme_named
            from httplab.tui.trace_command import TraceSettings, run_trace

            try:
                theme_named(theme)
            except ValueError as exc:
                _say_error(f"httplab proxy: --theme: {exc}")
                raise typer.Exit(2) from None

            def traced(tracer: Any) -> Any:
                subscribe = getattr(tracer, "subscribe", None)
                if recorder is not None and subscribe is not None:
                    subscribe(client_legs_only(recorder.publish))
                return make_proxy(options, tracer)

            trace_settings = TraceSettings(
                plain=plain,
                mouse=mouse,
                theme=theme,
                capacity=trace_buffer,
                lang=lang,
                command="httplab proxy --trace",
                port_option="--listen",
            )
            status = run_trace(traced, trace_settings)
    finally:
        if recorder is not None:
            recorder.close()
            _say_error(f"httplab: recorded {recorder.recorded} exchange(s) to {record}")
    raise typer.Exit(status)


# --- lesson (owner: lesson engine; `lesson start/check/hint/demo`, `class status`: build work) --
# Numbers are commands too: `httplab lesson 4` runs the hidden `open` command with 4.


class LessonGroup(_Group):
    """`httplab lesson N …` → `httplab lesson open N …`; named subcommands work as usual."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0].isdigit():
            args = ["open", *args]
        return super().resolve_command(ctx, args)


lesson_app = typer.Typer(
    cls=LessonGroup,
    name="lesson",
    help="The HTTP course: lessons checked step by step from the bytes you send.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    epilog=(
        "\b\nExamples:\n"
        "  httplab lesson list              the lessons, with your progress\n"
        "  httplab lesson 1                 lesson 1 in the lesson view (a terminal)\n"
        "  httplab lesson 4 --plain         lesson 4 as a plain teaching REPL\n"
        "  httplab lesson 1 --plain < lessons/01-what-is-a-request/walkthrough.txt\n"
        "  httplab lesson 2 --lang ru       in Russian\n"
        "  httplab lesson 3 --class         in class: students send to this machine\n"
        "  httplab lesson reset 4           forget your progress in lesson 4\n"
        "\b\nProgress is kept in $XDG_DATA_HOME/httplab/progress.json\n"
        "(by default ~/.local/share/httplab/progress.json); --progress FILE picks another."
    ),
)
app.add_typer(
    lesson_app, name="lesson", short_help="The HTTP course, each step checked from your bytes."
)

_PROGRESS_OPTION = typer.Option(
    None,
    "--progress",
    metavar="FILE",
    help="The progress file (default $XDG_DATA_HOME/httplab/progress.json). "
    "Example: --progress /tmp/me.json",
)


LIST_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "build": "build",
        "build-note": "build: the last `httplab lesson check N` of your own server "
        "(✓ or passed/cases)",
        "progress": "progress",
    },
    "ru": {
        "build": "сервер",
        "build-note": "сервер: последний запуск `httplab lesson check N` для вашего сервера "
        "(✓ или пройдено/всего)",
        "progress": "прогресс",
    },
}
"""`lesson list`'s own words, by language (the titles are the lessons')."""


def _lang_default() -> str:
    import locale
    import os

    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "ru" if value.lower().startswith("ru") else "en"
    found = locale.getlocale()[0] or ""
    return "ru" if found.lower().startswith("ru") else "en"


def _chosen_lang(lang: str | None) -> str:
    """--lang's value ("en" or "ru"), else the locale's; anything else is a usage error."""
    if lang is not None and lang not in ("en", "ru"):
        raise typer.BadParameter("en or ru", param_hint="--lang")
    return "ru" if (lang or _lang_default()) == "ru" else "en"


def _load_progress(path: Path | None) -> Any:
    from httplab.lessons import Progress, ProgressError

    try:
        progress = Progress.load(path)
    except ProgressError as exc:
        _say_error(f"httplab lesson: {exc}")
        raise typer.Exit(2) from None
    if progress.warning:
        _say_error(f"httplab lesson: warning: {progress.warning}")
    return progress


@lesson_app.command("list", short_help="The lessons, with your progress in each.")
def lesson_list(
    progress_file: Path | None = _PROGRESS_OPTION,
    lang: str | None = typer.Option(
        None,
        "--lang",
        metavar="en|ru",
        help="The language of the titles (default from the locale). Example: --lang ru",
    ),
) -> None:
    """The lessons, numbered, with how many steps you passed in each, and how your own
    server did in its last `httplab lesson check N` (build ✓, or build 5/9 cases).

    \b
    Examples:
      httplab lesson list
      httplab lesson list --lang ru --progress /tmp/me.json
    """
    from httplab.lessons import LessonError, list_lessons, load_lesson_folder
    from httplab.trace.wire_text import escape_unprintable_lines

    if lang is not None and lang not in ("en", "ru"):
        raise typer.BadParameter("en or ru", param_hint="--lang")
    progress = _load_progress(progress_file)
    lang = lang or _lang_default()
    lessons = list_lessons()
    if not lessons:
        from httplab.lessons import lessons_dir

        _say_error(f"httplab lesson: no lessons found in {lessons_dir()}")
        raise typer.Exit(1)
    words = LIST_WORDS["ru" if lang == "ru" else "en"]
    rows: list[tuple[str, str, str]] = []  # (number and mark, title, steps and build) or
    built = False  # (a line about an unreadable lesson, "", "")
    for info in lessons:
        try:
            lesson = load_lesson_folder(Path(info.path))
        except LessonError as exc:
            rows.append((f"{info.number:>3}. {info.slug}  (cannot be read: {exc})", "", ""))
            continue
        passed = progress.passed_steps(lesson.number) & {s.id for s in lesson.steps}
        total = len(lesson.steps)
        mark = "✓" if len(passed) == total else ("…" if passed else " ")
        title = lesson.title.get("ru" if lang == "ru" else "en")
        after = f"[{len(passed)}/{total}]"
        build = progress.build_result(lesson.number)
        if build is not None:
            built = True
            after += "  " + build.mark(words["build"])
        rows.append((f"{info.number:>3}. {mark} ", title, after))
    width = max((len(title) for _, title, after in rows if after), default=0)
    for start, title, after in rows:
        typer.echo(f"{start}{title.ljust(width)}  {after}".rstrip() if after else start)
    if built:
        typer.echo("\n" + words["build-note"])
    typer.echo(f"\n{words['progress']}: {escape_unprintable_lines(str(progress.path))}")


@lesson_app.command("reset")
def lesson_reset(
    number: Annotated[int, typer.Argument(metavar="N", help="The lesson number.")],
    progress_file: Path | None = _PROGRESS_OPTION,
    lang: str | None = typer.Option(
        None,
        "--lang",
        metavar="en|ru",
        help="The language of what it says (default from the locale). Example: --lang ru",
    ),
) -> None:
    """Forget your progress in lesson N (the other lessons are kept).

    \b
    Examples:
      httplab lesson reset 4
      httplab lesson reset 4 --lang ru
    """
    from httplab.lessons import LessonError, ProgressError, find_lesson
    from httplab.lessons.build_report import label

    chosen = _chosen_lang(lang)

    try:
        find_lesson(number)
    except LessonError as exc:
        _say_error(f"httplab lesson: {exc}")
        raise typer.Exit(2) from None
    progress = _load_progress(progress_file)
    try:
        had = progress.reset(number)
    except ProgressError as exc:
        _say_error(f"httplab lesson: {exc}")
        raise typer.Exit(1) from None
    typer.echo(label("reset-done" if had else "reset-none", chosen, number=number))


def _lesson_view() -> Callable[..., int] | None:
    """The TUI's lesson view, `run_lesson_view(lesson, progress, settings) -> status`, once
    the TUI provides it (httplab.tui.lesson_command); None until then."""
    import importlib

    try:
        module = importlib.import_module("httplab.tui.lesson_command")
    except ImportError:
        return None
    view: Callable[..., int] | None = getattr(module, "run_lesson_view", None)
    return view


class _LessonOpenCommand(_Command):
    """`httplab lesson N`: its usage line names the command as it is typed, not the hidden
    `open` it runs (which no list shows)."""

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        parent = ctx.parent.command_path if ctx.parent is not None else "httplab lesson"
        formatter.write_usage(parent, "N [OPTIONS]")


@lesson_app.command("open", hidden=True, cls=_LessonOpenCommand)
def lesson_open(
    number: Annotated[int, typer.Argument(metavar="N", help="The lesson number.")],
    plain: bool = typer.Option(
        False,
        "--plain",
        help="A plain teaching REPL instead of the lesson view (the default without a "
        "terminal). Example: --plain",
    ),
    lang: str | None = typer.Option(
        None,
        "--lang",
        metavar="en|ru",
        help="The language of the lesson (default from the locale). Example: --lang ru",
    ),
    progress_file: Path | None = _PROGRESS_OPTION,
    host: str | None = typer.Option(
        None,
        "--host",
        metavar="ADDRESS",
        callback=_listen_host,
        help="Where the lesson's server listens (default 127.0.0.1; 0.0.0.0 with --class). "
        "Example: --host 0.0.0.0",
    ),
    port: int = typer.Option(
        53210,
        "--port",
        min=0,
        max=65535,
        metavar="PORT",
        help="The lesson server's port; 0 picks a free one. Example: --port 8080",
    ),
    class_mode: bool = typer.Option(
        False,
        "--class",
        help="In class: listen on all interfaces so students can send from their laptops; "
        "the class board counts them. Example: --class",
    ),
    theme: str = typer.Option(
        "default",
        "--theme",
        metavar="NAME",
        show_default=False,  # "default" means dark, which the help says
        help="The lesson view's colours: dark (the default), light (a light background) or "
        "high-contrast (a projector). "
        "Example: --theme high-contrast",
    ),
) -> None:
    """Open lesson N: each exchange the lesson's server sees is checked against the step.

    \b
    Examples:
      httplab lesson 1
      httplab lesson 4 --plain --lang ru
    """
    import sys

    from httplab.lessons import LessonError, LessonSettings, load_lesson

    if lang is not None and lang not in ("en", "ru"):
        raise typer.BadParameter("en or ru", param_hint="--lang")
    if theme not in ("default", "dark", "light", "high-contrast"):
        raise typer.BadParameter("dark, light or high-contrast", param_hint="--theme")
    try:
        lesson = load_lesson(number)
    except LessonError as exc:
        _say_error(f"httplab lesson: {exc}")
        raise typer.Exit(2) from None
    where = host if host is not None else ("0.0.0.0" if class_mode else "127.0.0.1")
    if where not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(
            f"httplab lesson: warning: listening on {where}: anyone who can reach this machine "
            "can send to the lesson's server",
            err=True,
        )
    settings = LessonSettings(
        host=where,
        port=port,
        lang="ru" if (lang or _lang_default()) == "ru" else "en",
        class_mode=class_mode,
        theme=theme,
    )
    progress = _load_progress(progress_file)
    if not plain:
        terminal = sys.stdin.isatty() and sys.stdout.isatty()
        view = _lesson_view()
        if terminal and view is not None:
            raise typer.Exit(view(lesson, progress, settings))
        if view is None and terminal:
            typer.echo("httplab lesson: the lesson view is not built yet; using --plain", err=True)
        elif not terminal:
            using = "no terminal; using --plain"
            if settings.lang == "ru":
                using = "нет терминала, урок идёт в режиме --plain"
            typer.echo(f"httplab lesson: {using}", err=True)
    from httplab.lessons.plain import run_plain

    raise typer.Exit(run_plain(lesson, progress, settings))


# --- lesson start/check/hint/demo, class status (owner: build-your-own-server work) ---------


def _build_console() -> Any:
    import functools

    from httplab.render.printer import plain_console

    console = plain_console()
    # Piped into `head` (or `less`, quit early): rich would exit at once with status 1, so a
    # check stopped before recording its result and `lesson hint` knew of no failure. Instead
    # the rest goes to /dev/null and the command ends as it would have.
    console.on_broken_pipe = functools.partial(_quiet_from_now_on, console)  # type: ignore[method-assign]
    return console


def _quiet_from_now_on(console: Any) -> None:
    import os
    import sys

    console.quiet = True
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _build_run(action: Callable[[Any], int], command: str = "httplab lesson") -> None:
    """Run a build command; its usage problems are one line, named after `command`, and exit
    status 2 (or 1)."""
    from httplab.lessons.build_commands import BuildError

    console = _build_console()
    try:
        status = action(console)
    except BuildError as exc:
        _say_error(f"{command}: {exc}")
        raise typer.Exit(exc.status) from None
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)
        raise typer.Exit(130) from None
    except Exception as exc:  # a bug of ours: one line, not a traceback over the learner's work
        _say_error(f"{command}: internal error: {type(exc).__name__}: {exc}")
        raise typer.Exit(3) from None
    raise typer.Exit(status)


_LESSON_NUMBER = typer.Argument(metavar="N", help="The lesson number.")


@lesson_app.command(
    "start", short_help="Start your own server: copy lesson N's starter to server.py."
)
def lesson_start(
    number: Annotated[int, _LESSON_NUMBER],
    folder: Annotated[
        Path, typer.Argument(metavar="[DIR]", help="Where server.py goes (default: here).")
    ] = Path(),
    force: bool = typer.Option(
        False, "--force", help="Replace an existing server.py without asking. Example: --force"
    ),
    lang: str | None = typer.Option(
        None,
        "--lang",
        metavar="en|ru",
        help="The language of what it says (default from the locale). Example: --lang ru",
    ),
) -> None:
    """Start building your own server: copy lesson N's starter to DIR/server.py.

    The starter is the server as it stands at the start of lesson N (lesson N-1's reference),
    with TODO comments for what lesson N asks. An existing server.py is never overwritten
    without asking (or --force).

    \b
    Examples:
      httplab lesson start 1
      httplab lesson start 2 myserver
      httplab lesson start 5 --force
      httplab lesson start 1 --lang ru
    """
    from httplab.lessons.build_commands import start_lesson

    chosen = _chosen_lang(lang)
    _build_run(
        lambda console: start_lesson(number, folder, force=force, console=console, lang=chosen)
    )


@lesson_app.command("check", short_help="Check your own server against lessons 1 to N.")
def lesson_check(
    number: Annotated[int, _LESSON_NUMBER],
    cmd: str | None = typer.Option(
        None,
        "--cmd",
        metavar="COMMAND",
        help="How to start your server; {port} is replaced by a free port. Default: "
        'python3 server.py {port} (in this folder). Example: --cmd "python3 srv.py {port}"',
    ),
    port: int | None = typer.Option(
        None,
        "--port",
        min=1,
        max=65535,
        metavar="PORT",
        help="Check a server already listening on this port (it is not started or stopped). "
        "Example: --port 8080",
    ),
    article: bool = typer.Option(
        False,
        "--article",
        help="Accept the original tutorial's own choices where it departs from the RFC (494 "
        "for big headers, 404 for a foreign Host), with a note giving the RFC's answer.",
    ),
    timeout: float = typer.Option(
        2.0,
        "--timeout",
        min=0.1,
        max=60,
        metavar="SECONDS",
        help="How long each case waits for an answer. Example: --timeout 5",
    ),
    lang: str | None = typer.Option(
        None,
        "--lang",
        metavar="en|ru",
        help="The report's language (its hints too). Example: --lang ru",
    ),
    progress_file: Path | None = _PROGRESS_OPTION,
) -> None:
    """Check your own server against lesson N (and every lesson before it), byte for byte.

    Starts your server on a free port (--cmd), waits until it listens, sends every case,
    stops it, and prints one line per case. A failure shows the bytes sent and received
    (CRLF visible), points at the first wrong byte, names the RFC section and gives a hint.

    \b
    Examples:
      httplab lesson check 2
      httplab lesson check 5 --cmd "python3 myserver.py {port}"
      httplab lesson check 7 --port 8080
      httplab lesson check 4 --article
    \b
    Exit status: 0 when every case passes, 1 when one fails or the server cannot be
    checked (crash, hang, refused, never listening, an HTTP library imported), 2 for a
    usage problem.
    """
    from httplab.lessons.build_commands import CheckOptions, check_lesson

    if lang is not None and lang not in ("en", "ru"):
        raise typer.BadParameter("en or ru", param_hint="--lang")
    options = CheckOptions(
        port=port,
        cmd=cmd,
        timeout=timeout,
        mode="article" if article else "rfc",
        lang="ru" if (lang or _lang_default()) == "ru" else "en",
        progress_path=progress_file,
    )
    _build_run(lambda console: check_lesson(number, options, console))


@lesson_app.command("hint", short_help="The next hint for your own server in lesson N.")
def lesson_hint(
    number: Annotated[int, _LESSON_NUMBER],
    lang: str | None = typer.Option(
        None, "--lang", metavar="en|ru", help="The hint's language. Example: --lang ru"
    ),
    progress_file: Path | None = _PROGRESS_OPTION,
) -> None:
    """The next hint for building lesson N: a nudge, then a pointer, then the near-answer.

    Hints follow your last `lesson check` (its first failed case) and are counted in your
    progress file.

    \b
    Examples:
      httplab lesson hint 2
      httplab lesson hint 2 --lang ru
    """
    from httplab.lessons.build_commands import hint_lesson

    if lang is not None and lang not in ("en", "ru"):
        raise typer.BadParameter("en or ru", param_hint="--lang")
    chosen = "ru" if (lang or _lang_default()) == "ru" else "en"
    _build_run(lambda console: hint_lesson(number, chosen, progress_file, console))


@lesson_app.command("demo", short_help="Lesson N's reference solution in the trace view.")
def lesson_demo(
    number: Annotated[int, _LESSON_NUMBER],
    port: int = typer.Option(
        53210,
        "--port",
        min=0,
        max=65535,
        metavar="PORT",
        help="Where the demo listens for you and your students. Example: --port 8080",
    ),
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        metavar="ADDRESS",
        callback=_listen_host,
        help="Address to listen on; 0.0.0.0 lets a class send to it. Example: --host 0.0.0.0",
    ),
    cases: bool = typer.Option(
        True,
        "--cases/--no-cases",
        help="First send this lesson's new check cases through it (default on).",
    ),
    plain: bool = typer.Option(
        False, "--plain", help="Print each exchange instead of the full-screen trace view."
    ),
    theme: str = typer.Option(
        "default",
        "--theme",
        metavar="NAME",
        show_default=False,
        help="'dark' (the default), 'light' or 'high-contrast' (a projector). "
        "Example: --theme high-contrast",
    ),
) -> None:
    """Serve lesson N's reference solution in the trace view: what changes, byte for byte.

    The solution runs as its own process on a private port; the demo listens on --port and
    relays every connection to it unchanged, reading both directions with httplab's parsers so
    each exchange appears in the trace view (the plain printer without a terminal). It first
    sends the lesson's new check cases, then shows whatever you, curl or the class send, until
    q / Ctrl-C.

    \b
    Examples:
      httplab lesson demo 5
      httplab lesson demo 7 --port 8080 --no-cases
      httplab lesson demo 4 --host 0.0.0.0 --plain
    """
    from httplab.lessons.build_commands import BuildError
    from httplab.lessons.build_demo import start_demo
    from httplab.tui.trace_command import TraceSettings, run_trace

    if theme not in ("default", "dark", "light", "high-contrast"):  # as `httplab lesson N`
        raise typer.BadParameter("dark, light or high-contrast", param_hint="--theme")
    try:
        demo = start_demo(number)
    except BuildError as exc:
        _say_error(f"httplab lesson: {exc}")
        raise typer.Exit(exc.status) from None

    def announce(bound: int) -> None:  # once listening: the real port, also for --port 0
        shown = f"[{host}]" if ":" in host else host
        typer.echo(
            f"{demo.title}: the reference solution (port {demo.target}) behind {shown}:{bound}",
            err=True,
        )

    try:
        status = run_trace(
            lambda bus: demo.relay(host, port, number if cases else None, announce)(bus.publish),
            TraceSettings(plain=plain, theme=theme, command="httplab lesson demo"),
        )
    finally:
        demo.solution.close()
    raise typer.Exit(status)


class_app = typer.Typer(
    cls=_Group,
    name="class",
    help="For the instructor: the class's build progress at a glance.\n\n"
    "\b\nExamples:\n  httplab class status ~/class/progress/   every learner's progress file there",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(class_app, name="class")


class _ProgressFiles(_FilesCommand):
    files_help = "Progress files, or folders holding them (searched for *.json).  [required]"
    files_metavar = "PATH..."


@class_app.command(
    "status", cls=_ProgressFiles, short_help="Who in the class is stuck where (progress files)."
)
def class_status(
    paths: Annotated[
        list[Path],
        typer.Argument(metavar="PATH", hidden=True, help=_ProgressFiles.files_help),
    ],
) -> None:
    """Sum learners' progress files: who is stuck where, the most failed cases.

    Each learner is one progress file (named after the file, or its folder when the file is
    progress.json). Collect them however suits the class (a shared folder, a USB stick).

    \b
    Examples:
      httplab class status ~/class/progress/
      httplab class status alice.json bob.json
    """
    from httplab.lessons.class_status import print_class_status

    _build_run(lambda console: print_class_status(paths, console), "httplab class")


def main() -> None:
    # `httplab send` never gets here: httplab.launcher dispatches it before typer is imported
    app()
