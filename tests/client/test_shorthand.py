"""Shorthand → request bytes: defaults, overrides, bodies, queries, and what the parser sees."""

from __future__ import annotations

import contextlib
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from httplab import __version__
from httplab.client.shorthand import (
    ShorthandError,
    looks_like_shorthand,
    parse_header_item,
    plan_request,
    split_host_port,
)
from httplab.protocol.events import Data, EndOfMessage, RequestHead
from httplab.protocol.parser import RequestParser


def build_request(text: str, **options: Any) -> bytes:
    """The bytes `plan_request` would send (what these tests look at)."""
    return plan_request(text, **options).data


def parse(data: bytes) -> tuple[RequestHead, bytes]:
    parser = RequestParser()
    parser.feed(data)
    head, body = None, b""
    while True:
        event = parser.next_event()
        if isinstance(event, RequestHead):
            head = event
        elif isinstance(event, Data):
            body += event.data
        elif isinstance(event, EndOfMessage):
            assert head is not None
            assert event.raw == data  # nothing left over: one whole request
            return head, body
        else:
            raise AssertionError(f"incomplete request: {event!r}")


def test_get_has_host_user_agent_accept_in_order() -> None:
    assert build_request("GET /users") == (
        b"GET /users HTTP/1.1\r\nHost: 127.0.0.1:53210\r\n"
        + f"User-Agent: httplab/{__version__}\r\n".encode()
        + b"Accept: */*\r\n\r\n"
    )


def test_post_with_query_in_target_sends_content_length_zero() -> None:
    head, body = parse(build_request("POST /users?name=Vasya&age=42"))
    assert (head.method, head.target) == ("POST", "/users?name=Vasya&age=42")
    assert head.headers.get("content-length") == "0" and body == b""


def test_content_length_counts_bytes_not_characters() -> None:
    head, body = parse(build_request("POST /x", body="héllo".encode()))
    assert head.headers.get("content-length") == "6"
    assert body == "héllo".encode()


def test_body_without_method_means_post() -> None:
    assert build_request("/x", body=b"a").startswith(b"POST /x HTTP/1.1\r\n")


def test_header_overrides_in_place_removes_and_adds() -> None:
    data = build_request(
        "GET /", headers=["accept: text/plain", "User-Agent:", "X-One: 1", "X-One: 2", "X-E;"]
    )
    head, _ = parse(data)
    assert head.headers.raw() == [
        (b"Host", b"127.0.0.1:53210"),
        (b"accept", b"text/plain"),
        (b"X-One", b"1"),
        (b"X-One", b"2"),
        (b"X-E", b""),
    ]


def test_user_content_length_is_sent_as_typed() -> None:
    data = build_request("POST /x", body=b"abc", headers=["Content-Length: 999"])
    assert b"Content-Length: 999\r\n" in data and b"Content-Length: 3" not in data


def test_full_url_sets_destination_and_host_header() -> None:
    plan = plan_request("GET http://localhost:8080/users?x=1")
    assert (plan.host, plan.port) == ("localhost", 8080)
    assert plan.data.startswith(b"GET /users?x=1 HTTP/1.1\r\nHost: localhost:8080\r\n")
    assert plan_request("http://example.com/").data.split(b"\r\n")[1] == b"Host: example.com"


def test_query_parameters_are_percent_encoded() -> None:
    data = build_request("GET /search?a=1", query=["q=fish & chips", "name=Вася", "plus=1+1", "e"])
    head, _ = parse(data)
    assert (
        head.target
        == "/search?a=1&q=fish%20%26%20chips&name=%D0%92%D0%B0%D1%81%D1%8F&plus=1%2B1&e="
    )
    assert head.to_request().query["q"] == ["fish & chips"]


def test_non_ascii_path_is_encoded_and_existing_escapes_kept() -> None:
    head, _ = parse(build_request("GET /ü/a%20b"))
    assert head.target == "/%C3%BC/a%20b"


def test_json_body_sets_content_type_and_accept() -> None:
    head, body = parse(build_request("POST /users", json_body=b'{"name": "Vasya"}'))
    assert head.headers.get("content-type") == "application/json"
    assert head.headers.get("accept") == "application/json"
    assert body == b'{"name": "Vasya"}'


def test_chunked_body_is_framed_and_parses_back() -> None:
    data = build_request("POST /up", body=b"hello world", chunked=True)
    head, body = parse(data)
    assert head.framing.kind == "chunked" and "content-length" not in head.headers
    assert body == b"hello world"
    assert data.endswith(b"0\r\n\r\n")


def test_http10_request_line_and_no_chunked() -> None:
    assert build_request("GET /", http10=True).startswith(b"GET / HTTP/1.0\r\n")
    with pytest.raises(ShorthandError, match=r"HTTP/1\.0"):
        build_request("POST /", body=b"x", http10=True, chunked=True)


def test_lower_case_known_method_is_upper_cased_and_other_tokens_kept() -> None:
    assert build_request("get /").startswith(b"GET / ")
    assert build_request("PURGE /c").startswith(b"PURGE /c ")


def test_options_asterisk_and_connect_authority() -> None:
    assert build_request("OPTIONS *").startswith(b"OPTIONS * HTTP/1.1\r\n")
    assert plan_request("CONNECT example.com:443").data.startswith(b"CONNECT example.com:443 ")


def test_following_lines_are_headers_then_body() -> None:
    head, body = parse(build_request('PUT /a\nX-Y: z\n\n{"a":1}'))
    assert head.headers.get("x-y") == "z" and body == b'{"a":1}'


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("GET /a b", "malformed shorthand"),
        ("G@T /", "not a method"),
        ("https://example.com/", "not supported"),
        ("GET http://:80/", "no host"),
        ("GET http://x:99999/", "bad port"),
    ],
)
def test_malformed_shorthand_says_why(text: str, reason: str) -> None:
    with pytest.raises(ShorthandError, match=reason):
        build_request(text)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("GET users", "GET /users"),
        ("get users/1", "GET /users/1"),
        ("DELETE nope?x=1", "DELETE /nope?x=1"),
    ],
)
def test_a_path_without_its_slash_is_not_sent_to_a_host_of_that_name(text: str, path: str) -> None:
    """`GET users` went to the host `users`; it now says to write the path with its `/`."""
    with pytest.raises(ShorthandError) as info:
        plan_request(text, host="127.0.0.1", port=53210)
    assert "would be a host name, not a path" in str(info.value)
    assert f"for the path write '{path}'" in str(info.value)


@pytest.mark.parametrize("word", ["users", "Users", "users1", "ping"])
def test_a_lone_word_that_is_no_method_is_refused_as_a_path_without_its_slash(word: str) -> None:
    """`send users` went out as `users / HTTP/1.1`, a method named users."""
    with pytest.raises(ShorthandError) as info:
        plan_request(word, host="127.0.0.1", port=53210)
    message = str(info.value)
    assert f"'{word}' alone would be sent as a method named {word} to /" in message
    assert f"for the path write '/{word}'" in message and f"'{word} /'" in message


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("get", b"GET / "),
        ("OPTIONS", b"OPTIONS / "),
        ("PURGE", b"PURGE / "),
        ("users /", b"users / "),
    ],
)
def test_a_lone_method_and_a_method_of_ones_own_with_its_path_still_go(
    text: str, start: bytes
) -> None:
    assert plan_request(text, host="127.0.0.1", port=53210).data.startswith(start)


@pytest.mark.parametrize(
    ("text", "host", "port", "target"),
    [
        ("GET example.com/x", "example.com", 80, b"/x"),
        ("GET localhost", "localhost", 80, b"/"),
        ("GET localhost:8080/users", "localhost", 8080, b"/users"),
        ("GET 127.0.0.1/x", "127.0.0.1", 80, b"/x"),
        ("GET http://users/", "users", 80, b"/"),
    ],
)
def test_a_host_with_a_dot_a_port_or_a_scheme_is_still_a_host(
    text: str, host: str, port: int, target: bytes
) -> None:
    plan = plan_request(text, host="127.0.0.1", port=53210)
    assert (plan.host, plan.port) == (host, port)
    assert plan.data.startswith(b"GET " + target + b" HTTP/1.1\r\n")


def test_malformed_header_item() -> None:
    with pytest.raises(ShorthandError, match="Name: value"):
        parse_header_item("no colon here")
    with pytest.raises(ShorthandError, match="field name"):
        parse_header_item("Bad Name: x")


def test_split_host_port_forms() -> None:
    assert split_host_port("localhost:8080") == ("localhost", 8080)
    assert split_host_port(":9000") == ("127.0.0.1", 9000)
    assert split_host_port("[::1]:81") == ("::1", 81)
    assert split_host_port("example.org") == ("example.org", 53210)
    with pytest.raises(ShorthandError):
        split_host_port("host:http")


def test_looks_like_shorthand() -> None:
    assert looks_like_shorthand("GET /users")
    assert looks_like_shorthand("POST http://x:1/")
    assert not looks_like_shorthand("GET / HTTP/1.1\nHost: x\n\n")
    assert not looks_like_shorthand("this is not http")


_segment = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/?#%"), max_size=12)


@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    segments=st.lists(_segment.filter(lambda s: not any(c.isspace() for c in s)), max_size=4),
    body=st.one_of(st.none(), st.binary(max_size=200)),
    params=st.lists(st.tuples(st.text(min_size=1, max_size=8).filter(lambda s: "=" not in s),
                              st.text(max_size=8)), max_size=3),
)  # fmt: skip
def test_every_built_request_parses_to_what_was_asked(
    method: str, segments: list[str], body: bytes | None, params: list[tuple[str, str]]
) -> None:
    path = "/" + "/".join(segments)
    data = build_request(f"{method} {path}", body=body, query=[f"{n}={v}" for n, v in params])
    head, received = parse(data)
    assert head.method == method
    assert received == (body or b"")
    request = head.to_request()
    for name, value in params:
        assert value in request.query[name]


@pytest.mark.parametrize("value", ["a\r\nInjected: 1", "a\nb", "a\x00b", "\x1b[2J"])
def test_header_values_with_control_characters_are_refused(value: str) -> None:
    with pytest.raises(ShorthandError, match=r"control characters.*--raw"):
        build_request("GET /", headers=[f"X-Test: {value}"])
    if "\n" not in value:  # in a multi-line shorthand a line break just starts a new line
        with pytest.raises(ShorthandError, match="control characters"):
            build_request(f"GET /\nX-Test: {value}")
    assert b"X-Tab: a\tb\r\n" in build_request("GET /", headers=["X-Tab: a\tb"])


def test_a_fragment_never_goes_into_the_request_target() -> None:
    assert build_request("GET /page?x=1#top").startswith(b"GET /page?x=1 HTTP/1.1\r\n")
    assert build_request("GET http://h:1/page#top").startswith(b"GET /page HTTP/1.1\r\n")
    assert build_request("GET /a%23b").startswith(b"GET /a%23b HTTP/1.1\r\n")


def test_a_default_content_type_for_a_body_yields_to_the_users_own() -> None:
    form = "application/x-www-form-urlencoded"
    head, _ = parse(build_request("POST /u", body=b"a=1", content_type=form))
    assert head.headers.get_all("content-type") == [form]
    head, _ = parse(
        build_request(
            "POST /u", body=b"<a/>", content_type=form, headers=["Content-Type: text/xml"]
        )
    )
    assert head.headers.get_all("content-type") == ["text/xml"]
    head, _ = parse(build_request("GET /u", content_type=form))  # no body: no Content-Type
    assert head.headers.get("content-type") is None


@pytest.mark.parametrize(
    "text", ["GET http://[::1/x", "GET http://[zz]:80/", "GET http://a:99999/"]
)
def test_malformed_urls_are_a_shorthand_error_not_a_crash(text: str) -> None:
    with pytest.raises(ShorthandError):
        build_request(text)


PIECES = [*"GETPOSgetpos /:[]@?#%&=.-_~\\\t\r\n\x00é", "://", "http", "HTTP/1.1", "::1", "80"]


@given(st.lists(st.sampled_from(PIECES), max_size=20).map("".join))
def test_any_shorthand_builds_or_raises_shorthand_error(text: str) -> None:
    with contextlib.suppress(ShorthandError):
        build_request(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[::1", "unclosed '['"),
        ("[::1]x", "unexpected 'x' after ']'"),
        ("[::1]:", "no port after ':'"),
        ("[]:80", "no address between"),
        ("host:\u0661\u0662", "bad port"),  # Arabic-Indic digits are digits to str.isdigit()
        ("a\x1bb:80", "bad host 'a\\x1bb' in 'a\\x1bb:80': a host has no spaces or control"),
        ("a b:80", "bad host 'a b'"),
        ("a..b:80", "bad host 'a..b' in 'a..b:80': each dot-separated part of a host name has"),
        pytest.param("h:" + "9" * 500, "bad port '" + "9" * 200 + "…' (500", id="huge port"),
        pytest.param(
            "h" * 100_000 + ":80",
            "bad host '" + "h" * 200 + "…' (100000 characters) in 'hhh",
            id="huge host",
        ),
    ],
)
def test_a_malformed_destination_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(ShorthandError, match=re.escape(message)):
        split_host_port(text)


@pytest.mark.parametrize(
    "text",
    ["GET /users?name=\ud800", "POST /users\nContent-Type: text/plain\n\nname=\udcff"],
)
def test_a_lone_surrogate_is_a_shorthand_error_not_a_traceback(text: str) -> None:
    # A terminal or a file decoded with surrogateescape can hand the client a lone surrogate:
    # it has no UTF-8 form, so the request cannot be built from it as text.
    with pytest.raises(ShorthandError, match="lone surrogate"):
        plan_request(text)


def test_a_url_host_with_a_control_character_is_refused_escaped() -> None:
    with pytest.raises(ShorthandError) as info:
        plan_request("GET http://a\x1bb/users", host="127.0.0.1", port=53210)
    assert str(info.value).startswith("bad host 'a\\x1bb' in 'http://a\\x1bb/users'")


@pytest.mark.parametrize("text", ["a[b", "GET http://ex[ample.com/", "GET http://[::1/x"])
def test_a_stray_bracket_is_explained_not_called_an_ipv6_url(text: str) -> None:
    with pytest.raises(ShorthandError) as info:
        plan_request(text, host="127.0.0.1", port=53210)
    assert "'[' and ']' go only around an IPv6 address" in str(info.value)
    assert "Invalid IPv6 URL" not in str(info.value)
