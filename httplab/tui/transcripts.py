"""Saving exchanges from the trace screen: the trace layer's transcript writer, to a file."""

from __future__ import annotations

from pathlib import Path

from httplab.trace.records import ExchangeRecord


def save_transcript(records: list[ExchangeRecord], path: Path) -> None:
    from httplab.trace.transcript import write_transcript

    write_transcript(records, path)
