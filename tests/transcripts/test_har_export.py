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
