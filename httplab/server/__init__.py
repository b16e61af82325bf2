"""The server: the protocol core over sockets, and the apps it runs."""

from httplab.server.engine import DEFAULT_HOST, DEFAULT_PORT, HTTPServer

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "HTTPServer"]
