"""`.http` files: the plain-text request format of the REST-client editor plugins.

    @base = http://127.0.0.1:53210

    ### list users
    GET {{base}}/users
    Accept: application/json

    ### create one
    POST {{base}}/users
    Content-Type: application/json

    {"name": "Vasya"}

Rules kept here: requests are separated by lines starting with `###` (the rest of the line names
the request); `@name = value` lines define variables used as `{{name}}` anywhere after them or
in a request (values may use earlier variables; they are expanded only where used, within a
size budget); `#` and `//` lines before a request are comments (`# @name x` names it); the
request line is `METHOD URL [HTTP/1.1]` or just a URL, continued by lines starting with `?` or
`&`; header lines follow up to a blank line; the rest up to the next `###` is the body, its line
endings kept and trailing blank lines dropped; a body of the single line `< path` is read from
that file (relative to the .http file).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from httplab.client.shorthand import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    PlannedRequest,
    ShorthandError,
    parse_shorthand,
    plan_request,
    split_host_port,
)

_VARIABLE_DEFINITION = re.compile(r"\s*@([A-Za-z_][\w.-]*)\s*=\s?(.*?)\s*$")
_VARIABLE_USE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_NAME_COMMENT = re.compile(r"\s*(?:#|//)\s*@name\s+(\S+)")


class HttpFileError(ValueError):
    """The file cannot be read as requests; the message starts with `line N:` when it can."""


@dataclass(frozen=True, slots=True)
class HttpFileRequest:
    """One request of a file, variables already substituted."""

    line: int  # 1-based line of the request line, for messages
    name: str
    request_line: str
    headers: tuple[str, ...]
    body: bytes | None

    def plan(
        self, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, http10: bool = False
    ) -> PlannedRequest:
        """The bytes to send and where: the URL's host, else the Host header, else host/port."""
        try:
            shorthand = parse_shorthand(self.request_line)
            if shorthand.host is None:
                host_header = next(
                    (h.partition(":")[2].strip() for h in self.headers if _is_host(h)), None
                )
                if host_header:
                    host, port = split_host_port(host_header, default_port=80)
            return plan_request(
                self.request_line,
                host=host,
                port=port,
                headers=self.headers,
                body=self.body,
                http10=http10,
            )
        except ShorthandError as exc:
            raise HttpFileError(f"line {self.line}: {exc}") from exc


def _is_host(header: str) -> bool:
    return header.partition(":")[0].strip().lower() == "host"


def read_http_file(
    path: str | Path, variables: Mapping[str, str] | None = None
) -> list[HttpFileRequest]:
    """Parse the file at `path`; HttpFileError if it cannot be read or parsed."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HttpFileError(f"cannot read {path}: {_reason(exc)}") from exc
    return parse_http_file(text, base_dir=file.parent, variables=variables)


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


def parse_http_file(
    text: str,
    *,
    base_dir: Path | None = None,
    variables: Mapping[str, str] | None = None,
) -> list[HttpFileRequest]:
    """Every request in `text`; `variables` override `@name = value` definitions of the file."""
    if text.startswith("httplab-transcript"):
        raise HttpFileError(
            "this is an httplab transcript, not a .http file: replay it with "
            "`httplab replay FILE --to HOST:PORT`"
        )
    lines = text.splitlines(keepends=True)
    values = Variables(lines, variables or {})
    requests: list[HttpFileRequest] = []
    for start, name, block in _blocks(lines):
        request = _parse_block(block, start, name, values, base_dir)
        if request is not None:
            requests.append(request)
    return requests


MAX_EXPANDED = 1 << 20
"""Most characters one text may grow to once its variables are substituted."""
MAX_SUBSTITUTIONS = 100_000
"""Most variable uses followed while expanding one text (variables within variables count)."""


@dataclass(frozen=True, slots=True)
class _Definition:
    order: int  # position among the file's definitions: a value sees only earlier ones
    line: int
    text: str  # as written; expanded only where used


class Variables:
    """`@name = value` definitions kept as written and expanded lazily, where used, within a
    size and a work budget: a 642-byte file whose variables double each other 29 times asks
    for gigabytes, and gets an error naming its line instead."""

    def __init__(self, lines: Sequence[str], overrides: Mapping[str, str]) -> None:
        self.overrides = dict(overrides)
        self._definitions: dict[str, list[_Definition]] = {}
        order = 0
        for number, line in enumerate(lines, 1):
            match = _VARIABLE_DEFINITION.match(line)
            if match and match.group(1) not in overrides:
                text = match.group(2)
                for use in _VARIABLE_USE.finditer(text):  # mistakes name their line at once
                    self._lookup(use.group(1), order, number)
                order += 1
                self._definitions.setdefault(match.group(1), []).append(
                    _Definition(order, number, text)
                )
        self._end = order + 1

    def _lookup(self, name: str, before: int, line: int) -> str | _Definition:
        if name.startswith("$"):
            raise HttpFileError(f"line {line}: system variable {{{{{name}}}}} is not supported")
        if name in self.overrides:
            return self.overrides[name]
        for definition in reversed(self._definitions.get(name, [])):
            if definition.order <= before:
                return definition
        raise HttpFileError(f"line {line}: unknown variable {{{{{name}}}}} (define @{name} = …)")

    def substitute(self, text: str, line: int) -> str:
        """`text` with every `{{name}}` replaced, HttpFileError past the budgets."""
        if "{{" not in text:
            return text
        out: list[str] = []
        size = uses = 0
        # a stack of (text, next position, definitions visible): no recursion, any depth
        stack: list[tuple[str, int, int]] = [(text, 0, self._end)]
        while stack:
            current, position, before = stack.pop()
            match = _VARIABLE_USE.search(current, position)
            piece = current[position : match.start() if match else len(current)]
            out.append(piece)
            size += len(piece)
            if size > MAX_EXPANDED:
                raise self._too_large(line)
            if match is None:
                continue
            stack.append((current, match.end(), before))
            uses += 1
            if uses > MAX_SUBSTITUTIONS:
                raise self._too_large(line)
            found = self._lookup(match.group(1), before, line)
            if isinstance(found, str):
                stack.append((found, 0, 0))  # an override is a literal value
            else:
                stack.append((found.text, 0, found.order - 1))
        return "".join(out)

    @staticmethod
    def _too_large(line: int) -> HttpFileError:
        return HttpFileError(
            f"line {line}: the variables here expand to more than {MAX_EXPANDED} characters "
            f"(or {MAX_SUBSTITUTIONS} substitutions): does a variable use another twice, "
            "again and again?"
        )


def _blocks(lines: Sequence[str]) -> list[tuple[int, str, list[tuple[int, str]]]]:
    """(first line number, name from the ### line, numbered lines) for each block."""
    blocks: list[tuple[int, str, list[tuple[int, str]]]] = [(1, "", [])]
    for number, line in enumerate(lines, 1):
        if line.startswith("###"):
            blocks.append((number + 1, line[3:].strip(), []))
        else:
            blocks[-1][2].append((number, line))
    return blocks


def _is_comment(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith("#") or stripped.startswith("//")


def _parse_block(
    block: list[tuple[int, str]],
    start: int,
    name: str,
    values: Variables,
    base_dir: Path | None,
) -> HttpFileRequest | None:
    index = 0
    # Before the request line: blank lines, comments, variable definitions.
    while index < len(block):
        number, line = block[index]
        if match := _NAME_COMMENT.match(line):
            name = match.group(1)
        elif line.strip() and not _is_comment(line) and not _VARIABLE_DEFINITION.match(line):
            break
        index += 1
    if index == len(block):
        return None
    line_number, request_line = block[index][0], block[index][1].strip()
    index += 1
    while index < len(block) and block[index][1].lstrip()[:1] in ("?", "&"):
        request_line += block[index][1].strip()
        index += 1
    request_line = values.substitute(request_line, line_number)

    headers: list[str] = []
    while index < len(block) and block[index][1].strip():
        number, line = block[index]
        index += 1
        if _is_comment(line):
            continue
        if ":" not in line:
            raise HttpFileError(
                f"line {number}: expected a header 'Name: value', got {line.strip()!r}"
            )
        headers.append(values.substitute(line.strip(), number))

    body_lines = block[index + 1 :]
    while body_lines and not body_lines[-1][1].strip():
        body_lines.pop()
    body = _read_body(body_lines, values, base_dir)
    return HttpFileRequest(line_number, name, request_line, tuple(headers), body)


def _read_body(
    lines: list[tuple[int, str]], values: Variables, base_dir: Path | None
) -> bytes | None:
    if not lines:
        return None
    first_number, first = lines[0]
    if len(lines) == 1 and first.startswith("< "):
        path = Path(values.substitute(first[2:].strip(), first_number))
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        try:
            return path.read_bytes()
        except OSError as exc:
            raise HttpFileError(
                f"line {first_number}: cannot read body file {path}: {_reason(exc)}"
            ) from exc
    text = "".join(line for _, line in lines).rstrip("\r\n")
    return values.substitute(text, first_number).encode("utf-8")
