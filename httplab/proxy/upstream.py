"""The upstream side: opening a connection, and why an exchange with the upstream failed.

Every failure is an `UpstreamFailure` of one `FailureKind`, which decides the status the client
gets (RFC 9110 §15.6.3 502 Bad Gateway: an invalid response; §15.6.5 504 Gateway Timeout: no
timely response) and a body that says what happened and what to do about it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from enum import Enum

from httplab.protocol.errors import ProtocolError
from httplab.protocol.response_parser import ResponseParser
from httplab.proxy.settings import ProxySettings
from httplab.proxy.wire import Wire


class FailureKind(Enum):
    REFUSED = "refused"  # nothing listens there
    UNREACHABLE = "unreachable"  # no such host, no route
    CONNECT_TIMEOUT = "connect-timeout"
    TIMEOUT = "timeout"  # connected, then silent
    CLOSED = "closed"  # closed (or reset) before a whole response
    MALFORMED = "malformed"  # the response broke HTTP/1.1
    UPGRADE = "upgrade"  # 101 Switching Protocols: not tunnelled


GATEWAY_TIMEOUTS = frozenset({FailureKind.CONNECT_TIMEOUT, FailureKind.TIMEOUT})


class UpstreamFailure(Exception):
    def __init__(self, kind: FailureKind, detail: str, rfc_ref: str = "") -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.rfc_ref = rfc_ref or (
            "RFC 9110 §15.6.5" if kind in GATEWAY_TIMEOUTS else "RFC 9110 §15.6.3"
        )

    @property
    def status(self) -> int:
        return 504 if self.kind in GATEWAY_TIMEOUTS else 502


def connect_failure(settings: ProxySettings, error: OSError | TimeoutError) -> UpstreamFailure:
    where = settings.upstream
    if isinstance(error, TimeoutError):
        return UpstreamFailure(
            FailureKind.CONNECT_TIMEOUT,
            f"connecting to the upstream server {where} took longer than "
            f"{settings.connect_timeout:g}s: is the host up and the port open (no firewall "
            "dropping it)? Raise --connect-timeout if it is only slow",
        )
    if isinstance(error, ConnectionRefusedError) or error.errno == errno.ECONNREFUSED:
        return UpstreamFailure(
            FailureKind.REFUSED,
            f"the upstream server {where} refused the connection: nothing listens on that "
            "port. Start it, or point --to at the right HOST:PORT",
        )
    if isinstance(error, socket.gaierror):
        return UpstreamFailure(
            FailureKind.UNREACHABLE,
            f"cannot resolve the upstream host {settings.upstream_host!r} "
            f"({error.strerror or error}): check the host in --to",
        )
    return UpstreamFailure(
        FailureKind.UNREACHABLE,
        f"cannot connect to the upstream server {where}: {error.strerror or error}; check --to",
    )


class UpstreamConnection:
    """One connection to the upstream, kept alive between exchanges of one client."""

    def __init__(self, connection_id: int, wire: Wire, parser: ResponseParser, peer: str) -> None:
        self.id = connection_id
        self.wire = wire
        self.parser = parser  # the wire's parser, by its own type
        self.peer = peer
        self.exchanges = 0  # exchanges started on it
        self.reusable = True  # the last exchange ended cleanly and both sides keep it alive

    @classmethod
    async def open(cls, settings: ProxySettings, connection_id: int) -> UpstreamConnection:
        try:
            async with asyncio.timeout(settings.connect_timeout):
                reader, writer = await asyncio.open_connection(
                    settings.upstream_host, settings.upstream_port, limit=2 * 64 * 1024
                )
        except (OSError, TimeoutError) as error:
            raise connect_failure(settings, error) from None
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        parser = ResponseParser(settings.limits)
        return cls(connection_id, Wire(reader, writer, parser), parser, settings.upstream)

    @property
    def usable(self) -> bool:
        """Still worth sending the next request on (the upstream may have closed it since)."""
        wire = self.wire
        return (
            self.reusable
            and not wire.eof
            and not wire.reader.at_eof()
            and not wire.writer.is_closing()
        )

    def close(self) -> None:
        self.reusable = False
        self.wire.close()


def failure_of(
    settings: ProxySettings, error: Exception, upstream: UpstreamConnection
) -> UpstreamFailure:
    """What an error while talking to the upstream means for the client (502 or 504)."""
    if isinstance(error, UpstreamFailure):
        return error
    if isinstance(error, TimeoutError):
        return UpstreamFailure(
            FailureKind.TIMEOUT,
            f"the upstream server {settings.upstream} sent nothing for "
            f"{settings.timeout:g}s (--timeout): it may be stuck, or just slow (then "
            "raise --timeout)",
        )
    if isinstance(error, ProtocolError) and not upstream.wire.eof:
        return UpstreamFailure(
            FailureKind.MALFORMED,
            f"the upstream server {settings.upstream} sent a malformed response: "
            f"{error.detail}; the upstream leg of the trace shows its bytes",
            error.rfc_ref,
        )
    how = "reset" if upstream.wire.reset else "closed"
    return UpstreamFailure(
        FailureKind.CLOSED,
        f"the upstream server {settings.upstream} {how} the connection before a whole "
        "response: it may have crashed or refused the request; see its log",
    )
