"""Build checks: send a lesson's cases to the learner's own server and judge the bytes.

A build check is a transcript with hints (`lessons/NN-slug/check.transcript`, the format of
`httplab.trace.transcript`): each `== connection` is one TCP connection, each exchange one case.
Checking lesson N runs the cases of lessons 1..N in order (the server grows; earlier rules must
keep holding). Requests go through the client's `ClientConnection`, read by the same parser as
everywhere else; `{port}` in a request stands for the port of the server under test.

On top of the transcript's expectations, every response is held to strict framing — the head's
lines end in CRLF, the body is exactly Content-Length bytes (more bytes after it, or fewer
before the connection closes, fail with that said), and a body is framed by Content-Length or
chunked, not by closing. A failure names the first wrong byte of what came back, the RFC
section, and the lesson's hint. Nothing here raises for anything a server does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from httplab.client.connection import ClientExchange
from httplab.client.replay import ExchangeResult, Mismatch, replay_transcript
from httplab.lessons.model import Localized
from httplab.trace.transcript import (
    Expectation,
    Hint,
    Transcript,
    TranscriptConnection,
    TranscriptExchange,
)
from httplab.trace.wire_text import escape_latin1, escape_wire

Mode = Literal["rfc", "article"]
CASE_TIMEOUT = 2.0
"""Seconds a case waits for an answer (per read); `lesson check --timeout` changes it."""
CLOSE_WAIT_STEP = 0.02
EXIT_WAIT = 1.0
"""Seconds to wait for a server that closed without answering to show it exited."""
_NO_BODY_STATUSES = (204, 304)


@dataclass(frozen=True)
class CheckCase:
    """One exchange of a lesson's check, with where it sits (for the one-line report)."""

    lesson: int
    connection: int  # 1-based within the lesson's check
    number: int  # 1-based within the connection
    exchange: TranscriptExchange
    pipelined: bool = False
    alone: bool = True  # the only exchange on its connection

    @property
    def key(self) -> str:
        """`04.2` (or `11.1.2` on a connection with several exchanges): stable across runs."""
        base = f"{self.lesson:02d}.{self.connection}"
        return base if self.alone else f"{base}.{self.number}"

    @property
    def title(self) -> str:
        return self.exchange.label or f"exchange {self.number}"

    def title_in(self, lang: str) -> str:
        """The case's name in `lang` ("ru": its `label.ru:` line, when it has one)."""
        if lang == "ru" and self.exchange.label_ru:
            return self.exchange.label_ru
        return self.title


FIRST_WRONG_BYTE = Localized("first wrong byte", "первый неверный байт")


def as_is(text: str) -> Localized:
    """Words the check did not write (a client error, the parser's detail): one language."""
    return Localized(text, text)


@dataclass
class Failure:
    """One thing that was not as expected; `expectation` is the expect line it breaks. The
    message and the caret are in both languages of the course (`lesson check --lang ru`)."""

    message: Localized
    expectation: str | None = None
    offset: int | None = None  # the first wrong byte in the received bytes
    rfc: str = ""
    caret: Localized = FIRST_WRONG_BYTE  # what the caret under `offset` says
    explains_itself: bool = False  # a generic framing rule: the case's own hint is beside it
    # A body longer than its Content-Length: of the case's hints only one about the body helps
    # (the hint on its status line is about an answer the server may well have got right).
    body_hints_only: bool = False
    silent: bool = False  # no byte came back within the timeout (the server may be stuck)


@dataclass
class CaseResult:
    case: CheckCase
    sent: bytes = b""
    received: bytes = b""
    status: int | None = None
    failures: list[Failure] = field(default_factory=list)
    note: Localized | None = None  # --article: the tutorial's answer accepted; the RFC's
    stopped: Localized | None = None  # the run stopped here (the server died or went silent)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.stopped

    @property
    def hint(self) -> Hint | None:
        """The hint for the first failure's expectation; else the case's main one (on its
        status line), else its first: a crash or a framing error still gets the case's hint."""
        exchange = self.case.exchange
        if self.failures and self.failures[0].explains_itself:
            return None
        if self.failures and self.failures[0].body_hints_only:
            return next((h for h in exchange.hints if _about_the_body(h.expectation)), None)
        first = self.failures[0].expectation if self.failures else None
        status = exchange.expect.status
        return (
            exchange.hint_for(first)
            or exchange.hint_for(f"status {status}" if status is not None else None)
            or next(iter(exchange.hints), None)
        )

    def rfc(self) -> str:
        hint = self.hint
        for failure in self.failures:
            if failure.rfc:
                return failure.rfc
        return hint.rfc if hint is not None else ""


def check_cases(checks: list[tuple[int, Transcript]]) -> list[CheckCase]:
    """Every case of the given lessons' checks, lesson by lesson, in file order."""
    cases = []
    for lesson, transcript in checks:
        for c_number, connection in enumerate(transcript.connections, 1):
            alone = len(connection.exchanges) == 1
            for e_number, exchange in enumerate(connection.exchanges, 1):
                cases.append(
                    CheckCase(lesson, c_number, e_number, exchange, connection.pipelined, alone)
                )
    return cases


# sending ------------------------------------------------------------------------------------
def request_for(exchange: TranscriptExchange, port: int) -> tuple[bytes, list[int]]:
    """The request bytes with `{port}` filled in, and the offsets of its pauses."""
    parts = [part.replace(b"{port}", str(port).encode()) for part in exchange.request_parts()]
    offsets, total = [], 0
    for part in parts[:-1]:
        total += len(part)
        offsets.append(total)
    return b"".join(parts), offsets


def run_cases(
    cases: list[CheckCase],
    host: str,
    port: int,
    *,
    timeout: float = CASE_TIMEOUT,
    mode: Mode = "rfc",
    progress: Callable[[CaseResult, int, int], None] | None = None,
    server_gone: Callable[[], Localized | None] | None = None,
) -> list[CaseResult]:
    """Run `cases` connection by connection; `progress(result, done, total)` after each.

    `server_gone()` says why the server under test is no longer there (it exited), or None;
    asked after each connection. Two connections in a row that get no answer at all stop the
    run too (a blocking server stuck on one client answers nobody after it): the remaining
    cases are not tried, and the last result's `stopped` says why in one line.
    """
    results: list[CaseResult] = []
    total = len(cases)
    silent_in_a_row = 0

    def report(result: CaseResult) -> None:
        results.append(result)
        if progress is not None:
            progress(result, len(results), total)

    groups: list[list[CheckCase]] = []
    for case in cases:
        if groups and case.number > 1 and groups[-1][0].lesson == case.lesson:
            groups[-1].append(case)
        else:
            groups.append([case])
    for group in groups:
        group_results = _run_connection(group, host, port, timeout, mode)
        gone = _gone(server_gone, unanswered=any(not r.received for r in group_results if not r.ok))
        silent = all(_silent(r) for r in group_results)
        silent_in_a_row = silent_in_a_row + 1 if silent else 0
        if gone is None and silent_in_a_row >= 2:
            gone = Localized(
                f"the server stopped answering (no answer to two connections in a row, "
                f"{timeout:g} s each): is it stuck on an earlier connection? A recv() that "
                "returns b'' means the client closed: stop reading then",
                f"сервер перестал отвечать (нет ответа на два соединения подряд, по "
                f"{timeout:g} с): не застрял ли он на прежнем соединении? recv(), вернувший "
                "b'', значит, что клиент закрыл соединение: тогда перестаньте читать",
            )
        if gone is not None:
            group_results[-1].stopped = gone
        elif server_gone is not None:  # it is still running: no crash to look for
            for result in group_results:
                for failure in result.failures:
                    if failure.message is CLOSED_UNANSWERED:
                        failure.message = HUNG_UP
        for result in group_results:
            report(result)
        if gone is not None:
            break
    return results


def _gone(server_gone: Callable[[], Localized | None] | None, unanswered: bool) -> Localized | None:
    """Why the server is gone; after a case with no answer, give a crashing server a moment
    to finish dying (its traceback takes a while to print)."""
    if server_gone is None:
        return None
    deadline = time.monotonic() + (EXIT_WAIT if unanswered else 0.0)
    while (why := server_gone()) is None and time.monotonic() < deadline:
        time.sleep(CLOSE_WAIT_STEP)
    return why


def _silent(result: CaseResult) -> bool:
    return not result.received and any(failure.silent for failure in result.failures)


def _run_connection(
    group: list[CheckCase], host: str, port: int, timeout: float, mode: Mode
) -> list[CaseResult]:
    """One connection of the check, replayed by the client's `replay_transcript` (with
    `{port}` filled in); each outcome is then judged with the lesson's eyes."""
    exchanges = [_filled(case.exchange, port) for case in group]
    connection = TranscriptConnection(exchanges, pipelined=group[0].pipelined)
    outcomes = replay_transcript(Transcript(connections=[connection]), host, port, timeout=timeout)
    return [
        _case_result(case, outcome, index, port, timeout, mode)
        for index, (case, outcome) in enumerate(zip(group, outcomes, strict=False))
    ]


def _filled(exchange: TranscriptExchange, port: int) -> TranscriptExchange:
    request, pauses = request_for(exchange, port)
    return replace(exchange, request=request, pauses=pauses)


KEPT_ALIVE = Localized(
    "the server closed the connection after the previous response; an HTTP/1.1 connection "
    "stays open until one side says Connection: close",
    "сервер закрыл соединение после предыдущего ответа; соединение HTTP/1.1 остаётся "
    "открытым, пока одна из сторон не скажет Connection: close",
)


PIPELINE_CLOSED = Localized(
    "the server closed the connection after answering the request before this one, though "
    "this request had come too (in the same write): a server reads every request it was sent "
    "and answers them in order",
    "сервер закрыл соединение, ответив на запрос перед этим, хотя пришёл и этот (в той же "
    "записи): сервер читает все присланные ему запросы и отвечает на них по порядку",
)


def _case_result(
    case: CheckCase, outcome: ExchangeResult, index: int, port: int, timeout: float, mode: Mode
) -> CaseResult:
    result = CaseResult(case, sent=outcome.request)
    exchange = outcome.exchange
    first = outcome.mismatches[0] if outcome.mismatches else None
    if exchange is None:  # nothing was sent: no connection, or it was closed before
        if first is not None and first.kind == "connect":
            refused = "connection refused" in first.message
            message = (
                Localized(
                    f"connection refused on port {port}: no server is listening there",
                    f"соединение отклонено на порту {port}: там никто не слушает",
                )
                if refused
                else as_is(first.message)
            )
            result.failures.append(Failure(message))
        elif index > 0:
            result.failures.append(Failure(KEPT_ALIVE, rfc="RFC 9112 §9.3"))
        elif first is not None and first.closed == "at-accept":
            # the client's own English, said in the course's other language too
            at_once = (
                "не отправлено: сервер закрыл соединение сразу, как принял его, ещё до запроса"
            )
            result.failures.append(Failure(Localized(first.message, at_once)))
        else:
            not_sent = Localized("not sent", "не отправлено")
            result.failures.append(Failure(as_is(first.message) if first else not_sent))
        return result
    result.received = exchange.response_bytes
    final = exchange.final
    result.status = final.head.status if final is not None else None
    if exchange.error is not None or final is None:
        closed_at_once = exchange.error_kind in ("closed", "reset") and not result.received
        if index > 0 and closed_at_once and not case.pipelined:
            result.failures.append(Failure(KEPT_ALIVE, rfc="RFC 9112 §9.3"))
        elif index > 0 and closed_at_once:
            result.failures.append(Failure(PIPELINE_CLOSED, rfc="RFC 9112 §9.3.2"))
        else:
            result.failures.append(_transport_failure(exchange, timeout))
        return result
    expect, note = _effective(case.exchange, final.head.status, mode)
    result.note = note
    head_start = len(result.received) - len(final.raw) - len(exchange.extra)
    result.failures += _framing_failures(exchange, head_start)
    for mismatch in outcome.mismatches:
        if mismatch.kind == "status" and note:
            continue  # --article: the tutorial's answer, accepted with a note
        result.failures.append(_from_mismatch(mismatch, expect, exchange, head_start))
    early = exchange.answered_early
    if early is not None and final.head.status < 400:
        result.failures.insert(
            0,
            Failure(
                Localized(
                    f"the server answered after the first {early} bytes, before the request "
                    "was complete: one recv() is not one request (TCP is a stream; read until "
                    "the empty line)",
                    f"сервер ответил, получив первые байты запроса ({early}), не дождавшись "
                    "его конца: один recv() — это не один запрос (TCP — поток; читайте до "
                    "пустой строки)",
                ),
                rfc="RFC 9112 §2.1",
            ),
        )
    return result


def _effective(
    exchange: TranscriptExchange, status: int, mode: Mode
) -> tuple[Expectation, Localized | None]:
    """The expectation to hold (`--article` accepts the tutorial's answer) and a note."""
    expect, article = exchange.expect, exchange.article
    if mode != "article" or article is None or article.status is None:
        return expect, None
    if status != article.status:
        return expect, None
    hint = exchange.hint_for(f"status {expect.status}")
    rfc = f" ({hint.rfc})" if hint is not None and hint.rfc else ""
    note = Localized(
        f"article mode: {article.status} accepted (the tutorial's answer); "
        f"the RFC's answer is {expect.status}{rfc}",
        f"режим статьи: {article.status} принят (ответ учебника); "
        f"по RFC ответ — {expect.status}{rfc}",
    )
    return replace(expect, status=article.status), note


CLOSED_UNANSWERED = Localized(
    "the server closed the connection without answering (did it crash on this request? see "
    "its output)",
    "сервер закрыл соединение, не ответив (упал на этом запросе? посмотрите его вывод)",
)
HUNG_UP = Localized(
    "the server closed the connection without answering; it is still running (it did not "
    "crash): it hung up on this request (its output may say why)",
    "сервер закрыл соединение, не ответив; он продолжает работать (не упал): он сам оборвал "
    "соединение на этом запросе (его вывод может сказать почему)",
)
"""CLOSED_UNANSWERED once the check knows the server it started is still there."""


def _transport_failure(exchange: ClientExchange, timeout: float) -> Failure:
    raw = exchange.response_bytes
    kind = exchange.error_kind
    if raw:
        framing = _partial_framing(raw, kind == "timeout", timeout)
        if framing is not None:
            return framing
    if kind == "timeout" and not raw:
        return Failure(
            Localized(
                f"no answer within {timeout:g} s: the server is still waiting (for more bytes "
                "than the request has?) or stuck",
                f"нет ответа за {timeout:g} с: сервер всё ещё ждёт (больше байтов, чем есть в "
                "запросе?) или завис",
            ),
            silent=True,
        )
    if kind in ("closed", "reset") and not raw:
        return Failure(CLOSED_UNANSWERED)
    error = exchange.error
    message = as_is(error) if error else Localized("no response", "нет ответа")
    if kind == "bad-response":
        # The parser's own detail names the rule (and its RFC section); point into the bytes.
        return Failure(message, offset=_first_unlike_a_response(raw), explains_itself=True)
    return Failure(message, offset=len(raw) if raw else None)


def _first_unlike_a_response(raw: bytes) -> int:
    """Where `raw` stops looking like `HTTP/1.x NNN reason`: the first wrong byte of a garbled
    status line (a control byte in the reason too), else its end."""
    shape = b"HTTP/1.1 000 "
    for index, byte in enumerate(raw[: len(shape)]):
        expected = shape[index]
        if expected == ord("0") and 0x30 <= byte <= 0x39:
            continue
        if index == 7 and 0x30 <= byte <= 0x39:  # any minor version
            continue
        if byte != expected:
            return index
    end = raw.find(b"\n")
    line_end = end if end >= 0 else len(raw)
    reason_end = line_end - 1 if line_end > 0 and raw[line_end - 1] == 0x0D else line_end
    for index in range(len(shape), reason_end):  # reason-phrase: HTAB, SP, VCHAR, obs-text
        byte = raw[index]
        if byte != 0x09 and (byte < 0x20 or byte == 0x7F):
            return index
    return line_end


def _head_end(raw: bytes) -> int:
    """Where the head of `raw` ends (after its empty line), or -1."""
    crlf, lf = raw.find(b"\r\n\r\n"), raw.find(b"\n\n")
    ends = [i + 4 for i in [crlf] if i >= 0] + [i + 2 for i in [lf] if i >= 0]
    return min(ends) if ends else -1


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\n")[1:]:
        name, colon, value = line.partition(b":")
        if colon and name.strip(b" \t").lower() == b"content-length":
            digits = value.strip(b" \t\r")
            return int(digits) if digits.isdigit() and len(digits) < 19 else None
    return None


def _not_a_status_line(raw: bytes) -> int | None:
    """The first wrong byte of `raw`'s status line when what came so far cannot begin a
    response (`hello\n`, random bytes, NULs); None while it still could (`HTTP/1.`)."""
    wrong = _first_unlike_a_response(raw)
    line_end = raw.find(b"\n")
    line_end = line_end if line_end >= 0 else len(raw)
    reason_end = line_end - 1 if line_end > 0 and raw[line_end - 1] == 0x0D else line_end
    if wrong < reason_end or wrong < min(len(raw), len(b"HTTP/1.1 000 ")):
        return wrong
    return None


NOT_A_RESPONSE = Localized(
    "this is not an HTTP response: a response begins with a status line such as "
    "HTTP/1.1 200 OK (the version, a three-digit status code, a reason), then its header "
    "lines and an empty line",
    "это не ответ HTTP: ответ начинается со строки статуса вроде HTTP/1.1 200 OK (версия, "
    "трёхзначный код, пояснение), за ней идут строки заголовка и пустая строка",
)


def _partial_framing(raw: bytes, timed_out: bool, timeout: float) -> Failure | None:
    """A response cut short: its head never ended, or its body is shorter than it says."""
    end = _head_end(raw)
    # The wait for a case ends after `timeout` of silence or when its time is up, even while
    # bytes still trickle in, so this says when the check stopped, not that all was quiet.
    then = (
        Localized(
            f"then the check stopped waiting ({timeout:g} s)",
            f"затем проверка перестала ждать ({timeout:g} с)",
        )
        if timed_out
        else Localized("then the connection closed", "затем соединение закрылось")
    )
    wrong = _not_a_status_line(raw) if end < 0 else None
    if wrong is not None:
        return Failure(NOT_A_RESPONSE, offset=wrong, rfc="RFC 9112 §4", explains_itself=True)
    if end < 0:
        return Failure(
            Localized(
                "the response head never ended: no empty line (CRLF CRLF) after its header "
                f"lines, {then.en}",
                "заголовок ответа так и не закончился: после его строк нет пустой строки "
                f"(CRLF CRLF), {then.ru}",
            ),
            offset=len(raw),
            rfc="RFC 9112 §2.1",
        )
    length = _content_length(raw[:end])
    body = len(raw) - end
    if length is not None and body < length:
        return Failure(
            Localized(
                f"Content-Length says {length} but the body has {body} bytes, {then.en}: "
                "Content-Length counts the bytes of the encoded body",
                f"Content-Length говорит {length}, а байтов в теле {body}, {then.ru}: "
                "Content-Length считает байты закодированного тела",
            ),
            offset=len(raw),
            rfc="RFC 9112 §6.3",
        )
    return None


def _framing_failures(exchange: ClientExchange, head_start: int) -> list[Failure]:
    final = exchange.final
    assert final is not None
    failures = []
    head = final.head.raw
    bare = _first_bare_lf(head)
    if bare >= 0:
        failures.append(
            Failure(
                Localized(
                    "a line of the response head ends in a bare LF: every line ends with CRLF "
                    "(\\r\\n)",
                    "строка заголовка ответа кончается одним LF, без CR: каждая строка "
                    "кончается на CRLF (\\r\\n)",
                ),
                offset=head_start + bare,
                rfc="RFC 9112 §2.1",
                explains_itself=True,
            )
        )
    if exchange.extra:
        failures.append(_extra_failure(exchange, head_start + len(final.raw)))
    elif (
        final.head.framing.kind == "close"
        and exchange.method != "HEAD"
        and final.head.status not in _NO_BODY_STATUSES
    ):
        failures.append(
            Failure(
                Localized(
                    "the response has no Content-Length: its body ended only because the "
                    "connection closed, and a client cannot tell a whole body from a cut one",
                    "в ответе нет Content-Length: тело кончилось лишь потому, что закрылось "
                    "соединение, а клиент не отличит целое тело от оборванного",
                ),
                offset=head_start + len(head) - 2,
                rfc="RFC 9112 §6.3",
                explains_itself=True,
            )
        )
    return failures


def _extra_failure(exchange: ClientExchange, offset: int) -> Failure:
    """Bytes after a whole response: a body where none belongs, a second answer, or a
    Content-Length that counted characters."""
    final = exchange.final
    assert final is not None
    extra = len(exchange.extra)
    if exchange.method == "HEAD" or final.head.status in _NO_BODY_STATUSES:
        what = "HEAD" if exchange.method == "HEAD" else str(final.head.status)
        return Failure(
            Localized(
                f"a response to {what} has no body, but {extra} bytes came after its head",
                f"у ответа на {what} нет тела, но после заголовка пришли ещё байты: {extra}",
            ),
            offset=offset,
            rfc="RFC 9110 §9.3.2" if what == "HEAD" else "RFC 9112 §6.3",
        )
    if exchange.extra.startswith(b"HTTP/"):
        # its status line without the line end: a CRLF's CR would show as a stray `\r`
        status_line = exchange.extra.split(b"\n", 1)[0].removesuffix(b"\r")
        first_line = escape_wire(status_line[:60])
        return Failure(
            Localized(
                f"another response came after this one ({first_line}): the server answered a "
                "request that is not there — it framed this request differently",
                f"после этого ответа пришёл ещё один ({first_line}): сервер ответил на "
                "запрос, которого нет, — он иначе понял, где кончается этот запрос",
            ),
            offset=offset,
            rfc="RFC 9112 §6.3",
        )
    # the value as the parser kept it (OWS already trimmed, SP/HTAB only), escaped as bytes
    length = final.head.headers.get("content-length")
    shown = escape_latin1(length) if length else ""
    says = f"Content-Length says {shown}" if length else "the framing says"
    says_ru = f"Content-Length говорит {shown}" if length else "так сказано в заголовке"
    sent = len(final.body) + extra
    return Failure(
        Localized(
            f"{extra} {'byte' if extra == 1 else 'bytes'} came after the body: {says}, the "
            f"server sent {sent} — Content-Length counts bytes (len(body.encode())), not "
            "characters",
            f"после тела пришли лишние байты ({extra}): {says_ru}, а сервер отправил {sent} — "
            "Content-Length считает байты (len(body.encode())), а не символы",
        ),
        offset=offset,
        rfc="RFC 9112 §6.3",
        body_hints_only=True,
    )


def _about_the_body(expectation: str | None) -> bool:
    """Whether a hint's expect line is about the response body (`body-contains …`, `json …`)."""
    return expectation is not None and expectation.startswith(("body", "json"))


def _first_bare_lf(head: bytes) -> int:
    start = 0
    while (index := head.find(b"\n", start)) >= 0:
        if index == 0 or head[index - 1] != 0x0D:
            return index
        start = index + 1
    return -1


def _from_mismatch(
    mismatch: Mismatch, expect: Expectation, exchange: ClientExchange, head_start: int
) -> Failure:
    """Replay's mismatch as the lesson shows it: keyed by its expect line (for the hint),
    pointing at the byte where the difference is."""
    final = exchange.final
    assert final is not None
    head_end = head_start + len(final.head.raw)
    kind, name = mismatch.kind, mismatch.name or ""
    wanted, got = mismatch.expected, mismatch.received
    if kind == "status":
        message = Localized(
            f"expected status {wanted}, got {got}", f"ожидался статус {wanted}, получен {got}"
        )
        return Failure(message, f"status {wanted}", head_start + 9)
    missing = Localized(
        f"expected a {name} field, there is none", f"ожидалось поле {name}, а его нет"
    )
    belongs = Localized(
        f"{name} belongs before this empty line",
        f"поле {name} должно быть перед этой пустой строкой",
    )
    if kind == "header" and got is None and wanted is None:
        return Failure(missing, f"header {name}", head_end - 2, caret=belongs)
    if kind == "header":
        key = f"header {name}" + (f": {wanted}" if wanted is not None else "")
        if got is None:
            return Failure(missing, key, head_end - 2, caret=belongs)
        offset = _field_offset(exchange, name)
        message = Localized(
            f"expected {name}: {wanted}, got '{got}'",  # got: escaped as the wire bytes
            f"ожидалось {name}: {wanted}, получено '{got}'",
        )
        return Failure(message, key, offset)
    if kind == "no-header":
        offset = _field_offset(exchange, name)
        message = Localized(f"expected no {name} field", f"поля {name} быть не должно")
        return Failure(message, f"no-header {name}", offset)
    if kind == "media-type":
        has_type = got is not None
        offset = _field_offset(exchange, "content-type") if has_type else head_end - 2
        message = Localized(
            f"expected Content-Type {wanted}, got {got or 'none'}",
            f"ожидался Content-Type {wanted}, получен {got}"
            if got
            else f"ожидался Content-Type {wanted}, а его нет",
        )
        return Failure(message, f"media-type {wanted}", offset)
    if kind == "body" and expect.body is not None:
        wrong = _first_difference(final.body, expect.body)
        offset = head_end + wrong if final.head.framing.kind == "length" else None
        message = Localized(
            f"the body differs from the expected one at byte {wrong}",
            f"тело расходится с ожидаемым начиная с байта {wrong}",
        )
        return Failure(message, f"body {escape_wire(expect.body)}".rstrip(), offset)
    if kind == "body-contains":
        message = Localized(
            f"expected the body to contain '{wanted}'", f"в теле ожидалось '{wanted}'"
        )
        return Failure(message, f"body-contains {wanted}", head_end)
    if kind == "close":
        return Failure(
            Localized(
                "expected the server to close the connection after this response; it kept it "
                "open (a server that closes says Connection: close first)",
                "сервер должен был закрыть соединение после этого ответа, а оставил его "
                "открытым (сервер, который закрывает, сначала говорит Connection: close)",
            ),
            "close",
            rfc="RFC 9112 §9.6",
        )
    return Failure(as_is(mismatch.message))


def _field_offset(exchange: ClientExchange, name: str) -> int | None:
    final = exchange.final
    assert final is not None
    raw = final.head.raw
    lowered = raw.lower()
    index = lowered.find(b"\n" + name.lower().encode("latin-1") + b":")
    if index < 0:
        return None
    start = len(exchange.response_bytes) - len(final.raw) - len(exchange.extra)
    return start + index + 1


def _first_difference(got: bytes, expected: bytes) -> int:
    for index, (a, b) in enumerate(zip(got, expected, strict=False)):
        if a != b:
            return index
    return min(len(got), len(expected))
