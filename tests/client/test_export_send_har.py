"""`httplab send -f FILE.har`: a HAR's requests (a browser's export, or `export --har`), sent
to --to or to each http:// URL, shown byte for byte; errors are one line, exit 2; nothing
heavy is imported on the way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from httplab.cli import app
from httplab.client.send_cli import main_send
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from tests.client.test_send_imports import heavy_modules

USERS = Path(__file__).parents[2] / "transcripts" / "users.transcript"


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    with HTTPServer(UsersApp(), port=0) as running:
        yield running


def _har(tmp_path: Path, to: str) -> Path:
    path = tmp_path / "users.har"
    result = CliRunner().invoke(app, ["export", "--har", str(path), str(USERS), "--to", to])
    assert result.exit_code == 0, result.output
    return path


def _one_entry(method: str = "GET", headers: list[dict[str, str]] | None = None) -> str:
    """A HAR of one request, as JSON text."""
    request = {"method": method, "url": "http://127.0.0.1:9/users", "httpVersion": "HTTP/1.1",
               "headers": headers or []}  # fmt: skip
    return json.dumps({"log": {"version": "1.2", "entries": [{"request": request}]}})


def test_a_har_sends_its_requests_to_its_urls(
    server: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    har = _har(tmp_path, f"127.0.0.1:{server.port}")
    assert main_send(["-f", str(har), "-p", "h"]) == 0
    out = capsys.readouterr().out
    assert "### 1/11 GET /users (entry 1)" in out
    assert "< HTTP/1.1 201 Created\\r\\n" in out and "< HTTP/1.1 406 " in out
    assert "11 requests: 200 ×6, 201 ×2, 404, 405, 406" in out


def test_send_says_what_server_a_har_was_recorded_from(
    server: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    har = tmp_path / "limits.har"
    limits = USERS.with_name("limits-body.transcript")
    result = CliRunner().invoke(app, ["export", "--har", str(har), str(limits)])
    assert result.exit_code == 0, result.output
    assert main_send(["-f", str(har), "--to", f"127.0.0.1:{server.port}", "-p", "h"]) == 0
    err = capsys.readouterr().err
    assert err.count("note:") == 1  # said once, before the first of its entries
    assert (
        "httplab: note: POST /users (entry 1): recorded from a server started as: "
        "httplab serve --max-body 16"
    ) in err


def test_to_overrides_the_urls_and_https_needs_it(
    server: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    har = _har(tmp_path, "127.0.0.1:9")
    document = json.loads(har.read_text(encoding="utf-8"))
    for entry in document["log"]["entries"]:
        entry["request"]["url"] = entry["request"]["url"].replace(
            "http://127.0.0.1:9", "https://example.com"
        )
    har.write_text(json.dumps(document), encoding="utf-8")
    assert main_send(["-f", str(har)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "entry 1 is 'https://example.com/users'" in err
    assert "give --to HOST:PORT" in err
    assert main_send(["-f", str(har), "--to", f"127.0.0.1:{server.port}", "-p", "h"]) == 0
    assert "sent " in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("{}", "not a HAR file httplab can read (no 'log' field)"),
        ('{"log": {"entries": []}}', "the HAR file has no entries"),
        ('{"log": {"entries": [{"request": 3}]}}', "a field of the wrong kind"),
        ("not json", "not a HAR file httplab can read"),
        # valid JSON that json.loads refuses with RecursionError, not ValueError
        pytest.param("[" * 5000 + "]" * 5000, "nested too deeply", id="nested-too-deeply"),
        # a CR LF in a field or the method ended its line there: `send -f` sent a second
        # request that is not in the HAR (`GET /evil`)
        (_one_entry(headers=[{"name": "X-A", "value": "1\r\n\r\nGET /evil HTTP/1.1"}]),
         "the value of X-A '1\\r\\n\\r\\nGET /evil HTTP/1.1' holds a byte HTTP does not allow"),
        (_one_entry(headers=[{"name": "X-A\r\nInjected", "value": "1"}]),
         "the field name 'X-A\\r\\nInjected' holds a byte HTTP does not allow"),
        (_one_entry(method="GET\r\nX"), "the method 'GET\\r\\nX' holds a byte HTTP does not"),
    ],
)  # fmt: skip
def test_a_bad_har_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, said: str
) -> None:
    bad = tmp_path / "bad.har"
    bad.write_text(text, encoding="utf-8")
    assert main_send(["-f", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and said in err and "Traceback" not in err


def test_a_missing_har_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main_send(["-f", str(tmp_path / "gone.har")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_offline_send_of_a_har_imports_nothing_heavy(tmp_path: Path) -> None:
    har = _har(tmp_path, "127.0.0.1:9")
    assert heavy_modules("-f", str(har), "--offline") == []


def test_a_http_file_goes_to_to_when_given(
    server: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`send -f FILE.http --to HOST:PORT` went to each request's Host field or URL instead,
    though --help says `-f`'s requests go "to --to when given, else to each URL" (as a HAR's
    do): `Host: x` sent them to x:80 ("unknown host 'x'"). Found by a new-user check. With
    --to every request goes there, its bytes (Host included) as written."""
    requests = tmp_path / "two.http"
    requests.write_text(
        "### by Host\nGET /users HTTP/1.1\nHost: example.invalid\n\n"
        "### by URL\nGET http://127.0.0.1:9/users/1\n",
        encoding="utf-8",
    )
    assert main_send(["-f", str(requests), "--to", f"127.0.0.1:{server.port}", "-p", "Hh"]) == 0
    out = capsys.readouterr().out
    assert out.count("* sent ") == 2 and f"to 127.0.0.1:{server.port}" in out
    assert "> Host: example.invalid\\r\\n" in out and "> Host: 127.0.0.1:9\\r\\n" in out
    assert "2 requests: 200, 404" in out
