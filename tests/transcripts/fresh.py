"""A users server as `httplab replay FILE` starts one for a file: fresh (no users, ids from 1)
and with the file's `# server:` options."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from httplab.client.server_options import read_server_options
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer


@contextmanager
def server_for(path: Path) -> Iterator[HTTPServer]:
    options = read_server_options(path.read_text(encoding="utf-8"))
    users = UsersApp()
    users.store.seed(options.seed)
    server = HTTPServer(users, port=0, limits=options.limits, server_name=options.name)
    with server as running:
        yield running
