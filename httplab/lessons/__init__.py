"""The lesson engine: lessons as data, each exchange checked against a step, progress kept.

The lessons themselves are folders of data (top-level `lessons/NN-slug/`, format in
lessons/README.md); this package reads them and judges what the lesson server sees.

Public API (everything the lesson view, `--plain` and the build checks use):

    catalog   lessons_dir() -> Path, transcripts_dir() -> Path   (clone or installed wheel)
              list_lessons() -> list[LessonInfo]                  number, slug, path
              load_lesson(n) -> Lesson                            LessonError if missing/malformed
    model     Lesson(number, slug, path, title, text, steps, server)
              Step(id, title, task, check: Match, notice, hints, mistakes, predict, server)
              Mistake(when: Match, hint, example), Prediction(question, answers, explain)
              Localized(en, ru).get(lang), ServerOptions(name, max_*, *_timeout).limits()
              Lesson.server_for(step) -> ServerOptions            step options over the lesson's
    checking  judge(step, record) -> Outcome(verdict: "passed"|"mistake"|"unrelated",
              step_id, mistake, mistake_index); facts_of(record) -> Facts
    session   LessonSession(lesson, progress=None, lang="en"): current, index, status(),
              feed(record) -> Outcome, next(), prev(), go(i), next_hint() -> (level, text),
              needs_prediction(), answer(text) -> PredictionResult, skip_prediction(),
              board() -> [BoardRow] (clients counted by address: client_of(peer)),
              all_passed, subscribe(listener); thread-safe (one lock).
    progress  Progress.load(path=None) (warning set if the file was damaged and set aside),
              passed_steps(n), current_step(n), mark_passed, set_current, get/set(n, key, v)
              for other records (build checks: key "build"; build_result(n) -> BuildResult
              of the last `lesson check`: passed, cases_ok/cases, mark()), reset(n);
              default_progress_path()
    run       LessonSettings(host, port, lang, timeout, class_mode, theme): how `lesson N` runs
              lessons.server.LessonServer(host, port, bus).ensure(lesson.server_for(step))
              lessons.plain.run_plain(lesson, progress, settings) — `lesson N --plain`
              (both imported lazily: they load the server and the client)
    view      `lesson N` in a terminal calls httplab.tui.lesson_command.run_lesson_view(
              lesson, progress, settings) -> exit status, when the TUI provides it

Importing this package loads no rich, prompt_toolkit or server code.
"""

from __future__ import annotations

from httplab.lessons.catalog import (
    data_dir,
    find_lesson,
    lessons_dir,
    list_lessons,
    load_lesson,
    transcripts_dir,
)
from httplab.lessons.checking import Outcome, Verdict, judge
from httplab.lessons.facts import Facts, facts_of
from httplab.lessons.load import LessonError, load_lesson_folder
from httplab.lessons.model import (
    HINT_LEVELS,
    LANGS,
    Lang,
    Lesson,
    LessonInfo,
    LessonSettings,
    Localized,
    Match,
    Mistake,
    Prediction,
    ServerOptions,
    Step,
)
from httplab.lessons.progress import Progress, ProgressError, default_progress_path
from httplab.lessons.session import (
    BoardRow,
    LessonSession,
    PredictionResult,
    StepState,
    StepStatus,
    client_of,
)

__all__ = [
    "HINT_LEVELS",
    "LANGS",
    "BoardRow",
    "Facts",
    "Lang",
    "Lesson",
    "LessonError",
    "LessonInfo",
    "LessonSession",
    "LessonSettings",
    "Localized",
    "Match",
    "Mistake",
    "Outcome",
    "Prediction",
    "PredictionResult",
    "Progress",
    "ProgressError",
    "ServerOptions",
    "Step",
    "StepState",
    "StepStatus",
    "Verdict",
    "client_of",
    "data_dir",
    "default_progress_path",
    "facts_of",
    "find_lesson",
    "judge",
    "lessons_dir",
    "list_lessons",
    "load_lesson",
    "load_lesson_folder",
    "transcripts_dir",
]
