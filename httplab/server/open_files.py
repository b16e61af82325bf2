"""How many sockets this process may hold: the open-file limit (`ulimit -n`, RLIMIT_NOFILE).

Every connection is a file descriptor. A server promising 10,000 connections under the common
default of `ulimit -n 1024` would run out of descriptors at about the 1,020th: `accept()` then
fails with EMFILE, asyncio logs a traceback per attempt and stops accepting for a second, and
nobody gets the 503 that `--max-connections` promises. So the connection cap is clamped below
the limit, keeping `FD_HEADROOM` descriptors for everything else (the listener, stdio, logs,
files the trace view opens, and the brief socket of each connection refused with 503).
"""

from __future__ import annotations

import contextlib
import os

try:  # not on Windows
    import resource
except ImportError:  # pragma: no cover
    resource = None  # type: ignore[assignment]

FD_HEADROOM = 64
"""Descriptors kept free beside the served connections."""


def open_file_limit() -> int | None:
    """The soft RLIMIT_NOFILE, or None when unlimited or unknown."""
    if resource is None:  # pragma: no cover
        return None
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def open_descriptors() -> int:
    """Descriptors this process holds now (0 when the platform cannot say)."""
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(folder))
        except OSError:
            continue
    return 0  # pragma: no cover


def connection_ceiling() -> int | None:
    """Connections that fit under the open-file limit with `FD_HEADROOM` to spare (at least
    1), or None when there is no limit to respect."""
    limit = open_file_limit()
    if limit is None:
        return None
    return max(1, limit - open_descriptors() - FD_HEADROOM)


def raise_open_file_limit(wanted: int) -> None:
    """Raise the soft limit towards `wanted` descriptors, never past the hard limit (an
    unprivileged process may do this; many systems default to soft 1024, hard 512K)."""
    if resource is None:  # pragma: no cover
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        with contextlib.suppress(ValueError, OSError):  # a sandbox may refuse
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
