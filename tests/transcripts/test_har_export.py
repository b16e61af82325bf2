"""`httplab export --har OUT.har FILE…`: a HAR 1.2 log with every field the spec requires,
one entry per exchange, carrying the transcript's requests and recorded responses."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from httplab.cli import app
from httplab.client.connection import split_requests
from httplab.trace.transcript import read_transcript

TRANSCRIPTS = sorted((Path(__file__).parents[2] / "transcripts").glob("*.transcript"))
REQUEST_FIELDS = {"method", "url", "httpVersion", "headers", "queryString", "cookies",
                  "headersSize", "bodySize"}  # fmt: skip
RESPONSE_FIELDS = {"status", "statusText", "httpVersion", "headers", "cookies", "content",
                   "redirectURL", "headersSize", "bodySize"}  # fmt: skip


def test_every_shipped_transcript_exports_to_valid_har(tmp_path: Path) -> None:
    out = tmp_path / "all.har"
    result = CliRunner().invoke(app, ["export", "--har", str(out), *map(str, TRANSCRIPTS)])
    assert result.exit_code == 0, result.output
    log = json.loads(out.read_text(encoding="utf-8"))["log"]
    assert log["version"] == "1.2" and log["creator"]["name"] == "httplab"
    exchanges = [e for path in TRANSCRIPTS for e in read_transcript(path).exchanges()]
    assert len(log["entries"]) == len(exchanges)
    for entry, exchange in zip(log["entries"], exchanges, strict=True):
        assert {"startedDateTime", "time", "request", "response", "cache", "timings"} <= set(entry)
        assert set(entry["request"]) >= REQUEST_FIELDS
        assert set(entry["response"]) >= RESPONSE_FIELDS
        assert {"size", "mimeType"} <= set(entry["response"]["content"])
        assert {"send", "wait", "receive"} <= set(entry["timings"])
        head = split_requests(exchange.request)[0].head
        if head is not None and head.target.startswith("/"):
            request = entry["request"]
            assert request["method"] == head.method
            assert request["url"] == "http://127.0.0.1:53210" + head.target
            assert [(h["name"], h["value"]) for h in request["headers"]] == [
                (f.name.decode("latin-1"), f.value.decode("latin-1")) for f in head.headers
            ]
        if exchange.expect.status is not None and exchange.recorded_response:
            assert entry["response"]["status"] == exchange.expect.status


def test_bodies_and_query_strings(tmp_path: Path) -> None:
    out = tmp_path / "users.har"
    users = [p for p in TRANSCRIPTS if p.name == "users.transcript"]
    CliRunner().invoke(app, ["export", "--har", str(out), str(users[0]), "--to", "h:8"])
    entries = json.loads(out.read_text(encoding="utf-8"))["log"]["entries"]
    posted = entries[1]["request"]
    assert posted["postData"]["text"] == '{"name": "ada", "age": 36}'
    assert entries[1]["response"]["content"]["text"] == '{"id": 1, "name": "ada", "age": 36}\n'
    assert entries[1]["response"]["redirectURL"] == "/users/1"
    query = entries[4]["request"]["queryString"]
    assert {"name": "tag", "value": "b"} in query and entries[4]["request"]["url"].startswith(
        "http://h:8/users?"
    )


def test_a_har_reimports_to_the_same_requests_and_replays(tmp_path: Path) -> None:
    from httplab.client.curl_export import request_body
    from httplab.client.har_import import read_har

    out = tmp_path / "round.har"
    sources = [p for p in TRANSCRIPTS if p.name in ("users.transcript", "bodies.transcript")]
    CliRunner().invoke(app, ["export", "--har", str(out), *map(str, sources)])
    originals = [e for path in sources for e in read_transcript(path).exchanges()]
    again = read_har(out).exchanges()
    assert len(again) == len(originals)
    for original, imported in zip(originals, again, strict=True):
        first, second = split_requests(original.request)[0], split_requests(imported.request)[0]
        assert first.head is not None and second.head is not None
        assert (second.head.method, second.head.target) == (first.head.method, first.head.target)
        assert request_body(imported.request) == request_body(original.request)
    result = CliRunner().invoke(app, ["replay", str(out)])  # requests only: statuses shown
    assert result.exit_code == 0, result.output


def test_a_file_that_is_not_har_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.har"
    bad.write_text("{}")
    result = CliRunner().invoke(app, ["replay", str(bad)])
    assert result.exit_code == 2 and "not a HAR file httplab can read" in result.output
    assert "Traceback" not in result.output


# HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): every required field, its type --
def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _name_values(items: object, where: str) -> list[str]:
    if not isinstance(items, list):
        return [f"{where}: not a list"]
    return [
        f"{where}[{i}]: not {{name, value}} strings"
        for i, item in enumerate(items)
        if not (
            isinstance(item, dict) and all(isinstance(item.get(k), str) for k in ("name", "value"))
        )
    ]


def har_problems(document: object) -> list[str]:
    """What keeps `document` from being a HAR 1.2 log (empty: none)."""
    import datetime
    from urllib.parse import urlsplit

    problems: list[str] = []
    log = document.get("log") if isinstance(document, dict) else None
    if not isinstance(log, dict):
        return ["no log object"]
    if log.get("version") != "1.2":
        problems.append("log.version is not 1.2")
    creator = log.get("creator")
    if not (isinstance(creator, dict) and isinstance(creator.get("name"), str)
            and isinstance(creator.get("version"), str)):  # fmt: skip
        problems.append("log.creator needs name and version strings")
    pages = log.get("pages", [])
    page_ids = set()
    if not isinstance(pages, list):
        problems.append("log.pages is not a list")
        pages = []
    for n, page in enumerate(pages):
        if not (isinstance(page, dict) and isinstance(page.get("startedDateTime"), str)
                and isinstance(page.get("id"), str) and isinstance(page.get("title"), str)
                and isinstance(page.get("pageTimings"), dict)):  # fmt: skip
            problems.append(f"pages[{n}] needs startedDateTime, id, title and pageTimings")
            continue
        if not isinstance(page.get("comment", ""), str):
            problems.append(f"pages[{n}].comment is not a string")
        page_ids.add(page["id"])
    entries = log.get("entries")
    if not isinstance(entries, list):
        return [*problems, "log.entries is not a list"]
    for n, entry in enumerate(entries):
        at = f"entries[{n}]"
        if "pageref" in entry and entry["pageref"] not in page_ids:
            problems.append(f"{at}.pageref names no page")
        started = entry.get("startedDateTime")
        try:
            if datetime.datetime.fromisoformat(started).tzinfo is None:
                problems.append(f"{at}.startedDateTime has no time zone")
        except (TypeError, ValueError):
            problems.append(f"{at}.startedDateTime is not ISO 8601")
        if not _is_number(entry.get("time")) or entry["time"] < 0:
            problems.append(f"{at}.time")
        if not isinstance(entry.get("cache"), dict):
            problems.append(f"{at}.cache")
        timings = entry.get("timings")
        if not (isinstance(timings, dict) and all(
            _is_number(timings.get(k)) and timings[k] >= 0 for k in ("send", "wait", "receive")
        )):  # fmt: skip
            problems.append(f"{at}.timings needs send, wait, receive >= 0")
        request, response = entry.get("request"), entry.get("response")
        if not isinstance(request, dict) or not isinstance(response, dict):
            problems.append(f"{at}: request and response must be objects")
            continue
        for key in ("method", "url", "httpVersion"):
            if not isinstance(request.get(key), str):
                problems.append(f"{at}.request.{key}")
        url = urlsplit(str(request.get("url")))
        if not (url.scheme and url.netloc):
            problems.append(f"{at}.request.url is not absolute")
        for message, name in ((request, "request"), (response, "response")):
            problems += _name_values(message.get("headers"), f"{at}.{name}.headers")
            if not isinstance(message.get("cookies"), list):
                problems.append(f"{at}.{name}.cookies")
            for key in ("headersSize", "bodySize"):
                if not isinstance(message.get(key), int) or message[key] < -1:
                    problems.append(f"{at}.{name}.{key}")
        problems += _name_values(request.get("queryString"), f"{at}.request.queryString")
        post = request.get("postData")
        posted = post.get("text", post.get("params")) if isinstance(post, dict) else None
        if post is not None and not (
            isinstance(post, dict)
            and isinstance(post.get("mimeType"), str)
            and isinstance(posted, str | list)
        ):
            problems.append(f"{at}.request.postData needs mimeType and text or params")
        if not isinstance(response.get("status"), int):
            problems.append(f"{at}.response.status")
        for key in ("statusText", "httpVersion", "redirectURL"):
            if not isinstance(response.get(key), str):
                problems.append(f"{at}.response.{key}")
        content = response.get("content")
        if not (isinstance(content, dict) and isinstance(content.get("size"), int)
                and isinstance(content.get("mimeType"), str)):  # fmt: skip
            problems.append(f"{at}.response.content needs size and mimeType")
        elif content.get("encoding") not in (None, "base64"):
            problems.append(f"{at}.response.content.encoding")
    return problems


def test_the_export_of_every_shipped_transcript_is_har_1_2(tmp_path: Path) -> None:
    out = tmp_path / "all.har"
    result = CliRunner().invoke(app, ["export", "--har", str(out), *map(str, TRANSCRIPTS)])
    assert result.exit_code == 0, result.output
    assert har_problems(json.loads(out.read_text(encoding="utf-8"))) == []


def test_the_validator_finds_what_is_missing() -> None:
    assert har_problems({}) == ["no log object"]
    document = {
        "log": {"version": "1.1", "creator": {}, "entries": [{"request": {}, "response": {}}]}
    }
    problems = har_problems(document)
    assert (
        "log.version is not 1.2" in problems
        and "entries[0].timings needs send, wait, receive >= 0" in problems
    )
    assert "entries[0].request.url is not absolute" in problems
    document["log"]["pages"] = [{"id": "p"}]
    document["log"]["entries"][0]["pageref"] = "q"
    problems = har_problems(document)
    assert "pages[0] needs startedDateTime, id, title and pageTimings" in problems
    assert "entries[0].pageref names no page" in problems


LIMITS_BODY = Path(__file__).parents[2] / "transcripts" / "limits-body.transcript"


def test_server_options_travel_in_the_page_comment_and_replay_honours_them(
    tmp_path: Path,
) -> None:
    out = tmp_path / "limits.har"
    result = CliRunner().invoke(app, ["export", "--har", str(out), str(LIMITS_BODY)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert har_problems(document) == []
    (page,) = document["log"]["pages"]
    assert page["comment"] == "# server: --max-body 16"
    assert {entry["pageref"] for entry in document["log"]["entries"]} == {page["id"]}
    result = CliRunner().invoke(app, ["replay", str(out)])
    assert "replaying against a fresh users server" in result.output
    assert "started with --max-body 16" in result.output
    assert "POST /users → 413" in result.output  # a 17-byte body: only --max-body 16 says 413


def test_a_har_of_transcripts_with_different_options_says_it_uses_none(tmp_path: Path) -> None:
    out = tmp_path / "all.har"
    CliRunner().invoke(app, ["export", "--har", str(out), *map(str, TRANSCRIPTS)])
    result = CliRunner().invoke(app, ["replay", str(out)])
    assert result.exit_code == 0, result.output
    note = next(line for line in result.output.splitlines() if "note:" in line)
    assert "recorded from servers started with different options" in note
    assert "--max-body 16" in note and "--name example.test" in note


_NOT_CARRIED = {b"content-length", b"transfer-encoding", b"connection", b"keep-alive"}
"""Fields the import computes again or leaves out (one connection per entry)."""


def test_every_shipped_transcript_reimports_to_the_same_requests(tmp_path: Path) -> None:
    from urllib.parse import urlsplit

    from httplab.client.curl_export import request_body
    from httplab.client.har_import import read_har
    from httplab.trace.wire_text import first_words

    out = tmp_path / "all.har"
    CliRunner().invoke(app, ["export", "--har", str(out), *map(str, TRANSCRIPTS)])
    originals = [e for path in TRANSCRIPTS for e in read_transcript(path).exchanges()]
    imported = read_har(out).exchanges()
    assert len(imported) == len(originals)
    for original, again in zip(originals, imported, strict=True):
        before, after = split_requests(original.request)[0], split_requests(again.request)[0]
        if before.head is None or not before.complete:  # unreadable: what its first line says
            assert first_words(again.request) == first_words(original.request)
            continue
        assert after.head is not None and after.complete, again.request
        head = before.head
        target = head.target
        if head.target_form == "absolute":  # sent again in origin form, to the URL's server
            url = urlsplit(target)
            target = url.path + (f"?{url.query}" if url.query else "")
        assert (after.head.method, after.head.target, after.head.version) == (
            head.method,
            target,
            head.version,
        )
        fields = [(f.name, f.value) for f in head.headers if f.name.lower() not in _NOT_CARRIED]
        again_fields = [
            (f.name, f.value) for f in after.head.headers if f.name.lower() not in _NOT_CARRIED
        ]
        assert again_fields == fields, original.label
        assert request_body(again.request) == request_body(original.request), original.label
