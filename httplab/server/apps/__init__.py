"""Applications the server can run: plain callables `Request -> Response`."""

from httplab.server.apps.users import UsersApp

__all__ = ["UsersApp"]
