"""What `httplab proxy` does once its options are parsed: build the proxy, run it until SIGINT
or SIGTERM, print one line per exchange to stderr (both legs: `#3.1 … → ↑4.1 200`)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import FrameType
from typing import TextIO

from httplab import __version__
from httplab.proxy.engine import ProxyServer
from httplab.proxy.legs import UPSTREAM_SOURCE
from httplab.proxy.settings import ProxySettings
from httplab.server.context import Tracer
from httplab.server.log_writer import AccessLogWriter
from httplab.server.start_errors import start_failure
from httplab.trace.records import ExchangeRecord, TraceItem
from httplab.trace.wire_text import escape_latin1


@dataclass(frozen=True)
class ProxyOptions:
    settings: ProxySettings
    host: str
    port: int
    access_log: bool = True


class Tee:
    """A tracer that hands every item to several (the access log, a recorder, a bus)."""

    def __init__(self, *subscribers: Callable[[TraceItem], None]) -> None:
        self.subscribers = subscribers

    def publish(self, item: TraceItem) -> None:
        for subscriber in self.subscribers:
            subscriber(item)


def client_legs_only(publish: Callable[[TraceItem], None]) -> Callable[[TraceItem], None]:
    """For `--record`: the client's legs only, so the transcript replays against the proxy
    (or the upstream) as the client saw it."""

    def filtered(item: TraceItem) -> None:
        if not (isinstance(item, ExchangeRecord) and item.source == UPSTREAM_SOURCE):
            publish(item)

    return filtered


def access_line(record: ExchangeRecord, upstream: ExchangeRecord | None) -> str:
    """`#1.1 127.0.0.1:50412 GET /users → ↑2.1 200 | 200 117B 1.20ms`: the client's leg, the
    upstream leg's label and status (`---` when it gave none), the client's status, bytes
    written to the client, milliseconds."""
    method = escape_latin1(record.method or "-")
    target = escape_latin1(record.target[:200] or "-")
    if upstream is not None:
        via = f"↑{upstream.connection_id}.{upstream.number} {upstream.status or '---'}"
    else:
        via = "(not forwarded)"
    size = len(record.raw_response) + record.omitted[1]
    return (
        f"#{record.connection_id}.{record.number} {record.peer} {method} {target} → {via} | "
        f"{record.status or '---'} {size}B {record.timings.total_ms:.2f}ms"
    )


class AccessLog:
    """One line per exchange from the trace records (on the proxy's loop: never blocks)."""

    def __init__(self, writer: AccessLogWriter) -> None:
        self.writer = writer
        self.upstream: ExchangeRecord | None = None  # published just before its client leg

    def __call__(self, item: TraceItem) -> None:
        if not isinstance(item, ExchangeRecord):
            return
        if item.source == UPSTREAM_SOURCE:
            self.upstream = item
            return
        # both legs are published in one step of the loop, the upstream leg first
        upstream, self.upstream = self.upstream, None
        self.writer.say(access_line(item, upstream))


def make_proxy(options: ProxyOptions, tracer: Tracer | None) -> ProxyServer:
    settings = options.settings
    if tracer is not None:
        settings = replace(settings, tracer=tracer)
    return ProxyServer(settings, options.host, options.port)


def proxy_until_signal(
    options: ProxyOptions, err: TextIO | None = None, record: Tracer | None = None
) -> int:
    """Proxy until SIGINT (Ctrl-C) or SIGTERM; the exit status."""
    stream = err if err is not None else sys.stderr
    logging.basicConfig(
        stream=stream, level=logging.WARNING, format="httplab: %(levelname)s %(message)s"
    )
    writer = AccessLogWriter(stream)
    subscribers: list[Callable[[TraceItem], None]] = []
    if options.access_log:
        subscribers.append(AccessLog(writer))
    if record is not None:
        subscribers.append(client_legs_only(record.publish))
    proxy = make_proxy(options, Tee(*subscribers) if subscribers else None)
    try:
        proxy.start()
    except OSError as exc:
        writer.close()
        stream.write(start_failure(exc, "httplab proxy", "--listen") + "\n")
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        stream.write(
            f"httplab {__version__}: proxy {proxy.url}/ → http://{options.settings.upstream}/ "
            "(Ctrl-C stops)\n"
        )
        stream.flush()
        while not stop.wait(0.25):
            pass
        writer.say("httplab: stopping (finishing exchanges in flight)")
    finally:
        proxy.stop()
        writer.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
