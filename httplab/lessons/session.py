"""`LessonSession`: one lesson in progress — the current step, what each exchange meant, the
hints shown, the prediction asked, the class board. The lesson view (TUI) and `--plain` both
drive this one object; every method takes one lock, so the server thread can `feed()` while the
interface thread reads.

    session = LessonSession(load_lesson(4), Progress.load(), lang="ru")
    outcome = session.feed(record)        # from the lesson server's TraceBus
    if outcome.verdict == "passed":
        print(session.current.notice.get(session.lang)); session.next()

The session does not move on by itself: `--plain` calls `next()` after a pass, the instructor
moves a class with the step keys.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from httplab.lessons.checking import Outcome, judge
from httplab.lessons.model import HINT_LEVELS, Lang, Lesson, Localized, Mistake, Step
from httplab.lessons.progress import Progress
from httplab.trace.records import ExchangeRecord


class StepState(Enum):
    WAITING = "waiting"
    MISTAKE = "mistake"  # still waiting; the last exchange was a known mistake
    PASSED = "passed"


@dataclass(frozen=True, slots=True)
class StepStatus:
    step: Step
    state: StepState
    last_mistake: Mistake | None = None
    hints_shown: int = 0  # how many of step.hints were revealed
    predicted: bool = False  # the prediction (if any) was answered
    prediction_right: bool = False


@dataclass(frozen=True, slots=True)
class PredictionResult:
    right: bool
    answer: str  # the expected answer (the first accepted one)
    explain: Localized


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One step on the class board."""

    step_id: str
    title: Localized
    passed_clients: int  # distinct client addresses that passed it
    top_mistake: Mistake | None  # made by the most distinct clients
    top_mistake_clients: int


@dataclass(slots=True)
class _StepData:
    state: StepState = StepState.WAITING
    last_mistake: Mistake | None = None
    hints_shown: int = 0
    predicted: bool = False
    prediction_right: bool = False
    passed_by: set[str] = field(default_factory=set)
    mistakes_by: dict[int, set[str]] = field(default_factory=dict)


def client_of(peer: str) -> str:
    """The client a peer address stands for: its host, not its (per-connection) port."""
    host, colon, port = peer.rpartition(":")
    return host if colon and port.isdigit() else peer


Listener = Callable[[], None]


class LessonSession:
    def __init__(self, lesson: Lesson, progress: Progress | None = None, lang: Lang = "en") -> None:
        self.lesson = lesson
        self.progress = progress
        self.lang: Lang = lang
        self._lock = threading.RLock()
        self._data = {step.id: _StepData() for step in lesson.steps}
        self._index = 0
        self._listeners: tuple[Listener, ...] = ()
        if progress is not None:
            passed = progress.passed_steps(lesson.number)
            for step in lesson.steps:
                if step.id in passed:
                    self._data[step.id].state = StepState.PASSED
            current = progress.current_step(lesson.number)
            ids = [step.id for step in lesson.steps]
            if current in ids:
                self._index = ids.index(current)

    # where we are -----------------------------------------------------------------------------
    @property
    def index(self) -> int:
        with self._lock:
            return self._index

    @property
    def current(self) -> Step:
        with self._lock:
            return self.lesson.steps[self._index]

    def status(self, step_id: str | None = None) -> StepStatus:
        with self._lock:
            step = self.lesson.step(step_id) if step_id else self.current
            data = self._data[step.id]
            return StepStatus(
                step,
                data.state,
                data.last_mistake,
                data.hints_shown,
                data.predicted,
                data.prediction_right,
            )

    @property
    def all_passed(self) -> bool:
        with self._lock:
            return all(d.state is StepState.PASSED for d in self._data.values())

    def passed_count(self) -> int:
        with self._lock:
            return sum(d.state is StepState.PASSED for d in self._data.values())

    def go(self, index: int) -> Step:
        """Make step `index` (0-based, clamped) the current one."""
        with self._lock:
            self._index = max(0, min(index, len(self.lesson.steps) - 1))
            step = self.lesson.steps[self._index]
            if self.progress is not None:
                self.progress.set_current(self.lesson.number, step.id)
        self._changed()
        return step

    def next(self) -> Step:
        return self.go(self.index + 1)

    def prev(self) -> Step:
        return self.go(self.index - 1)

    @property
    def at_last_step(self) -> bool:
        with self._lock:
            return self._index == len(self.lesson.steps) - 1

    # what the learner does ------------------------------------------------------------------------
    def needs_prediction(self) -> bool:
        """The current step asks a question that was not answered yet."""
        with self._lock:
            step = self.current
            return step.predict is not None and not self._data[step.id].predicted

    def answer(self, text: str) -> PredictionResult:
        """Check the answer to the current step's question; it is then shown either way."""
        with self._lock:
            step = self.current
            if step.predict is None:
                raise ValueError(f"step {step.id!r} asks no question")
            data = self._data[step.id]
            data.predicted = True
            data.prediction_right = step.predict.accepts(text)
            result = PredictionResult(
                data.prediction_right, step.predict.answers[0], step.predict.explain
            )
        self._changed()
        return result

    def skip_prediction(self) -> None:
        """The learner sent the request without answering: the question is not asked again."""
        with self._lock:
            self._data[self.current.id].predicted = True
        self._changed()

    def feed(self, record: ExchangeRecord) -> Outcome:
        """Judge an exchange against the current step and remember what it meant."""
        with self._lock:
            step = self.current
            outcome = judge(step, record)
            data = self._data[step.id]
            client = client_of(record.peer)
            if outcome.verdict == "passed":
                data.passed_by.add(client)
                if data.state is not StepState.PASSED:
                    data.state = StepState.PASSED
                    data.last_mistake = None
                    if self.progress is not None:
                        self.progress.mark_passed(self.lesson.number, step.id)
            elif outcome.verdict == "mistake":
                data.mistakes_by.setdefault(outcome.mistake_index, set()).add(client)
                if data.state is not StepState.PASSED:
                    data.state = StepState.MISTAKE
                    data.last_mistake = outcome.mistake
        self._changed()
        return outcome

    def next_hint(self) -> tuple[str, Localized] | None:
        """Reveal the current step's next hint: (level, text), level nudge → pointer →
        near-answer; None when every hint is already shown."""
        with self._lock:
            step = self.current
            data = self._data[step.id]
            if data.hints_shown >= len(step.hints):
                return None
            data.hints_shown += 1
            shown = data.hints_shown
        self._changed()
        return HINT_LEVELS[shown - 1], step.hints[shown - 1]

    # the class board ----------------------------------------------------------------------------
    def board(self) -> list[BoardRow]:
        with self._lock:
            rows = []
            for step in self.lesson.steps:
                data = self._data[step.id]
                counts = Counter({i: len(c) for i, c in data.mistakes_by.items()})
                top = counts.most_common(1)
                rows.append(
                    BoardRow(
                        step.id,
                        step.title,
                        len(data.passed_by),
                        step.mistakes[top[0][0]] if top else None,
                        top[0][1] if top else 0,
                    )
                )
            return rows

    # change notification (the TUI redraws) ------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener()` after every change (on the thread that made it); returns
        unsubscribe. Like a bus subscriber it must be quick and must not block."""
        with self._lock:
            self._listeners = (*self._listeners, listener)

        def unsubscribe() -> None:
            with self._lock:
                self._listeners = tuple(x for x in self._listeners if x is not listener)

        return unsubscribe

    def _changed(self) -> None:
        for listener in self._listeners:
            with contextlib.suppress(Exception):  # a broken viewer must not break the lesson
                listener()
