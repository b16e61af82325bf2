"""Read one lesson folder into a `Lesson`, refusing anything malformed with a clear message.

Every error names the file and, inside `steps.toml`, the step (`LessonError`), so an author sees
`lessons/04-host/steps.toml: step 'no-host': check: unknown key 'stauts'` rather than a KeyError.
The format itself is documented in lessons/README.md.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any, cast, get_args

from httplab.lessons.model import (
    HINT_LEVELS,
    LANGS,
    Framing,
    Lesson,
    Localized,
    Match,
    Mistake,
    Prediction,
    ServerOptions,
    Step,
    TargetForm,
)

STEPS_FILE = "steps.toml"
TEXT_FILES = {"en": "lesson.md", "ru": "lesson.ru.md"}
WALKTHROUGH_FILE = "walkthrough.txt"
FOLDER = re.compile(r"(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)")
STEP_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MATCH_FIELDS = {f.name: f for f in fields(Match)}
_SERVER_FIELDS = {f.name for f in fields(ServerOptions)}


class LessonError(ValueError):
    """A lesson folder or file is not what the format says; the message names where."""


class _Where:
    """Builds error messages that say where: file, then step."""

    def __init__(self, path: Path, step: str = "") -> None:
        self.path = path
        self.step = step

    def error(self, message: str) -> LessonError:
        where = f"{self.path}: step {self.step!r}: " if self.step else f"{self.path}: "
        return LessonError(where + message)


def parse_folder_name(name: str) -> tuple[int, str] | None:
    """`04-host` → (4, "host"); None for a folder that is not a lesson."""
    matched = FOLDER.fullmatch(name)
    if matched is None or int(matched.group(1)) == 0:
        return None
    return int(matched.group(1)), matched.group(2)


def load_lesson_folder(folder: Path) -> Lesson:
    """Read `folder` (lessons/NN-slug) or raise LessonError."""
    parsed = parse_folder_name(folder.name)
    if parsed is None:
        raise LessonError(f"{folder}: a lesson folder is named NN-slug, like 01-what-is-a-request")
    number, slug = parsed
    texts = {}
    for lang, name in TEXT_FILES.items():
        try:
            texts[lang] = (folder / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LessonError(f"{folder / name}: cannot read: {exc}") from None
    steps_path = folder / STEPS_FILE
    try:
        data = tomllib.loads(steps_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonError(f"{steps_path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise LessonError(f"{steps_path}: not valid TOML: {exc}") from None
    where = _Where(steps_path)
    _only_keys(data, {"title", "server", "step"}, where, "the file")
    title = _localized(data.get("title"), where, "title")
    server = _server(data.get("server", {}), where)
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise where.error("no steps: add at least one [[step]] table")
    steps = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_steps, 1):
        if not isinstance(raw, dict):
            raise where.error(f"[[step]] number {index} is not a table")
        step = _step(raw, _Where(steps_path, str(raw.get("id", f"#{index}"))))
        if step.id in seen:
            raise where.error(f"two steps are called {step.id!r}")
        seen.add(step.id)
        steps.append(step)
    return Lesson(
        number=number,
        slug=slug,
        path=str(folder),
        title=title,
        text=Localized(texts["en"], texts["ru"]),
        steps=tuple(steps),
        server=server,
    )


def _step(raw: dict[str, Any], where: _Where) -> Step:
    _only_keys(
        raw,
        {
            "id",
            "title",
            "task",
            "screen",
            "check",
            "notice",
            "hints",
            "mistake",
            "predict",
            "server",
        },
        where,
        "a step",
    )
    step_id = raw.get("id")
    if not isinstance(step_id, str) or not STEP_ID.fullmatch(step_id):
        raise where.error("id: a step needs an id of lower-case letters, digits and dashes")
    check = _match(raw.get("check"), where, "check")
    if check.is_empty():
        raise where.error("check: an empty check would pass any exchange")
    hints_raw = raw.get("hints", [])
    if not isinstance(hints_raw, list) or len(hints_raw) > len(HINT_LEVELS):
        raise where.error(f"hints: a list of at most {len(HINT_LEVELS)} ({', '.join(HINT_LEVELS)})")
    hints = tuple(_localized(h, where, f"hints[{i}]") for i, h in enumerate(hints_raw))
    mistakes_raw = raw.get("mistake", [])
    if not isinstance(mistakes_raw, list):
        raise where.error("mistake: use [[step.mistake]] tables")
    mistakes = tuple(_mistake(m, where, i) for i, m in enumerate(mistakes_raw))
    predict = _prediction(raw["predict"], where) if "predict" in raw else None
    screen = _localized(raw["screen"], where, "screen") if "screen" in raw else None
    return Step(
        id=step_id,
        title=_localized(raw.get("title"), where, "title"),
        task=_localized(raw.get("task"), where, "task"),
        check=check,
        notice=_localized(raw.get("notice"), where, "notice"),
        hints=hints,
        mistakes=mistakes,
        predict=predict,
        server=_server(raw.get("server", {}), where),
        screen=screen,
    )


def _mistake(raw: Any, where: _Where, index: int) -> Mistake:
    name = f"mistake[{index}]"
    if not isinstance(raw, dict):
        raise where.error(f"{name}: not a table")
    _only_keys(raw, {"when", "hint", "example"}, where, name)
    when = _match(raw.get("when"), where, f"{name}.when")
    if when.is_empty():
        raise where.error(f"{name}.when: an empty condition would catch every exchange")
    example = raw.get("example", "")
    if not isinstance(example, str):
        raise where.error(f"{name}.example: a string (the input that makes this mistake)")
    return Mistake(when, _localized(raw.get("hint"), where, f"{name}.hint"), example)


def _prediction(raw: Any, where: _Where) -> Prediction:
    if not isinstance(raw, dict):
        raise where.error("predict: not a table")
    _only_keys(raw, {"question", "answers", "explain"}, where, "predict")
    answers = raw.get("answers")
    if (
        not isinstance(answers, list)
        or not answers
        or not all(isinstance(a, str) and a.strip() for a in answers)
    ):
        raise where.error("predict.answers: a non-empty list of accepted answers (strings)")
    return Prediction(
        question=_localized(raw.get("question"), where, "predict.question"),
        answers=tuple(answers),
        explain=_localized(raw.get("explain"), where, "predict.explain"),
    )


def _localized(raw: Any, where: _Where, name: str) -> Localized:
    if not isinstance(raw, dict):
        raise where.error(f'{name}: missing; write {name} = {{ en = "…", ru = "…" }}')
    _only_keys(raw, set(LANGS), where, name)
    texts = {}
    for lang in LANGS:
        text = raw.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise where.error(f"{name}: the {lang!r} text is missing or empty")
        texts[lang] = text.strip()
    return Localized(texts["en"], texts["ru"])


def _server(raw: Any, where: _Where) -> ServerOptions:
    if not isinstance(raw, dict):
        raise where.error("server: not a table")
    _only_keys(raw, _SERVER_FIELDS, where, "server")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "name":
            if not isinstance(value, str) or not value:
                raise where.error("server.name: a host name, like example.local")
        elif key.endswith("_timeout"):
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise where.error(f"server.{key}: a positive number of seconds")
            value = float(value)
        else:
            least = {"max_body": 0, "max_fields": 1}.get(key, 16)  # as `serve` accepts them
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                unit = "field lines" if key == "max_fields" else "bytes"
                raise where.error(f"server.{key}: a number of {unit}, at least {least}")
        values[key] = value
    return ServerOptions(**values)


def _match(raw: Any, where: _Where, name: str) -> Match:
    if not isinstance(raw, dict):
        raise where.error(f'{name}: missing; a table like {{ method = "GET", status = 200 }}')
    _only_keys(raw, set(_MATCH_FIELDS), where, name)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        values[key] = _match_value(key, value, where, f"{name}.{key}")
    return Match(**values)


def _match_value(key: str, value: Any, where: _Where, name: str) -> Any:
    if key == "status":
        items = value if isinstance(value, list) else [value]
        if not items or not all(
            isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 599 for v in items
        ):
            raise where.error(f"{name}: a status code or a list of them (100-599)")
        return tuple(items)
    if key in (
        "request_has",
        "request_lacks",
        "response_has",
        "response_lacks",
        "request_repeats",
        "trailer_has",
    ):
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise where.error(f"{name}: a list of header names")
        return tuple(value)
    if key in ("request_header", "response_header"):
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise where.error(f"{name}: a table of header name = text")
        return tuple(value.items())
    if key in ("parsed", "stray_bytes", "body_cut_utf8", "reused_connection"):
        if not isinstance(value, bool):
            raise where.error(f"{name}: true or false")
        return value
    if key == "body_length":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise where.error(f"{name}: a number of bytes")
        return value
    if key == "framing":
        if value not in get_args(Framing):
            raise where.error(f"{name}: one of {', '.join(get_args(Framing))}")
        return cast(Framing, value)
    if key == "target_form":
        if value not in get_args(TargetForm):
            raise where.error(f"{name}: one of {', '.join(get_args(TargetForm))}")
        return cast(TargetForm, value)
    if not isinstance(value, str) or not value:
        raise where.error(f"{name}: a non-empty string")
    return value


def _only_keys(raw: dict[str, Any], allowed: set[str], where: _Where, what: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise where.error(
            f"{what}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
        )
