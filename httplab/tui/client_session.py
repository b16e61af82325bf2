"""The client pane's connection and what it last got back.

Sending blocks (connect, write, read with a timeout), so it runs in a worker thread through
`asyncio.to_thread`; the UI loop only awaits it. One keep-alive connection is reused between
sends, as `nc` would, and replaced when the server closed it. Replays use a fresh connection of
their own, so a replayed `Connection: close` cannot end the pane's session.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from httplab.client.connection import EXTRA_NOTE, ClientConnection, ClientError, ClientExchange

SEND_TIMEOUT = 5.0


@dataclass(slots=True)
class PaneResult:
    """What the pane shows under the input: the bytes that came back and any remarks."""

    title: str
    request_bytes: bytes = b""
    response_bytes: bytes = b""
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    number: int = 0  # increases with each result, so views can cache per result
    exchanges: list[ClientExchange] = field(default_factory=list)


class ClientSession:
    def __init__(self, host: str, port: int, timeout: float = SEND_TIMEOUT) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.crlf = True
        self.lang = "en"  # of the errors said: the lesson view's language
        self.pin_length = False
        self.busy = False
        self.result: PaneResult | None = None
        self._results = 0
        self._connection: ClientConnection | None = None
        self._connection_target: tuple[str, int] | None = None

    def show(self, result: PaneResult) -> None:
        self._results += 1
        result.number = self._results
        self.result = result

    async def send(self, data: bytes, host: str, port: int, *, fresh: bool = False) -> PaneResult:
        """Send `data` and gather every response it produced (pipelined requests give several)."""
        self.busy = True
        try:
            if fresh:
                return await asyncio.to_thread(self._send_once, data, host, port)
            return await asyncio.to_thread(self._send_kept, data, host, port)
        finally:
            self.busy = False

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    # worker thread ------------------------------------------------------------------------
    def _send_once(self, data: bytes, host: str, port: int) -> PaneResult:
        connection = ClientConnection(host, port, timeout=self.timeout)
        try:
            return _result_of(connection, data, host, port, self.lang)
        finally:
            connection.close()

    def _send_kept(self, data: bytes, host: str, port: int) -> PaneResult:
        if (
            self._connection is None
            or self._connection.closed
            or self._connection_target != (host, port)
        ):
            self.close()
            self._connection = ClientConnection(host, port, timeout=self.timeout)
            self._connection_target = (host, port)
        result = _result_of(self._connection, data, host, port, self.lang)
        if result.error or self._connection.closed:
            self.close()
        return result


def _result_of(
    connection: ClientConnection, data: bytes, host: str, port: int, lang: str = "en"
) -> PaneResult:
    title = connection.address
    ru = lang == "ru"
    try:
        exchanges = connection.send(data)
    except ClientError as exc:
        return PaneResult(title, data, error=exc.ru if ru else exc.message)
    response = b"".join(exchange.response_bytes for exchange in exchanges)
    errors = [
        (e.error_ru if ru and e.error_ru else e.error) for e in exchanges if e.error is not None
    ]
    notes = [f"the last {len(e.extra)} {EXTRA_NOTE}" for e in exchanges if e.extra]
    return PaneResult(title, data, response, notes, "; ".join(errors) or None, exchanges=exchanges)
