"""How a build check shows itself: one line per case, and for a failure the bytes that teach.

A failed case shows what was sent and what came back, escaped by the wire-text rules (CRLF
visible as `\\r\\n`, controls and non-ASCII as `\\xNN`) through the same `escaped_text`
renderable as the trace view, a caret under the first wrong byte, what was expected with its
RFC section, and the lesson's hint. On a terminal the wrong byte is also highlighted; in a pipe
the same text comes out without colour.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from httplab.lessons.build_check import CaseResult
from httplab.lessons.model import Lang
from httplab.render.escape import escape_text, escaped_text, text_position
from httplab.trace.words import localized

INDENT = "        "
WORDS: dict[str, dict[Lang, str]] = {
    # the failure block
    "sent": {"en": "sent", "ru": "отправлено"},
    "received": {"en": "received", "ru": "получено"},
    "why": {"en": "why", "ru": "почему"},
    "hint": {"en": "hint", "ru": "подсказка"},
    "also": {"en": "also", "ru": "ещё"},
    "nothing": {"en": "(nothing)", "ru": "(ничего)"},
    "nothing-more": {
        "en": "^ (here: nothing more came)",
        "ru": "^ (здесь: больше ничего не пришло)",
    },
    "not-shown": {
        "en": "({hidden} more lines not shown)",
        "ru": "(не показано строк: {hidden})",
    },
    "note": {"en": "note", "ru": "примечание"},
    # `lesson check`: the heading, the groups, the summary
    "lesson": {"en": "lesson {number:02d} · {title}", "ru": "урок {number:02d} · {title}"},
    # `lesson start`
    "start-is": {
        "en": "{lesson}: your server is {target}",
        "ru": "{lesson}: ваш сервер — {target}",
    },
    "start-next": {
        "en": "  run it:      {run}\n"
        "  check it:    httplab lesson check {number}{cmd}{more}\n"
        "  stuck?       httplab lesson hint {number}{more}\n"
        "  the TODOs in the file say what this step asks",
        "ru": "  запустить:   {run}\n"
        "  проверить:   httplab lesson check {number}{cmd}{more}\n"
        "  застряли?    httplab lesson hint {number}{more}\n"
        "  что сделать на этом шаге, говорят комментарии TODO в файле",
    },
    "start-same": {
        "en": "{target} is already lesson {number}'s starter; nothing to do",
        "ru": "{target} — уже заготовка урока {number}; делать нечего",
    },
    "start-ask": {
        "en": "{target} exists: overwrite it with the starter?",
        "ru": "{target} уже есть: заменить его заготовкой?",
    },
    "start-kept": {
        "en": "{target} exists and holds your work: not overwritten. Use --force to replace "
        "it, or another folder: httplab lesson start {number} DIR",
        "ru": "{target} уже есть, и в нём ваша работа: не заменён. Заменить — --force, или "
        "возьмите другую папку: httplab lesson start {number} ПАПКА",
    },
    # `lesson reset`
    "reset-done": {
        "en": "lesson {number}: progress forgotten",
        "ru": "урок {number}: прогресс забыт",
    },
    "reset-none": {
        "en": "lesson {number}: no progress to forget",
        "ru": "урок {number}: прогресса нет, забывать нечего",
    },
    "heading": {
        "en": "{lesson} — build check ({mode}): {cases} cases, {new} new in this lesson",
        "ru": "{lesson} — проверка вашего сервера ({mode}): случаев {cases}, новых в этом "
        "уроке {new}",
    },
    "rfc-mode": {"en": "RFC 9110/9112", "ru": "RFC 9110/9112"},
    "article-mode": {
        "en": "article mode: the tutorial's choices",
        "ru": "режим статьи: решения из учебника",
    },
    "started": {"en": "started: {command}", "ru": "запущен: {command}"},
    "cannot-check": {"en": "cannot check: ", "ru": "проверить нельзя: "},
    "nothing-listens": {
        "en": "nothing listens on {where}: start your server first, or let the check start it: "
        '--cmd "python3 server.py {{port}}"',
        "ru": "на {where} никто не слушает: сначала запустите свой сервер или дайте проверке "
        'запустить его: --cmd "python3 server.py {{port}}"',
    },
    "already-running": {
        "en": "checking the server already running on {where} (the cases expect a freshly "
        "started one: they create users, then look them up)",
        "ru": "проверяем сервер, уже запущенный на {where} (случаи рассчитаны на только что "
        "запущенный: они создают пользователей, а потом ищут их)",
    },
    "from-lesson": {"en": " from lesson {number:02d}:", "ru": " из урока {number:02d}:"},
    "from-this-lesson": {
        "en": " from lesson {number:02d} (new in this lesson):",
        "ru": " из урока {number:02d} (новые в этом уроке):",
    },
    "summary": {
        "en": "{passed} passed, {failed} failed",
        "ru": "прошли: {passed}, не прошли: {failed}",
    },
    "not-run": {"en": ", {skipped} not run", "ru": ", не запускались: {skipped}"},
    "passes": {"en": " — lesson {number} passes. ", "ru": " — урок {number} пройден. "},
    "fix-first": {
        "en": " — fix the first failure and run again; `httplab lesson hint {number}` helps",
        "ru": " — исправьте первую ошибку и запустите снова; поможет `httplab lesson hint "
        "{number}`",
    },
    "next-lesson": {
        "en": "Next: lesson {number}: keep growing your server.py (`httplab lesson start "
        "{number} DIR` shows where the reference starts it)",
        "ru": "Дальше — урок {number}: продолжайте растить свой server.py (`httplab lesson "
        "start {number} DIR` покажет, с чего его начинает эталон)",
    },
    "last-lesson": {
        "en": "That was the last lesson: your server passes the whole course.",
        "ru": "Это был последний урок: ваш сервер проходит весь курс.",
    },
    # `lesson hint`
    "hint-heading": {
        "en": "{lesson} — hint {level}/{levels} for case {case}: {title}",
        "ru": "{lesson} — подсказка {level}/{levels} к случаю {case}: {title}",
    },
    "hint-passed": {
        "en": "{lesson}: your last `httplab lesson check {number}` passed every case, so there "
        "is nothing to hint at.",
        "ru": "{lesson}: ваша последняя проверка `httplab lesson check {number}` прошла все "
        "случаи — подсказывать нечего.",
    },
    "no-run-yet": {
        "en": "(no failed check recorded yet: this is the lesson's first new case)",
        "ru": "(проверок с ошибками ещё не было: это первый новый случай урока)",
    },
    "read-the-bytes": {
        "en": "Run the check and read the first failure's bytes.",
        "ru": "Запустите проверку и прочитайте байты первой ошибки.",
    },
    "pointer": {
        "en": "The check sends this request and expects status {status}; the rule is {rfc}. "
        "Read that section, then the request bytes:",
        "ru": "Проверка отправляет этот запрос и ждёт статус {status}; правило — {rfc}. "
        "Прочитайте этот раздел, затем байты запроса:",
    },
    "pointer-why": {
        "en": "The check sends this request and expects status {status}; your server's answer "
        "failed on this: {why}. The rule is {rfc}. Read that section, then the request bytes:",
        "ru": "Проверка отправляет этот запрос и ждёт статус {status}; ответ вашего сервера не "
        "прошёл вот на чём: {why}. Правило — {rfc}. Прочитайте этот раздел, затем байты "
        "запроса:",
    },
    "the-check-said": {
        "en": "The check said: {why}. Read the bytes it received from your server where it points.",
        "ru": "Проверка сказала: {why}. Прочитайте байты, полученные от вашего сервера, там, "
        "куда она указывает.",
    },
    "near-answer": {
        "en": "Near the answer: what the reference solution of this lesson adds to the starter "
        "(lines with + are new):",
        "ru": "Почти ответ: что эталонное решение урока добавляет к заготовке (строки с + — "
        "новые):",
    },
    "more-lines": {
        "en": "… {count} more lines: see {path}",
        "ru": "… и ещё строк: {count}, см. {path}",
    },
    "no-solution": {
        "en": "(this lesson has no starter/solution pair yet)",
        "ru": "(у этого урока пока нет пары заготовка/решение)",
    },
}
"""What `lesson check` and `lesson hint` say, in English and Russian (the lesson's hints and
the failures' reasons are in both too)."""


def label(key: str, lang: str = "en", **values: object) -> str:
    """The words named `key` in `lang` ("en" or "ru"), with `values` filled in."""
    return localized(WORDS, key, lang, **values)


LABEL_WIDTH = 12
MAX_LINE = 160
LINES_BEFORE = 10
LINES_AFTER = 2
SENT_LINES = 8


def own_text(text: str) -> str:
    """Text of the check's own making (it may quote escaped wire bytes): as it is when
    printable, else escaped — a backslash in `\\r\\n` stays one."""
    return text if text.isprintable() else escape_text(text)


def case_line(result: CaseResult, done: int, total: int, lang: str = "en") -> Text:
    """`  [3/12] ok    02.1 two spaces in the request line → 400`"""
    width = len(str(total))
    text = Text(f"  [{done:>{width}}/{total}] ")
    title = escape_text(result.case.title_in(lang))
    if result.ok:
        text.append("ok  ", style="http.status.2xx")
        shown = f" → {result.status}" if result.status is not None else ""
        text.append(f"  {result.case.key} {title}{shown}")
        if result.note is not None:
            note = label("note", lang)
            said = result.note.get(_lang(lang))
            text.append(f"\n{INDENT}{note}: {own_text(said)}", style="dim")
        return text
    text.append("FAIL", style="http.status.5xx")
    stopped = result.stopped.get(_lang(lang)) if result.stopped is not None else ""
    first = result.failures[0].message.get(_lang(lang)) if result.failures else stopped
    text.append(f"  {result.case.key} {title}: ")
    text.append(own_text(first))
    return text


def _cut(line: Text, column: int | None) -> tuple[Text, int | None]:
    """A long line cut to MAX_LINE characters, keeping `column` (the caret) in view."""
    if len(line) <= MAX_LINE:
        return line, column
    start = 0
    if column is not None and column > MAX_LINE - 20:
        start = column - MAX_LINE // 2
    piece = line[start : start + MAX_LINE]
    if start:
        piece = Text("…") + piece
    if start + MAX_LINE < len(line):
        piece.append("…")
    return piece, None if column is None else column - start + (1 if start else 0)


def wire_block(
    title: str,
    data: bytes,
    offset: int | None = None,
    *,
    max_lines: int,
    caret: str = "first wrong byte",
    lang: str = "en",
) -> Text:
    """`data` as escaped lines under a title; a caret under byte `offset` when given."""
    highlight = (offset, offset + 1) if offset is not None and offset < len(data) else None
    text = escaped_text(data, highlight) if data else Text(label("nothing", lang), style="dim")
    lines = text.split("\n", allow_blank=True)
    caret_line = caret_column = None
    if offset is not None and data:
        position = text_position(data, min(offset, len(data)))
        plain = text.plain
        caret_line = plain.count("\n", 0, position)
        caret_column = position - (plain.rfind("\n", 0, position) + 1)
    if caret_line is not None:
        first = max(0, caret_line - LINES_BEFORE)
        last = min(len(lines), caret_line + LINES_AFTER + 1)
    else:
        first, last = 0, min(len(lines), max_lines)
    out = Text()
    for index in range(first, last):
        prefix = (
            f"{INDENT}{title:<{LABEL_WIDTH}}"
            if index == first
            else " " * (len(INDENT) + LABEL_WIDTH)
        )
        column = caret_column if index == caret_line else None
        line, column = _cut(lines[index], column)
        out.append(prefix)
        out.append_text(line)
        out.append("\n")
        if column is not None:
            out.append(" " * (len(INDENT) + LABEL_WIDTH + column))
            out.append(f"^ {caret}", style="wire.highlight")
            out.append("\n")
    if offset is not None and offset >= len(data) and data and caret_line is None:
        out.append(" " * (len(INDENT) + LABEL_WIDTH) + label("nothing-more", lang) + "\n")
    hidden = len(lines) - last + first
    if hidden > 0:
        not_shown = label("not-shown", lang, hidden=hidden)
        out.append(f"{INDENT}{'':<{LABEL_WIDTH}}{not_shown}\n", style="dim")
    out.rstrip()
    return out


def failure_details(result: CaseResult, lang: str = "en") -> RenderableType:
    """The teaching block under a failed case."""
    parts: list[RenderableType] = []
    if result.stopped is not None:
        stopped = result.stopped.get(_lang(lang))
        parts += [Text(f"{INDENT}{escape_text(text)}") for text in stopped.split("\n")]
    if not result.failures:
        return Group(*parts)
    first = result.failures[0]
    said = _lang(lang)
    parts.append(wire_block(label("sent", lang), result.sent, max_lines=SENT_LINES, lang=lang))
    parts.append(
        wire_block(
            label("received", lang),
            result.received,
            first.offset,
            max_lines=14,
            caret=first.caret.get(said),
            lang=lang,
        )
    )
    expected = Text(f"{INDENT}{label('why', lang):<{LABEL_WIDTH}}")
    expected.append(own_text(first.message.get(said)))
    rfc = result.rfc()
    if rfc:
        expected.append(f" ({rfc})", style="dim")
    parts.append(expected)
    for other in result.failures[1:]:
        also = label("also", lang)
        message = own_text(other.message.get(said))
        parts.append(Text(f"{INDENT}{'':<{LABEL_WIDTH}}{also}: {message}"))
    hint = result.hint
    if hint is not None:
        words = hint.ru if lang == "ru" and hint.ru else hint.en
        if words:
            hint_line = Text(f"{INDENT}{label('hint', lang):<{LABEL_WIDTH}}", style="bold")
            # The lesson's own text: shown as written (a backslash stays one) unless it holds
            # a control character.
            hint_line.append(words if words.isprintable() else escape_text(words), style="")
            parts.append(hint_line)
    return Group(*parts)


def summary_line(results: list[CaseResult], total: int, lang: str = "en") -> str:
    passed = sum(1 for r in results if r.ok)
    failed = len(results) - passed
    skipped = total - len(results)
    text = label("summary", lang, passed=passed, failed=failed)
    if skipped:
        text += label("not-run", lang, skipped=skipped)
    return text


def _lang(lang: str) -> Lang:
    return "ru" if lang == "ru" else "en"
