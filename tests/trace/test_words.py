"""One lookup for every `{en, ru}` word table, and one Russian plural rule for counts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from httplab.trace.words import count_bytes, localized, plural_ru

PACKAGE = Path(__file__).parents[2] / "httplab"


@pytest.mark.parametrize(
    ("count", "word"),
    [
        (0, "байт"),
        (1, "байт"),
        (2, "байта"),
        (3, "байта"),
        (4, "байта"),
        (5, "байт"),
        (11, "байт"),
        (12, "байт"),
        (14, "байт"),
        (20, "байт"),
        (21, "байт"),
        (22, "байта"),
        (104, "байта"),
        (111, "байт"),
        (112, "байт"),
        (1001, "байт"),
    ],
)
def test_russian_byte_counts_take_the_form_their_last_digits_ask(count: int, word: str) -> None:
    assert count_bytes(count, "ru") == f"{count} {word}"


def test_plural_ru_picks_one_few_many() -> None:
    forms = [plural_ru(n, "строка", "строки", "строк") for n in (1, 2, 5, 11, 21, 23, 25)]
    assert forms == ["строка", "строки", "строк", "строк", "строка", "строки", "строк"]


def test_english_byte_counts() -> None:
    assert [count_bytes(n) for n in (0, 1, 2)] == ["0 bytes", "1 byte", "2 bytes"]


def test_localized_reads_a_table_and_fills_it_in() -> None:
    table = {"sent": {"en": "{n} sent", "ru": "отправлено: {n}"}}
    assert localized(table, "sent", "ru", n=3) == "отправлено: 3"
    assert localized(table, "sent", "de", n=3) == "3 sent"  # anything else: English
    assert localized(table, "sent") == "{n} sent"


def test_no_area_writes_its_own_lookup_of_a_word_table() -> None:
    """The 2-line `WORDS[key]["ru" if lang == "ru" else "en"]` was written in 5 places."""
    own = re.compile(r"\b(WORDS|UI|MESSAGES)\[\w+\]\[")
    found = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if own.search(path.read_text(encoding="utf-8"))
    ]
    assert found == [], found
