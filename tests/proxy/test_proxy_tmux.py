"""`httplab proxy --trace` in a real terminal (tmux): both legs of an exchange appear as rows
(`#1.1` the client's, `↑2.1` the upstream's), and q quits cleanly."""

from __future__ import annotations

import re

import pytest

from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from tests.tui.harness import http_get
from tests.tui.test_tmux import assert_left_clean, httplab_in_tmux

pytestmark = pytest.mark.timeout(90)


def test_both_legs_are_rows_of_the_trace_view() -> None:
    with HTTPServer(UsersApp(), port=0) as upstream:
        args = ("proxy", "--trace", "--listen", "0", "--to", f"127.0.0.1:{upstream.port}")
        with httplab_in_tmux(args, r"requests on http://127\.0\.0\.1:(\d+)") as (pane, port):
            assert pane.alternate_screen_on()
            http_get(port, "/users")
            pane.wait_for(
                lambda s: (
                    re.search(r"↑2\.1 +GET +/users +200", s)
                    and re.search(r"#1\.1 +GET +/users +200", s)
                ),
                "both legs of the exchange",
            )
            # the detail pane can come a redraw after the rows (it failed once under load): wait
            pane.wait_for(
                lambda s: "forwarded to 127.0.0.1:" in s or "upstream leg" in s,
                "the selected leg's detail",
            )
            pane.keys("q")
            assert_left_clean(pane)
