"""How a proxy was asked to behave (fixed while it runs), and the addresses it is given.

Every path has a limit or a timeout: the client's head (`header_timeout`, `Limits`), the
client's body and writes to the client (`idle_timeout` without progress), connecting upstream
(`connect_timeout` → 504), the upstream's silence (`timeout` → 504), the upstream's head
(`Limits` → 502), bodies both ways (`Limits.max_body`), and connections (`max_connections`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from httplab.client.shorthand import host_problem
from httplab.protocol.limits import Limits
from httplab.server.context import Tracer

DEFAULT_LISTEN_HOST = "127.0.0.1"
DEFAULT_LISTEN_PORT = 53211
CONNECT_TIMEOUT = 5.0
"""Seconds to open a connection upstream; longer → 504."""
UPSTREAM_TIMEOUT = 30.0
"""Seconds the upstream may stay silent (no byte read, none accepted) during an exchange;
longer → 504 before its answer began, a cut connection after."""
IDLE_TIMEOUT = 60.0
"""Seconds a kept-alive client connection may wait for its next request, and a client's body
or a client reading our answer may make no progress."""
HEADER_TIMEOUT = 60.0
"""Seconds from the first byte of a client's request to the end of its head."""
MAX_CONNECTIONS = 1000
"""Client connections served at once (each may hold one upstream connection); more → 503."""
MAX_BODY = 1024 * 1024 * 1024
"""Largest body passed on, each way; bodies stream, so this bounds time, not memory."""
STOP_TIMEOUT = 5.0
"""Seconds `stop()` lets exchanges in flight finish."""


class AddressError(ValueError):
    """A --listen or --to value that is not an address; the message is one line."""


@dataclass(frozen=True, slots=True)
class ProxySettings:
    upstream_host: str
    upstream_port: int
    limits: Limits = field(default_factory=lambda: Limits(max_body=MAX_BODY))
    tracer: Tracer | None = None
    connect_timeout: float = CONNECT_TIMEOUT
    timeout: float = UPSTREAM_TIMEOUT
    idle_timeout: float = IDLE_TIMEOUT
    header_timeout: float = HEADER_TIMEOUT
    max_connections: int = MAX_CONNECTIONS

    @property
    def upstream(self) -> str:
        host = f"[{self.upstream_host}]" if ":" in self.upstream_host else self.upstream_host
        return f"{host}:{self.upstream_port}"


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _split(text: str, what: str) -> tuple[str, str]:
    """HOST:PORT or [V6]:PORT → (host, port text); the port may be missing."""
    if text.startswith("["):
        host, bracket, after = text[1:].partition("]")
        if not bracket or not host:
            raise AddressError(f"{what}: bad IPv6 address in {text!r}: write it as [::1]:PORT")
        if after and not after.startswith(":"):
            raise AddressError(f"{what}: unexpected {after!r} after ']' in {text!r}")
        return host, after[1:]
    if text.count(":") > 1:
        raise AddressError(f"{what}: write an IPv6 address in brackets: [{text}]:PORT")
    host, _, port = text.partition(":")
    return host, port


def _check_host(host: str, what: str) -> None:
    """A host for the resolver, the Host field and the banner (shorthand's rules)."""
    problem = host_problem(host)
    if problem is not None:
        shown = host if len(host) <= 60 else host[:60] + "…"
        raise AddressError(f"{what}: bad host {shown!r}: {problem}")


def parse_listen(text: str) -> tuple[str, int]:
    """`--listen [HOST:]PORT`: `8080`, `:8080`, `127.0.0.1:8080`, `[::1]:8080`; port 0 picks
    a free one."""
    text = text.strip(" \t")
    if _digits(text):
        host, port = DEFAULT_LISTEN_HOST, text
    else:
        host, port = _split(text, "--listen")
        host = host or DEFAULT_LISTEN_HOST
        _check_host(host, "--listen")
    if not _digits(port) or int(port) > 65535:
        raise AddressError(
            f"--listen: expected [HOST:]PORT with a port 0-65535 (0: any free port), got "
            f"{text!r}; e.g. --listen 8080 or --listen 127.0.0.1:8080"
        )
    return host, int(port)


def parse_upstream(text: str) -> tuple[str, int]:
    """`--to HOST:PORT` (an `http://` prefix and a trailing `/` are accepted)."""
    original = text
    text = text.strip(" \t")
    if text.startswith("https://"):
        raise AddressError(
            f"--to: {original!r} is HTTPS; httplab proxy forwards plain HTTP/1.1 only"
        )
    text = text.removeprefix("http://").rstrip("/")
    if "/" in text:
        raise AddressError(f"--to: expected HOST:PORT without a path, got {original!r}")
    host, port = _split(text, "--to")
    if not host or not _digits(port) or not 0 < int(port) < 65536:
        raise AddressError(
            f"--to: expected HOST:PORT with a port 1-65535, got {original!r}; "
            "e.g. --to 127.0.0.1:8000"
        )
    _check_host(host, "--to")
    return host, int(port)
