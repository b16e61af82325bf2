"""The users API: the classic tutorial's service, done right.

    POST /users            name and age from the query string, a form body or a JSON body
                           → 201 Created, Location: /users/ID, the user
    GET  /users            the users, a page at a time (JSON or HTML by Accept; JSON when in
                           doubt): `?limit=` (1-1000, default 100) and `?offset=` (default 0);
                           `Link: <...>; rel="next"` (RFC 8288) points at the next page
    GET  /users/ID         one user, or 404

Other methods get 405 with `Allow` (RFC 9110 §15.5.6); an `Accept` that allows neither JSON nor
HTML gets 406 listing both (§15.5.7); bad fields get 400 naming the field and the reason.
The app is a plain callable `Request -> Response`: it never sees a socket, so any server (the
asyncio one, a lesson's blocking one, a test calling it directly) can run it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from httplab.protocol.headers import Headers
from httplab.protocol.messages import Request, Response
from httplab.protocol.negotiate import negotiate
from httplab.server.apps import user_views
from httplab.server.apps.user_input import ACCEPTED_BODY_TYPES, UserInputError, read_new_user
from httplab.server.apps.user_store import StoreFull, User, UserStore
from httplab.server.problem import JSON_FIRST, problem_response

Representation = Literal["application/json", "text/html"]
JSON: Representation = "application/json"
HTML: Representation = "text/html"
REPRESENTATIONS: list[str] = [JSON, HTML]  # JSON first: what `*/*` and a missing Accept get
COLLECTION_METHODS = "GET, HEAD, POST, OPTIONS"
ITEM_METHODS = "GET, HEAD, OPTIONS"
SERVER_METHODS = COLLECTION_METHODS  # every method some resource here allows
MAX_ID_DIGITS = 18
PAGE_SIZE = 100
"""Users in a page of `GET /users` when the request does not say (`?limit=`)."""
MAX_PAGE_SIZE = 1000
"""Largest `?limit=`: a response stays about 100 KB whatever the store holds, so asking for
the list cannot make the server build, or hold for a client that never reads, megabytes."""
MAX_OFFSET_DIGITS = 9
PAGE_CACHE = 64
"""Rendered pages of the list kept (by media type, offset and limit) until the store grows."""

Handler = Callable[[Request], Response]


class UsersApp:
    """`app(request) -> response`; the users live in `store` (in memory, thread-safe)."""

    def __init__(self, store: UserStore | None = None) -> None:
        self.store = store if store is not None else UserStore()
        self._pages: dict[tuple[Representation, int, int], tuple[int, bytes]] = {}  # see _page_body

    def __call__(self, request: Request) -> Response:
        path = request.path
        if path == "*":
            # RFC 9110 §9.3.7: `OPTIONS *` asks about the server in general (the parser lets
            # the asterisk-form through for OPTIONS only); it is not a missing resource.
            return Response(204, Headers([("Allow", SERVER_METHODS)]))
        if path == "/users":
            return self._collection(request)
        if path.startswith("/users/"):
            user_id = _parse_id(path[len("/users/") :])
            if user_id is not None:
                return self._item(request, user_id)
        return _problem(
            request,
            404,
            f"nothing at {path[:200]}; this server has /users and /users/ID",
            rfc_ref="RFC 9110 §15.5.5",
        )

    def _page_body(
        self, media_type: Representation, offset: int, limit: int, links: list[tuple[str, str]]
    ) -> bytes:
        """A page of the list as bytes, rendered once per size of the store: users are only
        ever added, so a page rendered for the same number of users is the same page."""
        key = (media_type, offset, limit)
        cached = self._pages.get(key)
        if cached is not None and cached[0] == len(self.store):
            return cached[1]
        users, total = self.store.page(offset, limit)
        if media_type == JSON:
            body = user_views.users_json(users)
        else:
            body = user_views.users_html(users, total, offset, links)
        if len(self._pages) >= PAGE_CACHE:
            self._pages.clear()
        self._pages[key] = (total, body)
        return body

    # routes ------------------------------------------------------------------------------
    def _collection(self, request: Request) -> Response:
        method = request.method
        if method in ("GET", "HEAD"):
            media_type = _negotiate(request)
            if media_type is None:
                return _not_acceptable(request)
            page = _read_page(request)
            if isinstance(page, Response):
                return page
            offset, limit = page
            total = len(self.store)
            links = _page_links(offset, limit, total)
            response = _ok(200, media_type, self._page_body(media_type, offset, limit, links))
            if links:
                response.headers.add(
                    "Link", ", ".join(f'<{href}>; rel="{rel}"' for rel, href in links)
                )
            return response
        if method == "POST":
            return self._create(request)
        return _method_not_allowed(request, COLLECTION_METHODS)

    def _item(self, request: Request, user_id: int) -> Response:
        if request.method not in ("GET", "HEAD"):
            return _method_not_allowed(request, ITEM_METHODS)
        media_type = _negotiate(request)
        if media_type is None:
            return _not_acceptable(request)
        user = self.store.get(user_id)
        if user is None:
            return _problem(request, 404, f"no user with id {user_id}", rfc_ref="RFC 9110 §15.5.5")
        return _user_response(200, media_type, user)

    def _create(self, request: Request) -> Response:
        # Negotiate first: a request that cannot be answered must not create a user.
        media_type = _negotiate(request)
        if media_type is None:
            return _not_acceptable(request)
        try:
            name, age = read_new_user(request)
        except UserInputError as exc:
            headers = []
            if exc.status == 415:
                headers.append(("Accept-Post", ", ".join(ACCEPTED_BODY_TYPES)))
            extra = {"fields": exc.field_errors} if exc.field_errors else None
            ref = "RFC 9110 §15.5.16" if exc.status == 415 else "RFC 9110 §15.5.1"
            return _problem(
                request, exc.status, exc.detail, rfc_ref=ref, extra=extra, headers=headers
            )
        try:
            user = self.store.add(name, age)
        except StoreFull as exc:
            return _problem(request, 507, str(exc), rfc_ref="RFC 4918 §11.5")
        response = _user_response(201, media_type, user)
        response.headers.add("Location", f"/users/{user.id}")
        return response


def _parse_id(text: str) -> int | None:
    """Digits only, no sign, no leading zero (one URL per user), and a sane length."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > MAX_ID_DIGITS:
        return None
    if text[0] == "0":
        return None
    return int(text)


def _read_page(request: Request) -> tuple[int, int] | Response:
    """(offset, limit) from `?offset=&limit=` (other parameters are ignored), or a 400."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for pair in request.query_string.split("&"):
        name, _, value = pair.partition("=")
        if name not in ("offset", "limit"):
            continue
        if name in values:
            errors[name] = "given more than once"
        values[name] = value
    limit, offset = PAGE_SIZE, 0
    if "limit" in values and "limit" not in errors:
        number = _parse_count(values["limit"], 4)
        if number is None or not 1 <= number <= MAX_PAGE_SIZE:
            errors["limit"] = f"must be a whole number from 1 to {MAX_PAGE_SIZE}"
        else:
            limit = number
    if "offset" in values and "offset" not in errors:
        number = _parse_count(values["offset"], MAX_OFFSET_DIGITS)
        if number is None:
            errors["offset"] = "must be a whole number from 0 (the first user)"
        else:
            offset = number
    if errors:
        detail = "; ".join(f"{name} {reason}" for name, reason in errors.items())
        extra = {"fields": errors}
        return _problem(
            request, 400, f"bad page: {detail}", rfc_ref="RFC 9110 §15.5.1", extra=extra
        )
    return offset, limit


def _parse_count(text: str, max_digits: int) -> int | None:
    """ASCII digits only (no sign, space or `_`), no leading zero, at most `max_digits`."""
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    if len(text) > 1 and text[0] == "0":
        return None
    return int(text)


def _page_links(offset: int, limit: int, total: int) -> list[tuple[str, str]]:
    """(rel, href) of the neighbouring pages (RFC 8288 relation types next and prev)."""
    links: list[tuple[str, str]] = []
    if offset > 0:
        links.append(("prev", f"/users?offset={max(0, offset - limit)}&limit={limit}"))
    if offset + limit < total:
        links.append(("next", f"/users?offset={offset + limit}&limit={limit}"))
    return links


def _negotiate(request: Request) -> Representation | None:
    accept = request.headers.get("accept")
    if accept is None:
        return JSON
    chosen = negotiate(accept, REPRESENTATIONS)
    return JSON if chosen == JSON else HTML if chosen == HTML else None


def _ok(status: int, media_type: Representation, body: bytes) -> Response:
    content_type = user_views.JSON_TYPE if media_type == JSON else user_views.HTML_TYPE
    return Response(status, Headers([(b"Content-Type", content_type), (b"Vary", b"Accept")]), body)


def _user_response(status: int, media_type: Representation, user: User) -> Response:
    if media_type == JSON:
        return _ok(status, JSON, user_views.user_json(user))
    return _ok(status, HTML, user_views.user_html(user))


def _problem(
    request: Request,
    status: int,
    detail: str,
    *,
    rfc_ref: str = "",
    extra: Mapping[str, object] | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> Response:
    return problem_response(
        status,
        detail,
        rfc_ref=rfc_ref,
        accept=request.headers.get("accept"),
        prefer=JSON_FIRST,
        extra=extra,
        headers=headers or (),
    )


def _not_acceptable(request: Request) -> Response:
    available = ", ".join(REPRESENTATIONS)
    return _problem(
        request,
        406,
        f"no representation matches Accept: {(request.headers.get('accept') or '')[:200]}; "
        f"available: {available}",
        rfc_ref="RFC 9110 §15.5.7",
        extra={"available": REPRESENTATIONS},
    )


def _method_not_allowed(request: Request, allowed: str) -> Response:
    if request.method == "OPTIONS":
        return Response(204, Headers([("Allow", allowed)]))
    return _problem(
        request,
        405,
        f"{request.method[:40]} is not allowed on {request.path[:200]}; allowed: {allowed}",
        rfc_ref="RFC 9110 §15.5.6",
        headers=[("Allow", allowed)],
    )
