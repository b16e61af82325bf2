"""Reading `name` and `age` for a new user from the query string, a form body or a JSON body.

Each field may come from exactly one place, once. Every problem is reported with the field it
concerns and why, so `POST /users?name=Vasya` answers "age: missing" rather than a bare 400.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from httplab.protocol.messages import Request

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
ACCEPTED_BODY_TYPES = (FORM, JSON)
MAX_NAME_LENGTH = 100
MAX_AGE = 150
FIELDS = ("name", "age")


class UserInputError(Exception):
    """The request cannot make a user; `status` is 400 (bad fields) or 415 (body type)."""

    def __init__(
        self, status: int, detail: str, field_errors: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field_errors = field_errors or {}


def media_type(content_type: str | None) -> str:
    """`application/json; charset=utf-8` → `application/json` (OWS is SP / HTAB only,
    RFC 9110 §5.6.3; `str.strip()` would also eat `\xa0`)."""
    return (content_type or "").partition(";")[0].strip(" \t").lower()


# Refused in a name besides C0 and DEL: C1 controls (U+0080–U+009F: U+009B is a terminal's
# CSI), bidirectional controls that reorder what a reader sees (Unicode TR 9: ALM, LRM, RLM,
# LRE…RLO, LRI…PDI) and the line/paragraph separators.
REFUSED_IN_NAMES = frozenset(
    [
        *range(0x00, 0x20),
        0x7F,
        *range(0x80, 0xA0),
        *(0x061C, 0x200E, 0x200F, 0x2028, 0x2029),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)


class _JSONProblem(ValueError):
    """A JSON document that parses but cannot be taken (duplicate names, lone surrogates)."""


def _refuse_duplicate_names(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # RFC 8259 §4: "The names within an object SHOULD be unique"; with duplicates "the
    # behavior of software ... is unpredictable" (Python keeps the last): refuse, as the
    # query string refuses a field given twice.
    document: dict[str, object] = {}
    for key, value in pairs:
        if key in document:
            raise _JSONProblem(f"the name {json.dumps(key)[:40]} appears twice in one object")
        document[key] = value
    return document


def _refuse_lone_surrogates(document: object) -> None:
    """RFC 8259 §8.2: a string with an unpaired surrogate ("\\ud800") cannot be UTF-8, so it
    can be neither stored nor sent back; refuse the body (iteratively: any depth)."""
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            strings = [item]
        elif isinstance(item, dict):
            strings = list(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            strings = []
            pending.extend(item)
        else:
            continue
        for text in strings:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise _JSONProblem(
                    "a string holds an unpaired surrogate escape (\\ud800-\\udfff alone), "
                    "which is not Unicode text (RFC 8259 §8.2)"
                ) from exc


def read_new_user(request: Request) -> tuple[str, int]:
    """The validated (name, age) of a `POST /users` or a `PUT /users/ID`, or
    `UserInputError`."""
    name, age = read_user_fields(request)
    assert name is not None and age is not None  # both required: read_user_fields checked
    return name, age


def read_user_fields(request: Request, *, partial: bool = False) -> tuple[str | None, int | None]:
    """The validated name and age in the request; with `partial` (a PATCH) a field may be
    left out (None) but not both. Same rules as a new user's, same `UserInputError`."""
    sources: dict[str, list[tuple[str, object]]] = {name: [] for name in FIELDS}
    for name, texts in _query_fields(request.query_string).items():
        if name in sources:
            sources[name].extend(("the query string", v) for v in texts)
    if request.body:
        where, fields = _body_fields(request)
        for name, items in fields.items():
            if name in sources:
                sources[name].extend((where, v) for v in items)

    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    for name, found in sources.items():
        if not found:
            if not partial:
                errors[name] = "missing (send it in the query string, a form body or a JSON body)"
        elif len(found) > 1:
            places = list(dict.fromkeys(where for where, _ in found))
            errors[name] = f"given {len(found)} times (in {' and '.join(places)}); send it once"
        else:
            values[name] = found[0][1]
    if partial and not values and not errors:
        raise UserInputError(
            400,
            "nothing to change: send name, age or both (in the query string, a form body or "
            "a JSON body)",
        )
    name_value = _check_name(values["name"], errors) if "name" in values else None
    age_value = _check_age(values["age"], errors) if "age" in values else None
    if errors:
        detail = "; ".join(f"{field}: {why}" for field, why in errors.items())
        raise UserInputError(400, detail, errors)
    return name_value, age_value


def _query_fields(query_string: str) -> dict[str, list[str]]:
    try:
        return parse_qs(query_string, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise UserInputError(400, "query string: percent-escapes are not UTF-8") from exc


def _body_fields(request: Request) -> tuple[str, dict[str, list[object]]]:
    kind = media_type(request.headers.get("content-type"))
    if kind == FORM:
        try:
            text = request.body.decode("utf-8")
            form = parse_qs(text, keep_blank_values=True, errors="strict")
            return "the form body", {key: list[object](items) for key, items in form.items()}
        except UnicodeDecodeError as exc:
            raise UserInputError(400, "form body: not UTF-8") from exc
    if kind == JSON or kind.endswith("+json"):
        try:
            document = json.loads(
                request.body.decode("utf-8"), object_pairs_hook=_refuse_duplicate_names
            )
            _refuse_lone_surrogates(document)
        except UnicodeDecodeError as exc:
            raise UserInputError(400, "JSON body: not UTF-8 (RFC 8259 §8.1)") from exc
        except _JSONProblem as exc:
            raise UserInputError(400, f"JSON body: {exc}") from exc
        except ValueError as exc:
            raise UserInputError(400, f"JSON body: not valid JSON ({exc})") from exc
        except RecursionError as exc:
            raise UserInputError(400, "JSON body: nested too deeply") from exc
        if not isinstance(document, dict):
            raise UserInputError(
                400, 'JSON body: must be an object like {"name": "Vasya", "age": 42}'
            )
        return "the JSON body", {key: [value] for key, value in document.items()}
    what = f"a body of type {kind}" if kind else "a body without a Content-Type"
    raise UserInputError(415, f"{what} cannot be read; send {FORM} or {JSON}")


def _check_name(value: object, errors: dict[str, str]) -> str | None:
    if not isinstance(value, str):
        errors["name"] = f"must be a string, got {json.dumps(value)[:40]}"
        return None
    if not value.strip():
        errors["name"] = "must not be empty"
        return None
    if len(value) > MAX_NAME_LENGTH:
        errors["name"] = f"must be at most {MAX_NAME_LENGTH} characters, got {len(value)}"
        return None
    if any(ord(ch) in REFUSED_IN_NAMES for ch in value):
        errors["name"] = (
            "must not contain control characters (C0, DEL, C1, bidirectional controls or "
            "line separators)"
        )
        return None
    return value


def _check_age(value: object, errors: dict[str, str]) -> int | None:
    expected = f"must be a whole number from 0 to {MAX_AGE}"
    if isinstance(value, bool):  # JSON true is an int in Python; not an age
        errors["age"] = f"{expected}, got {json.dumps(value)}"
        return None
    if isinstance(value, int):
        age = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 4:
        age = int(value)
    else:
        shown = json.dumps(value)
        errors["age"] = f"{expected}, got {shown[:40]}"
        return None
    if not 0 <= age <= MAX_AGE:
        errors["age"] = f"{expected}, got {age}"
        return None
    return age
