"""`httplab lesson start | check | hint | demo`, `httplab class status`: as a learner uses them."""

from __future__ import annotations

import json
import re
import socket
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from httplab.cli import app
from httplab.client import connection as client_connection
from httplab.lessons.build_commands import build_lessons
from httplab.lessons.build_demo import TracingRelay
from httplab.lessons.build_server import LearnerServer
from httplab.trace.records import ConnectionEvent, ExchangeRecord, TraceItem

LESSONS = build_lessons()
runner = CliRunner()


@pytest.fixture(autouse=True)
def _short_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_connection, "PAUSE_SECONDS", 0.03)


def _cmd(path: Path) -> str:
    return f"{sys.executable} {path} {{port}}"


def test_start_copies_the_starter_and_never_overwrites_work(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lesson", "start", "2", str(tmp_path)])
    assert result.exit_code == 0, result.output
    server = tmp_path / "server.py"
    assert server.read_bytes() == (LESSONS[2].folder / "starter.py").read_bytes()
    assert "httplab lesson check 2" in result.output
    server.write_text("# my work\n", encoding="utf-8")
    result = runner.invoke(app, ["lesson", "start", "3", str(tmp_path)])
    assert result.exit_code == 2
    assert "not overwritten" in result.output
    assert server.read_text(encoding="utf-8") == "# my work\n"
    result = runner.invoke(app, ["lesson", "start", "3", str(tmp_path), "--force"])
    assert result.exit_code == 0
    assert server.read_bytes() == (LESSONS[3].folder / "starter.py").read_bytes()


def test_start_of_a_lesson_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lesson", "start", "99", str(tmp_path)])
    assert result.exit_code == 2
    assert "there is no lesson 99" in result.output
    assert "Traceback" not in result.output


def test_a_new_user_fills_the_todo_wrongly_reads_the_hint_fixes_it_and_passes(
    tmp_path: Path,
) -> None:
    progress = tmp_path / "progress.json"
    assert runner.invoke(app, ["lesson", "start", "2", str(tmp_path)]).exit_code == 0
    server = tmp_path / "server.py"
    wrong = server.read_text(encoding="utf-8").replace(
        '    body = b"hello\\n"',
        "    words = buffer.split(b'\\r\\n')[0].split()  # the TODO, done with split()\n"
        "    if len(words) != 3:\n"
        "        conn.sendall(b'HTTP/1.1 400 Bad Request\\r\\nContent-Length: 0\\r\\n\\r\\n')\n"
        "        return\n"
        '    body = b"hello\\n"',
    )
    server.write_text(wrong, encoding="utf-8")
    check = ["lesson", "check", "2", "--cmd", _cmd(server), "--progress", str(progress)]
    result = runner.invoke(app, [*check, "--lang", "en", "--timeout", "1"])
    assert result.exit_code == 1, result.output
    assert "FAIL  02.1 two spaces after the method: expected status 400, got 200" in result.output
    assert "GET  /users HTTP/1.1\\r\\n" in result.output  # CRLF visible
    assert "^ first wrong byte" in result.output
    assert "str.split() with no argument" in result.output
    assert "(RFC 9112 §3)" in result.output
    hint = runner.invoke(app, ["lesson", "hint", "2", "--progress", str(progress), "--lang", "en"])
    assert hint.exit_code == 0
    assert "hint 1/3 for case 02.1" in hint.output
    assert "str.split()" in hint.output
    hint = runner.invoke(app, ["lesson", "hint", "2", "--progress", str(progress), "--lang", "en"])
    assert "hint 2/3" in hint.output and "RFC 9112 §3" in hint.output
    assert "Host: localhost:PORT" in hint.output and "{port}" not in hint.output
    hint = runner.invoke(app, ["lesson", "hint", "2", "--progress", str(progress), "--lang", "ru"])
    assert "подсказка 3/3 к случаю 02.1" in hint.output and "solution.py" in hint.output
    assert "Почти ответ" in hint.output and "more lines" not in hint.output
    recorded = json.loads(progress.read_text(encoding="utf-8"))["lessons"]["2"]["build"]
    assert recorded["hints"] == 3 and recorded["passed"] is False and "02.1" in recorded["failed"]
    server.write_bytes((LESSONS[2].folder / "solution.py").read_bytes())  # the fix
    result = runner.invoke(app, [*check, "--timeout", "1"])
    assert result.exit_code == 0, result.output
    assert "lesson 2 passes" in result.output
    recorded = json.loads(progress.read_text(encoding="utf-8"))["lessons"]["2"]["build"]
    assert recorded["passed"] is True and recorded["runs"] == 2


def test_hint_follows_what_the_check_said_not_the_cases_status_line(tmp_path: Path) -> None:
    # Lesson 7's starter answers 07.1 with the right 201 but without Connection: close. The
    # check said so, with that field's hint; `lesson hint 7` then said "Run the check and read
    # the first failure's bytes" and "expects status 201; the rule is RFC 9110 / RFC 9112".
    progress = tmp_path / "progress.json"
    starter = LESSONS[7].folder / "starter.py"
    check = ["lesson", "check", "7", "--cmd", _cmd(starter), "--progress", str(progress)]
    result = runner.invoke(app, [*check, "--lang", "en", "--timeout", "1"])
    assert result.exit_code == 1, result.output
    assert "FAIL  07.1 a Cyrillic name, answered in HTML: expected a Connection field" in (
        result.output
    )
    hint_cmd = ["lesson", "hint", "7", "--progress", str(progress), "--lang", "en"]
    hint = runner.invoke(app, hint_cmd)
    assert hint.exit_code == 0, hint.output
    assert "hint 1/3 for case 07.1" in hint.output
    assert "MUST say so first: Connection: close" in hint.output
    hint = runner.invoke(app, hint_cmd)
    assert "hint 2/3" in hint.output
    assert "expected a Connection field, there is none" in hint.output
    assert "RFC 9112 §9.6" in hint.output


def test_check_without_a_server_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["lesson", "check", "1"])
    assert result.exit_code == 2
    assert "no server.py in" in result.output and "httplab lesson start" in result.output


def test_check_refuses_a_server_built_on_http_server(tmp_path: Path) -> None:
    server = tmp_path / "server.py"
    server.write_text("from http.server import HTTPServer\nimport sys\n", encoding="utf-8")
    result = runner.invoke(app, ["lesson", "check", "1", "--cmd", _cmd(server)])
    assert result.exit_code == 1
    assert "imports http.server (the standard library's HTTP server)" in result.output
    assert "plain sockets" in result.output


def test_the_guard_reads_a_module_run_with_dash_m_and_what_it_imports(tmp_path: Path) -> None:
    from httplab.lessons.guard import check_sources, python_files

    package = tmp_path / "mysrv"
    package.mkdir()
    (package / "__main__.py").write_text("import helper\n", encoding="utf-8")
    (package / "helper.py").write_text("import flask\n", encoding="utf-8")
    files = python_files("python3 -m mysrv {port}", tmp_path)
    assert files == [package / "__main__.py"]
    refusals = check_sources(files)
    assert [(r.path.name, r.line, r.module) for r in refusals] == [("helper.py", 1, "flask")]


def test_check_of_a_port_nobody_listens_on_is_one_line() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    result = runner.invoke(app, ["lesson", "check", "1", "--port", str(port)])
    assert result.exit_code == 1
    assert f"nothing listens on 127.0.0.1:{port}" in result.output


def test_check_of_a_crashing_server_shows_its_stderr_not_a_checker_traceback(
    tmp_path: Path,
) -> None:
    server = tmp_path / "server.py"
    server.write_text(
        "import socket, sys\n"
        "s = socket.create_server(('127.0.0.1', int(sys.argv[1])))\n"
        "c, _ = s.accept()\n"
        "k, v = c.recv(4096).split(b':')\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["lesson", "check", "1", "--cmd", _cmd(server), "--timeout", "1"])
    assert result.exit_code == 1
    assert "the server exited with code 1; the last lines of its stderr:" in result.output
    assert "ValueError: too many values to unpack" in result.output
    assert "Traceback (most recent call last)" in result.output  # the learner's, shown framed
    assert "httplab/lessons" not in result.output  # never the checker's


def test_class_status_sums_progress_files(tmp_path: Path) -> None:
    def progress(name: str, lessons: dict[str, object]) -> None:
        path = tmp_path / name
        path.write_text(json.dumps({"version": 1, "lessons": lessons}), encoding="utf-8")

    progress("alice.json", {"1": {"build": {"passed": True}}, "2": {"build": {"passed": True}}})
    progress(
        "bob.json",
        {
            "1": {"build": {"passed": True}},
            "2": {"build": {"passed": False, "failed": ["02.1"], "fail_counts": {"02.1": 3}}},
        },
    )
    (tmp_path / "notes.json").write_text("[1, 2]", encoding="utf-8")
    # valid JSON too deep for json.loads (RecursionError), and a lesson "number" int() refuses
    (tmp_path / "deep.json").write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    progress("carol.json", {"\u00b2": {"build": {"passed": True}}})
    result = runner.invoke(app, ["class", "status", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "build progress of 3 learners" in result.output
    assert "skipped" in result.output and "notes.json" in result.output
    assert "deep.json" in result.output
    assert "lesson 2: 1" in result.output  # bob is stuck at lesson 2
    assert "02.1" in result.output and "3" in result.output


def test_demo_relays_to_the_solution_and_publishes_each_exchange() -> None:
    published: list[TraceItem] = []
    with LearnerServer(_cmd(LESSONS[5].folder / "solution.py")) as solution:
        target = solution.start()
        relay = TracingRelay("127.0.0.1", 0, target, published.append).start()
        try:
            with socket.create_connection(("127.0.0.1", relay.port), timeout=5) as sock:
                sock.sendall(b"POST /users?name=Ada&age=36 HTTP/1.1\r\nHost: localhost:1\r\n\r\n")
                answer = b""
                while chunk := sock.recv(4096):
                    answer += chunk
            deadline = time.monotonic() + 5
            while len(published) < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            relay.stop()
            solution.close()
    assert answer.startswith(b"HTTP/1.1 201 Created\r\n")  # relayed unchanged
    records = [item for item in published if isinstance(item, ExchangeRecord)]
    assert len(records) == 1
    record = records[0]
    assert record.raw_response == answer
    assert record.request is not None and record.request.target == "/users?name=Ada&age=36"
    assert record.response is not None and record.response.status == 201
    kinds = [item.kind for item in published if isinstance(item, ConnectionEvent)]
    assert kinds == ["opened", "closed"]


REFERENCE = Path("/work/shared/reference/article-http-server.ru.txt")


def _tutorial_server(folder: Path) -> Path:
    """The original tutorial's final server, cut from the article at test time (it is not
    kept in the repository): the code block after its "source code" heading."""
    text = REFERENCE.read_text(encoding="utf-8")
    block = text[text.index("Исходный код сервера") :].split("Ссылки по теме")[0]
    lines = [line[4:] if line.startswith("    ") else line for line in block.splitlines()[1:]]
    path = folder / "tutorial_server.py"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.mark.skipif(not REFERENCE.is_file(), reason="the tutorial is not on this machine")
def test_demo_on_port_0_says_the_port_it_really_listens_on() -> None:
    """It said "behind 127.0.0.1:0"; now the port the relay got, and that port answers."""
    import signal
    import subprocess

    command = ["lesson", "demo", "1", "--port", "0", "--plain", "--no-cases"]
    demo = subprocess.Popen(
        [sys.executable, "-m", "httplab", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert demo.stderr is not None
        line = demo.stderr.readline()
        found = re.search(r"behind 127\.0\.0\.1:(\d+)$", line.strip())
        assert found is not None, line
        port = int(found.group(1))
        assert port != 0, line
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(b"GET / HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n")
            assert client.recv(12).startswith(b"HTTP/1.")
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(timeout=20)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait()


def test_the_tutorials_own_server_is_caught_with_the_right_hints(tmp_path: Path) -> None:
    server = _tutorial_server(tmp_path)
    command = f"{sys.executable} {server} 127.0.0.1 {{port}} localhost"
    base = ["lesson", "check", "12", "--cmd", command, "--timeout", "1", "--lang", "en"]
    base += ["--progress", str(tmp_path / "p.json")]
    result = runner.invoke(app, base)
    assert result.exit_code == 1
    output = result.output
    assert "httplab/lessons" not in output and "httplab/client" not in output
    assert "05.1 create a user: expected status 201, got 204" in output  # 204 Created
    assert "06.3 no Accept at all: expected status 200, got 500" in output  # None in Accept
    assert "02.1 two spaces after the method: expected status 400, got 500" in output
    assert "04.3 a Host that names another server: expected status 421, got 404" in output
    assert "11.1.2 a second request on the same connection: the server closed" in output
    article = runner.invoke(app, [*base, "--article"])
    assert "04.3 a Host that names another server → 404" in article.output
    assert "the RFC's answer is 421" in article.output


def test_class_status_names_its_own_command_in_an_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["class", "status", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert f"httplab class: {tmp_path / 'missing'}: no such file or folder" in result.output
    assert "httplab lesson" not in result.output


def test_check_in_russian_says_everything_of_its_own_in_russian(tmp_path: Path) -> None:
    """`lesson check --lang ru`: the heading, the groups, the reasons, the failure block and
    the summary are Russian (the case names and the bytes stay as they are)."""
    progress = str(tmp_path / "progress.json")
    before = _cmd(LESSONS[1].folder / "solution.py")  # lesson 1's server: lesson 2 fails
    check = ["lesson", "check", "2", "--cmd", before, "--progress", progress, "--lang", "ru"]
    result = runner.invoke(app, [*check, "--timeout", "1"])
    assert result.exit_code == 1, result.output
    out = result.output
    assert "урок 02 · Стартовая строка — проверка вашего сервера (RFC 9110/9112)" in out
    assert " из урока 01:" in out and " из урока 02 (новые в этом уроке):" in out
    assert "02.1 два пробела после метода: ожидался статус 400, получен 200" in out
    assert "01.1 запрос одной порцией получает ответ → 200" in out
    assert "почему      ожидался статус 400, получен 200 (RFC 9112 §3)" in out
    assert "^ первый неверный байт" in out
    assert "прошли: 3, не прошли: 6 — исправьте первую ошибку" in out
    for english in ("build check", "from lesson", "new in this lesson", "expected status",
                    "passed", "failed", "fix the first", "more lines not shown"):  # fmt: skip
        assert english not in out, english
    solution = _cmd(LESSONS[1].folder / "solution.py")
    check = ["lesson", "check", "1", "--cmd", solution, "--progress", progress, "--lang", "ru"]
    result = runner.invoke(app, [*check, "--timeout", "1"])
    assert result.exit_code == 0, result.output
    assert "прошли: 3, не прошли: 0 — урок 1 пройден. Дальше — урок 2" in result.output


def test_check_in_russian_says_in_russian_that_the_server_exited(tmp_path: Path) -> None:
    """'the server exited with code 1; the last lines of its stderr' was English in a
    Russian check (the --article note: test_build_checks)."""
    progress = str(tmp_path / "progress.json")
    crash = tmp_path / "crash.py"
    crash.write_text("raise SystemExit('no port given')\n", encoding="utf-8")
    check = ["lesson", "check", "1", "--cmd", _cmd(crash), "--progress", progress, "--lang", "ru"]
    result = runner.invoke(app, [*check, "--timeout", "1"])
    assert result.exit_code == 1, result.output
    assert "сервер завершился с кодом 1; последние строки его stderr:" in result.output
    assert "no port given" in result.output and "the server exited" not in result.output


def test_class_status_never_prints_a_learners_bytes_raw(tmp_path: Path) -> None:
    """Progress files come from the students. A failed case key holding ESC went to the
    instructor's terminal raw (`02.\\x1b[2J` cleared the projector's screen), and a `[bold]`
    in it was read as rich markup. Run as the instructor does: a real process on a pty-less
    pipe with colours forced, so rich renders as for a terminal."""
    import os
    import subprocess

    folder = tmp_path / "bob"
    folder.mkdir()
    build = {"failed": ["02.\x1b[2J", "[bold]x[/bold]"], "fail_counts": {"\x1b]0;t\x07": 3}}
    (folder / "progress.json").write_text(
        json.dumps({"version": 1, "lessons": {"2": {"build": build}}}), encoding="utf-8"
    )
    env = {**os.environ, "FORCE_COLOR": "1", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    result = subprocess.run(
        [sys.executable, "-m", "httplab", "class", "status", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    shown = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)  # rich's own colours aside
    assert "\x1b" not in shown and "\x07" not in shown
    assert "02.\\x1b[2J" in shown and "[bold]x[/bold]" in shown
    assert "\\x1b]0;t\\x07" in shown


def test_class_status_shows_a_file_name_byte_that_is_not_utf8_as_that_byte(
    tmp_path: Path,
) -> None:
    """A learner's file named with a Latin-1 byte (b"al\\xffce.json") showed as
    `al\\xed\\xb3\\xbfce`, the UTF-8 of the surrogate Python keeps for it; the instructor
    should read the byte itself. A Cyrillic name reads as itself. A real process, bytes."""
    import os
    import subprocess

    progress = json.dumps({"version": 1, "lessons": {"2": {"build": {"passed": True}}}})
    folder = os.fsencode(tmp_path)
    for name in (b"al\xffce.json", "Вася.json".encode()):
        with open(os.path.join(folder, name), "wb") as file:
            file.write(progress.encode())
    with open(os.path.join(folder, b"bad\xfe.json"), "wb") as file:
        file.write(b"not json")
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    command = [sys.executable, "-m", "httplab", "class", "status"]
    result = subprocess.run(
        [*command, str(tmp_path)], capture_output=True, timeout=60, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    shown = result.stdout.decode()
    assert "al\\xffce" in shown and "Вася" in shown and "\\xed" not in shown
    assert "bad\\xfe.json: not an httplab progress file" in shown
    missing = subprocess.run(
        [*command, folder + b"/nope\xff"], capture_output=True, timeout=60, env=env, check=False
    )
    assert missing.returncode == 2
    assert missing.stderr.decode().endswith("/nope\\xff: no such file or folder\n")


def test_start_into_a_file_or_a_long_path_is_one_line_or_one_command_a_line(
    tmp_path: Path,
) -> None:
    """`httplab lesson start 2 /etc/passwd` said 'internal error: FileExistsError' (exit 3);
    and a deep DIR's `check it:` command was wrapped at 80 columns in the middle, so it
    could not be copied whole. A real process, its output a pipe (80 columns)."""
    import os
    import subprocess

    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine\n", encoding="utf-8")
    start = [sys.executable, "-m", "httplab", "lesson", "start", "2"]
    result = subprocess.run(
        [*start, str(a_file)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2, result.stderr
    said = f"httplab lesson: {a_file} is a file, not a folder: give a folder for server.py\n"
    assert result.stderr == said
    assert a_file.read_text(encoding="utf-8") == "mine\n"
    deep = tmp_path / ("a-rather-long-folder-name-for-a-course" * 2) / "lesson-two"
    result = subprocess.run(
        [*start, str(deep)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert result.returncode == 0, result.stderr
    assert (deep / "server.py").is_file()
    check_line = next(line for line in result.stdout.splitlines() if "check it:" in line)
    assert check_line.endswith(f'--cmd "python3 {deep / "server.py"} {{port}}"'), result.stdout


def test_start_and_reset_speak_the_learners_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`lesson start` and `lesson reset` had no --lang and spoke English under a Russian
    locale, while check and hint spoke Russian (found by a new-user check: `lesson start 1` is
    a Russian learner's first command). The commands it suggests keep the language."""
    progress = tmp_path / "p.json"
    result = runner.invoke(app, ["lesson", "start", "1", str(tmp_path), "--lang", "ru"])
    assert result.exit_code == 0, result.output
    assert "урок 01 · Что такое запрос: ваш сервер" in result.output
    assert "httplab lesson hint 1 --lang ru" in result.output
    assert "your server is" not in result.output
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    again = runner.invoke(app, ["lesson", "start", "1", str(tmp_path)])
    assert again.exit_code == 0 and "уже заготовка урока 1" in again.output, again.output
    reset = runner.invoke(app, ["lesson", "reset", "1", "--progress", str(progress)])
    assert reset.exit_code == 0 and reset.output == "урок 1: прогресса нет, забывать нечего\n"
    english = runner.invoke(app, ["lesson", "start", "1", str(tmp_path), "--lang", "en"])
    assert "is already lesson 1's starter" in english.output
    wrong = runner.invoke(app, ["lesson", "reset", "1", "--lang", "de"])
    assert wrong.exit_code == 2 and "en or ru" in wrong.output


def test_a_check_piped_into_head_still_records_its_result(tmp_path: Path) -> None:
    """`httplab lesson check N | head -3`: once head had gone, rich ended the check at its next
    line with status 1, before its result was recorded, so `lesson hint N` then said "no failed
    check recorded yet" (found by a new-user check). The rest now goes nowhere and the check
    ends as it would have: recorded, its own exit status, the learner's server stopped."""
    import subprocess

    progress = tmp_path / "p.json"
    solution = LESSONS[1].folder / "solution.py"
    command = [sys.executable, "-m", "httplab", "lesson", "check", "1", "--cmd", _cmd(solution)]
    with subprocess.Popen(
        [*command, "--progress", str(progress)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    ) as check:
        assert check.stdout is not None and check.stderr is not None
        assert check.stdout.readline().startswith(b"lesson 01")
        check.stdout.close()  # as head does after its lines: the summary comes later
        status = check.wait(timeout=120)
        err = check.stderr.read()
    assert (status, err) == (0, b"")
    build = json.loads(progress.read_text(encoding="utf-8"))["lessons"]["1"]["build"]
    assert build["runs"] == 1 and build["last_passed"] is True


@pytest.mark.parametrize("cmd", ["python3 server.py", "python3 'server.py {port}", "  "])
def test_a_cmd_the_check_cannot_use_is_a_usage_problem(cmd: str) -> None:
    """--cmd without {port} (or with an open quote) said 'cannot check: …' after the heading
    and exited 1, the status of a failing server, though --help says 2 for a usage problem
    (found by a new-user check). It is one line and status 2, and nothing is started."""
    result = runner.invoke(app, ["lesson", "check", "1", "--cmd", cmd])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("httplab lesson: ") and result.output.count("\n") == 1
    assert "--cmd" in result.output


def test_a_demo_whose_port_is_taken_says_so_as_serve_does() -> None:
    """`lesson demo 1 --port P` with P in use said "httplab serve --trace: cannot start: Address
    already in use (while attempting to bind on address ('127.0.0.1', P))": another command's
    name and Python's words (found by a new-user check). It says what serve and lesson say."""
    import subprocess

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        demo = [sys.executable, "-m", "httplab", "lesson", "demo", "1", "--plain"]
        done = subprocess.run(
            [*demo, "--port", str(port)], capture_output=True, text=True, timeout=120, check=False
        )
    assert done.returncode == 1
    assert done.stderr == (
        f"httplab lesson demo: cannot listen on 127.0.0.1:{port}: the port is already in use "
        "(another server running? pick one with --port PORT, or --port 0 for any free port)\n"
    )


def test_a_hint_after_a_passing_check_says_the_lesson_passes(tmp_path: Path) -> None:
    """After `lesson check 1` passed, `lesson hint 1` said "(no failed check recorded yet: this
    is the lesson's first new case)" and gave case 01.1's hint, counted in the progress file
    (found by a new-user check). It says the check passed and what comes next."""
    progress = tmp_path / "p.json"
    solution = LESSONS[1].folder / "solution.py"
    checked = runner.invoke(
        app, ["lesson", "check", "1", "--cmd", _cmd(solution), "--progress", str(progress)]
    )
    assert checked.exit_code == 0, checked.output
    for lang, said in (
        ("en", "passed every case, so there is nothing to hint at. Next: lesson 2"),
        ("ru", "прошла все случаи — подсказывать нечего. Дальше — урок 2"),
    ):
        hint = runner.invoke(
            app, ["lesson", "hint", "1", "--progress", str(progress), "--lang", lang]
        )
        assert hint.exit_code == 0 and said in hint.output, hint.output
        assert "01.1" not in hint.output
    build = json.loads(progress.read_text(encoding="utf-8"))["lessons"]["1"]["build"]
    assert "hints" not in build


def test_a_server_too_deep_for_pythons_parser_is_one_line(tmp_path: Path) -> None:
    """`x = ------…1` a hundred thousand deep made ast.parse raise MemoryError (or
    RecursionError), and `lesson check` said 'internal error: MemoryError:' (exit 3)."""
    server = tmp_path / "server.py"
    server.write_text("x = " + "-" * 100_000 + "1\n", encoding="utf-8")
    result = runner.invoke(app, ["lesson", "check", "1", "--cmd", _cmd(server)])
    assert result.exit_code == 1, result.output
    assert f"cannot check: {server}: the server does not parse: nested too deeply" in result.output
    assert "internal error" not in result.output


def test_class_status_counts_a_later_lessons_passed_check_for_the_lessons_before(
    tmp_path: Path,
) -> None:
    """A check of lesson N runs the cases of lessons 1..N. Bob failed check 3, fixed his
    server and passed check 4 (lesson 3's cases included): he was shown 'stuck at lesson 3,
    failing 03.2' and ranked below a learner who had passed check 1 alone. Student 2 came after
    student 10, and a hand-edited file's lesson "99999" and count 10**30 were taken as they
    were. Real progress files, written by real checks."""
    bob = tmp_path / "bob.json"
    lesson_3_starter, lesson_4_solution = LESSONS[3].folder, LESSONS[5].folder
    for lesson, folder in ((3, lesson_3_starter), (4, lesson_4_solution)):
        server = folder / "starter.py"
        check = ["lesson", "check", str(lesson), "--cmd", _cmd(server), "--progress", str(bob)]
        runner.invoke(app, [*check, "--timeout", "1"])
    record = json.loads(bob.read_text(encoding="utf-8"))["lessons"]
    assert record["3"]["build"]["passed"] is False and record["4"]["build"]["passed"] is True
    for name, lessons in {
        "student2": {"1": {"build": {"passed": True}}},
        "student10": {"1": {"build": {"passed": True}}},
        "mallory": {
            "99999": {"build": {"passed": True}},
            "1": {"build": {"passed": "no", "failed": ["01.1"], "fail_counts": {"01.1": 10**30}}},
        },
    }.items():
        data = {"version": 1, "lessons": lessons}
        (tmp_path / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["class", "status", str(tmp_path)], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    rows = [line.split("│")[1:4] for line in result.output.splitlines() if line.startswith("│")]
    assert [[cell.strip() for cell in row] for row in rows] == [
        ["bob", "1-4", "—"],
        ["student2", "1", "—"],
        ["student10", "1", "—"],
        ["mallory", "none", "lesson 1"],
    ]
    assert "stuck: lesson 1: 1" in result.output  # mallory; nobody at lesson 3
    assert "1000000000000000000000000000000" not in result.output
    assert "03.2" in result.output  # bob's failed runs of check 3 still count


def test_class_status_names_a_skipped_file_on_one_line(tmp_path: Path) -> None:
    """'skipped /long/path/…/notes.json: not an httplab progress file' was wrapped at 80
    columns inside the path ('skipped \\n/tmp/…/notes.json: not an\\nhttplab …'), so the
    instructor could not copy it."""
    folder = tmp_path / ("a-rather-long-folder-name-for-a-class-of-thirty" * 2)
    folder.mkdir()
    (folder / "notes.json").write_text("[1, 2]", encoding="utf-8")
    (folder / "ada.json").write_text(
        json.dumps({"version": 1, "lessons": {"1": {"build": {"passed": True}}}}), encoding="utf-8"
    )
    result = runner.invoke(app, ["class", "status", str(folder)])
    assert result.exit_code == 0, result.output
    assert f"skipped {folder / 'notes.json'}: not an httplab progress file\n" in result.output
    assert "build progress of 1 learner" in result.output
