"""The options of `httplab send`, parsed with argparse so the command starts fast.

Typer builds a pydantic adapter for every parameter of every command when it starts (about
100 ms here before a byte is sent), so `send` parses its own arguments: `httplab.cli` forwards
them untouched, and `main()` can call `main_send` before typer is even imported.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence

from httplab.client.connection import DEFAULT_MAX_TIME
from httplab.client.shorthand import DEFAULT_HOST, DEFAULT_PORT

SUMMARY = "Send one request (or raw bytes, a .http or HAR file) and show both sides byte for byte."

EPILOG = f"""\
examples (against `httplab serve` on {DEFAULT_HOST}:{DEFAULT_PORT}, in this order):
  httplab send 'GET /users'
  httplab send 'POST /users?name=Vasya&age=42'
  httplab send 'GET http://{DEFAULT_HOST}:{DEFAULT_PORT}/users/1' -H 'Accept: text/html'
  httplab send 'PUT /users/1' --json '{{"name": "Vasya", "age": 43}}'
  httplab send 'PATCH /users/1' -d age=44     # a form body, as with curl -d
  httplab send 'DELETE /users/1'
  printf 'GET /users HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' | httplab send --raw -
  printf 'GET /users\\n###\\nPOST /users?name=Ada&age=36\\n' > r.http && httplab send -f r.http
  httplab export --har s.har transcripts/users.transcript && httplab send -f s.har
  httplab send 'GET /users' --format json | jq .status

The default server is {DEFAULT_HOST}:{DEFAULT_PORT} (httplab serve).
exit status: 0 for any response, 1 network or response error, 2 bad input,
3/4/5 with --check-status for a 3xx/4xx/5xx response.

Why this help looks unlike the other commands': `send` parses its options with
argparse, not typer, so a one-shot request starts in about half the time
(`httplab send --help` against `httplab repl --help`).
"""


MAX_SECONDS = 86400.0
"""The longest duration an option takes (a day): sockets and select() refuse far larger ones."""


def seconds(text: str) -> float:
    """A duration option: a positive, finite number of seconds, at most MAX_SECONDS."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0 or value > MAX_SECONDS:
        raise argparse.ArgumentTypeError(
            f"expected a number of seconds above 0 and at most {MAX_SECONDS:g}, got {text!r}"
        )
    return value


def undecodable_argument(args: argparse.Namespace) -> str | None:
    """The first argument holding bytes that are not UTF-8 text (the shell passed them through
    as-is; Python keeps them as lone surrogates), shown escaped — or None. Raw input and file
    names may hold any bytes: raw mode sends them exactly."""
    words: list[str] = [*args.headers, *args.query]
    words += [w for w in (args.to, args.data, args.json_data) if w and not w.startswith("@")]
    if args.request and not args.raw:
        words.append(args.request)
    for word in words:
        try:
            word.encode("utf-8")
        except UnicodeEncodeError:
            return word.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace")
    return None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="httplab send",
        description=SUMMARY,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "request",
        nargs="?",
        metavar="REQUEST",
        help="shorthand like 'GET /users' or 'POST http://127.0.0.1:8080/users'; with --raw "
        "the bytes themselves ('-' = stdin, '@FILE' = a file)",
    )
    p.add_argument(
        "--to",
        metavar="HOST:PORT",
        help="where to send, unless the request names a URL (with -f: every request, its "
        "Host kept) (default "
        f"{DEFAULT_HOST}:{DEFAULT_PORT}). Example: --to localhost:8080",
    )
    p.add_argument(
        "-H",
        "--header",
        dest="headers",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="add a header or replace a default one (repeatable); 'Name:' removes it, "
        "'Name;' sends it empty. Example: -H 'Accept: text/plain' -H 'User-Agent:'",
    )
    p.add_argument(
        "-d",
        "--data",
        metavar="TEXT|@FILE|-",
        help="request body: text, @FILE, or - for stdin; Content-Length is computed in bytes, "
        "Content-Type is application/x-www-form-urlencoded unless -H gives one (as with curl) "
        "and the method defaults to POST. Example: -d 'name=Vasya&age=42'",
    )
    p.add_argument(
        "--json",
        dest="json_data",
        metavar="JSON|@FILE|-",
        help="JSON body; also sets Content-Type and Accept to application/json. "
        """Example: --json '{"name": "Vasya"}'""",
    )
    p.add_argument(
        "-q",
        "--query",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="add a query parameter, percent-encoded for you (repeatable). "
        "Example: -q 'q=fish & chips' → ?q=fish%%20%%26%%20chips",
    )
    p.add_argument(
        "--http1.0",
        dest="http10",
        action="store_true",
        help="send an HTTP/1.0 request line. Example: --http1.0",
    )
    p.add_argument(
        "--chunked",
        action="store_true",
        help="send the body with Transfer-Encoding: chunked instead of Content-Length. "
        "Example: -d hello --chunked",
    )
    p.add_argument(
        "--raw",
        action="store_true",
        help="send the bytes exactly as given, adding nothing; escapes \\r \\n \\t \\\\ \\xNN "
        "are understood. Example: --raw 'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'",
    )
    p.add_argument(
        "--crlf",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="with --raw: turn line breaks in the input into CRLF (default), or send them as "
        "bare LF with --no-crlf; escapes are always exact. Example: --raw @req.txt --no-crlf",
    )
    p.add_argument(
        "-f",
        "--file",
        metavar="FILE.http|FILE.har",
        help="run the requests of a .http file (### separators, @var = value, {{var}}), or "
        "of a HAR file (a browser's export, or httplab export --har): to --to when given, else "
        "to each URL (http:// only). Example: -f requests.http",
    )
    p.add_argument(
        "-p",
        "--print",
        dest="parts",
        default="HBhb",
        metavar="HBhb",
        help="what to show: H request head, B request body, h response head, b response body "
        "(default HBhb). Example: -p b (just the response body, handy for pipes)",
    )
    p.add_argument(
        "--hexdump", action="store_true", help="show the bytes as a hexdump. Example: --hexdump"
    )
    p.add_argument(
        "--theme",
        choices=("dark", "light", "high-contrast"),
        default="dark",
        help="colours on a terminal: dark (default), light (a light background) or "
        "high-contrast (a projector). Example: --theme light",
    )
    p.add_argument(
        "--record",
        metavar="FILE",
        help="append each exchange to FILE as a transcript (created if missing; written "
        "atomically after each exchange, not at all when no answer came); replay it with "
        "`httplab replay FILE`. "
        "Example: --record session.transcript",
    )
    p.add_argument(
        "--offline",
        action="store_true",
        help="print the request that would be sent and send nothing. "
        "Example: --offline 'POST /users' -d x",
    )
    p.add_argument(
        "--format",
        dest="output_format",
        choices=("text", "json"),
        default="text",
        help="text for people (default), json for one JSON object per exchange, for scripts. "
        "Example: --format json | jq .status",
    )
    p.add_argument(
        "--timeout",
        type=seconds,
        default=5.0,
        metavar="SECONDS",
        help="give up connecting, or waiting for the next response byte, after this long "
        "(default 5). Example: --timeout 0.5",
    )
    p.add_argument(
        "--max-time",
        type=seconds,
        default=DEFAULT_MAX_TIME,
        metavar="SECONDS",
        help="give up on responses not complete after this long in all, however steadily "
        f"bytes arrive (default {DEFAULT_MAX_TIME:g}). Example: --max-time 120",
    )
    p.add_argument(
        "--check-status",
        action="store_true",
        help="exit 3/4/5 for a 3xx/4xx/5xx response (else 0 for any response). "
        "Example: --check-status || echo failed",
    )
    return p


def main_send(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` (the words after `send`), run, return the exit status (2 on bad usage)."""
    from httplab.client.output import OutputError, output_failed, validate_parts
    from httplab.client.send import SendOptions, run_send

    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[2:] if argv is None else argv))
    except SystemExit as exit_:  # --help (0) or a usage error (2), already printed
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        validate_parts(args.parts)
    except ValueError as exc:
        parser.print_usage(sys.stderr)
        sys.stderr.write(f"httplab send: error: {exc}\n")
        return 2
    bad = undecodable_argument(args)
    if bad is not None:
        sys.stderr.write(
            f"httplab send: error: '{bad}' holds bytes that are not UTF-8 text: write them as "
            "%XX in a target, or send exact bytes with --raw and \\xNN escapes\n"
        )
        return 2
    try:
        return run_send(SendOptions(**vars(args)))
    except KeyboardInterrupt:
        sys.stderr.write("httplab: interrupted\n")
        return 130
    except BrokenPipeError:
        # The reader went away (`| head -1`): stop quietly, and keep Python from failing
        # again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OutputError as exc:
        return output_failed(exc)
