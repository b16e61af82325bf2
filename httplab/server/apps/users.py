"""The users API: the classic tutorial's service, done right.

    POST /users            name and age from the query string, a form body or a JSON body
                           → 201 Created, Location: /users/ID, the user
    GET  /users            the users, a page at a time (JSON or HTML by Accept; JSON when in
                           doubt): `?limit=` (1-1000, default 100) and `?offset=` (default 0);
                           `Link: <...>; rel="next"` (RFC 8288) points at the next page
    GET  /users/ID         one user, or 404; `ETag` (strong: a hash of the bytes sent) and
                           `If-None-Match` → 304 Not Modified (RFC 9110 §13.1.2, §15.4.5)
    PUT  /users/ID         name and age, both (as a POST) → 200 and the user
    PATCH /users/ID        name, age or both (RFC 5789) → 200 and the user
    DELETE /users/ID       → 204 No Content; its id is never given again
    GET  /                 an HTML page with a form that creates a user (for a browser)

`If-Match` on PUT/PATCH/DELETE (and GET) → 412 when the user's current ETag is not listed
(RFC 9110 §13.1.1): a client that read the user first loses nobody's change. A PATCH whose
user changed between reading and writing it gets 409 Conflict (§15.5.10).
Other methods get 405 with `Allow` (RFC 9110 §15.5.6); an `Accept` that allows neither JSON nor
HTML gets 406 listing both (§15.5.7); bad fields get 400 naming the field and the reason.
The app is a plain callable `Request -> Response`: it never sees a socket, so any server (the
asyncio one, a lesson's blocking one, a test calling it directly) can run it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Literal

from httplab.protocol.headers import NO_FIELDS, Field, Headers
from httplab.protocol.messages import Request, Response
from httplab.protocol.negotiate import negotiate
from httplab.server.apps import user_views
from httplab.server.apps.user_input import (
    ACCEPTED_BODY_TYPES,
    UserInputError,
    read_new_user,
    read_user_fields,
)
from httplab.server.apps.user_store import Changed, StoreFull, User, UserStore
from httplab.server.problem import JSON_FIRST, problem_response

Representation = Literal["application/json", "text/html"]
JSON: Representation = "application/json"
HTML: Representation = "text/html"
REPRESENTATIONS: list[str] = [JSON, HTML]  # JSON first: what `*/*` and a missing Accept get
COLLECTION_METHODS = "GET, HEAD, POST, OPTIONS"
ITEM_METHODS = "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"
ROOT_METHODS = "GET, HEAD, OPTIONS"
SERVER_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"  # some resource allows each
MAX_ID_DIGITS = 18
PAGE_SIZE = 100
"""Users in a page of `GET /users` when the request does not say (`?limit=`)."""
MAX_PAGE_SIZE = 1000
"""Largest `?limit=`: a response stays about 100 KB whatever the store holds, so asking for
the list cannot make the server build, or hold for a client that never reads, megabytes."""
MAX_OFFSET_DIGITS = 9
PAGE_CACHE = 64
"""Rendered pages of the list kept (by media type, offset and limit) until the store grows."""
ACCEPT_CACHE = 256
"""Accept values remembered with the representation they choose (clients send few distinct
ones, and parsing one costs more than the rest of a small GET)."""

Handler = Callable[[Request], Response]
CONTENT_TYPE = {
    JSON: Field(b"Content-Type", user_views.JSON_TYPE),
    HTML: Field(b"Content-Type", user_views.HTML_TYPE),
}
VARY_ACCEPT = Field(b"Vary", b"Accept")  # ready-made lines: fields are never changed


class Page:
    """A rendered page of the list: its bytes, its ETag and the field lines of a 200."""

    __slots__ = ("body", "etag", "fields", "version")

    def __init__(self, version: int, body: bytes, etag: str, fields: list[Field]) -> None:
        self.version = version  # of the store it was rendered from
        self.body = body
        self.etag = etag
        self.fields = fields


class UsersApp:
    """`app(request) -> response`; the users live in `store` (in memory, thread-safe)."""

    def __init__(self, store: UserStore | None = None) -> None:
        self.store = store if store is not None else UserStore()
        self._pages: dict[tuple[Representation, int, int], Page] = {}

    def __call__(self, request: Request) -> Response:
        if request.target == "/users":  # the usual request: no query, no target to split
            return self._collection(request, "")
        path = request.path
        if path == "*":
            # RFC 9110 §9.3.7: `OPTIONS *` asks about the server in general (the parser lets
            # the asterisk-form through for OPTIONS only); it is not a missing resource.
            return Response(204, Headers([("Allow", SERVER_METHODS)]))
        if path == "/users":
            return self._collection(request, request.query_string)
        if path == "/":
            return _root(request)
        if path.startswith("/users/"):
            user_id = _parse_id(path[len("/users/") :])
            if user_id is not None:
                return self._item(request, user_id)
            return _problem(
                request,
                404,
                f"no user at {path[:200]}: an id is a whole number from 1, without leading zeros"
                " (as in /users/1)",
                rfc_ref="RFC 9110 §15.5.5",
            )
        return _problem(
            request,
            404,
            f"nothing at {path[:200]}; this server has /, /users and /users/ID",
            rfc_ref="RFC 9110 §15.5.5",
        )

    def _render_page(self, media_type: Representation, offset: int, limit: int) -> Page:
        """A page of the list, rendered and kept until the store's version moves (on every
        add, change and delete: `_collection` looks for it first)."""
        version = self.store.version
        users, total = self.store.page(offset, limit)
        links = _page_links(offset, limit, total)
        if media_type == JSON:
            body = user_views.users_json(users)
        else:
            body = user_views.users_html(users, total, offset, links)
        etag = _etag(body)
        fields = [CONTENT_TYPE[media_type], VARY_ACCEPT, Field(b"ETag", etag.encode("ascii"))]
        if links:
            link = ", ".join(f'<{href}>; rel="{rel}"' for rel, href in links)
            fields.append(Field(b"Link", link.encode("ascii")))
        if len(self._pages) >= PAGE_CACHE:
            self._pages.clear()
        page = self._pages[media_type, offset, limit] = Page(version, body, etag, fields)
        return page

    # routes ------------------------------------------------------------------------------
    def _collection(self, request: Request, query: str) -> Response:
        method = request.method
        if method == "GET" or method == "HEAD":
            # one look at the fields for both Accept and the preconditions (usually neither)
            accept, conditional = _accept_and_conditions(request.headers)
            media_type = JSON if accept is None else _negotiate_raw(accept)
            if media_type is None:
                return _not_acceptable(request)
            offset, limit = 0, PAGE_SIZE
            if query:
                bounds = _read_page(request, query)
                if isinstance(bounds, Response):
                    return bounds
                offset, limit = bounds
            page = self._pages.get((media_type, offset, limit))
            if page is None or page.version != self.store.version:
                page = self._render_page(media_type, offset, limit)
            if conditional:
                verdict = _preconditions(request, [page.etag])
                if verdict is not None:
                    return verdict
            # no trailers: the shared empty section (it refuses changes) rather than a new one
            fields = Headers.from_fields(page.fields.copy())
            return Response(200, fields, page.body, "OK", "HTTP/1.1", NO_FIELDS)
        if method == "POST":
            return self._create(request)
        return _method_not_allowed(request, COLLECTION_METHODS)

    def _item(self, request: Request, user_id: int) -> Response:
        method = request.method
        if method not in ("GET", "HEAD", "PUT", "PATCH", "DELETE"):
            response = _method_not_allowed(request, ITEM_METHODS)
            if method == "OPTIONS":
                response.headers.add("Accept-Patch", ", ".join(ACCEPTED_BODY_TYPES))
            return response
        media_type = _negotiate(request)
        if media_type is None and method != "DELETE":  # a 204 has no representation
            return _not_acceptable(request)
        user = self.store.get(user_id)
        if user is None:
            # RFC 9110 §13.2.1: preconditions are ignored when the answer would not be 2xx
            detail = f"no user with id {user_id}"
            if method == "PUT":
                detail += "; ids are given by the server: create users with POST /users"
            return _problem(request, 404, detail, rfc_ref="RFC 9110 §15.5.5")
        if method in ("GET", "HEAD"):
            assert media_type is not None
            response = _user_response(200, media_type, user)
            verdict = _preconditions(request, [_etag(response.body)])
            return response if verdict is None else verdict
        # An unsafe method: an If-Match names the ETag of either representation (JSON, HTML)
        verdict = _preconditions(request, _user_etags(user))
        if verdict is not None:
            return verdict
        guarded = "if-match" in request.headers or "if-none-match" in request.headers
        if method == "DELETE":
            try:
                self.store.remove(user_id, expected=user if guarded else None)
            except (KeyError, Changed):
                return _changed(request, user_id, guarded)
            return Response(204)
        assert media_type is not None
        return self._update(request, media_type, user, guarded)

    def _update(
        self, request: Request, media_type: Representation, user: User, guarded: bool
    ) -> Response:
        patch = request.method == "PATCH"
        try:
            name, age = read_user_fields(request, partial=patch)
        except UserInputError as exc:
            return _input_problem(request, exc, "Accept-Patch" if patch else None)
        try:
            updated = self.store.replace(
                user.id,
                user.name if name is None else name,
                user.age if age is None else age,
                # a PATCH keeps the unnamed field as read: nobody's change in between is lost
                expected=user if patch or guarded else None,
            )
        except (KeyError, Changed):
            return _changed(request, user.id, guarded)
        return _user_response(200, media_type, updated)

    def _create(self, request: Request) -> Response:
        # Negotiate first: a request that cannot be answered must not create a user.
        media_type = _negotiate(request)
        if media_type is None:
            return _not_acceptable(request)
        try:
            name, age = read_new_user(request)
        except UserInputError as exc:
            return _input_problem(request, exc, "Accept-Post")
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


def _read_page(request: Request, query: str) -> tuple[int, int] | Response:
    """(offset, limit) from the query `offset=&limit=` (other parameters are ignored), or a
    400."""
    if not query:
        return 0, PAGE_SIZE
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for pair in query.split("&"):
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


_chosen: dict[bytes, Representation | None] = {}  # Accept value → its choice (see ACCEPT_CACHE)


def _accept_and_conditions(headers: Headers) -> tuple[bytes | None, bool]:
    """The Accept lines as one value (RFC 9110 §5.3: joined with ", "), None without any;
    and whether a precondition this app reads (If-Match, If-None-Match) is there."""
    accept = None
    conditional = False
    for field in headers:
        name = field.lower_name
        if name == b"accept":
            accept = field.value if accept is None else accept + b", " + field.value
        elif name in CONDITIONS:
            conditional = True
    return accept, conditional


def _negotiate(request: Request) -> Representation | None:
    accept, _ = _accept_and_conditions(request.headers)
    return JSON if accept is None else _negotiate_raw(accept)


def _negotiate_raw(raw: bytes) -> Representation | None:
    """The representation an Accept value chooses (JSON when in doubt), None for 406."""
    if raw in _chosen:
        return _chosen[raw]
    chosen = negotiate(raw.decode("latin-1"), REPRESENTATIONS)
    representation = JSON if chosen == JSON else HTML if chosen == HTML else None
    if len(_chosen) >= ACCEPT_CACHE:
        _chosen.clear()
    _chosen[raw] = representation
    return representation


def _ok(status: int, media_type: Representation, body: bytes) -> Response:
    return Response(status, Headers.from_fields([CONTENT_TYPE[media_type], VARY_ACCEPT]), body)


def _user_response(status: int, media_type: Representation, user: User) -> Response:
    body = user_views.user_json(user) if media_type == JSON else user_views.user_html(user)
    response = _ok(status, media_type, body)
    response.headers.add("ETag", _etag(body))
    return response


def _etag(body: bytes) -> str:
    """A strong entity tag (RFC 9110 §8.8.3): a hash of the exact bytes of the
    representation, so it changes whenever they do and differs between JSON and HTML."""
    return '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'


def _user_etags(user: User) -> list[str]:
    return [_etag(user_views.user_json(user)), _etag(user_views.user_html(user))]


def _root(request: Request) -> Response:
    if request.method not in ("GET", "HEAD"):
        return _method_not_allowed(request, ROOT_METHODS)
    host = request.headers.get("host")  # checked by the parser: no spaces or controls
    return _ok(200, HTML, user_views.home_html(host[:200] if host else "127.0.0.1:53210"))


def _input_problem(request: Request, exc: UserInputError, accept_field: str | None) -> Response:
    """400 naming the fields, or 415 with the body types this resource reads (`Accept-Post`,
    RFC 9110 §15.5.16 / `Accept-Patch`, RFC 5789 §3.1; a PUT has no such field: the detail
    names them)."""
    headers = []
    if exc.status == 415 and accept_field is not None:
        headers.append((accept_field, ", ".join(ACCEPTED_BODY_TYPES)))
    extra = {"fields": exc.field_errors} if exc.field_errors else None
    ref = "RFC 9110 §15.5.16" if exc.status == 415 else "RFC 9110 §15.5.1"
    return _problem(request, exc.status, exc.detail, rfc_ref=ref, extra=extra, headers=headers)


def _changed(request: Request, user_id: int, guarded: bool) -> Response:
    """The user changed or went between our read and our write."""
    if guarded:  # the client's precondition no longer holds
        return _problem(
            request,
            412,
            f"user {user_id} changed while this request was handled; GET it again for its new ETag",
            rfc_ref="RFC 9110 §13.1.1",
        )
    return _problem(
        request,
        409,
        f"user {user_id} changed while this request was handled; GET it and try again",
        rfc_ref="RFC 9110 §15.5.10",
    )


EntityTags = list[tuple[bool, str]]  # (weak, opaque-tag with its quotes)
CONDITIONS = frozenset({b"if-match", b"if-none-match"})  # the preconditions this app reads


def _parse_entity_tags(values: list[str]) -> EntityTags | str | None:
    """`If-Match` / `If-None-Match` lines: "*" alone → "*", else the (weak, tag) list; None
    when malformed (RFC 9110 §13.1.1: `"*" / #entity-tag`; §8.8.3: `[W/] DQUOTE *etagc
    DQUOTE`, etagc = %x21 / %x23-7E / obs-text). Scanned by hand: a tag may hold commas."""
    tags: EntityTags = []
    star = False
    for text in values:
        i, end = 0, len(text)
        while True:
            while i < end and text[i] in " \t,":
                i += 1
            if i == end:
                break
            if text[i] == "*":
                star, i = True, i + 1
            else:
                weak = text.startswith("W/", i)
                if weak:
                    i += 2
                if i == end or text[i] != '"':
                    return None
                close = text.find('"', i + 1)
                if close < 0:
                    return None
                tag = text[i : close + 1]
                if not all(
                    ch == "!" or "#" <= ch <= "~" or "\x80" <= ch <= "\xff" for ch in tag[1:-1]
                ):
                    return None
                tags.append((weak, tag))
                i = close + 1
            while i < end and text[i] in " \t":
                i += 1
            if i < end and text[i] != ",":
                return None
    if star:
        return "*" if not tags else None
    return tags


def _preconditions(request: Request, current: list[str]) -> Response | None:
    """RFC 9110 §13.2.2, steps 1 and 3, for a resource that exists and whose current strong
    ETags are `current`: None to go on, 412, or 304 for a GET/HEAD whose copy is fresh."""
    headers = request.headers
    for field in headers:  # one look at the fields for the usual answer: no conditions
        if field.lower_name in CONDITIONS:
            break
    else:
        return None
    if "if-match" in headers:
        tags = _parse_entity_tags(headers.get_all("if-match"))
        if tags is None:
            return _bad_condition(request, "If-Match")
        # strong comparison (§8.8.3.2): a weak tag never matches
        if isinstance(tags, list) and not any(not weak and tag in current for weak, tag in tags):
            return _problem(
                request,
                412,
                f"If-Match: {(headers.get('if-match') or '')[:200]} does not match the current "
                f"ETag {current[0]}: the resource changed since you read it; GET it again",
                rfc_ref="RFC 9110 §13.1.1",
                headers=[("ETag", current[0])],
            )
    if "if-none-match" in headers:
        tags = _parse_entity_tags(headers.get_all("if-none-match"))
        if tags is None:
            return _bad_condition(request, "If-None-Match")
        # weak comparison (§8.8.3.2): W/"x" matches "x"
        if not isinstance(tags, list) or any(tag in current for _, tag in tags):
            if request.method in ("GET", "HEAD"):
                return Response(304, Headers([("ETag", current[0]), ("Vary", "Accept")]))
            return _problem(
                request,
                412,
                f"If-None-Match: {(headers.get('if-none-match') or '')[:200]} matches the "
                "current ETag, so the request is not carried out",
                rfc_ref="RFC 9110 §13.1.2",
            )
    return None


def _bad_condition(request: Request, name: str) -> Response:
    return _problem(
        request,
        400,
        f'{name} must be "*" or a list of entity tags like "abc" or W/"abc"',
        rfc_ref="RFC 9110 §8.8.3",
    )


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
