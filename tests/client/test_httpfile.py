"""`.http` files: separators, variables, comments, headers, bodies, and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from httplab.client.httpfile import HttpFileError, parse_http_file, read_http_file

FILE = """\
@host = 127.0.0.1:8080
@base = http://{{host}}

# a comment before the first request
### list users
GET {{base}}/users
    ?page=2
    &size=10
Accept: application/json

### create
# @name create-user
POST {{base}}/users HTTP/1.1
Content-Type: application/json
// a comment among headers

{
  "name": "{{ who }}"
}


###

### path only, Host header names the server
DELETE /users/1
Host: example.org:9000
"""


def test_requests_are_split_named_and_substituted() -> None:
    requests = parse_http_file(FILE, variables={"who": "Vasya"})
    assert [r.name for r in requests] == [
        "list users",
        "create-user",
        "path only, Host header names the server",
    ]
    first, second, third = requests
    assert first.request_line == "GET http://127.0.0.1:8080/users?page=2&size=10"
    assert first.headers == ("Accept: application/json",)
    assert first.body is None and first.line == 6
    assert second.headers == ("Content-Type: application/json",)
    assert second.body == b'{\n  "name": "Vasya"\n}'
    assert third.request_line == "DELETE /users/1"


def test_plan_uses_url_then_host_header() -> None:
    requests = parse_http_file(FILE, variables={"who": "Vasya"})
    plan = requests[0].plan()
    assert (plan.host, plan.port) == ("127.0.0.1", 8080)
    assert plan.data.startswith(b"GET /users?page=2&size=10 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n")
    assert b"Accept: application/json\r\n" in plan.data
    post = requests[1].plan()
    assert b"Content-Length: 21\r\n" in post.data and post.data.endswith(b'"Vasya"\n}')
    delete = requests[2].plan()
    assert (delete.host, delete.port) == ("example.org", 9000)
    assert b"\r\nHost: example.org:9000\r\n" in delete.data


def test_unknown_variable_names_its_line() -> None:
    with pytest.raises(HttpFileError, match=r"line 2: unknown variable \{\{nope\}\}"):
        parse_http_file("###\nGET /{{nope}}\n")


def test_system_variables_are_refused_clearly() -> None:
    with pytest.raises(HttpFileError, match="not supported"):
        parse_http_file("GET /{{$guid}}\n")


def test_bad_header_line_is_reported() -> None:
    with pytest.raises(HttpFileError, match="line 2: expected a header"):
        parse_http_file("GET /\nthis is no header\n")


def test_bad_request_line_is_reported_at_plan_time() -> None:
    (request,) = parse_http_file("\n\nGET /a b c d\n")
    with pytest.raises(HttpFileError, match="line 3: malformed shorthand"):
        request.plan()


def test_body_from_file_relative_to_the_http_file(tmp_path: Path) -> None:
    (tmp_path / "body.json").write_bytes(b'{"a": 1}')
    http = tmp_path / "r.http"
    http.write_text("POST /x\nContent-Type: application/json\n\n< ./body.json\n")
    (request,) = read_http_file(http)
    assert request.body == b'{"a": 1}'


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(HttpFileError, match="cannot read"):
        read_http_file(tmp_path / "missing.http")


def test_empty_blocks_are_skipped() -> None:
    assert parse_http_file("###\n\n###\n# only a comment\n") == []


def test_a_transcript_is_not_mistaken_for_a_http_file() -> None:
    with pytest.raises(HttpFileError, match="httplab replay"):
        parse_http_file("httplab-transcript 1\n== connection 1\n")


def doubling_file(levels: int, first: str = "ab") -> str:
    lines = [f"@v0 = {first}"]
    lines += [f"@v{n} = {{{{v{n - 1}}}}}{{{{v{n - 1}}}}}" for n in range(1, levels)]
    return "\n".join(lines) + f"\n\nPOST /x\n\n{{{{v{levels - 1}}}}}\n"


def test_doubling_variables_are_an_error_not_gigabytes() -> None:
    text = doubling_file(29)
    assert len(text) < 1000
    with pytest.raises(HttpFileError, match="line 33: the variables here expand to more than"):
        parse_http_file(text)


def test_doubling_empty_variables_end_on_the_work_budget() -> None:
    with pytest.raises(HttpFileError, match="substitutions"):
        parse_http_file(doubling_file(40, first=""))


def test_variables_are_expanded_only_where_used() -> None:
    text = doubling_file(60).replace("{{v59}}", "{{v3}}")  # v59 defined (2**60 bytes), not used
    (request,) = parse_http_file(text)
    assert request.body == b"ab" * 8


def test_a_small_chain_expands_in_file_order() -> None:
    text = "@a = 1\n@b = {{a}}2\n@a = {{a}}3\n\nGET /{{b}}/{{a}}\n"
    (request,) = parse_http_file(text)
    assert request.request_line == "GET /12/13"
