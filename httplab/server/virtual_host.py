"""The tutorial's virtual-host check, with the status RFC 9110 gives it.

When the server is started with a name (`--name example.local`), a request whose Host names
another server is answered 421 Misdirected Request (RFC 9110 §15.5.20): "the request was
directed at a server that is unable or unwilling to produce an authoritative response for the
target URI". The tutorial answered 404 here, which claims the resource does not exist.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from httplab.protocol.events import RequestHead


def request_authority(head: RequestHead) -> str | None:
    """The authority the request is aimed at: the absolute-form target's, else Host's
    (RFC 9112 §3.2.2: with an absolute-form target, Host is ignored)."""
    if head.target_form == "absolute":
        return urlsplit(head.target).netloc
    return head.headers.get("host")


def split_authority(authority: str) -> tuple[str, str]:
    """`Example.Local:8080` → ("example.local", "8080"); `[::1]:80` → ("[::1]", "80")."""
    authority = authority.strip().lower()
    if authority.startswith("["):
        host, _, rest = authority.partition("]")
        return host + "]", rest[1:] if rest.startswith(":") else ""
    host, _, port = authority.partition(":")
    return host.rstrip("."), port


def misdirected_detail(head: RequestHead, server_name: str, port: int) -> str | None:
    """Why the request is not for this server, or None when it is (or names nobody: an
    HTTP/1.0 request may omit Host)."""
    authority = request_authority(head)
    if authority is None:
        return None
    host, given_port = split_authority(authority)
    if host == server_name.lower().rstrip(".") and given_port in ("", str(port)):
        return None
    shown = authority[:200]
    return (
        f"this server answers for {server_name} (port {port}); the request is for {shown}. "
        "The tutorial answered 404 Not Found here; 421 says the request reached the wrong server"
    )
