"""Judge one exchange against a step: passed, a known mistake (with its hint), or unrelated.

The check is tried first; then the step's mistakes in the order the lesson lists them, so an
author puts the most specific mistake first. An exchange that is neither (the learner tried
something else) is "unrelated": the step keeps waiting and nothing is counted against anyone.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Literal

from httplab.lessons.facts import Facts, facts_of
from httplab.lessons.model import Match, Mistake, Step
from httplab.trace.records import ExchangeRecord

Verdict = Literal["passed", "mistake", "unrelated"]


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    step_id: str
    mistake: Mistake | None = None  # set when verdict == "mistake"
    mistake_index: int = -1  # its position in the step's list (for the class board)


def judge(step: Step, record: ExchangeRecord) -> Outcome:
    facts = facts_of(record)
    if matches(step.check, facts):
        return Outcome("passed", step.id)
    for index, mistake in enumerate(step.mistakes):
        if matches(mistake.when, facts):
            return Outcome("mistake", step.id, mistake, index)
    return Outcome("unrelated", step.id)


def matches(match: Match, facts: Facts) -> bool:
    """Does every condition set in `match` hold for `facts`?"""
    simple = (
        (match.method, facts.method),
        (match.path, facts.path),
        (match.target, facts.target),
        (match.version, facts.version),
        (match.parsed, facts.parsed),
        (match.framing, facts.framing),
        (match.target_form, facts.target_form),
        (match.stray_bytes, facts.stray_bytes),
        (match.body_cut_utf8, facts.body_cut_utf8),
        (match.reused_connection, facts.reused_connection),
        (match.body_length, len(facts.body)),
    )
    if any(wanted is not None and wanted != actual for wanted, actual in simple):
        return False
    if match.status and facts.status not in match.status:
        return False
    if match.path_prefix is not None and not facts.path.startswith(match.path_prefix):
        return False
    if any(len(facts.request_fields.get(n.lower(), [])) < 2 for n in match.request_repeats):
        return False
    if match.note is not None and match.note not in facts.notes:
        return False
    if not _fields_hold(match.request_has, match.request_lacks, facts.request_fields):
        return False
    if not _fields_hold(match.trailer_has, (), facts.trailer_fields):
        return False
    if not _fields_hold(match.response_has, match.response_lacks, facts.response_fields):
        return False
    if not _values_hold(match.request_header, facts.request_fields):
        return False
    if not _values_hold(match.response_header, facts.response_fields):
        return False
    if match.body_contains is not None and match.body_contains.encode() not in facts.body:
        return False
    return not (
        match.response_body_contains is not None
        and match.response_body_contains.encode() not in facts.response_body
    )


def _fields_hold(
    has: tuple[str, ...], lacks: tuple[str, ...], present: dict[str, list[str]]
) -> bool:
    return all(name.lower() in present for name in has) and not any(
        name.lower() in present for name in lacks
    )


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
"""A-Z to a-z and nothing else: a field value is wire text (ISO-8859-1), where str.casefold()
would read "ß" as "ss" and str.lower() "\xc0" as "\xe0"."""


def _values_hold(wanted: tuple[tuple[str, str], ...], present: dict[str, list[str]]) -> bool:
    """Each named field has a value containing the text (case-insensitively, ASCII only)."""
    return all(
        any(
            text.translate(_ASCII_LOWER) in value.translate(_ASCII_LOWER)
            for value in present.get(name.lower(), [])
        )
        for name, text in wanted
    )
