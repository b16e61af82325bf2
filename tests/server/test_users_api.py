"""The users API over real sockets: creation from three sources, negotiation, errors, races."""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from httplab.protocol.headers import Headers
from httplab.protocol.messages import Request, Response
from httplab.server.apps.user_input import REFUSED_IN_NAMES
from httplab.server.apps.user_store import UserStore
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer

from .conftest import RawClient, get, post

FORM = "Content-Type: application/x-www-form-urlencoded"
JSON = "Content-Type: application/json"


def created(response_body: bytes) -> dict[str, object]:
    return json.loads(response_body)


def test_post_from_query_string(client: RawClient) -> None:
    response = client.request(post("/users?name=Vasya&age=42"))
    assert response.status == 201
    assert response.header("Location") == "/users/1"
    assert response.header("Content-Type") == "application/json"
    assert created(response.body) == {"id": 1, "name": "Vasya", "age": 42}


def test_post_from_form_body(client: RawClient) -> None:
    response = client.request(post("/users", b"name=P%C3%A9tya&age=24", FORM))
    assert response.status == 201
    assert created(response.body) == {"id": 1, "name": "Pétya", "age": 24}


def test_post_from_json_body(client: RawClient) -> None:
    body = json.dumps({"name": "Ann", "age": 30}).encode()
    response = client.request(post("/users", body, "Content-Type: application/json; charset=utf-8"))
    assert response.status == 201 and response.header("Location") == "/users/1"
    assert client.request(get("/users/1")).body == response.body


def test_created_user_in_html_when_asked(client: RawClient) -> None:
    response = client.request(post("/users?name=Ann&age=30", b"", "Accept: text/html"))
    assert response.status == 201
    assert response.header("Content-Type") == "text/html; charset=utf-8"
    assert b"Ann" in response.body


@pytest.mark.parametrize(
    ("data", "field", "why"),
    [
        (post("/users?age=42"), "name", "missing"),
        (post("/users?name=Vasya"), "age", "missing"),
        (post("/users?name=Vasya&age=old"), "age", "whole number"),
        (post("/users?name=Vasya&age=-1"), "age", "whole number"),
        (post("/users?name=Vasya&age=999"), "age", "0 to 150"),
        (post("/users?name=&age=3"), "name", "empty"),
        (post("/users?name=a&name=b&age=3"), "name", "2 times"),
        (
            post("/users?name=Ann", b"name=Bob&age=3", FORM),
            "name",
            "the query string and the form body",
        ),
        (post("/users", b'{"name": 5, "age": 3}', JSON), "name", "string"),
        (post("/users", b'{"name": "A", "age": true}', JSON), "age", "whole number"),
        (post("/users", b'{"name": "A", "age": "3x"}', JSON), "age", "whole number"),
        (post("/users?name=a%0d%0ab&age=3"), "name", "control"),
    ],
)
def test_bad_fields_get_400_naming_the_field(
    client: RawClient, data: bytes, field: str, why: str
) -> None:
    response = client.request(data)
    assert response.status == 400
    document = json.loads(response.body)
    assert why in document["fields"][field]
    assert document["detail"].startswith(field) or f"; {field}:" in document["detail"]
    assert client.request(get("/users")).body == b"[]\n"  # nothing was created


@pytest.mark.parametrize(
    ("body", "content_type", "status", "words"),
    [
        (b"{not json", "application/json", 400, "not valid JSON"),
        (b"[1, 2]", "application/json", 400, "object"),
        (b"\xff\xfe", "application/x-www-form-urlencoded", 400, "UTF-8"),
        (b"name=A&age=3", "text/plain", 415, "application/json"),
    ],
)
def test_unreadable_bodies(
    client: RawClient, body: bytes, content_type: str, status: int, words: str
) -> None:
    response = client.request(post("/users", body, f"Content-Type: {content_type}"))
    assert response.status == status
    assert words in json.loads(response.body)["detail"]
    if status == 415:
        assert "application/json" in (response.header("Accept-Post") or "")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        ("text/html", "text/html; charset=utf-8"),
        ("text/*", "text/html; charset=utf-8"),
        ("text/html;q=0.5, application/json;q=0.9", "application/json"),
        ("application/json;q=0.1, text/html", "text/html; charset=utf-8"),
        ("application/json;q=0, */*", "text/html; charset=utf-8"),
        (
            "text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8",
            "text/html; charset=utf-8",
        ),
    ],
)
def test_get_users_negotiates_by_accept(
    client: RawClient, accept: str | None, expected: str
) -> None:
    client.request(post("/users?name=Ann&age=30"))
    headers = [f"Accept: {accept}"] if accept is not None else []
    for target in ("/users", "/users/1"):
        response = client.request(get(target, *headers))
        assert response.status == 200
        assert response.header("Content-Type") == expected
        assert response.header("Vary") == "Accept"


def test_json_list_of_users(client: RawClient) -> None:
    client.request(post("/users?name=Vasya&age=42"))
    client.request(post("/users?name=Petya&age=24"))
    response = client.request(get("/users", "Accept: application/json"))
    assert json.loads(response.body) == [
        {"id": 1, "name": "Vasya", "age": 42},
        {"id": 2, "name": "Petya", "age": 24},
    ]


def test_nothing_acceptable_is_406_listing_the_types(client: RawClient) -> None:
    response = client.request(get("/users", "Accept: image/png"))
    assert response.status == 406
    document = json.loads(response.body)
    assert document["available"] == ["application/json", "text/html"]
    assert "application/json, text/html" in document["detail"]
    text = client.request(get("/users/1", "Accept: text/plain"))
    assert text.status == 406
    assert text.header("Content-Type") == "text/plain; charset=utf-8"
    assert "application/json, text/html" in text.text


def test_406_on_post_creates_nobody(client: RawClient) -> None:
    assert client.request(post("/users?name=A&age=1", b"", "Accept: image/png")).status == 406
    assert client.request(get("/users")).body == b"[]\n"


@pytest.mark.parametrize(
    "target", ["/users/1", "/users/999", "/users/abc", "/users/01", "/users/", "/foo", "/index"]
)
def test_unknown_resources_are_404(client: RawClient, target: str) -> None:
    response = client.request(get(target))
    assert response.status == 404
    assert json.loads(response.body)["status"] == 404


@pytest.mark.parametrize("target", ["/users/0", "/users/abc", "/users/01", "/users/" + "9" * 30])
def test_a_malformed_id_is_named_as_such(client: RawClient, target: str) -> None:
    body = client.request(get(target)).body.decode()
    assert "an id is a whole number from 1" in body
    assert "this server has" not in body  # the path was /users/ID: no tour of the routes


@pytest.mark.parametrize(
    ("method", "target", "allow"),
    [
        ("DELETE", "/users", "GET, HEAD, POST, OPTIONS"),
        ("PUT", "/users", "GET, HEAD, POST, OPTIONS"),
        ("POST", "/users/1", "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"),
        ("TRACE", "/users/1", "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"),
        ("POST", "/", "GET, HEAD, OPTIONS"),
        ("get", "/users", "GET, HEAD, POST, OPTIONS"),
    ],
)
def test_wrong_method_is_405_with_allow(
    client: RawClient, method: str, target: str, allow: str
) -> None:
    client.request(post("/users?name=A&age=1"))
    response = client.request(get(target, method=method))
    assert response.status == 405
    assert response.header("Allow") == allow
    assert method in json.loads(response.body)["detail"]


def test_options_lists_the_methods(client: RawClient) -> None:
    response = client.request(get("/users", method="OPTIONS"))
    assert response.status == 204 and response.header("Allow") == "GET, HEAD, POST, OPTIONS"


def test_html_escapes_user_data(client: RawClient) -> None:
    evil = "<script>alert('x')</script>&"
    body = json.dumps({"name": evil, "age": 1}).encode()
    client.request(post("/users", body, JSON))
    for target in ("/users", "/users/1"):
        page = client.request(get(target, "Accept: text/html")).text
        assert "<script>" not in page
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;" in page
    assert json.loads(client.request(get("/users/1")).body)["name"] == evil


def test_200_concurrent_posts_give_200_distinct_users(server: HTTPServer) -> None:
    ids: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(50)

    def worker(first: int) -> None:
        try:
            start.wait()
            with RawClient(server.address) as client:
                for n in range(first, first + 4):
                    response = client.request(post(f"/users?name=user{n}&age={n % 100}"))
                    assert response.status == 201
                    with lock:
                        ids.append(int(created(response.body)["id"]))  # type: ignore[call-overload]
        except BaseException as exc:  # collected: an assert in a thread would be lost
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i * 4,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors[:3]
    assert sorted(ids) == list(range(1, 201))
    with RawClient(server.address) as client:
        users = json.loads(client.request(get("/users?limit=1000")).body)
    assert len(users) == 200
    assert {u["name"] for u in users} == {f"user{n}" for n in range(200)}


def test_store_under_threads_without_a_server() -> None:
    """The app alone, called from 8 threads at once: ids stay unique (the lock, not len+1)."""
    app = UsersApp()
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        for i in range(250):
            app(Request("POST", f"/users?name=u&age={i % 100}", headers=Headers([("Host", "x")])))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(u.id for u in app.store.all()) == list(range(1, 2001))


@settings(max_examples=60, deadline=None)
@given(
    name=st.text(min_size=1, max_size=100).filter(
        lambda s: s.strip() and all(ord(c) not in REFUSED_IN_NAMES for c in s)
    )
)
def test_any_valid_name_round_trips_and_is_escaped_in_html(name: str) -> None:
    app = UsersApp()
    body = json.dumps({"name": name, "age": 7}).encode()
    headers = Headers([("Host", "x"), ("Content-Type", "application/json")])
    response = app(Request("POST", "/users", headers=headers, body=body))
    assert response.status == 201
    user_id = json.loads(response.body)["id"]
    got = app(Request("GET", f"/users/{user_id}", headers=Headers([("Host", "x")])))
    assert json.loads(got.body)["name"] == name
    page = app(Request("GET", "/users", headers=Headers([("Host", "x"), ("Accept", "text/html")])))
    item = page.body.decode().split(f"#{user_id}</a> ", 1)[1].rsplit(", 7</li>", 1)[0]
    assert item == html.escape(name)  # the name as text, never as markup


@pytest.fixture
def named_server() -> Iterator[HTTPServer]:
    with HTTPServer(UsersApp(), port=0, server_name="example.local") as server:
        yield server


def test_virtual_host_check_421_for_another_host(named_server: HTTPServer) -> None:
    with RawClient(named_server.address) as client:
        response = client.request(get("/users", "Host: iximiuz.com"))
        assert response.status == 421
        assert response.reason == "Misdirected Request"
        assert "404" in response.text and "tutorial" in response.text
        absolute = client.request(
            b"GET http://other.example/users HTTP/1.1\r\nHost: example.local\r\n\r\n"
        )
        assert absolute.status == 421


@pytest.mark.parametrize("name", [None, "example.local"])
@pytest.mark.parametrize(
    "target", ["http://user@example.local/users", "HTTPS://u:pw@example.local:{port}/users"]
)
def test_userinfo_in_an_absolute_form_target_is_400_with_or_without_a_name(
    name: str | None, target: str
) -> None:
    # RFC 9110 §4.2.4: the recipient treats userinfo as an error (400), before asking whose
    # host it is (421 with --name); it was 421 with a name and 200 without one
    with (
        HTTPServer(UsersApp(), port=0, server_name=name) as server,
        RawClient(server.address) as client,
    ):
        target = target.format(port=server.port)
        response = client.request(f"GET {target} HTTP/1.1\r\nHost: example.local\r\n\r\n".encode())
        assert response.status == 400
        assert "userinfo" in response.text and "RFC 9110 §4.2.4" in response.text


@pytest.mark.parametrize(
    "host", ["example.local", "EXAMPLE.local", "example.local.", "example.local:{port}"]
)
def test_virtual_host_check_accepts_this_server(named_server: HTTPServer, host: str) -> None:
    with RawClient(named_server.address) as client:
        host = host.format(port=named_server.port)
        assert client.request(get("/users", f"Host: {host}")).status == 200
        wrong_port = client.request(get("/users", "Host: example.local:1"))
        assert wrong_port.status == 421
        assert client.request(get("/users", version="HTTP/1.0")).status == 200  # no Host


def test_the_classic_nc_session(named_server: HTTPServer) -> None:
    """The tutorial's session typed into `nc` (bare LF line ends, as nc sends them)."""

    def typed(text: str) -> bytes:
        return text.encode()

    with RawClient(named_server.address) as client:
        first = client.request(
            typed("POST /users?name=Vasya&age=42 HTTP/1.1\nHost: example.local\n\n")
        )
        assert first.status == 201 and first.reason == "Created"  # not "204 Created"
        second = client.request(
            typed("POST /users?name=Petya&age=24 HTTP/1.1\nHost: example.local\n\n")
        )
        assert second.header("Location") == "/users/2"
        html = client.request(
            typed("GET /users HTTP/1.1\nHost: example.local\nAccept: text/html\n\n")
        )
        assert html.status == 200 and "#2</a> Petya, 24" in html.text
        as_json = client.request(
            typed("GET /users HTTP/1.1\nHost: example.local\nAccept: application/json\n\n")
        )
        assert [u["name"] for u in json.loads(as_json.body)] == ["Vasya", "Petya"]
        missing = client.request(
            typed("GET /foo HTTP/1.1\nHost: example.local\nAccept: application/json\n\n")
        )
        assert missing.status == 404
    with RawClient(named_server.address) as client:
        no_host = client.request(typed("GET /users HTTP/1.1\n\n"))
        assert no_host.status == 400 and "Host" in no_host.text
        assert client.at_eof()


def test_the_list_comes_a_page_at_a_time() -> None:
    # issue 7 #11: with 100,000 users every GET /users built 14.8 MB; now a page is bounded
    store = UserStore()
    for n in range(250):
        store.add(f"u{n}", 20)
    app = UsersApp(store)

    def page(target: str, accept: str = "application/json") -> Response:
        return app(Request("GET", target, headers=Headers([("Host", "x"), ("Accept", accept)])))

    first = page("/users")
    assert [u["id"] for u in json.loads(first.body)] == list(range(1, 101))
    assert first.headers.get("link") == '</users?offset=100&limit=100>; rel="next"'
    middle = page("/users?limit=50&offset=100&sort=ignored")
    assert [u["id"] for u in json.loads(middle.body)] == list(range(101, 151))
    assert middle.headers.get("link") == (
        '</users?offset=50&limit=50>; rel="prev", </users?offset=150&limit=50>; rel="next"'
    )
    last = page("/users?offset=200&limit=1000")
    assert len(json.loads(last.body)) == 50 and 'rel="next"' not in (last.headers.get("link") or "")
    assert json.loads(page("/users?offset=999999").body) == []
    html = page("/users?offset=100", "text/html")
    assert b"Users (250)" in html.body and b"Showing 101-200 of 250." in html.body
    assert b'href="/users?offset=200&amp;limit=100" rel="next"' in html.body
    assert len(page("/users?limit=1000").body) < 100_000


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=1001",
        "limit=+5",
        "limit=1_0",
        "limit=05",
        "limit=",
        "limit=\uff15",
        "offset=-1",
        "offset=1e3",
        "offset=1&offset=2",
        "limit=1&limit=1",
    ],
)
def test_a_bad_page_is_400_naming_the_field(query: str) -> None:
    response = UsersApp()(Request("GET", f"/users?{query}", headers=Headers([("Host", "x")])))
    assert response.status == 400
    field = query.partition("=")[0]
    assert field in json.loads(response.body)["fields"]


def test_a_full_store_says_why_in_its_507() -> None:
    app = UsersApp(UserStore(max_users=2))
    for name in ("a", "b"):
        assert app(Request("POST", f"/users?name={name}&age=1")).status == 201
    full = app(Request("POST", "/users?name=c&age=1"))
    assert full.status == 507
    detail = json.loads(full.body)["detail"]
    assert "full" in detail and "2 users" in detail and "restart" in detail
