"""The empty trace view suggests a request that makes sense for what is running: the users
API's /users, or / under `serve --app` and `httplab proxy` (whose paths it does not know)."""

from __future__ import annotations

from httplab.render import THEMES
from httplab.tui.controller import TraceController, TraceOptions
from httplab.tui.rich_bridge import make_console
from httplab.tui.views import PaneViews


def empty_raw_text(options: TraceOptions) -> str:
    views = PaneViews(TraceController(options), make_console(THEMES["default"]))
    view = views.raw()
    assert view.key == ("empty", "raw", "en")
    return str(view.build())


def test_the_users_api_suggests_users() -> None:
    text = empty_raw_text(TraceOptions(server_port=8080, reset_users=lambda: 0))
    assert text.endswith("try: curl -i http://127.0.0.1:8080/users")


def test_an_app_or_a_proxy_suggests_the_root() -> None:
    text = empty_raw_text(TraceOptions(server_port=8080))  # no users store to reset
    assert text.endswith("try: curl -i http://127.0.0.1:8080/")
    assert "/users" not in text
