"""`httplab replay FILE…`: replay transcripts and say, per exchange and per file, what held.

Without `--to`, every file gets a fresh in-process users server (the CLI's `fresh_server`
factory: `HTTPServer(UsersApp())` on a free port of 127.0.0.1, started with the file's
`# server:` options, see `server_options`), started just before the file and stopped after
it: each file sees the state it was recorded against (no users, ids from 1), so
`httplab replay transcripts/*.transcript` needs nothing running. With `--to HOST:PORT` every
file goes to that one server, as before (a file with `# server:` options gets a note).

    run_replay(files, to=None, timeout=5.0, out=print, fresh_server=...) -> exit status 0/1/2

A file without exchanges checks nothing: it is said so, and the exit status is 1.

Output: `[i/n] FILE` per file, `  [j/m] ok|FAIL …` per exchange as it completes, a summary
line per file and one overall. Wire bytes are escaped by the replay (`escape_wire`); every
other line is guarded by `escape_decoded` before it reaches a terminal.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from httplab.client.replay import ExchangeResult, replay_transcript
from httplab.client.replay_diff import mismatch_diff, updated_text
from httplab.client.server_options import SERVER_LINE, ServerOptions, read_server_options
from httplab.client.shorthand import ShorthandError, split_host_port
from httplab.trace.recorder import write_atomically
from httplab.trace.transcript import Transcript, TranscriptError, read_transcript
from httplab.trace.wire_text import escape_decoded

Echo = Callable[[str], None]


class ReplayUsageError(ValueError):
    """A `--to` that is not HOST:PORT (the CLI turns it into a usage error)."""


def safe(line: str) -> str:
    return line if line.isprintable() else escape_decoded(line)


class FreshServer(Protocol):
    """What replay needs of a server it starts itself (`HTTPServer` is one): the client
    layer does not import the server, the CLI hands in a factory."""

    def start(self) -> FreshServer: ...

    def stop(self) -> None: ...

    @property
    def address(self) -> tuple[str, int]: ...


def read_files(files: Sequence[Path], err: Echo) -> list[tuple[Path, Transcript]] | None:
    """Every file as a transcript (a `.har` as its requests); None after one error line."""
    transcripts = []
    for path in files:
        try:
            if path.suffix.lower() == ".har":
                from httplab.client.har_import import read_har

                transcripts.append((path, read_har(path)))
            else:
                transcripts.append((path, read_transcript(path)))
        except OSError as exc:
            err(f"httplab: error: cannot read {safe(str(path))}: {exc.strerror}")
            return None
        except TranscriptError as exc:
            err(f"httplab: error: {safe(str(path))}: {safe(str(exc))}")
            return None
    return transcripts


def run_replay(
    files: Sequence[Path],
    to: str | None = None,
    *,
    timeout: float = 5.0,
    out: Echo = print,
    err: Echo = print,
    fresh_server: Callable[[ServerOptions], FreshServer] | None = None,
    update: bool = False,
) -> int:
    """Replay every file (see the module docstring); returns the exit status."""
    target: tuple[str, int] | None = None
    if to is not None:
        try:
            target = split_host_port(to)
        except ShorthandError as exc:
            raise ReplayUsageError(str(exc)) from exc
    if target is None and fresh_server is None:
        raise ReplayUsageError("no --to and no way to start a fresh server")
    transcripts = read_files(files, err)
    if transcripts is None:
        return 2
    servers = server_options_of(transcripts, err)
    if servers is None:
        return 2
    passed = failed = empty = 0
    unreachable = False
    count = len(transcripts)
    for index, ((path, transcript), server) in enumerate(zip(transcripts, servers, strict=True), 1):
        heading = f"[{index}/{count}] {safe(str(path))}"
        if target is not None and server.words:
            out(f"{heading}: note: written for a server started with {safe(str(server))}")
        start = target or _starter(fresh_server, server)
        results = _replay_one(heading, transcript, start, server, timeout, out, err)
        if results is None:
            return 2
        file_passed = sum(1 for r in results if r.ok)
        file_failed = len(results) - file_passed
        if not results:  # a green line here would say it holds, and nothing was checked
            empty += 1
            out(f"  {safe(path.name)}: no exchanges in this file: nothing was checked")
            continue
        out(f"  {safe(path.name)}: {file_passed} passed, {file_failed} failed")
        if update and file_failed and not _update_file(path, transcript, results, out, err):
            return 2
        passed += file_passed
        failed += file_failed
        unreachable = unreachable or any(r.connect_failed for r in results)
    files_word = "file" if count == 1 else "files"
    without = f", {empty} without exchanges" if empty else ""
    out(f"{count} {files_word}: {passed} passed, {failed} failed{without}")
    if unreachable:
        err("hint: is the server running? start one with `httplab serve`")
    return 1 if failed or empty else 0


def _update_file(
    path: Path, transcript: Transcript, results: list[ExchangeResult], out: Echo, err: Echo
) -> bool:
    """`--update`: show the rewrite as a diff of the file, then replace the file atomically
    (a temporary file beside it, then `os.replace`). False when it could not be written."""
    try:
        text = path.read_text(encoding="utf-8")
        new_text = updated_text(text, transcript, results)
    except (OSError, UnicodeDecodeError, TranscriptError) as exc:
        err(f"httplab: error: cannot update {safe(str(path))}: {safe(str(exc))}")
        return False
    if new_text == text:
        out(f"  {safe(path.name)}: nothing to update (no response to learn from)")
        return True
    diff = difflib.unified_diff(
        text.split("\n"), new_text.split("\n"), str(path), f"{path} (updated)", lineterm="", n=1
    )
    for line in diff:
        out(f"    {safe(line)}")
    try:
        write_atomically(path, new_text)
    except OSError as exc:
        err(f"httplab: error: cannot write {safe(str(path))}: {exc.strerror or exc}")
        return False
    out(f"  {safe(path.name)}: updated from this server's answers")
    return True


def server_options_of(
    transcripts: list[tuple[Path, Transcript]], err: Echo
) -> list[ServerOptions] | None:
    """Each file's `# server:` options (a HAR's: from its comments, see `har_import`); None
    after one error line."""
    found = []
    for path, _ in transcripts:
        try:
            if path.suffix.lower() == ".har":
                found.append(_har_server_options(path, err))
                continue
            found.append(read_server_options(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            err(f"httplab: error: cannot read {safe(str(path))}: {exc}")
            return None
        except TranscriptError as exc:
            err(f"httplab: error: {safe(str(path))}: {safe(str(exc))}")
            return None
    return found


def _har_server_options(path: Path, err: Echo) -> ServerOptions:
    """The options a HAR's entries were recorded with (its pages' `# server:` comments). When
    its entries disagree (an export of several transcripts), none are used, and a line says so."""
    from httplab.client.har_import import HarError, read_har_requests

    try:
        words = {request.server for request in read_har_requests(path)}
    except HarError as exc:  # read_har said so already; not reached after read_files
        raise TranscriptError(1, str(exc)) from None
    if len(words) > 1:
        shown = "; ".join(safe(w) or "the defaults" for w in sorted(words))
        err(
            f"httplab: note: {safe(str(path))}: its entries were recorded from servers started "
            f"with different options ({shown}); one server with the defaults answers them all "
            "(export each transcript to its own HAR to keep its options)"
        )
        return ServerOptions()
    return read_server_options(f"{SERVER_LINE} {words.pop()}")


def _starter(
    fresh_server: Callable[[ServerOptions], FreshServer] | None, options: ServerOptions
) -> Callable[[], FreshServer] | None:
    if fresh_server is None:
        return None
    return lambda: fresh_server(options)


def _replay_one(
    heading: str,
    transcript: Transcript,
    target: tuple[str, int] | Callable[[], FreshServer] | None,
    server_options: ServerOptions,
    timeout: float,
    out: Echo,
    err: Echo,
) -> list[ExchangeResult] | None:
    refused: list[ExchangeResult] = []

    def progress(result: ExchangeResult, done: int, total: int) -> None:
        if result.connect_failed:  # nothing was sent: one line, not one per exchange
            if not refused:
                reason = result.mismatches[0].message
                out(f"  [{done}/{total}] FAIL {safe(reason)} (nothing sent)")
            refused.append(result)
            return
        out(f"  [{done}/{total}] {safe(result.one_line())}")
        for line in mismatch_diff(result):
            out(f"      {safe(line)}")

    if isinstance(target, tuple):
        host, port = target
        out(f"{heading}: replaying against {host}:{port}")
        return replay_transcript(transcript, host, port, timeout=timeout, progress=progress)
    assert target is not None
    server = target()
    try:
        host, port = server.start().address
    except OSError as exc:
        err(f"httplab: error: cannot start a users server: {exc.strerror or exc}")
        return None
    try:
        started = f" started with {safe(str(server_options))}" if server_options.words else ""
        out(f"{heading}: replaying against a fresh users server on {host}:{port}{started}")
        return replay_transcript(transcript, host, port, timeout=timeout, progress=progress)
    finally:
        server.stop()
