"""LessonSession against a real lesson server: judging, hints, predictions, the class board."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from httplab.lessons import LessonSession, Progress, load_lesson
from httplab.lessons.checking import matches
from httplab.lessons.facts import facts_of
from httplab.lessons.model import Match, ServerOptions
from httplab.lessons.server import LessonServer
from httplab.lessons.session import StepState, client_of
from httplab.trace.bus import TraceBus
from httplab.trace.records import ExchangeRecord

HOST_LESSON = 1
BY_HAND = 1  # step index of "by-hand" in lesson 1


def _exchange(port: int, data: bytes, source: str = "127.0.0.1") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


class Recorder:
    """Collects exchange records; `wait(n)` blocks until n arrived (no sleeps)."""

    def __init__(self, bus: TraceBus) -> None:
        self.records: list[ExchangeRecord] = []
        self.ready = threading.Condition()
        bus.subscribe(self.on_item)

    def on_item(self, item: object) -> None:
        if isinstance(item, ExchangeRecord):
            with self.ready:
                self.records.append(item)
                self.ready.notify_all()

    def wait(self, count: int) -> list[ExchangeRecord]:
        with self.ready:
            assert self.ready.wait_for(lambda: len(self.records) >= count, 30)
            return list(self.records)


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    bus = TraceBus()
    lesson_server = LessonServer("127.0.0.1", 0, bus)
    lesson_server.ensure(ServerOptions())
    yield lesson_server, Recorder(bus)
    lesson_server.stop()


def test_feed_passes_and_records_progress(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lesson_server, recorder = server
    progress = Progress.load(tmp_path / "p.json")
    session = LessonSession(load_lesson(HOST_LESSON), progress)
    session.go(BY_HAND)
    _exchange(lesson_server.port, b"GET /users HTTP/1.1\r\n\r\n")
    outcome = session.feed(recorder.wait(1)[0])
    assert outcome.verdict == "mistake" and outcome.mistake is not None
    assert "Host" in outcome.mistake.hint.en
    _exchange(lesson_server.port, b"GET /users HTTP/1.1\r\nHost: x\r\n\r\n")
    assert session.feed(recorder.wait(2)[1]).verdict == "passed"
    assert session.status().state is StepState.PASSED
    assert Progress.load(tmp_path / "p.json").passed_steps(HOST_LESSON) == {"by-hand"}
    # a new session resumes where the learner was
    assert LessonSession(load_lesson(HOST_LESSON), Progress.load(tmp_path / "p.json")).index == 1


def test_hints_are_progressive_then_run_out() -> None:
    session = LessonSession(load_lesson(1), lang="ru")
    levels = []
    while (hint := session.next_hint()) is not None:
        levels.append(hint[0])
    assert levels == ["nudge", "pointer", "near-answer"]
    assert session.status().hints_shown == 3


def test_prediction_is_checked_then_shown() -> None:
    lesson = load_lesson(1)
    session = LessonSession(lesson)
    session.go(next(i for i, s in enumerate(lesson.steps) if s.predict))
    assert session.needs_prediction()
    result = session.answer("  404   not FOUND ")
    assert result.right and result.answer == "404"
    assert not session.needs_prediction()


def test_wrong_prediction_shows_the_answer() -> None:
    lesson = load_lesson(1)
    session = LessonSession(lesson)
    session.go(next(i for i, s in enumerate(lesson.steps) if s.predict))
    result = session.answer("200")
    assert not result.right and result.answer == "404"


def test_client_is_the_host_not_the_port() -> None:
    assert client_of("127.0.0.5:41234") == "127.0.0.5"
    assert client_of("::1:41234") == "::1"


def test_class_board_counts_30_students_by_address(server) -> None:  # type: ignore[no-untyped-def]
    """30 students on 127.0.0.2-31, in threads: 20 pass, 10 forget Host (two tries each)."""
    lesson_server, recorder = server
    session = LessonSession(load_lesson(HOST_LESSON))
    session.go(BY_HAND)
    bus_feed = threading.Lock()

    def student(n: int) -> None:
        source = f"127.0.0.{n + 2}"
        if n < 20:
            _exchange(lesson_server.port, b"GET /users HTTP/1.1\r\nHost: x\r\n\r\n", source)
        else:
            for _ in range(2):
                _exchange(lesson_server.port, b"GET /users HTTP/1.1\r\n\r\n", source)

    threads = [threading.Thread(target=student, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = recorder.wait(40)
    with bus_feed:
        for record in records:
            session.feed(record)
    row = session.board()[BY_HAND]
    assert row.passed_clients == 20
    assert row.top_mistake is not None and "Host" in row.top_mistake.hint.en
    assert row.top_mistake_clients == 10


def test_content_length_counting_characters_is_seen_in_the_bytes(server) -> None:  # type: ignore[no-untyped-def]
    """`Вася` is 4 characters and 8 bytes: a Content-Length of characters cuts the body inside
    a character, and the rest arrives where the next request line should be."""
    lesson_server, recorder = server
    body = '{"name": "Вася"}'  # 16 characters, 20 bytes
    head = (
        "POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"  # counted characters: the mistake
    )
    _exchange(lesson_server.port, head.encode() + body.encode())
    first, second = recorder.wait(2)[:2]
    assert facts_of(first).status == 400  # `{"name": "Вас` is not JSON
    assert not facts_of(second).parsed and facts_of(second).stray_bytes  # `я"}` left over
    assert not facts_of(first).body_cut_utf8  # 16 bytes end between `с` and `я`
    cut = '{"name": "Вася" }'  # 17 characters: 17 bytes end inside `с`
    head17 = head.replace("Content-Length: 16", f"Content-Length: {len(cut)}")
    _exchange(lesson_server.port, head17.encode() + cut.encode())
    assert facts_of(recorder.wait(3)[2]).body_cut_utf8


def test_a_trailer_field_is_a_fact_apart_from_the_head(server) -> None:  # type: ignore[no-untyped-def]
    lesson_server, recorder = server
    head = (
        b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    _exchange(lesson_server.port, head + b"f\r\nname=Ada&age=36\r\n0\r\nChecksum: 5f2d\r\n\r\n")
    facts = facts_of(recorder.wait(1)[0])
    assert facts.trailer_fields == {"checksum": ["5f2d"]}
    assert "checksum" not in facts.request_fields
    assert matches(Match(trailer_has=("CHECKSUM",)), facts)
    assert not matches(Match(request_has=("Checksum",)), facts)


def test_a_request_instead_of_an_answer_skips_the_question(tmp_path: Path) -> None:
    from tests.lessons.conftest import plain_lesson

    plain, out = plain_lesson(load_lesson(1), tmp_path)
    plain.session.go(2)  # not-found asks first
    plain.run(iter(["GET /nowhere"]))
    assert "sent without an answer" in out.getvalue()
    assert plain.session.status("not-found").state is StepState.PASSED
    assert not plain.session.status("not-found").prediction_right


def test_where_students_send() -> None:
    from httplab.lessons.server import class_urls, local_address

    assert class_urls("10.1.2.3", 8080) == ("http://10.1.2.3:8080",)
    assert class_urls("::1", 80) == ("http://[::1]:80",)
    wildcard = class_urls("0.0.0.0", 53210)
    assert wildcard and all(not url.startswith("http://127.") for url in wildcard)
    assert local_address("0.0.0.0") == "127.0.0.1" and local_address("::") == "::1"
    assert local_address("192.0.2.7") == "192.0.2.7"


@pytest.mark.parametrize(
    ("lesson", "step_id", "path"),
    [
        (4, "no-host", "/users"),
        (8, "bad-request-closes", "/users"),
        (3, "ask-for-html", "/users"),
        (6, "no-accept", "/users"),
        (8, "error-as-html", "/nope"),
    ],
)
def test_a_host_sent_by_curl_is_not_blamed_on_the_shorthand(server, lesson, step_id, path) -> None:  # type: ignore[no-untyped-def]
    """Steps that want a request without Host (or with an Accept of its own): curl's request
    (it adds Host and Accept: */*, as browsers do) got "There was a Host line (the shorthand
    adds one)" or "the shorthand sends Accept: */*", though no shorthand was used."""
    lesson_server, recorder = server
    loaded = load_lesson(lesson)
    session = LessonSession(loaded)
    session.go(next(i for i, s in enumerate(loaded.steps) if s.id == step_id))
    if session.needs_prediction():
        session.answer("400")
    curl = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/7.88.1\r\n"
    _exchange(lesson_server.port, (curl + "Accept: */*\r\n\r\n").encode())
    outcome = session.feed(recorder.wait(1)[0])
    assert outcome.verdict == "mistake" and outcome.mistake is not None
    assert "curl" in outcome.mistake.hint.en and "curl" in outcome.mistake.hint.ru


def test_a_field_value_is_matched_ascii_case_insensitively_only() -> None:
    """request_header/response_header compare "in any case": A-Z and a-z only. Field values
    are wire text (ISO-8859-1); str.casefold() read a value "Claß" as containing "class"."""
    from httplab.lessons.facts import Facts

    def facts(value: str) -> Facts:
        fields = {"x-kind": [value]}
        return Facts(
            "GET", "/", "/", "HTTP/1.1", 200, True, fields, fields, {}, b"", b"", "none", "origin"
        )

    wanted = Match(request_header=(("X-Kind", "CLASS"),), response_header=(("x-kind", "class"),))
    assert matches(wanted, facts("first-Class"))
    assert not matches(wanted, facts("Cla\xdf"))  # "ß": casefold() gives "ss"
