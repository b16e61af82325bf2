"""Words in the user's language: one lookup for every area's `{en, ru}` table, one plural rule.

Each area keeps its own table (the client's `*` lines, the views' labels, the lesson check's
report, the lesson pane), all of one shape: `{key: {"en": text, "ru": text}}`, a text possibly
with `{name}` places. `localized` is the one way to read such a table; it lives in this low
layer, as `wire_text` does, so that the client, render, lessons and tui can all import it.

Russian counts take one of three forms (1 байт, 2 байта, 5 байт; 21 байт, 22 байта, 11 байт):
`plural_ru` picks the form, `count_bytes` writes "N bytes" in either language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar, cast

LangKey = TypeVar("LangKey", bound=str)  # str, or a Literal["en", "ru"] of the table's own


def localized(
    table: Mapping[str, Mapping[LangKey, str]], key: str, lang: str = "en", /, **values: object
) -> str:
    """The text named `key` in `lang` ("ru" or anything else: English), `values` filled in
    (any names, `key` and `lang` too: the first three are positional only)."""
    text = table[key][cast(LangKey, "ru" if lang == "ru" else "en")]
    return text.format(**values) if values else text


def plural_ru(count: int, one: str, few: str, many: str) -> str:
    """The Russian form for `count`: `one` for 1, 21, 101 …; `few` for 2-4, 22-24 …; `many`
    for 0, 5-20, 11-14, 25 … (the last two digits 11-14 always take `many`)."""
    tens, units = abs(count) % 100, abs(count) % 10
    if units == 1 and tens != 11:
        return one
    if 2 <= units <= 4 and not 12 <= tens <= 14:
        return few
    return many


def byte_word(count: int, lang: str = "en") -> str:
    """The unit after `count`: "byte"/"bytes"; "байт"/"байта"/"байт"."""
    if lang == "ru":
        return plural_ru(count, "байт", "байта", "байт")
    return "byte" if count == 1 else "bytes"


def count_bytes(count: int, lang: str = "en", *, grouped: bool = False) -> str:
    """`count` with its unit: "1 byte", "2 bytes"; "1 байт", "2 байта", "5 байт" (`grouped`:
    thousands separated, "1,024 bytes")."""
    number = f"{count:,}" if grouped else str(count)
    return f"{number} {byte_word(count, lang)}"
