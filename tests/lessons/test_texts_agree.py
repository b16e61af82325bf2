"""Lesson texts say what the learner will see: the routes a 404 hint lists are the ones the
server's own 404 body lists, and `--plain` shows no key of the full-screen view."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from httplab.lessons import load_lesson
from httplab.lessons.model import Lesson, Localized
from tests.lessons.conftest import flat, plain_lesson

ROUTE = re.compile(r"(?<![\w/])/(?:users(?:/ID)?)?(?=[\s,.]|$)")


def _routes(text: str) -> list[str]:
    return ROUTE.findall(text)


def _texts(lesson: Lesson) -> list[Localized]:
    texts: list[Localized] = []
    for step in lesson.steps:
        texts += [step.task, step.notice, *step.hints]
        texts += [mistake.hint for mistake in step.mistakes]
    return texts


@pytest.mark.parametrize("number", [1, 8])
def test_404_hints_list_the_routes_the_server_body_lists(number: int, tmp_path: Path) -> None:
    lesson = load_lesson(number)
    plain, out = plain_lesson(lesson, tmp_path)
    plain.run(iter(["GET /nowhere-at-all", ":quit"]))  # a real 404 from the lesson's server
    body = next(line for line in out.getvalue().splitlines() if line.startswith("{"))
    detail = json.loads(body)["detail"]
    server_routes = _routes(detail.partition("this server has ")[2])
    assert server_routes == ["/", "/users", "/users/ID"], detail
    listing = [t for t in _texts(lesson) if "/users/ID" in t.en and "/users and" in t.en]
    assert listing, "the lesson has a hint that lists the routes"
    for text in listing:
        assert _routes(text.en) == server_routes, text.en
        assert _routes(text.ru) == server_routes, text.ru


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_plain_lesson_9_names_no_key_of_the_full_screen_view(lang: str, tmp_path: Path) -> None:
    """`--plain` has no client pane and no Ctrl-O: its texts must not send the learner there,
    in the task or in the hint for a body sent without Content-Length."""
    lesson = load_lesson(9)
    plain, out = plain_lesson(lesson, tmp_path, lang=lang)
    unframed = [
        "POST /users HTTP/1.1",
        "Host: lab",
        "Content-Type: application/x-www-form-urlencoded",
        "",
        "name=Petya&age=7",
    ]
    plain.run(iter([*unframed, ":hint", ":hint", ":hint", ":quit"]))
    text = flat(out.getvalue())
    assert flat(lesson.steps[0].mistakes[1].hint.get(lang)) in text  # the mistake was made
    for word in ("Ctrl-O", "client pane", "панел"):
        assert word not in text, word


def test_the_lesson_client_speaks_the_lesson_language(tmp_path: Path) -> None:
    """`--lang ru`: the client's own `*` lines (timings, connection state, its commands) are
    Russian; `:lang en` switches them back with the lesson."""
    plain, out = plain_lesson(load_lesson(1), tmp_path, lang="ru")
    plain.run(iter(["GET /users", "GET /users", ":crlf", ":close", ":lang en", "GET /users",
                    ":quit"]))  # fmt: skip
    text = out.getvalue()
    russian, _, english = text.partition("── Step")
    assert "* подключение " in russian and " мс · отправлено " in russian
    assert "* то же соединение · отправлено " in russian and "последний байт" in russian
    assert "* переводы строк в «сыром» запросе: одиночный LF (как набрано)" in russian
    assert "* соединение закрыто" in russian
    for word in ("connect ", "reused connection", "first byte", " ms ·", "raw line breaks",
                 "connection closed"):  # fmt: skip
        assert word not in russian, word
    assert "* connect " in english and "last byte" in english
    # the line of what the server saw has its units in the lesson's language too
    assert re.search(r"сервер получил: .* 200 +\d+ Б +[\d.]+ мс", russian), russian
    assert re.search(r"server saw: .* 200 +\d+ B +[\d.]+ ms", english), english


def _pairs() -> list[tuple[str, str]]:
    """Every text of the course as (English, Russian): the steps', the build checks' hints,
    the lesson texts and the field explanations."""
    from httplab.lessons import list_lessons, load_lesson_folder
    from httplab.lessons.build_commands import load_checks
    from httplab.render.explain import explanations

    pairs: list[tuple[str, str]] = []
    for info in list_lessons():
        lesson = load_lesson_folder(Path(info.path))
        pairs.append((lesson.text.en, lesson.text.ru))
        pairs += [(t.en, t.ru) for t in _texts(lesson)]
    for _, transcript in load_checks(len(list_lessons())):
        for connection in transcript.connections:
            for exchange in connection.exchanges:
                pairs += [(hint.en, hint.ru) for hint in exchange.hints]
    pairs += [(entry.text["en"], entry.text["ru"]) for entry in explanations().values()]
    return pairs


def test_russian_keeps_one_word_for_the_request_line_and_another_for_the_query_string() -> None:
    """Lesson 1 names the request line «стартовая строка»; «строка запроса» is the query
    string (lesson 2). A text about the request line never calls it «строка запроса»."""
    query = re.compile(r"строк\w* запрос")
    for en, ru in _pairs():
        if re.search(r"request[ -]line", en) and not re.search(r"query|form", en):
            assert not query.search(ru), ru[:200]


def test_the_hint_levels_have_the_same_names_in_the_plain_lesson_and_the_lesson_view() -> None:
    from httplab.lessons.model import HINT_LEVELS, LANGS
    from httplab.lessons.plain_texts import UI
    from httplab.tui.lesson_pane import WORDS

    for level in HINT_LEVELS:
        for lang in LANGS:
            assert UI[level][lang] == WORDS[level][lang], (level, lang)


def test_the_plain_lesson_prompts_in_its_language(tmp_path: Path) -> None:
    plain, _ = plain_lesson(load_lesson(1), tmp_path, lang="ru")
    assert plain.prompt() == "урок> "
    plain.session.go(2)  # a step that asks a prediction first
    assert plain.prompt() == "ответ> "
    plain.pending = ["GET /users HTTP/1.1"]
    assert plain.prompt() == "… "


def test_why_the_connection_closed_is_said_in_the_lesson_language(tmp_path: Path) -> None:
    """A response with Connection: close (here to HTTP/1.0): the client's line says why in
    Russian under --lang ru; with :lang en, as the connection says it."""
    plain, out = plain_lesson(load_lesson(4), tmp_path, lang="ru")
    request = ["GET /users HTTP/1.0", ""]
    plain.run(iter([*request, ":lang en", *request, ":quit"]))
    russian, _, english = out.getvalue().partition("── Step")
    assert "* соединение закрыто: сервер попросил закрыть (Connection: close)" in russian
    assert "the server asked" not in russian
    assert "* connection closed: the server asked to close (Connection: close)" in english
