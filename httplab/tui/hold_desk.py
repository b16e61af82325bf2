"""What the hold keys do (issue 11.2): hold on/off, release, release all, edit the response.

The server parks requests on the shared `Intercept` (see `trace.intercept`); this desk shows
them (`sync` copies the held list into the trace state as rows) and decides on them. Editing
asks the app for its answer without sending it (a draft), opens it in the editor, and sends
what the teacher made of it: checked and framed again (`response_edit.check_response`), or as
typed (raw). Esc leaves the editor and keeps the request held; the text is kept for the next E.
A held request that was released meanwhile (its timeout) is said so, and the edit is not sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from httplab.render import exchange_label
from httplab.trace.intercept import Decision, DecisionKind, Intercept, Key, NoDraft
from httplab.trace.records import ExchangeRecord
from httplab.trace.wire_text import escape_latin1
from httplab.tui.response_edit import (
    EditError,
    check_response,
    editable_response,
    parsed_response,
    raw_bytes,
)
from httplab.tui.state import TraceState

HOLD_KEY = "H"
RELEASE_KEY = "a"
RELEASE_ALL_KEY = "A"
EDIT_RESPONSE_KEY = "E"
TEMPLATE = "HTTP/1.1 200 OK\nContent-Type: text/plain; charset=utf-8\n\nwritten by the teacher\n"
"""What the editor starts from when the app cannot draft its answer (a streaming app)."""


@dataclass(slots=True)
class EditSession:
    key: Key
    label: str  # "#3.1 GET /users"
    method: str
    body_escaped: bool
    error: str = ""  # why the last Ctrl-S was refused


class HoldDesk:
    def __init__(
        self,
        intercept: Intercept | None,
        state: TraceState,
        say: Callable[[str, str], None],
        spawn: Callable[[Coroutine[Any, Any, None]], None],
        invalidate: Callable[[], None],
        set_editor_text: Callable[[str], None],
        sync_focus: Callable[[], None],
    ) -> None:
        self.intercept = intercept
        self.state = state
        self._tell = say
        self._spawn = spawn
        self._invalidate = invalidate
        self._set_editor_text = set_editor_text
        self._sync_focus = sync_focus  # the editor opens and closes outside key handlers too
        self.editing: EditSession | None = None
        self._texts: dict[Key, tuple[str, bool]] = {}  # edits left with Esc, per request

    def _say(self, message: str, level: str = "info") -> None:
        self._tell(message, level)

    @property
    def available(self) -> bool:
        return self.intercept is not None

    @property
    def active(self) -> bool:
        return self.intercept is not None and self.intercept.active

    @property
    def count(self) -> int:
        return len(self.state.held)

    def sync(self) -> None:
        """Copy the server's held list into the state (on the screen's loop)."""
        if self.intercept is None:
            return
        held = self.intercept.held()
        self.state.set_held([h.record for h in held])
        keys = {h.key for h in held}
        self._texts = {k: v for k, v in self._texts.items() if k in keys}
        if self.editing is not None and self.editing.key not in keys:
            label, self.editing = self.editing.label, None
            self._say(
                f"{label} is no longer held (released on its own?): the edit was not sent",
                "warning",
            )
            self._sync_focus()
        self._invalidate()

    def seconds_left(self, record: ExchangeRecord) -> float | None:
        if self.intercept is None:
            return None
        held = self.intercept.get(_key(record))
        return held.seconds_left() if held is not None else None

    def soonest(self) -> float | None:
        """Seconds until the first held request is released on its own."""
        if self.intercept is None:
            return None
        left = [h.seconds_left() for h in self.intercept.held()]
        return min(left) if left else None

    # keys -------------------------------------------------------------------------------------
    def toggle(self) -> None:
        if self.intercept is None:
            self._say("holding needs httplab serve --trace", "warning")
            return
        on = not self.intercept.active
        released = self.intercept.set_active(on)
        timeout = f"{self.intercept.timeout:g}"
        if on:
            self._say(
                f"hold on: each request waits here before the app answers ({RELEASE_KEY} "
                f"releases, {RELEASE_ALL_KEY} all, {EDIT_RESPONSE_KEY} edits the response; "
                f"released on its own after {timeout} s)"
            )
        else:
            plural = "s" if released != 1 else ""
            self._say(f"hold off: {released} held request{plural} released")

    def release(self) -> None:
        record = self._selected_held(f"{RELEASE_KEY} releases")
        if record is None or self.intercept is None:
            return
        if self.intercept.release(_key(record)):
            self._say(f"{_label(record)} released: the app answers")
        else:
            self._say(f"{_label(record)} is no longer held", "warning")

    def release_all(self) -> None:
        if self.intercept is None:
            return
        count = self.intercept.release_all()
        if count:
            self._say(f"released {count} held request{'s' if count != 1 else ''}")
        else:
            self._say("nothing is held", "warning")

    def edit(self) -> None:
        record = self._selected_held(f"{EDIT_RESPONSE_KEY} edits the response of")
        if record is None or self.intercept is None:
            return
        key = _key(record)
        if key in self._texts:
            text, escaped = self._texts[key]
            self._open(record, text, escaped)
            return
        future = self.intercept.draft(key)
        if future is None:
            self._say(f"{_label(record)} is no longer held", "warning")
            return
        self._say(f"{_label(record)}: asking the app for its answer (not sent yet) …")
        self._spawn(self._open_draft(record, future))

    async def _open_draft(self, record: ExchangeRecord, draft: Future[bytes]) -> None:
        try:
            data = await asyncio.wrap_future(draft)
        except NoDraft as exc:  # write one from a template; a still gives it to the app
            if self.intercept is not None and self.intercept.get(_key(record)) is not None:
                self._open(record, TEMPLATE, False)
                self._say(
                    f"{exc}, so there is no answer to edit: write one (Ctrl-S sends it), "
                    f"or Esc and {RELEASE_KEY} lets the app answer"
                )
                self._sync_focus()
                self._invalidate()
            return
        except ConnectionError:
            self._say(f"{_label(record)} is no longer held", "warning")
            self._invalidate()
            return
        if self.intercept is None or self.intercept.get(_key(record)) is None:
            self._say(f"{_label(record)} was released before its answer was ready", "warning")
            self._invalidate()
            return
        editable = editable_response(data)
        # the app has run (a POST has created its user); only its answer waits
        self._open(
            record, editable.text, editable.body_escaped, "the app has run, its answer waits"
        )
        self._sync_focus()
        self._invalidate()

    def _open(self, record: ExchangeRecord, text: str, escaped: bool, state: str = "") -> None:
        self.editing = EditSession(_key(record), _label(record), record.method, escaped)
        self._set_editor_text(text)
        how = "; the body is shown with \\xNN escapes" if escaped else ""
        was = f" ({state})" if state else ""
        self._say(f"editing the response to {_label(record)}{was}: Ctrl-S sends it checked{how}")

    def send(self, text: str, *, raw: bool = False) -> None:
        """Ctrl-S (checked and framed again) or Ctrl-R (raw) in the editor."""
        session = self.editing
        if session is None or self.intercept is None:
            return
        if raw:
            data = raw_bytes(text, body_escaped=session.body_escaped)
            decision = Decision(DecisionKind.RAW, data, parsed_response(data, session.method))
            what = f"{len(data)} raw bytes sent as typed; the connection closes after them"
        else:
            try:
                checked = check_response(text, session.method, body_escaped=session.body_escaped)
            except EditError as exc:
                session.error = str(exc)
                self._say(f"not sent: {exc}", "error")
                return
            decision = Decision(
                DecisionKind.EDITED, checked.data, checked.response, tuple(checked.notes)
            )
            what = f"edited response sent ({len(checked.data)} bytes)"
            if checked.notes:
                what += ": " + "; ".join(checked.notes)
        self.editing = None
        self._texts.pop(session.key, None)
        if self.intercept.release(session.key, decision):
            self._say(f"{session.label}: {what}")
        else:
            self._say(f"{session.label} is no longer held: the edit was not sent", "warning")

    def leave(self, text: str) -> None:
        """Esc in the editor: the request stays held; E comes back to this text."""
        session = self.editing
        if session is None:
            return
        self._texts[session.key] = (text, session.body_escaped)
        self.editing = None
        self._say(
            f"{session.label} still held: {EDIT_RESPONSE_KEY} edits again, "
            f"{RELEASE_KEY} releases it with the app's answer"
        )

    def _selected_held(self, doing: str) -> ExchangeRecord | None:
        record = self.state.current
        if self.intercept is None:
            self._say("holding needs httplab serve --trace", "warning")
            return None
        if record is not None and self.state.is_held(record):
            return record
        if not self.state.held:
            hint = "" if self.intercept.active else f" ({HOLD_KEY} turns holding on)"
            self._say(f"nothing is held{hint}", "warning")
        else:
            self._say(
                f"{doing} a held request: select one marked ‖ (at the end of the list)", "warning"
            )
        return None


def _key(record: ExchangeRecord) -> Key:
    return (record.connection_id, record.number)


def _label(record: ExchangeRecord) -> str:
    """`#3.1 GET /users`, the request's words escaped (they are the client's bytes)."""
    words = f"{escape_latin1(record.method)} {escape_latin1(record.target[:40])}"
    return f"{exchange_label(record)} {words}".rstrip()
