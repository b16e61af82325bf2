"""The trace screen's key bindings, generated from the one keymap (`keys.KEYMAP`).

`actions()` says what each action name of the keymap does; `build_key_bindings` binds every
(key, context, action) row of the table with the filter of its context. An action the table
names but nobody defines (or the reverse) fails when the screen is built, so every test of
the screen checks that the table and the code agree.
"""

from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit.application import Application
from prompt_toolkit.filters import Condition, Filter, has_focus
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import Layout

from httplab.tui.controller import TABS, TraceController, free_path
from httplab.tui.keys import bindings as keymap_bindings
from httplab.tui.layout import Widgets, clear_input, page_rows, set_text, sync_focus

Action = Callable[[], None]
EAGER = {"always"}  # contexts whose keys win over any longer sequence (Ctrl-C)


def contexts(controller: TraceController, widgets: Widgets) -> dict[str, Filter]:
    """Where each context of the keymap applies, as prompt_toolkit filters."""
    editor = has_focus(widgets.response_editor)
    typing = has_focus(widgets.client_input) | has_focus(widgets.prompt_input) | editor
    overlay = Condition(lambda: controller.overlay is not None)
    commands = ~typing & ~overlay
    return {
        "hold": commands & Condition(lambda: controller.hold.available),
        "editor": editor & ~overlay,
        "always": Condition(lambda: True),
        "any": commands,
        "list": commands & Condition(lambda: controller.zone == "list"),
        "detail": commands & Condition(lambda: controller.zone == "detail"),
        "client": has_focus(widgets.client_input) & ~overlay,
        "overlay": overlay,
        "help": Condition(lambda: controller.overlay == "help"),
        "curl": Condition(lambda: controller.overlay == "curl"),
        "prompt": has_focus(widgets.prompt_input),
    }


def actions(controller: TraceController, widgets: Widgets, quit: Action) -> dict[str, Action]:
    """What each action name of the keymap does."""
    c, w = controller, widgets
    table: dict[str, Action] = {
        "quit": quit,
        "list-up": lambda: c.move(-1),
        "list-down": lambda: c.move(1),
        "list-page-up": lambda: c.move(-page_rows(w.list_window)),
        "list-page-down": lambda: c.move(page_rows(w.list_window)),
        "list-oldest": c.to_oldest,
        "list-newest": c.to_newest,
        "mark": c.state.toggle_mark,
        "into-detail": lambda: c.go("detail"),
        "field-up": lambda: c.move_field(-1),
        "field-down": lambda: c.move_field(1),
        "tab-left": lambda: c.switch_tab(-1),
        "tab-right": lambda: c.switch_tab(1),
        "view-page-up": lambda: w.current_view(c).scroll_page(-1),
        "view-page-down": lambda: w.current_view(c).scroll_page(1),
        "view-top": lambda: w.current_view(c).scroll_home(),
        "view-bottom": lambda: w.current_view(c).scroll_end(),
        "to-list": lambda: c.go("list"),
        "leave-client": c.leave_client,
        "next-zone": lambda: c.cycle_zone(1),
        "previous-zone": lambda: c.cycle_zone(-1),
        "to-client": lambda: c.go("client"),
        "replay": c.replay,
        "edit": c.load_into_client,
        "curl": c.show_curl,
        "toggle-hex": c.toggle_hexdump,
        "zoom": c.toggle_zoom,
        "reset-users": c.ask_reset_users,
        "clear-list": lambda: _clear_list(c, w),
        "help": lambda: _open_help(c, w),
        "help-up": lambda: w.help_control.scroll_lines(-1),
        "help-down": lambda: w.help_control.scroll_lines(1),
        "help-page-up": lambda: w.help_control.scroll_page(-1),
        "help-page-down": lambda: w.help_control.scroll_page(1),
        "help-top": w.help_control.scroll_home,
        "help-bottom": w.help_control.scroll_end,
        "close-overlay": lambda: c.open_overlay(None),
        "send": lambda: _send(c, w),
        "clear-input": lambda: clear_input(w.client_input),
        "newline": lambda: w.client_input.buffer.newline(copy_margin=False),
        "answer-page-up": lambda: w.client_result_control.scroll_page(-1),
        "answer-page-down": lambda: w.client_result_control.scroll_page(1),
        "toggle-crlf": c.toggle_crlf,
        "toggle-pin": c.toggle_pin,
        "toggle-hold": c.hold.toggle,
        "release": c.hold.release,
        "release-all": c.hold.release_all,
        "edit-response": c.hold.edit,
        "send-edited": lambda: c.hold.send(w.response_editor.text),
        "send-raw": lambda: c.hold.send(w.response_editor.text, raw=True),
        "leave-editor": lambda: c.hold.leave(w.response_editor.text),
    }
    for index in range(len(TABS)):
        table[f"tab-{index + 1}"] = lambda index=index: c.set_tab(index)  # type: ignore[misc]
    table.update(_prompt_actions(c, w))
    return table


def _prompt_actions(c: TraceController, w: Widgets) -> dict[str, Action]:
    """The filter, save and curl-file prompts: open one with its text, then Enter or Esc."""

    def open_prompt(kind: str, text: str) -> None:
        c.prompt = kind
        set_text(w.prompt_input, text)

    def filter_prompt() -> None:
        c.filter_before_prompt = c.state.filter.text
        open_prompt("filter", c.state.filter.text)

    def save_prompt() -> None:
        if c.state.to_save():
            open_prompt("save", c.default_save_path())
        else:
            c.say("nothing to save: the list is empty", "warning")

    def curl_file_prompt() -> None:
        c.overlay = None
        open_prompt("curl-file", str(free_path(c.options.save_dir / "request.sh")))

    def live_filter(_: object) -> None:
        # The list narrows as the filter is typed; Enter keeps it, Esc goes back.
        if c.prompt == "filter":
            c.state.set_filter(w.prompt_input.text)

    w.prompt_input.buffer.on_text_changed += live_filter
    return {
        "filter": filter_prompt,
        "save": save_prompt,
        "write-curl": curl_file_prompt,
        "accept-prompt": lambda: c.accept_prompt(w.prompt_input.text),
        "cancel-prompt": c.cancel_prompt,
    }


def _clear_list(c: TraceController, w: Widgets) -> None:
    if c.ask_clear():
        w.clear_caches()


def _open_help(c: TraceController, w: Widgets) -> None:
    c.open_overlay("help")
    w.help_control.scroll_home()


def _send(c: TraceController, w: Widgets) -> None:
    if c.send_client(w.client_input.text):
        clear_input(w.client_input)  # sent: ready for the next request; ↑ recalls this one


def build_key_bindings(
    controller: TraceController,
    widgets: Widgets,
    layout: Layout,
    *,
    quit: Action,
    fail: Callable[[Application[int], Exception], None],
    extra: dict[str, Action] | None = None,
    extra_contexts: dict[str, Filter] | None = None,
) -> KeyBindings:
    """Bind every row of the keymap whose context this screen has (the lesson keys only on
    the lesson screen); each action is followed by a focus sync and a redraw."""
    filters = {**contexts(controller, widgets), **(extra_contexts or {})}
    table = {**actions(controller, widgets, quit), **(extra or {})}
    rows = [row for row in keymap_bindings() if row[1] in filters]
    named = {name for _, _, name in rows}
    missing = named - table.keys()
    unused = table.keys() - named
    if missing or unused:
        raise LookupError(f"keymap and actions disagree: missing {missing}, unused {unused}")

    bindings = KeyBindings()
    for sequence, context, name in rows:
        keys = [Keys.SIGINT if key == "sigint" else key for key in sequence]
        bindings.add(*keys, filter=filters[context], eager=context in EAGER)(
            _handler(name, table[name], controller, widgets, layout, fail)
        )
    return bindings


def _handler(
    name: str,
    action: Action,
    controller: TraceController,
    widgets: Widgets,
    layout: Layout,
    fail: Callable[[Application[int], Exception], None],
) -> Callable[[KeyPressEvent], None]:
    def handle(event: KeyPressEvent) -> None:
        if name != "clear-list":
            controller.clear_asked = False  # x asks once; any other key answers "keep them"
        if name != "reset-users":
            controller.reset_asked = False
        try:
            action()
            sync_focus(controller, widgets, layout)
        except Exception as exc:  # a bug: end the screen cleanly, then report it
            fail(event.app, exc)
        event.app.invalidate()

    return handle
