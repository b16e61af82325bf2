"""Users as JSON or HTML. Every piece of user data in HTML goes through `html.escape`, so a
name like `<script>` is shown, not run (the tutorial's stored XSS)."""

from __future__ import annotations

import json
from html import escape

from httplab.server.apps.user_store import User

JSON_TYPE = b"application/json"
HTML_TYPE = b"text/html; charset=utf-8"


def _page(title: str, body: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>\n<body>{body}</body></html>\n"
    ).encode()


def _item(user: User) -> str:
    return f'<li><a href="/users/{user.id}">#{user.id}</a> {escape(user.name)}, {user.age}</li>'


def user_json(user: User) -> bytes:
    return json.dumps(user.as_json(), ensure_ascii=False).encode("utf-8") + b"\n"


def users_json(users: list[User]) -> bytes:
    return json.dumps([u.as_json() for u in users], ensure_ascii=False).encode("utf-8") + b"\n"


def user_html(user: User) -> bytes:
    body = (
        f"<h1>User #{user.id}</h1>\n<dl><dt>Name</dt><dd>{escape(user.name)}</dd>"
        f"<dt>Age</dt><dd>{user.age}</dd></dl>\n"
        '<p><a href="/users">All users</a></p>'
    )
    return _page(f"User #{user.id}", body)


def users_html(
    users: list[User],
    total: int | None = None,
    offset: int = 0,
    links: list[tuple[str, str]] | None = None,
) -> bytes:
    """A page of users; `total` users in all, this page starting at `offset`; `links` are
    (rel, href) of the pages before and after."""
    total = len(users) if total is None else total
    items = "\n".join(_item(u) for u in users)
    if users:
        body = f"<h1>Users ({total})</h1>\n<ul>\n{items}\n</ul>"
    elif total:
        body = f"<h1>Users ({total})</h1>\n<p>No users on this page.</p>"
    else:
        body = (
            "<h1>Users (0)</h1>\n"
            "<p>No users yet. Try <code>POST /users?name=Vasya&amp;age=42</code>.</p>"
        )
    if links or offset:
        shown = f"{offset + 1}-{offset + len(users)}" if users else "none"
        labels = {"prev": "previous page", "next": "next page"}
        nav = " ".join(
            f'<a href="{escape(href)}" rel="{rel}">{labels[rel]}</a>' for rel, href in links or []
        )
        body += f"\n<p>Showing {shown} of {total}. {nav}</p>"
    return _page("Users", body)
