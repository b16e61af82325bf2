"""Shorthand → a complete HTTP/1.1 request, written out byte by byte.

`GET /users` becomes

    GET /users HTTP/1.1\\r\\n
    Host: 127.0.0.1:53210\\r\\n
    User-Agent: httplab/0.1.0\\r\\n
    Accept: */*\\r\\n
    \\r\\n

The bytes are assembled here rather than by a serializer that "fixes" things, because a learner's
`-H 'Content-Length: 999'` must go out as typed. Header order is: the defaults (Host,
User-Agent, Accept, then Content-Type/Content-Length or Transfer-Encoding), each replaced in place
by a header of the same name the user gave; then the user's other headers in their order.

Accepted shorthand (first line; further lines are headers, then a blank line, then a body):
    METHOD TARGET [HTTP/1.x]     GET /users · POST /users?name=Vasya · OPTIONS *
    TARGET                       /users · http://127.0.0.1:8080/users?x=1 · localhost:8080/
where TARGET is a path, a full `http://` URL, or `host:port/path` (`example.com/x`; a bare word
such as `users` is refused with a hint: a path starts with `/`). A lower-case method is
upper-cased; spaces and non-ASCII in the target are percent-encoded (UTF-8).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from httplab import __version__
from httplab.trace.wire_text import escape_decoded

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 53210
USER_AGENT = f"httplab/{__version__}"

_METHOD = re.compile(r"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
_VERSION = re.compile(r"HTTP/[0-9]\.[0-9]")
_HEADER_NAME = re.compile(r"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # CTLs but HTAB
# Characters a target may keep as typed: RFC 3986 reserved + unreserved, and "%" so that
# escapes the user already wrote are not encoded twice.
_TARGET_SAFE = "!#$%&'()*+,/:;=?@[]~"
_METHODS_WITH_CONTENT = frozenset({"POST", "PUT", "PATCH"})
KNOWN_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")


QUOTED_LIMIT = 200  # characters of the user's input quoted in a message; the rest is cut
MAX_HOST = 253  # the longest DNS name (RFC 1035 §2.3.4, without the final dot)


class ShorthandError(ValueError):
    """The shorthand (or a -H / -q item) cannot be turned into a request; the message says why.

    The message is ready for a terminal: what the user typed is in it quoted and escaped once
    (`_quoted`), so it is printed as is, never escaped again."""


def _quoted(text: str) -> str:
    """User text in a message: in single quotes, escaped by the one wire-text rule (a typed ESC
    shows as `\\x1b`, a backslash as `\\\\`)."""
    if len(text) > QUOTED_LIMIT:
        return f"'{escape_decoded(text[:QUOTED_LIMIT])}…' ({len(text)} characters)"
    return f"'{escape_decoded(text)}'"


@dataclass(frozen=True, slots=True)
class Shorthand:
    """The first line understood: what to ask, and where, if the line named a host."""

    method: str | None  # None: GET, or POST when there is a body
    target: str  # the request-target as it will be sent (percent-encoded)
    host: str | None = None  # from a URL or host:port/… target
    port: int | None = None
    version: str | None = None  # "HTTP/1.0" / "HTTP/1.1" when typed


@dataclass(frozen=True, slots=True)
class PlannedRequest:
    """Where to connect and the exact bytes to send there."""

    host: str
    port: int
    method: str
    data: bytes
    title: str = ""  # a .http file's `###` name (or where the request is), for the output
    note: str = ""  # said once before it (and again when it changes), e.g. a HAR's server


def looks_like_shorthand(text: str) -> bool:
    """True when `text` reads as shorthand rather than a raw request ("GET / HTTP/1.1" + headers).

    A first line that ends in an HTTP version *and* is followed by a Host line or a blank line is
    taken as raw; anything that parses as shorthand otherwise is shorthand.
    """
    first, _, rest = text.lstrip("\r\n").partition("\n")
    words = first.split()
    if not words:
        return False
    if _VERSION.fullmatch(words[-1]) and rest.strip():
        return False
    try:
        parse_shorthand(first)
    except ShorthandError:
        return False
    return True


def parse_shorthand(line: str) -> Shorthand:
    """The first line of a shorthand; raises ShorthandError with a readable reason."""
    words = line.split()
    if not words:
        raise ShorthandError("empty request: try 'GET /' or 'POST /users'")
    version = None
    if len(words) > 1 and _VERSION.fullmatch(words[-1]):
        version = words.pop()
    if len(words) > 2:
        raise ShorthandError(
            f"malformed shorthand {_quoted(line.strip())}: expected 'METHOD /path' "
            "(a space in the path? write %20, or pass query values with -q NAME=VALUE)"
        )
    if len(words) == 1 and _is_target(words[0]):
        method, target = None, words[0]
    elif len(words) == 1:
        method, target = words[0], "/"
        _refuse_a_path_taken_for_a_method(method)
    else:
        method, target = words
    if method is not None:
        if not _METHOD.fullmatch(method):
            raise ShorthandError(f"malformed shorthand: {_quoted(method)} is not a method name")
        if method.upper() in KNOWN_METHODS:
            method = method.upper()
    return _with_target(method, target, version)


def _is_target(word: str) -> bool:
    return word.startswith("/") or word == "*" or "://" in word or not _METHOD.fullmatch(word)


def _with_target(method: str | None, target: str, version: str | None) -> Shorthand:
    if target == "*" or target.startswith("/"):
        # A fragment is for the client only, never part of the request-target (RFC 9110
        # §4.2.5, RFC 9112 §3.2), as with a URL below.
        return Shorthand(method, _encode_target(target.partition("#")[0]), version=version)
    if method == "CONNECT" and "/" not in target:
        host, port = split_host_port(target, default_port=None)
        return Shorthand(method, target, host, port, version)
    if "://" not in target:
        _refuse_a_path_without_its_slash(method, target)
    url = target if "://" in target else f"http://{target}"
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. "Invalid IPv6 URL" for http://[::1/x
        why = str(exc)
        if "IPv6" in why:  # urlsplit's words for any stray bracket, as in a[b
            why = "'[' and ']' go only around an IPv6 address, as in http://[::1]:8080/"
        raise ShorthandError(f"malformed URL {_quoted(target)}: {why}") from exc
    if parts.scheme.lower() != "http":
        raise ShorthandError(
            f"{parts.scheme}:// is not supported: httplab speaks plain HTTP/1.1 (use http://)"
        )
    if not parts.hostname:
        raise ShorthandError(f"no host in URL {_quoted(target)}")
    _check_host(parts.hostname, target)
    try:
        port = parts.port or 80
    except ValueError as exc:
        raise ShorthandError(f"bad port in URL {_quoted(target)}") from exc
    path = parts.path or "/"
    if not path.startswith("/"):
        path = "/" + path
    origin = path + (f"?{parts.query}" if parts.query else "")
    return Shorthand(method, _encode_target(origin), parts.hostname, port, version)


def _refuse_a_path_taken_for_a_method(word: str) -> None:
    """`users` alone went out as `users / HTTP/1.1`, a method named users: a lone word that is
    no known method and not in capitals is nearly always a path whose `/` was forgotten. A
    method of one's own still goes alone in capitals (`PURGE`) or with its path (`users /`)."""
    if word.upper() in KNOWN_METHODS or word.isupper():
        return
    raise ShorthandError(
        f"{_quoted(word)} alone would be sent as a method named {word} to /: for the path write "
        f"{_quoted('/' + word)} (GET is the default); a method of your own goes with its path, "
        f"{_quoted(word + ' /')}, or in capitals"
    )


def _refuse_a_path_without_its_slash(method: str | None, target: str) -> None:
    """`GET users` would go to a host named `users`: a host without a dot, a port or the name
    localhost is nearly always a path whose `/` was forgotten, so say so. A host named so is
    still reachable as `http://users/`, and `example.com/x` or `localhost:8080/` go as before."""
    host = re.split(r"[/?#]", target, maxsplit=1)[0]
    if not re.fullmatch(r"[\w-]+", host) or host.lower() == "localhost":
        return  # a dot, a port, a bracket …: a host (or the URL checks below say what is wrong)
    typed = f"{method} " if method else ""
    raise ShorthandError(
        f"{_quoted(target)} would be a host name, not a path: for the path write "
        f"{_quoted(typed + '/' + target)} (a path starts with /); "
        f"for a host named so, {_quoted(typed + 'http://' + target)}"
    )


def _encode_target(target: str) -> str:
    return quote(target, safe=_TARGET_SAFE, encoding="utf-8")


def split_host_port(text: str, *, default_port: int | None = DEFAULT_PORT) -> tuple[str, int]:
    """'HOST:PORT', 'HOST', ':PORT' or '[::1]:PORT' → (host, port); ShorthandError if malformed."""
    text = text.strip()
    if text.startswith("http://"):
        text = text[len("http://") :].rstrip("/")
    host, port_text = text, ""
    if text.startswith("["):
        host, bracket, after = text[1:].partition("]")
        if not bracket:
            raise ShorthandError(
                f"unclosed '[' in {_quoted(text)}: write an IPv6 address as [::1]:PORT"
            )
        if not host:
            raise ShorthandError(f"no address between '[' and ']' in {_quoted(text)}")
        if after and not after.startswith(":"):
            raise ShorthandError(
                f"unexpected {_quoted(after)} after ']' in {_quoted(text)}: expected :PORT"
            )
        port_text = after[1:]
        if after and not port_text:
            raise ShorthandError(f"no port after ':' in {_quoted(text)}: expected [HOST]:PORT")
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    host = host or DEFAULT_HOST
    _check_host(host, text)
    if not port_text:
        if default_port is None:
            raise ShorthandError(f"expected HOST:PORT, got {_quoted(text)}")
        return host, default_port
    if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
        raise ShorthandError(f"bad port {_quoted(port_text)} in {_quoted(text)}: expected 1–65535")
    return host, int(port_text)


def host_problem(host: str) -> str | None:
    """Why `host` cannot be a host name or address (None when it can be): it goes into a Host
    field, to the resolver (which takes a name through the IDNA codec) and onto the terminal.
    `proxy --to`/`--listen` and the commands' `--host` ask it too."""
    if not host.isprintable() or " " in host:
        return "a host has no spaces or control characters"
    if len(host) > MAX_HOST:
        return f"a host name has at most {MAX_HOST} characters"
    try:
        host.encode("idna")
    except UnicodeError:
        return "each dot-separated part of a host name has 1 to 63 characters"
    return None


def _check_host(host: str, text: str) -> None:
    """Shorthand builds well-formed requests (--raw sends any bytes)."""
    problem = host_problem(host)
    if problem is not None:
        where = f" in {_quoted(text)}" if text != host else ""
        raise ShorthandError(f"bad host {_quoted(host)}{where}: {problem}")


def parse_header_item(item: str) -> tuple[str, str | None]:
    """'Name: value' → (name, value); 'Name:' → (name, None) = remove; 'Name;' → empty value."""
    if ":" in item:
        name, _, value = item.partition(":")
        value = value.strip()
        result: tuple[str, str | None] = (name.strip(), value if value else None)
    elif item.rstrip().endswith(";"):
        result = (item.rstrip()[:-1].strip(), "")
    else:
        raise ShorthandError(f"malformed header {_quoted(item)}: expected 'Name: value'")
    if not _HEADER_NAME.fullmatch(result[0]):
        raise ShorthandError(
            f"malformed header {_quoted(item)}: {_quoted(result[0])} is not a field name"
        )
    if result[1] and _CONTROL.search(result[1]):
        # A CR or LF here would start another field: shorthand builds well-formed requests.
        raise ShorthandError(
            f"malformed header {_quoted(item)}: control characters are not allowed in a field "
            "value (RFC 9110 §5.5); send such bytes with --raw"
        )
    return result


def parse_query_item(item: str) -> tuple[str, str]:
    """'name=value' → (name, value); a bare 'name' has an empty value."""
    name, _, value = item.partition("=")
    if not name:
        raise ShorthandError(f"malformed query parameter {_quoted(item)}: expected NAME=VALUE")
    return name, value


def encode_query(params: Iterable[tuple[str, str]]) -> str:
    """Query parameters percent-encoded as UTF-8 (space → %20, & = + # ; encoded)."""
    return "&".join(f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in params)


def plan_request(
    text: str,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    headers: Sequence[str] = (),
    body: bytes | None = None,
    json_body: bytes | None = None,
    query: Sequence[str] = (),
    http10: bool = False,
    chunked: bool = False,
    content_type: str | None = None,
) -> PlannedRequest:
    """Expand shorthand `text` into bytes and the address to send them to.

    `host`/`port` are used unless the shorthand names a URL. `headers` are '-H' items (override
    defaults; 'Name:' removes one). `json_body` is a body that also sets JSON Content-Type and
    Accept. `content_type` is a default Content-Type for `body` (`-d` gives the form type, as
    curl does). `query` items 'name=value' are percent-encoded onto the target.
    """
    for piece in (text, *headers, *query, content_type or ""):
        _utf8(piece)  # every later step (quoting, the head) encodes as UTF-8
    first, _, rest = text.lstrip("\r\n").partition("\n")
    shorthand = parse_shorthand(first)
    text_headers, text_body = _split_rest(rest)
    items = [*text_headers, *headers]
    if json_body is not None:
        body = json_body
    if body is None and text_body is not None:
        body = text_body
    method = shorthand.method or ("POST" if body is not None else "GET")
    version = shorthand.version or ("HTTP/1.0" if http10 else "HTTP/1.1")
    target = shorthand.target
    if query:
        encoded = encode_query(parse_query_item(q) for q in query)
        target += ("&" if "?" in target else "?") + encoded
    dest_host = shorthand.host or host
    dest_port = shorthand.port or port

    json = json_body is not None
    fields = _default_fields(dest_host, dest_port, json)
    if content_type and body is not None and not json:
        fields.append(("Content-Type", content_type))
    user_fields = [parse_header_item(item) for item in items]
    chunked = chunked or any(
        n.lower() == "transfer-encoding" and v and "chunked" in v.lower() for n, v in user_fields
    )
    if chunked and version == "HTTP/1.0":
        raise ShorthandError("--chunked needs HTTP/1.1: HTTP/1.0 has no chunked coding")
    payload = body or b""
    if chunked:
        from httplab.protocol.serialize import encode_chunked

        fields.append(("Transfer-Encoding", "chunked"))
        payload = encode_chunked(payload)
    elif body is not None or method in _METHODS_WITH_CONTENT:
        fields.append(("Content-Length", str(len(payload))))
    fields = _apply_user_fields(fields, user_fields)

    lines = [f"{method} {target} {version}"] + [f"{n}: {v}" if v else f"{n}:" for n, v in fields]
    head = _utf8("\r\n".join(lines) + "\r\n\r\n")
    return PlannedRequest(dest_host, dest_port, method, head + payload)


def _split_rest(rest: str) -> tuple[list[str], bytes | None]:
    """Header lines after the first line, then (after a blank line) the body."""
    if not rest.strip():
        return [], None
    head, sep, body = rest.replace("\r\n", "\n").partition("\n\n")
    header_lines = [line for line in head.split("\n") if line.strip()]
    return header_lines, (_utf8(body) if sep and body else None)


def _utf8(text: str) -> bytes:
    """`text` as UTF-8; a lone surrogate (from a terminal or a file read with surrogateescape)
    has no UTF-8 form, so it is a ShorthandError, not a traceback."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end].encode("utf-8", "backslashreplace").decode("ascii")
        raise ShorthandError(
            f"{bad} at character {exc.start + 1} is not text that UTF-8 can encode "
            "(a lone surrogate); retype it, or send exact bytes with --raw"
        ) from None


def _default_fields(host: str, port: int, json: bool) -> list[tuple[str, str]]:
    shown_host = f"[{host}]" if ":" in host else host
    host_value = shown_host if port == 80 else f"{shown_host}:{port}"
    fields = [
        ("Host", host_value),
        ("User-Agent", USER_AGENT),
        ("Accept", "application/json" if json else "*/*"),
    ]
    if json:
        fields.append(("Content-Type", "application/json"))
    return fields


def _apply_user_fields(
    fields: list[tuple[str, str]], user_fields: list[tuple[str, str | None]]
) -> list[tuple[str, str]]:
    """The first user field of a name replaces the default in place; later ones are added."""
    result: list[tuple[str, str | None]] = list(fields)
    replaced: set[str] = set()
    for name, value in user_fields:
        key = name.lower()
        if value is None:
            result = [(n, v) for n, v in result if n.lower() != key]
            replaced.add(key)
            continue
        index = next((i for i, (n, _) in enumerate(result) if n.lower() == key), None)
        if index is not None and key not in replaced:
            result[index] = (name, value)
            result = [f for i, f in enumerate(result) if i <= index or f[0].lower() != key]
        else:
            result.append((name, value))
        replaced.add(key)
    return [(n, v) for n, v in result if v is not None]
