"""What `--plain` itself says, in both languages of the course (the lessons' own texts are
in their folders)."""

from __future__ import annotations

from httplab.lessons.model import Lang

UI: dict[str, dict[Lang, str]] = {
    "step": {"en": "Step", "ru": "Шаг"},
    "task": {"en": "Task", "ru": "Задание"},
    "server": {"en": "the lesson's server listens on", "ru": "сервер урока слушает"},
    "students": {
        "en": "students send to {urls} (httplab repl --to …, curl, nc); :board shows the class",
        "ru": "студенты шлют на {urls} (httplab repl --to …, curl, nc); :board — доска класса",
    },
    "usage": {
        "en": "type a request as in `httplab repl`; :hint for a hint, :help for commands",
        "ru": "введите запрос, как в `httplab repl`; :hint — подсказка, :help — команды",
    },
    "prompt-lesson": {"en": "lesson> ", "ru": "урок> "},
    "prompt-answer": {"en": "answer> ", "ru": "ответ> "},
    "predict": {"en": "Predict", "ru": "Предскажите"},
    "answer": {"en": "type your answer", "ru": "введите ответ"},
    "skipped": {
        "en": "(sent without an answer to the question: see what the server says)",
        "ru": "(отправлено без ответа на вопрос: посмотрите, что скажет сервер)",
    },
    "right": {"en": "✓ right", "ru": "✓ верно"},
    "wrong": {"en": "✗ not quite; the answer is", "ru": "✗ не совсем; ответ:"},
    "passed": {"en": "✓ passed", "ru": "✓ пройдено"},
    "notice": {"en": "Notice", "ru": "Обратите внимание"},
    "mistake": {"en": "✗ not yet", "ru": "✗ пока нет"},
    "unrelated": {
        "en": "· not what this step asks for; :hint for a hint",
        "ru": "· это не то, что просит шаг; :hint — подсказка",
    },
    "server_saw": {"en": "server saw", "ru": "сервер получил"},
    "nudge": {"en": "nudge", "ru": "намёк"},
    "pointer": {"en": "pointer", "ru": "указатель"},
    "near-answer": {"en": "near-answer", "ru": "почти ответ"},
    "no_hints": {"en": "no more hints for this step", "ru": "подсказок больше нет"},
    "done": {
        "en": "✓ lesson complete: every step passed",
        "ru": "✓ урок пройден: все шаги выполнены",
    },
    "leave": {"en": "(Enter leaves)", "ru": "(Enter — выход)"},
    "ended": {
        "en": "input ended; steps passed: {passed}/{total} (progress is kept)",
        "ru": "ввод закончился; пройдено шагов: {passed}/{total} (прогресс сохранён)",
    },
    "again": {
        "en": "you finished this lesson before; going through it again",
        "ru": "вы уже прошли этот урок; проходим заново",
    },
    "restart": {
        "en": "the server restarts with this step's options",
        "ru": "сервер перезапускается с настройками этого шага",
    },
    "elsewhere": {
        "en": "that URL names another server ({where}); in a lesson every request goes to the "
        "lesson's server: type the path, or a raw request with the URL as its target",
        "ru": "этот URL указывает на другой сервер ({where}); в уроке все запросы идут серверу "
        "урока: наберите путь или «сырой» запрос с URL в качестве цели",
    },
    "bare-word": {
        "en": "{text!r} was not sent: one word alone is read as a server's name. If it is a "
        "body, the empty line above already sent the request: a body goes with a request only "
        "when its head says how long it is (Content-Length: N before the empty line, RFC 9112 "
        "§6.3)",
        "ru": "{text!r} не отправлено: одно слово читается как имя сервера. Если это тело, то "
        "пустая строка выше уже отправила запрос: тело уходит с запросом, только если заголовок "
        "говорит его длину (Content-Length: N перед пустой строкой, RFC 9112 §6.3)",
    },
    "unknown": {"en": "unknown command {name}; :help", "ru": "неизвестная команда {name}; :help"},
    "not-utf8": {
        "en": "error: the input holds bytes that are not UTF-8; type \\xNN escapes",
        "ru": "ошибка: во вводе есть байты не в UTF-8; набирайте их как \\xNN",
    },
    "bom": {
        "en": "the input starts with a byte order mark (U+FEFF): left out",
        "ru": "ввод начинается с метки порядка байтов (U+FEFF): она пропущена",
    },
    "lang-usage": {
        "en": ":lang en or :lang ru (the lesson is in {now} now)",
        "ru": ":lang en или :lang ru (сейчас урок на языке {now})",
    },
}

HELP: dict[Lang, str] = {
    "en": """\
Lesson commands:
  :hint            the next hint (nudge → pointer → near-answer)
  :step            show the step again        :next / :prev   move between steps
  :text            the lesson's text again
  :lang en|ru      switch the language        :board          the class board
  :quit            leave (progress is kept)
Client commands (as in httplab repl): :crlf :hexdump :last :close""",
    "ru": """\
Команды урока:
  :hint            следующая подсказка (намёк → указатель → почти ответ)
  :step            показать шаг снова          :next / :prev   перейти между шагами
  :text            текст урока ещё раз
  :lang en|ru      сменить язык                :board          доска класса
  :quit            выйти (прогресс сохранится)
Команды клиента (как в httplab repl): :crlf :hexdump :last :close""",
}
