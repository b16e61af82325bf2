"""State for a class (issue 11 item 4): U empties the users without a restart (asking once),
`serve --seed N` starts with sample users, x asks before clearing the list."""

from __future__ import annotations

import asyncio
import json

from httplab.server.apps.user_store import SAMPLE_USERS, UserStore
from httplab.server.serve_command import ServeOptions, make_server
from httplab.tui.trace_command import users_reset
from tests.tui.harness import http_get, screen_session


def test_the_store_resets_and_seeds() -> None:
    store = UserStore()
    store.seed(8)
    assert [u.id for u in store.all()] == list(range(1, 9))
    assert store.all()[2].name == "Вася"
    assert store.all()[6].name == SAMPLE_USERS[0][0]
    assert store.reset() == 8
    assert len(store) == 0
    assert store.add("Ann", 30).id == 1, "ids start again at 1"


def test_serve_seed_starts_with_sample_users() -> None:
    server = make_server(ServeOptions(port=0, seed=3))
    reset = users_reset(server)
    assert reset is not None
    with server:
        body = http_get(server.port, "/users").partition(b"\r\n\r\n")[2]
        assert [u["name"] for u in json.loads(body)] == ["Vasya", "Anna", "Вася"]
        assert reset() == 3
        body = http_get(server.port, "/users").partition(b"\r\n\r\n")[2]
        assert json.loads(body) == []


def test_capital_u_asks_once_then_empties_the_users() -> None:
    async def scenario() -> None:
        async with screen_session() as s:
            c = s.controller
            store = s.server.settings.app.store  # type: ignore[attr-defined]
            store.seed(4)
            c.options.reset_users = users_reset(s.server)
            s.press("U")
            await s.until(lambda: c.reset_asked, "U asks")
            assert "U again empties them" in c.message and len(store) == 4
            s.press("j")  # any other key keeps them
            await s.until(lambda: not c.reset_asked, "kept")
            s.press("UU")
            await s.until(lambda: len(store) == 0, "the users emptied")
            assert "4 removed" in c.message

    asyncio.run(scenario())


def test_u_without_a_users_server_says_so() -> None:
    async def scenario() -> None:
        async with screen_session() as s:
            s.press("U")
            await s.until(lambda: "no users to reset" in s.controller.message, "the message")

    asyncio.run(scenario())
