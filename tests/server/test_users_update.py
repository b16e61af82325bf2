"""PUT, PATCH and DELETE on /users/ID, ETags and conditional requests (RFC 9110 §9.3, §13),
and the page at `/`, over real sockets."""

from __future__ import annotations

import json

import pytest

from httplab.protocol.headers import Headers
from httplab.protocol.messages import Request
from httplab.server.apps.user_store import UserStore
from httplab.server.apps.users import UsersApp

from .conftest import RawClient, get, post

FORM = "Content-Type: application/x-www-form-urlencoded"
JSON = "Content-Type: application/json"


def send(method: str, target: str, body: bytes = b"", *headers: str) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: example.local", *headers]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def make_user(client: RawClient, name: str = "Vasya", age: int = 42) -> str:
    response = client.request(post(f"/users?name={name}&age={age}"))
    assert response.status == 201
    etag = response.header("ETag")
    assert etag is not None and etag.startswith('"') and etag.endswith('"')
    return etag


def test_put_replaces_the_user_and_changes_the_etag(client: RawClient) -> None:
    first = make_user(client)
    response = client.request(send("PUT", "/users/1", b'{"name": "Petya", "age": 24}', JSON))
    assert response.status == 200
    assert json.loads(response.body) == {"id": 1, "name": "Petya", "age": 24}
    assert response.header("ETag") not in (None, first)
    again = client.request(get("/users/1"))
    assert again.header("ETag") == response.header("ETag")


def test_put_needs_both_fields_like_post(client: RawClient) -> None:
    make_user(client)
    response = client.request(send("PUT", "/users/1", b"name=Petya", FORM))
    assert response.status == 400
    assert "age" in json.loads(response.body)["fields"]
    assert json.loads(client.request(get("/users/1")).body)["name"] == "Vasya"


def test_put_on_a_missing_user_is_404_and_says_how_to_create(client: RawClient) -> None:
    response = client.request(send("PUT", "/users/7", b"name=A&age=1", FORM))
    assert response.status == 404
    assert "POST /users" in json.loads(response.body)["detail"]


def test_patch_changes_only_the_fields_given(client: RawClient) -> None:
    make_user(client)
    response = client.request(send("PATCH", "/users/1", b'{"age": 43}', JSON))
    assert response.status == 200
    assert json.loads(response.body) == {"id": 1, "name": "Vasya", "age": 43}
    merge = client.request(
        send(
            "PATCH",
            "/users/1",
            b'{"name": "Zo\xc3\xab"}',
            "Content-Type: application/merge-patch+json",
        )
    )
    assert json.loads(merge.body) == {"id": 1, "name": "Zoë", "age": 43}


def test_patch_with_nothing_to_change_is_400(client: RawClient) -> None:
    make_user(client)
    response = client.request(send("PATCH", "/users/1", b"{}", JSON))
    assert response.status == 400
    assert "nothing to change" in json.loads(response.body)["detail"]


def test_patch_validates_as_post_does(client: RawClient) -> None:
    make_user(client)
    response = client.request(send("PATCH", "/users/1", b'{"age": 200}', JSON))
    assert response.status == 400
    assert "age" in json.loads(response.body)["fields"]


def test_patch_with_an_unreadable_body_is_415_with_accept_patch(client: RawClient) -> None:
    make_user(client)
    response = client.request(send("PATCH", "/users/1", b"age=1", "Content-Type: text/plain"))
    assert response.status == 415
    assert response.header("Accept-Patch") == "application/x-www-form-urlencoded, application/json"


def test_delete_is_204_then_404_and_the_id_is_not_reused(client: RawClient) -> None:
    make_user(client)
    response = client.request(send("DELETE", "/users/1"))
    assert response.status == 204 and response.body == b""
    assert client.request(get("/users/1")).status == 404
    assert client.request(send("DELETE", "/users/1")).status == 404
    assert client.request(get("/users")).body == b"[]\n"
    assert client.request(post("/users?name=B&age=2")).header("Location") == "/users/2"


def test_the_list_follows_changes_and_deletions(client: RawClient) -> None:
    for name in ("A", "B", "C"):
        make_user(client, name)
    assert [u["name"] for u in json.loads(client.request(get("/users")).body)] == ["A", "B", "C"]
    client.request(send("DELETE", "/users/2"))
    client.request(send("PATCH", "/users/3", b"name=D", FORM))
    names = [u["name"] for u in json.loads(client.request(get("/users")).body)]
    assert names == ["A", "D"]


def test_if_none_match_gives_304_without_a_body(client: RawClient) -> None:
    make_user(client)
    first = client.request(get("/users/1"))
    etag = first.header("ETag")
    assert etag is not None
    response = client.request(get("/users/1", f"If-None-Match: {etag}"))
    assert response.status == 304 and response.body == b""
    assert response.header("ETag") == etag and response.header("Vary") == "Accept"
    weak = client.request(get("/users/1", f'If-None-Match: "other", W/{etag}'))
    assert weak.status == 304  # If-None-Match compares weakly (RFC 9110 §8.8.3.2)
    head = client.request(get("/users/1", f"If-None-Match: {etag}", method="HEAD"))
    assert head.status == 304
    stale = client.request(get("/users/1", 'If-None-Match: "other"'))
    assert stale.status == 200 and stale.body == first.body


def test_the_etag_differs_between_json_and_html(client: RawClient) -> None:
    make_user(client)
    as_json = client.request(get("/users/1")).header("ETag")
    as_html = client.request(get("/users/1", "Accept: text/html")).header("ETag")
    assert as_json != as_html
    response = client.request(get("/users/1", "Accept: text/html", f"If-None-Match: {as_json}"))
    assert response.status == 200


def test_the_list_has_an_etag_that_moves_when_a_user_is_added(client: RawClient) -> None:
    etag = client.request(get("/users")).header("ETag")
    assert client.request(get("/users", f"If-None-Match: {etag}")).status == 304
    make_user(client)
    assert client.request(get("/users", f"If-None-Match: {etag}")).status == 200


def test_the_list_reads_accept_and_preconditions_in_any_order(client: RawClient) -> None:
    # the list looks at the fields once for both: each line counts wherever it is
    make_user(client)
    html = client.request(get("/users", "Accept: text/html"))
    etag = html.header("ETag")
    assert html.header("Content-Type") == "text/html; charset=utf-8"
    first = client.request(get("/users", f"If-None-Match: {etag}", "Accept: text/html"))
    assert first.status == 304
    # two Accept lines are one list (RFC 9110 §5.3): the second one's HTML is chosen
    split = client.request(get("/users", "Accept: image/png", "Accept: text/html"))
    assert split.status == 200 and split.header("ETag") == etag
    assert client.request(get("/users", "Accept: image/png")).status == 406
    stale = client.request(get("/users", "Accept: text/html", 'If-None-Match: "other"'))
    assert stale.status == 200 and stale.body == html.body


@pytest.mark.parametrize(
    "target", ["/users", "/users?", "/users?sort=ignored", "http://example.local/users"]
)
def test_the_list_is_the_same_whatever_shape_of_its_target(client: RawClient, target: str) -> None:
    make_user(client)
    plain = client.request(get("/users"))
    other = client.request(get(target))
    assert other.status == 200
    assert (other.body, other.header("ETag")) == (plain.body, plain.header("ETag"))


def test_if_match_guards_an_update(client: RawClient) -> None:
    make_user(client)
    etag = client.request(get("/users/1")).header("ETag")
    ok = client.request(send("PATCH", "/users/1", b"age=43", FORM, f"If-Match: {etag}"))
    assert ok.status == 200
    lost = client.request(send("PUT", "/users/1", b"name=X&age=1", FORM, f"If-Match: {etag}"))
    assert lost.status == 412
    assert json.loads(lost.body)["rfc"] == "RFC 9110 §13.1.1"
    assert json.loads(client.request(get("/users/1")).body)["age"] == 43
    gone = client.request(send("DELETE", "/users/1", b"", f"If-Match: {etag}"))
    assert gone.status == 412
    assert client.request(send("DELETE", "/users/1", b"", "If-Match: *")).status == 204


def test_if_match_takes_the_html_etag_too_but_never_a_weak_one(client: RawClient) -> None:
    make_user(client)
    html_tag = client.request(get("/users/1", "Accept: text/html")).header("ETag")
    weak = client.request(send("PATCH", "/users/1", b"age=1", FORM, f"If-Match: W/{html_tag}"))
    assert weak.status == 412  # If-Match compares strongly
    strong = client.request(send("PATCH", "/users/1", b"age=1", FORM, f"If-Match: {html_tag}"))
    assert strong.status == 200


def test_if_none_match_star_on_an_unsafe_method_is_412(client: RawClient) -> None:
    make_user(client)
    response = client.request(send("PUT", "/users/1", b"name=A&age=1", FORM, "If-None-Match: *"))
    assert response.status == 412


@pytest.mark.parametrize("value", ["abc", '"a', '"a" "b"', '*, "a"', 'W/ "a"', '"a b"'])
def test_malformed_entity_tags_are_400(client: RawClient, value: str) -> None:
    make_user(client)
    response = client.request(get("/users/1", f"If-None-Match: {value}"))
    assert response.status == 400
    assert json.loads(response.body)["rfc"] == "RFC 9110 §8.8.3"


def test_an_entity_tag_may_hold_a_comma(client: RawClient) -> None:
    make_user(client)
    response = client.request(get("/users/1", 'If-None-Match: "a,b", "c"'))
    assert response.status == 200


def test_options_on_a_user_lists_the_methods_and_patch_types(client: RawClient) -> None:
    response = client.request(get("/users/1", method="OPTIONS"))
    assert response.status == 204
    assert response.header("Allow") == "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"
    assert response.header("Accept-Patch") == "application/x-www-form-urlencoded, application/json"
    star = client.request(get("*", method="OPTIONS"))
    assert star.header("Allow") == "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"


def test_the_home_page_has_a_form_that_creates_a_user(client: RawClient) -> None:
    page = client.request(get("/"))
    assert page.status == 200
    assert page.header("Content-Type") == "text/html; charset=utf-8"
    assert '<form method="post" action="/users">' in page.text
    assert 'name="name"' in page.text and 'name="age"' in page.text
    assert "http://example.local/users" in page.text  # the curl line names this server
    # what a browser sends when the form is submitted
    created = client.request(
        post("/users", b"name=Vasya&age=42", FORM, "Accept: text/html,application/xhtml+xml")
    )
    assert created.status == 201 and "Vasya" in created.text


def test_a_patch_that_loses_a_race_is_409() -> None:
    """A PATCH reads the user, then writes it back; a change in between must not be lost."""
    store = UserStore()
    app = UsersApp(store)
    store.add("Vasya", 42)
    real_get = store.get

    def get_then_someone_changes_it(user_id: int):  # type: ignore[no-untyped-def]
        user = real_get(user_id)
        store.replace(user_id, "Other", 1)
        return user

    store.get = get_then_someone_changes_it  # type: ignore[method-assign]
    request = Request(
        "PATCH",
        "/users/1",
        headers=Headers([("Host", "x"), ("Content-Type", "application/json")]),
        body=b'{"age": 43}',
    )
    response = app(request)
    assert response.status == 409
    assert real_get(1) is not None and real_get(1).name == "Other"  # type: ignore[union-attr]
