"""Complete messages: what an application receives and returns.

The parser produces events (see `events.py`); a server gathers a head, its body and trailers
into a `Request`; an application returns a `Response`, which `serialize.py` turns into bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs

from httplab.protocol.errors import reason_phrase
from httplab.protocol.headers import Headers
from httplab.protocol.notes import Note as Note  # its home before notes.py; re-exported


@dataclass(eq=False)
class Request:
    """A whole request: head as parsed plus the decoded body and any trailers."""

    method: str
    target: str
    version: str = "HTTP/1.1"
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    trailers: Headers = field(default_factory=Headers)
    # (path, query) once asked for (a plain attribute: functools.cached_property takes a lock)
    _parts: tuple[str, str] | None = field(default=None, init=False, repr=False)

    def _split(self) -> tuple[str, str]:
        parts = self._parts = self._split_target()
        return parts

    def _split_target(self) -> tuple[str, str]:
        # Split by hand, never raising: a view must not die on a target the parser refused
        # or a Request built by hand (urlsplit raises on "http://[/x").
        target = self.target
        if not target.startswith("/"):
            if target == "*" or "://" not in target:
                return target, ""
            after = target.partition("://")[2]
            cut = min((i for i in (after.find("/"), after.find("?")) if i >= 0), default=None)
            target = "/" if cut is None else after[cut:]
        path, _, query = target.partition("?")
        return path or "/", query.partition("#")[0]

    @property
    def path(self) -> str:
        """The path of the target (for absolute-form too), not percent-decoded."""
        return (self._parts or self._split())[0]

    @property
    def query_string(self) -> str:
        return (self._parts or self._split())[1]

    @property
    def query(self) -> dict[str, list[str]]:
        """The query as a dict of lists (`?a=1&a=2` → {"a": ["1", "2"]}), percent-decoded."""
        return parse_qs(self.query_string, keep_blank_values=True)

    @property
    def host(self) -> str | None:
        return self.headers.get("host")


@dataclass(eq=False)
class Response:
    """A response an application returns; `reason` defaults to the registered phrase."""

    status: int
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    reason: str = ""
    version: str = "HTTP/1.1"
    trailers: Headers = field(default_factory=Headers)

    def __post_init__(self) -> None:
        if not self.reason:
            self.reason = reason_phrase(self.status)


def body_forbidden(status: int, request_method: str = "GET") -> bool:
    """RFC 9110 §6.4.1: 1xx, 204, 304 and any response to HEAD have no content;
    a 2xx answer to CONNECT switches protocols."""
    return (
        100 <= status < 200
        or status in (204, 304)
        or request_method == "HEAD"
        or (request_method == "CONNECT" and 200 <= status < 300)
    )
