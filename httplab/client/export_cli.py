"""`httplab export --curl|--har OUT.har FILE…`: transcripts (or a HAR's requests) in another
tool's form. Nothing is sent.

    export_curl(files, to, out=print, err=print) -> exit status
    export_har(files, to, out_path, out=print, err=print) -> exit status

`--curl` prints one runnable curl command per request (`curl_export`), each after a comment
with its file and exchange; `--har` writes one HAR 1.2 log of every exchange (`har_export`),
atomically, or to stdout for `-`. Requests are addressed to `to` (HOST:PORT). Exit status:
0 done, 2 for a file that cannot be read (one line: the file, and the line number when the
file is not a transcript) or an OUT that cannot be written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from httplab.client.replay_cli import ReplayUsageError, read_files, safe, server_options_of
from httplab.client.shorthand import ShorthandError, split_host_port
from httplab.trace.recorder import write_atomically

Echo = Callable[[str], None]
DEFAULT_TO = "127.0.0.1:53210"
STDOUT = Path("-")


def base_url(to: str) -> str:
    """`http://HOST:PORT` for `to`; ReplayUsageError when `to` is not HOST:PORT."""
    try:
        host, port = split_host_port(to)
    except ShorthandError as exc:
        raise ReplayUsageError(str(exc)) from exc
    shown_host = f"[{host}]" if ":" in host else host
    return f"http://{shown_host}:{port}"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _holds_something_else(path: Path) -> bool:
    """Whether `path` is a file with bytes that cannot be an old HAR (JSON: `{` first)."""
    try:
        with path.open("rb") as file:
            start = file.read(4096).lstrip()
    except OSError:
        return False  # missing (to be written) or unreadable (the write will say why)
    return bool(start) and not start.startswith(b"{")


def export_curl(files: Sequence[Path], to: str, *, out: Echo = print, err: Echo = print) -> int:
    """Every request of `files` as a curl command to `to`; the exit status."""
    from httplab.client.curl_export import curl_commands

    url = base_url(to)
    transcripts = read_files(files, err)
    servers = server_options_of(transcripts, err) if transcripts is not None else None
    if transcripts is None or servers is None:
        return 2
    for (path, transcript), server in zip(transcripts, servers, strict=True):
        out(f"# {safe(str(path))}")
        if server.words:  # the answers it expects come from a server started so
            out(f"# written for a server started as: httplab serve {safe(str(server))}")
        if any(len(connection.exchanges) > 1 for connection in transcript.connections):
            out("# note: each curl command opens its own connection: keep-alive and pipelining")
            out("# within a connection of the transcript are not reproduced")
        for line in curl_commands(transcript, url):
            out(line)
    return 0


def export_har(
    files: Sequence[Path], to: str, out_path: Path, *, out: Echo = print, err: Echo = print
) -> int:
    """Every exchange of `files` as one HAR 1.2 file at `out_path` (`-`: stdout)."""
    from httplab.client.har_export import har_text

    url = base_url(to)
    transcripts = read_files(files, err)
    servers = server_options_of(transcripts, err) if transcripts is not None else None
    if transcripts is None or servers is None:
        return 2
    if out_path != STDOUT and any(_same_file(out_path, path) for path, _ in transcripts):
        err(f"httplab: error: --har {safe(str(out_path))} is one of the input files")
        return 2
    if out_path != STDOUT and _holds_something_else(out_path):
        # `export --har a.transcript b.transcript` (OUT forgotten) made a.transcript the OUT
        err(
            f"httplab: error: --har {safe(str(out_path))} exists and is not a HAR file; it was "
            "left as it is (the file to write comes right after --har: "
            "httplab export --har OUT.har FILE…)"
        )
        return 2
    documents = [t for _, t in transcripts]
    lines = [server.line for server in servers]  # kept as each page's comment
    if out_path == STDOUT:  # JSON escapes control bytes; \uXXXX keeps C1 ones off a terminal
        out(har_text(documents, url, lines, ascii_only=True).rstrip("\n"))
        return 0
    text = har_text(documents, url, lines)
    try:
        write_atomically(out_path, text)
    except OSError as exc:
        err(f"httplab: error: cannot write {safe(str(out_path))}: {exc.strerror or exc}")
        return 2
    count = sum(len(t.exchanges()) for _, t in transcripts)
    err(f"wrote {count} entries to {safe(str(out_path))} (HAR 1.2)")
    return 0
