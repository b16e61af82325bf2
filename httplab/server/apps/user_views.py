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


def home_html(host: str = "127.0.0.1:53210") -> bytes:
    """`GET /`: what the lab serves and a form that creates a user, so a browser can use it
    without curl (the browser sends the form as application/x-www-form-urlencoded)."""
    body = """<h1>httplab</h1>
<p>An HTTP/1.1 lab server. Watch what your browser sends in the trace view.</p>
<h2>Create a user</h2>
<form method="post" action="/users">
<p><label>Name <input name="name" required maxlength="100"></label></p>
<p><label>Age <input name="age" type="number" min="0" max="150" required></label></p>
<p><button type="submit">POST /users</button></p>
</form>
<h2>The API</h2>
<ul>
<li><a href="/users">GET /users</a> &mdash; the users (JSON or HTML by Accept)</li>
<li>POST /users &mdash; name and age &rarr; 201 Created, Location</li>
<li>GET /users/ID &mdash; one user, with an ETag (If-None-Match &rarr; 304)</li>
<li>PUT, PATCH /users/ID &mdash; change a user (If-Match &rarr; 412 when it changed)</li>
<li>DELETE /users/ID &mdash; 204 No Content</li>
</ul>
<p>From a terminal: <code>curl -i http://HOST/users -d name=Vasya -d age=42</code></p>"""
    return _page("httplab", body.replace("HOST", escape(host)))
