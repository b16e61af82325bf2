"""JSON with holes: what `expect json …` in a transcript matches a response body against.

A pattern is JSON text plus two marks, written where JSON allows a value:

    *      any value here (a number, string, object, list, true/false/null)
    ...    as the last entry of an object: any further keys; of a list: any further items

    {"id": *, "name": "ada"}              exactly these two keys; any id, the name "ada"
    {"name": "ada", ...}                   the name "ada", other keys allowed
    [*, *]                                 a list of exactly two values
    [{"name": "ada", ...}, ...]            a list whose first item has the name "ada"
    *                                      any JSON at all

Everything else is compared as JSON values: key order and whitespace do not matter, a string
must equal, a number must equal (1 and 1.0 are equal; true is not 1).

    parse_pattern(text) -> Pattern          (PatternError says where the text is wrong)
    match_json(pattern, value) -> str | None   None when it matches, else where and why

A pattern nests at most MAX_DEPTH levels: parsing one deeper (`[[[[…]]]]` in a transcript's
`expect json`) ran out of recursion at 500 levels, and matching walks as deep as the pattern.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 200
"""Most levels of nested objects and lists in a pattern."""


class PatternError(ValueError):
    """A pattern that is not JSON-with-holes; the message says at which character."""


@dataclass(frozen=True)
class _Hole:
    def __repr__(self) -> str:
        return "*"


HOLE: Any = _Hole()
"""`*`: matches any value."""


@dataclass(frozen=True)
class Open:
    """An object or list written with a final `...`: more keys or items are allowed."""

    value: dict[str, Any] | list[Any]


Pattern = Any  # JSON values, HOLE, or Open around a dict or list
_DECODER = json.JSONDecoder()
_SPACE = " \t\r\n"


def parse_pattern(text: str) -> Pattern:
    """The pattern written in `text` (the rest of an `expect json` line)."""
    value, end = _value(text, _skip(text, 0), 0)
    end = _skip(text, end)
    if end != len(text):
        raise PatternError(f"unexpected {text[end : end + 10]!r} at character {end + 1}")
    return value


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in _SPACE:
        at += 1
    return at


def _value(text: str, at: int, depth: int) -> tuple[Pattern, int]:
    if at >= len(text):
        raise PatternError("the pattern ends where a value should be")
    char = text[at]
    if char == "*":
        return HOLE, at + 1
    if char in "{[" and depth >= MAX_DEPTH:
        raise PatternError(f"nested deeper than {MAX_DEPTH} levels at character {at + 1}")
    if char == "{":
        return _object(text, at + 1, depth + 1)
    if char == "[":
        return _list(text, at + 1, depth + 1)
    try:
        return _DECODER.raw_decode(text, at)
    except json.JSONDecodeError:
        raise PatternError(f"not a JSON value or '*' at character {at + 1}") from None


def _rest(text: str, at: int, close: str) -> int | None:
    """After `...`: the index past the closing bracket, or None when this is not `...`."""
    if not text.startswith("...", at):
        return None
    end = _skip(text, at + 3)
    if not text.startswith(close, end):
        raise PatternError(f"'...' must be the last entry, before {close!r} (character {at + 1})")
    return end + 1


def _object(text: str, at: int, depth: int) -> tuple[Pattern, int]:
    result: dict[str, Any] = {}
    at = _skip(text, at)
    if text.startswith("}", at):
        return result, at + 1
    while True:
        rest = _rest(text, at, "}")
        if rest is not None:
            return Open(result), rest
        if not text.startswith('"', at):
            raise PatternError(f"expected a \"key\" or '...' at character {at + 1}")
        key, at = _DECODER.raw_decode(text, at)
        at = _skip(text, at)
        if not text.startswith(":", at):
            raise PatternError(f"expected ':' at character {at + 1}")
        result[key], at = _value(text, _skip(text, at + 1), depth)
        at = _skip(text, at)
        if text.startswith("}", at):
            return result, at + 1
        if not text.startswith(",", at):
            raise PatternError(f"expected ',' or '}}' at character {at + 1}")
        at = _skip(text, at + 1)


def _list(text: str, at: int, depth: int) -> tuple[Pattern, int]:
    result: list[Any] = []
    at = _skip(text, at)
    if text.startswith("]", at):
        return result, at + 1
    while True:
        rest = _rest(text, at, "]")
        if rest is not None:
            return Open(result), rest
        item, at = _value(text, at, depth)
        result.append(item)
        at = _skip(text, at)
        if text.startswith("]", at):
            return result, at + 1
        if not text.startswith(",", at):
            raise PatternError(f"expected ',' or ']' at character {at + 1}")
        at = _skip(text, at + 1)


def _kind(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, dict) else "list" if isinstance(value, list) else "value"


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:59] + "…"


def match_json(pattern: Pattern, value: Any, path: str = "$") -> str | None:
    """None when `value` (parsed JSON) fits `pattern`; else the first difference, with where
    it is (`$.users[0].name`)."""
    if pattern is HOLE:
        return None
    is_open = isinstance(pattern, Open)
    wanted = pattern.value if isinstance(pattern, Open) else pattern
    if isinstance(wanted, dict):
        if not isinstance(value, dict):
            return f"{path}: expected an object, got {_kind(value)} {_shown(value)}"
        for key, inner in wanted.items():
            where = f"{path}.{key}" if key.isidentifier() else f"{path}[{json.dumps(key)}]"
            if key not in value:
                return f"{where}: missing"
            found = match_json(inner, value[key], where)
            if found:
                return found
        extra = [key for key in value if key not in wanted]
        if extra and not is_open:
            return f"{path}: unexpected key {json.dumps(extra[0])} (end the pattern with ...)"
        return None
    if isinstance(wanted, list):
        if not isinstance(value, list):
            return f"{path}: expected a list, got {_kind(value)} {_shown(value)}"
        if len(value) < len(wanted) or (len(value) > len(wanted) and not is_open):
            least = "at least " if is_open else ""
            return f"{path}: expected {least}{len(wanted)} item(s), got {len(value)}"
        for index, inner in enumerate(wanted):
            found = match_json(inner, value[index], f"{path}[{index}]")
            if found:
                return found
        return None
    if _kind(wanted) != _kind(value) or wanted != value:
        return f"{path}: expected {_shown(wanted)}, got {_shown(value)}"
    return None
