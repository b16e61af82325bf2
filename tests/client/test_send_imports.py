"""`httplab send` stays light: no typer, prompt_toolkit, TUI, server or rich on its path (plain
output), starting from the real entry point; nor protocol.messages, whose Request and Response
dataclasses a client never builds (issue 12.5: each class costs its start-up time)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.client.servers import RawServer, answer_each

PROBE = """
import json, sys
import httplab.launcher
sys.argv = ["httplab", "send", *sys.argv[1:]]
try:
    httplab.launcher.main()
except SystemExit:
    pass
heavy = sorted(
    name for name in sys.modules
    if name.split(".")[0] in ("prompt_toolkit", "rich", "typer", "click")
    or name in ("httplab.cli", "httplab.protocol.messages")
    or name.startswith(("httplab.tui", "httplab.server", "httplab.render"))
)
sys.stderr.write("\\nMODULES " + json.dumps(heavy) + "\\n")
"""


def heavy_modules(*args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={"NO_COLOR": "1", "PATH": ""},
    )
    marker = result.stderr.rpartition("MODULES ")[2]
    assert marker, result.stderr
    return json.loads(marker)


def test_offline_send_imports_nothing_heavy() -> None:
    assert heavy_modules("--offline", "POST /users", "-d", "x") == []


def test_send_over_a_socket_imports_nothing_heavy() -> None:
    with RawServer(answer_each(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")) as server:
        assert heavy_modules("GET /", "--to", f"127.0.0.1:{server.port}") == []


def test_the_probe_would_see_a_heavy_import() -> None:
    # The repl path does load prompt_toolkit: proves the check can fail.
    code = "import sys, httplab.client.repl; print('prompt_toolkit' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.stdout.strip() == "True"


LAZY_PROBE = """
import sys
import httplab.launcher
sys.argv = ["httplab", "send", *sys.argv[1:]]
try:
    httplab.launcher.main()
except SystemExit:
    pass
loaded = [m for m in ("json", "base64", "httplab.client.httpfile") if m in sys.modules]
sys.stderr.write("\\nLOADED " + " ".join(loaded) + "\\n")
"""


def test_text_output_leaves_json_and_http_files_unimported() -> None:
    result = subprocess.run(
        [sys.executable, "-c", LAZY_PROBE, "--offline", "POST /users", "-d", "x"],
        capture_output=True, text=True, timeout=30, check=False, env={"NO_COLOR": "1"},
    )  # fmt: skip
    assert "\nLOADED \n" in result.stderr, result.stderr
