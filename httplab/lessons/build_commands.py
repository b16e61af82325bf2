"""`httplab lesson start | check | hint` and `httplab class status`: the build half of a lesson.

Each function takes plain values and a rich Console and returns the exit status; the CLI only
parses options. Every problem a learner can cause (no such lesson, no server.py, a server that
crashes, hangs, refuses, never starts, or imports an HTTP library) is one clear line and a
non-zero exit, never a traceback.

Exit statuses: 0 all passed (or done), 1 a case failed / the server could not be checked,
2 a usage problem (no such lesson, a file that would be overwritten).
"""

from __future__ import annotations

import contextlib
import difflib
import shlex
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from httplab.lessons.build_check import (
    CASE_TIMEOUT,
    CaseResult,
    CheckCase,
    Mode,
    check_cases,
    run_cases,
)
from httplab.lessons.build_report import case_line, failure_details, label, summary_line
from httplab.lessons.build_server import (
    LearnerServer,
    ServerStartError,
    command_words,
    port_in_use,
)
from httplab.lessons.guard import GuardError, check_sources, explanation, python_files
from httplab.lessons.model import Localized
from httplab.lessons.progress import BUILD_KEY
from httplab.render.escape import escape_text
from httplab.trace.transcript import Transcript, TranscriptError, read_transcript
from httplab.trace.wire_text import escape_unprintable_lines as shown

STARTER = "starter.py"
SOLUTION = "solution.py"
CHECK = "check.transcript"
SERVER_FILE = "server.py"
DETAILED_FAILURES = 3
"""Failures shown with their bytes and hint; later ones get their one line."""
HINT_LEVELS = 3
PROGRESS_KEY = BUILD_KEY


@dataclass(frozen=True)
class BuildLesson:
    number: int
    slug: str
    folder: Path
    title: str
    lang: str = "en"  # of the title, and of the word "lesson" before it

    @property
    def name(self) -> str:
        return label("lesson", self.lang, number=self.number, title=self.title)

    def file(self, name: str, what: str) -> Path:
        """The lesson's `name` file (STARTER, SOLUTION); BuildError when it has none."""
        path = self.folder / name
        if not path.is_file():
            raise BuildError(f"lesson {self.number} has no {what} yet ({path} is missing)", 1)
        return path


class BuildError(Exception):
    """A usage problem, told in one line; `status` is the exit status."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def build_lessons(lang: str = "en") -> dict[int, BuildLesson]:
    """The lessons that have a build part (a check), by number."""
    from httplab.lessons.catalog import list_lessons
    from httplab.lessons.load import LessonError, load_lesson_folder

    found = {}
    for info in list_lessons():
        folder = Path(info.path)
        title = info.slug.replace("-", " ")
        # A lesson whose texts are still being written is named by its slug.
        with contextlib.suppress(LessonError, OSError):
            title = load_lesson_folder(folder).title.get("ru" if lang == "ru" else "en")
        found[info.number] = BuildLesson(info.number, info.slug, folder, title, lang)
    return found


def find_lesson(number: int, lang: str = "en") -> BuildLesson:
    lessons = build_lessons(lang)
    if number not in lessons:
        numbers = ", ".join(str(n) for n in sorted(lessons)) or "none found"
        raise BuildError(f"there is no lesson {number} (lessons: {numbers})")
    return lessons[number]


def new_cases(cases: list[CheckCase], number: int) -> list[CheckCase]:
    """The cases lesson `number` adds (check_cases gives those of every lesson up to it)."""
    return [case for case in cases if case.lesson == number]


def load_checks(number: int) -> list[tuple[int, Transcript]]:
    """The checks of lessons 1..number that have one, parsed."""
    from httplab.lessons.catalog import list_lessons

    checks = []
    for info in list_lessons():  # by number; the folders only (no lesson text is read)
        path = Path(info.path) / CHECK
        if info.number > number or not path.is_file():
            continue
        try:
            checks.append((info.number, read_transcript(path)))
        except (OSError, TranscriptError) as exc:
            raise BuildError(f"{path}: {exc}", status=1) from None
    return checks


# start --------------------------------------------------------------------------------------
def start_lesson(
    number: int, folder: Path, *, force: bool, console: Console, lang: str = "en"
) -> int:
    lesson = find_lesson(number, lang)
    starter = lesson.file(STARTER, "starter")
    target = folder / SERVER_FILE
    if folder.exists() and not folder.is_dir():
        raise BuildError(f"{folder} is a file, not a folder: give a folder for server.py")
    if target.is_dir():
        raise BuildError(f"{target} is a folder: server.py must be a file")
    if target.exists() and not force:
        if target.read_bytes() == starter.read_bytes():
            same = shown(label("start-same", lang, target=target, number=number))
            console.print(same, highlight=False, soft_wrap=True)
            return 0
        if not (sys.stdin.isatty() and _ask(label("start-ask", lang, target=target))):
            raise BuildError(label("start-kept", lang, target=target, number=number))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(starter, target)
    except OSError as exc:
        raise BuildError(f"cannot write {target}: {exc.strerror or exc}") from None
    run = f"python3 {shlex.quote(str(target))} 8080"
    cmd = f' --cmd "python3 {shlex.quote(str(target))} {{port}}"' if folder != Path() else ""
    more = " --lang ru" if lang == "ru" else ""
    # the folder is the learner's word: a control character in its name is shown escaped
    console.print(
        shown(label("start-is", lang, lesson=lesson.name, target=target)),
        highlight=False,
        soft_wrap=True,
    )
    console.print(  # soft_wrap: each command stays on one line, whole, to copy
        shown(label("start-next", lang, run=run, number=number, cmd=cmd, more=more)),
        highlight=False,
        soft_wrap=True,
    )
    return 0


def _ask(question: str) -> bool:
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


# check --------------------------------------------------------------------------------------
@dataclass
class CheckOptions:
    port: int | None = None
    cmd: str | None = None
    host: str = "127.0.0.1"
    timeout: float = CASE_TIMEOUT
    mode: Mode = "rfc"
    lang: str = "en"
    progress_path: Path | None = None
    cwd: Path | None = None


def default_command(cwd: Path) -> str:
    if not (cwd / SERVER_FILE).is_file():
        raise BuildError(
            f"no {SERVER_FILE} in {cwd}: get one with `httplab lesson start N`, or say how to run "
            'your server with --cmd "python3 myserver.py {port}" (or --port for one already '
            "running)"
        )
    return f"{shlex.quote(sys.executable)} {SERVER_FILE} {{port}}"


def check_lesson(number: int, options: CheckOptions, console: Console) -> int:
    lesson = find_lesson(number, options.lang)
    if options.cmd is not None:
        try:
            command_words(options.cmd, 0)  # no {port}, unbalanced quotes: a usage problem
        except ServerStartError as exc:
            raise BuildError(str(exc)) from None
    checks = load_checks(number)
    cases = check_cases(checks)
    if not cases:
        raise BuildError(f"lesson {number} has no build check yet", 1)
    cwd = options.cwd or Path.cwd()
    lang = options.lang
    mode = label("rfc-mode" if options.mode == "rfc" else "article-mode", lang)
    new = len(new_cases(cases, number))
    heading = label("heading", lang, lesson=lesson.name, mode=mode, cases=len(cases), new=new)
    console.print(Text(heading, style="bold"), soft_wrap=True)
    where = f"{options.host}:{options.port}"
    if options.port is not None and options.cmd is None:
        if not port_in_use(options.host, options.port):
            console.print(label("nothing-listens", lang, where=where))
            return 1
        console.print(label("already-running", lang, where=where), soft_wrap=True)
        results = _run(cases, options, options.port, None, console)
        return _finish(number, cases, results, options, console)
    command = options.cmd or default_command(cwd)
    refused = _guard(command, cwd, console, lang)
    if refused:
        return 1
    server = LearnerServer(command, options.host, cwd)
    try:
        try:
            port = server.start(options.port)
        except ServerStartError as exc:
            console.print(
                Text(label("cannot-check", lang), style="bold")
                + Text(_lines(exc.said.get("ru" if lang == "ru" else "en"))),
                soft_wrap=True,
            )
            return 1
        started = label("started", lang, command=escape_text(server.shown_command()))
        console.print(started, soft_wrap=True)
        results = _run(cases, options, port, server, console)
    finally:
        server.close()
    return _finish(number, cases, results, options, console)


def _guard(command: str, cwd: Path, console: Console, lang: str = "en") -> bool:
    try:
        refusals = check_sources(python_files(command, cwd))
    except GuardError as exc:
        console.print(f"{label('cannot-check', lang)}{_lines(str(exc))}", soft_wrap=True)
        return True
    if refusals:
        console.print(_lines(explanation(refusals)), soft_wrap=True)
        return True
    return False


def _lines(text: str) -> str:
    """Several lines of possibly untrusted text (a server's stderr), each made safe."""
    return "\n".join(line if line.isprintable() else escape_text(line) for line in text.split("\n"))


def _run(
    cases: list[CheckCase],
    options: CheckOptions,
    port: int,
    server: LearnerServer | None,
    console: Console,
) -> list[CaseResult]:
    detailed = 0

    def progress(result: CaseResult, done: int, total: int) -> None:
        nonlocal detailed
        if done == 1 or result.case.lesson != cases[done - 2].lesson:
            this = result.case.lesson == cases[-1].lesson
            group = label("from-this-lesson" if this else "from-lesson", options.lang,
                          number=result.case.lesson)  # fmt: skip
            console.print(group, style="dim")
        console.print(case_line(result, done, total, options.lang), soft_wrap=True)
        if not result.ok and detailed < DETAILED_FAILURES:
            detailed += 1
            console.print(failure_details(result, options.lang), soft_wrap=True)
        elif result.stopped is not None:
            stopped = result.stopped.get("ru" if options.lang == "ru" else "en")
            console.print(_lines(stopped), soft_wrap=True)

    return run_cases(
        cases,
        options.host,
        port,
        timeout=options.timeout,
        mode=options.mode,
        progress=progress,
        server_gone=server.problem if server is not None else None,
    )


def _finish(
    number: int,
    cases: list[CheckCase],
    results: list[CaseResult],
    options: CheckOptions,
    console: Console,
) -> int:
    passed = bool(results) and len(results) == len(cases) and all(r.ok for r in results)
    lang = options.lang
    line = summary_line(results, len(cases), lang)
    if passed:
        console.print(
            Text(line + label("passes", lang, number=number), style="bold")
            + Text(_next_step(number, lang)),
            soft_wrap=True,
        )
    else:
        console.print(
            Text(line, style="bold") + Text(label("fix-first", lang, number=number)),
            soft_wrap=True,
        )
    warning = _record(number, results, len(cases), passed, options.progress_path)
    if warning:
        note = label("note", lang)
        console.print(f"{note}: {escape_text(warning)}", style="dim", soft_wrap=True)
    return 0 if passed else 1


def _next_step(number: int, lang: str = "en") -> str:
    if number + 1 in build_lessons():
        return label("next-lesson", lang, number=number + 1)
    return label("last-lesson", lang)


def _record(
    number: int, results: list[CaseResult], total: int, passed: bool, path: Path | None
) -> str:
    from httplab.lessons.progress import Progress, ProgressError

    try:
        progress = Progress.load(path)
    except ProgressError as exc:
        return str(exc)
    entry: dict[str, Any] = dict(progress.get(number, PROGRESS_KEY, {}) or {})
    failed = [r.case.key for r in results if not r.ok]
    first = next((r for r in results if not r.ok), None)
    counts = dict(entry.get("fail_counts", {}))
    for key in failed:
        counts[key] = int(counts.get(key, 0)) + 1
    entry.update(
        passed=bool(entry.get("passed")) or passed,
        last_passed=passed,
        runs=int(entry.get("runs", 0)) + 1,
        last_run=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        failed=failed,
        fail_counts=counts,
        cases=total,
        cases_ok=sum(1 for r in results if r.ok),
        first_failure=_first_failure(first) if first is not None else None,
    )
    try:
        progress.set(number, PROGRESS_KEY, entry)
    except ProgressError as exc:
        return str(exc)
    return progress.warning


def _first_failure(result: CaseResult) -> dict[str, Any]:
    """What `lesson hint` needs to say what the check said about the first failed case: the
    expect line of the hint shown beside it (or that none was), why it failed, the rule."""
    hint = result.hint
    message = result.failures[0].message if result.failures else None
    stopped = result.stopped or Localized("", "")
    why = message.en if message is not None else stopped.en
    why_ru = message.ru if message is not None else stopped.ru
    return {
        "case": result.case.key,
        "hinted": hint is not None,
        "hint_expect": hint.expectation if hint is not None else None,
        "status_wrong": bool(result.failures)
        and result.failures[0].expectation is not None
        and result.failures[0].expectation.startswith("status "),
        "why": why.splitlines()[0] if why else "",
        "why_ru": why_ru.splitlines()[0] if why_ru else "",
        "rfc": result.rfc(),
    }


# hint ---------------------------------------------------------------------------------------
def hint_lesson(number: int, lang: str, progress_path: Path | None, console: Console) -> int:
    """The next hint for the build step: nudge (the case's hint) → pointer (the rule and its
    RFC section) → near-answer (what the reference solution adds, as a diff)."""
    from httplab.lessons.progress import Progress, ProgressError

    lesson = find_lesson(number, lang)
    every = check_cases(load_checks(number))
    cases = new_cases(every, number)
    if not cases:
        raise BuildError(f"lesson {number} has no build check yet", 1)
    try:
        progress = Progress.load(progress_path)
    except ProgressError as exc:
        raise BuildError(str(exc)) from None
    entry: dict[str, Any] = dict(progress.get(number, PROGRESS_KEY, {}) or {})
    if entry.get("last_passed") is True:  # nothing fails: no case to hint at, none counted
        done = label("hint-passed", lang, lesson=lesson.name, number=number)
        console.print(done + " " + _next_step(number, lang), soft_wrap=True)
        return 0
    failed = entry.get("failed") or []
    by_key = {case.key: case for case in every}
    target = by_key.get(failed[0]) if failed else None
    case = target if target is not None else cases[0]
    level = int(entry.get("hint_levels", {}).get(case.key, 0)) + 1
    level = min(level, HINT_LEVELS)
    heading = label(
        "hint-heading",
        lang,
        lesson=lesson.name,
        level=level,
        levels=HINT_LEVELS,
        case=case.key,
        title=escape_text(case.title_in(lang)),
    )
    console.print(Text(heading, style="bold"), soft_wrap=True)
    ru = lang == "ru"
    if target is None and not failed:
        console.print(label("no-run-yet", lang), style="dim")
    # What the last check said about this case (older progress files did not keep it).
    said = entry.get("first_failure")
    said = said if isinstance(said, dict) and said.get("case") == case.key else None
    hint = case.exchange.hint_for(f"status {case.exchange.expect.status}")
    why = ""
    if said is not None:
        hint = case.exchange.hint_for(said.get("hint_expect")) if said.get("hinted") else None
        why = str((ru and said.get("why_ru")) or said.get("why") or "")
    if level == 1:
        words = (hint.ru if ru and hint.ru else hint.en) if hint else ""
        if not words and why:
            words = label("the-check-said", lang, why=why)
        console.print(_lines(words or label("read-the-bytes", lang)), soft_wrap=True)
    elif level == 2:
        from httplab.lessons.build_report import wire_block

        expect = case.exchange.expect
        what = f"{expect.status}" if expect.status else "?"
        rfc = hint.rfc if hint and hint.rfc else "RFC 9110 / RFC 9112"
        if said is not None and said.get("rfc"):
            rfc = str(said["rfc"])
        if said is not None and why and not said.get("status_wrong"):
            pointer = label("pointer-why", lang, status=what, why=why, rfc=rfc)
        else:
            pointer = label("pointer", lang, status=what, rfc=rfc)
        console.print(_lines(pointer), soft_wrap=True)
        # `{port}` is the check's placeholder for the port of the server under test, which
        # changes from run to run: shown as PORT, not as a template left unfilled
        request = case.exchange.request.replace(b"{port}", b"PORT")
        sent = wire_block(label("sent", lang), request, max_lines=12, lang=lang)
        console.print(sent, soft_wrap=True)
    else:
        console.print(label("near-answer", lang), soft_wrap=True)
        console.print(_lines(solution_diff(lesson)), soft_wrap=True, highlight=False)
    levels = dict(entry.get("hint_levels", {}))
    levels[case.key] = level
    entry.update(hints=int(entry.get("hints", 0)) + 1, hint_levels=levels)
    try:
        progress.set(number, PROGRESS_KEY, entry)
    except ProgressError as exc:
        console.print(f"{label('note', lang)}: {escape_text(str(exc))}", style="dim")
    return 0


def _code(path: Path) -> list[str]:
    """A server's lines without its opening docstring (which only says what the file is)."""
    text = path.read_text(encoding="utf-8")
    if text.startswith('"""'):
        end = text.find('"""', 3)
        text = text[end + 3 :] if end >= 0 else text
    return text.splitlines()


def solution_diff(lesson: BuildLesson, max_lines: int = 60) -> str:
    try:
        starter = _code(lesson.folder / STARTER)
        solution = _code(lesson.folder / SOLUTION)
    except OSError:
        return label("no-solution", lesson.lang)
    diff = list(
        difflib.unified_diff(starter, solution, "starter.py", "solution.py", n=1, lineterm="")
    )
    shown = diff[:max_lines]
    if len(diff) > max_lines:
        more = len(diff) - max_lines
        shown.append(label("more-lines", lesson.lang, count=more, path=lesson.folder / SOLUTION))
    return "\n".join(shown)
