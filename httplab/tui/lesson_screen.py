"""The lesson view's parts of the screen: the lesson pane's window and the keys that drive it.

`TraceApp(…, lesson=LessonSetup(…))` builds the trace view with these added: the pane comes
first in the focus cycle, and the lesson rows of the keymap (`keys.KEYMAP`, contexts "lesson"
and "lesson-pane") are bound to the actions below.
"""

from __future__ import annotations

from prompt_toolkit.filters import Condition, Filter, has_focus
from prompt_toolkit.layout import Container, HSplit, Window
from rich.console import Console

from httplab.tui.controller import TraceController
from httplab.tui.key_bindings import Action
from httplab.tui.layout import Widgets, lit_title, set_text
from httplab.tui.lesson_pane import LessonPane
from httplab.tui.rich_control import RichControl


def lesson_control(pane: LessonPane, console: Console) -> RichControl:
    return RichControl(pane.view, lambda: console, lang=lambda: pane.lang)


def lesson_area(controller: TraceController, pane: LessonPane, control: RichControl) -> Container:
    title = lit_title(controller, lambda: " " + pane.title(), lambda: controller.zone == "lesson")
    return HSplit([title, Window(control, always_hide_cursor=True)])


def lesson_contexts(controller: TraceController, widgets: Widgets) -> dict[str, Filter]:
    typing = has_focus(widgets.client_input) | has_focus(widgets.prompt_input)
    commands = ~typing & ~Condition(lambda: controller.overlay is not None)
    return {
        "lesson": commands,
        "lesson-pane": commands & Condition(lambda: controller.zone == "lesson"),
    }


def lesson_actions(
    controller: TraceController, widgets: Widgets, pane: LessonPane, control: RichControl
) -> dict[str, Action]:
    def predict() -> None:
        if not pane.asks_prediction():
            controller.say("this step asks no question", "info")
            return
        controller.prompt = "predict"
        set_text(widgets.prompt_input, "")

    return {
        "lesson-up": lambda: control.scroll_lines(-1),
        "lesson-down": lambda: control.scroll_lines(1),
        "lesson-page-up": lambda: control.scroll_page(-1),
        "lesson-page-down": lambda: control.scroll_page(1),
        "lesson-top": control.scroll_home,
        "lesson-bottom": control.scroll_end,
        "hint": pane.next_hint,
        "next-step": pane.next_step,
        "prev-step": pane.prev_step,
        "predict": predict,
        "toggle-lang": pane.toggle_lang,
    }
