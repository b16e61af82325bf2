"""rich renderables of trace records and wire bytes, shared by the TUI and the plain printer.

Every view is a small class with `__rich_console__` that uses style names from `theme.py` and
turns wire bytes into text only through `escape.py`.
"""

from httplab.render.body_preview import body_preview
from httplab.render.bytes_views import HexdumpView, RawBytesView
from httplab.render.escape import escape_bytes, escape_text, escaped_text, text_position
from httplab.render.exchange_views import (
    ConnectionEventView,
    ExchangeSummary,
    ExchangeView,
    NotesView,
    exchange_label,
)
from httplab.render.fields import field_span, selectable_keys
from httplab.render.request_views import FieldsTable, HeadersTable, ParsedTreeView
from httplab.render.response_view import ResponseView
from httplab.render.theme import HIGH_CONTRAST_THEME, THEME, THEMES, status_style

__all__ = [
    "HIGH_CONTRAST_THEME",
    "THEME",
    "THEMES",
    "ConnectionEventView",
    "ExchangeSummary",
    "ExchangeView",
    "FieldsTable",
    "HeadersTable",
    "HexdumpView",
    "NotesView",
    "ParsedTreeView",
    "RawBytesView",
    "ResponseView",
    "body_preview",
    "escape_bytes",
    "escape_text",
    "escaped_text",
    "exchange_label",
    "field_span",
    "selectable_keys",
    "status_style",
    "text_position",
]
