"""The `serve --trace` screen: a prompt_toolkit full-screen Application.

Built in the usual order — widgets, layout, key bindings, style, Application. The screen is a
view of `TraceController` state: every text that changes is a function re-run on redraw, and
every pane that shows a record is a `RichControl` laid out at the pane's real width.

    ┌ exchange list (time  #conn.n  method target  status  size  duration) ─────────┐
    ├ raw request │ parsed │ headers │ response    (tabs when the terminal is narrow) ┤
    ├ notes (RFC sections) ──────────────────────────────────────────────────────────┤
    ├ client pane: input (Ctrl-S sends)  │  what came back ─────────────────────────────┤
    └ footer: keys · counts · last message ─────────────────────────────────────────────┘
"""

from __future__ import annotations

import os
from collections.abc import Callable, Coroutine
from typing import Any

from prompt_toolkit.application import Application, get_app
from prompt_toolkit.document import Document
from prompt_toolkit.filters import Condition, Filter, has_focus
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import (
    ConditionalContainer,
    Container,
    DynamicContainer,
    Float,
    FloatContainer,
    HSplit,
    Layout,
    ScrollOffsets,
    VSplit,
    Window,
    to_container,
)
from prompt_toolkit.layout.controls import FormattedTextControl, UIControl
from prompt_toolkit.layout.dimension import Dimension
from prompt_toolkit.output import ColorDepth, Output
from prompt_toolkit.widgets import Frame, TextArea
from rich.console import Console

from httplab.render import THEMES
from httplab.tui.completion import RequestCompleter
from httplab.tui.controller import TABS, TraceController
from httplab.tui.exchange_list import ExchangeListControl
from httplab.tui.help_view import HelpView
from httplab.tui.keys import footer_keys
from httplab.tui.rich_bridge import make_console
from httplab.tui.rich_control import RichControl, View
from httplab.tui.styles import chrome_style, with_help_styles
from httplab.tui.views import PaneViews

WIDE = 160  # columns: the four views side by side
MEDIUM = 100  # columns: two by two; below this, tabs
Handler = Callable[[KeyPressEvent], None]
TAB_TITLES = {
    "raw": "raw request",
    "parsed": "parsed",
    "headers": "headers",
    "response": "response",
}


def color_depth() -> ColorDepth | None:
    """True colour only when the terminal says so; otherwise prompt_toolkit's default."""
    forced = ColorDepth.from_env()
    if forced is not None:
        return forced
    if os.environ.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return ColorDepth.TRUE_COLOR
    return None


def build_application(
    controller: TraceController,
    *,
    input: Input | None = None,
    output: Output | None = None,
) -> Application[int]:
    theme_name = controller.options.theme
    console = make_console(with_help_styles(THEMES.get(theme_name, THEMES["default"]), theme_name))
    views = PaneViews(controller, console)

    def get_console() -> Console:
        return console

    # --- widgets --------------------------------------------------------------------------
    exchange_list = ExchangeListControl(controller, get_console)
    list_window = Window(exchange_list, always_hide_cursor=True, scroll_offsets=_offsets(1))
    view_controls: dict[str, RichControl] = {
        "raw": RichControl(views.raw, get_console),
        "parsed": RichControl(views.parsed, get_console),
        "headers": RichControl(views.headers, get_console),
        "response": RichControl(views.response, get_console),
    }
    notes_control = RichControl(views.notes, get_console)
    help_control = RichControl(lambda: View(("help",), HelpView), get_console)
    client_result_control = RichControl(views.client_result, get_console)
    all_controls: list[UIControl] = [
        exchange_list,
        *view_controls.values(),
        notes_control,
        client_result_control,
    ]

    client_input = TextArea(
        multiline=True,
        history=InMemoryHistory(),
        completer=RequestCompleter(
            lambda: controller.state.paths_seen, lambda: controller.state.header_names_seen
        ),
        complete_while_typing=False,
        focus_on_click=True,
        style="class:client.input",
    )
    prompt_input = TextArea(multiline=False, prompt=lambda: _prompt_label(controller))
    filter_before_prompt = [""]  # what Esc in the filter prompt goes back to
    controller.set_client_text = lambda text: _set_text(client_input, text)
    controller.get_client_text = lambda: client_input.text

    def title(label: Callable[[], str], focused: Callable[[], bool]) -> Window:
        def text() -> StyleAndTextTuples:
            lit = focused() and controller.prompt is None
            return [("class:pane.title.focused" if lit else "class:pane.title", label())]

        return Window(FormattedTextControl(text), height=1)

    def in_zone(zone: str) -> Callable[[], bool]:
        return lambda: controller.zone == zone

    # The pane draws its own window of lines (see RichControl), so the Window never scrolls.
    view_windows = {
        name: Window(control, always_hide_cursor=True) for name, control in view_controls.items()
    }

    def pane(name: str) -> Container:
        # An explicit weight: otherwise the title's text length sets the preferred width and
        # the panes move sideways each time the selected field (and so the title) changes.
        # The current view's title is lit: it is the one PgUp/PgDn scroll.
        return HSplit(
            [
                title(
                    lambda: " " + _view_title(controller, name),
                    lambda: controller.zone == "detail" and TABS[controller.tab] == name,
                ),
                view_windows[name],
            ],
            width=Dimension(weight=1),
        )

    panes = {name: pane(name) for name in TABS}

    def separator() -> Window:
        return Window(width=1, char="│", style="class:separator")

    # --- layout ---------------------------------------------------------------------------
    wide = VSplit(
        [
            panes["raw"],
            separator(),
            panes["parsed"],
            separator(),
            panes["headers"],
            separator(),
            panes["response"],
        ]
    )
    medium = HSplit(
        [
            VSplit([panes["raw"], separator(), panes["parsed"]]),
            VSplit([panes["headers"], separator(), panes["response"]]),
        ]
    )
    tab_bar = Window(FormattedTextControl(lambda: _tab_bar(controller)), height=1)
    # The tab bar names every view, so a narrow pane has no title row of its own.
    narrow = HSplit([tab_bar, DynamicContainer(lambda: view_windows[TABS[controller.tab]])])

    def detail_area() -> Container:
        columns = get_app().output.get_size().columns
        if columns >= WIDE:
            return wide
        return medium if columns >= MEDIUM else narrow

    list_title = title(lambda: " " + _list_title(controller), in_zone("list"))
    notes_window = Window(
        notes_control, height=Dimension(min=1, max=4), dont_extend_height=True, wrap_lines=True
    )
    client_title = title(lambda: " " + _client_title(controller), in_zone("client"))
    client_area = VSplit(
        [
            client_input,
            separator(),
            Window(client_result_control, always_hide_cursor=True),
        ],
        # Room for typing while the pane has the focus; otherwise the detail views get it
        # (on 80x24 the unfocused pane used to take as many rows as the detail).
        height=lambda: (
            Dimension(min=3, preferred=6, max=8)
            if controller.zone == "client"
            else Dimension(min=2, preferred=3, max=3)
        ),
    )
    prompt_bar = ConditionalContainer(
        prompt_input, filter=Condition(lambda: bool(controller.prompt))
    )
    footer = Window(
        FormattedTextControl(lambda: _footer(controller)), height=1, style="class:footer"
    )
    message_bar = ConditionalContainer(
        Window(FormattedTextControl(lambda: _message(controller)), height=1),
        filter=Condition(lambda: bool(controller.message)),
    )

    body = HSplit(
        [
            list_title,
            HSplit([list_window], height=Dimension(min=3, weight=2)),
            HSplit([DynamicContainer(detail_area)], height=Dimension(min=4, weight=5)),
            notes_window,
            client_title,
            client_area,
            prompt_bar,
            message_bar,
            footer,
        ]
    )
    help_window = Frame(
        Window(help_control, always_hide_cursor=True),
        title="keys — ↑↓ PgUp PgDn scroll · Esc or ? closes",
        style="class:overlay",
    )
    curl_window = Frame(
        HSplit(
            [
                Window(
                    FormattedTextControl(lambda: controller.curl_text or ""),
                    wrap_lines=True,
                    height=Dimension(min=3),
                ),
                Window(
                    FormattedTextControl("w: write to a file · Esc: close"),
                    height=1,
                    style="class:overlay.key",
                ),
            ]
        ),
        title="copy as curl (select it with the mouse of your terminal)",
        style="class:overlay",
    )
    root = FloatContainer(
        body,
        floats=[
            Float(
                ConditionalContainer(
                    help_window, filter=Condition(lambda: controller.overlay == "help")
                ),
                top=1,
                left=2,
                right=2,
                # As tall as the keys need, but never over the footer (then it scrolls).
                height=lambda: _fitted_height(help_window, margin_columns=4, margin_rows=3),
            ),
            Float(
                ConditionalContainer(
                    curl_window, filter=Condition(lambda: controller.overlay == "curl")
                ),
                left=4,
                right=4,
            ),
        ],
    )
    layout = Layout(root, focused_element=list_window)

    def sync_focus() -> None:
        """Put prompt_toolkit's focus where the controller says the user is."""
        if controller.prompt:
            target = prompt_input
        elif controller.zone == "client":
            target = client_input
        else:
            target = list_window
        if not layout.has_focus(target):
            layout.focus(target)

    # --- key bindings ---------------------------------------------------------------------
    bindings = KeyBindings()
    typing = has_focus(client_input) | has_focus(prompt_input)
    overlay = Condition(lambda: controller.overlay is not None)
    commands = ~typing & ~overlay
    in_list = commands & Condition(lambda: controller.zone == "list")
    in_detail = commands & Condition(lambda: controller.zone == "detail")
    in_client = has_focus(client_input) & ~overlay

    def action(
        *keys: str | Keys, filter: Filter = commands, eager: bool = False
    ) -> Callable[[Handler], Handler]:
        """Bind keys to a controller action, then sync focus and redraw."""

        def register(handler: Handler) -> Handler:
            @bindings.add(*keys, filter=filter, eager=eager)
            def _(event: KeyPressEvent) -> None:
                try:
                    handler(event)
                    sync_focus()
                except Exception as exc:  # a bug: end the screen cleanly, then report it
                    fail_application(event.app, exc)
                event.app.invalidate()

            return handler

        return register

    @action("c-c", filter=Condition(lambda: True), eager=True)
    @action(Keys.SIGINT, filter=Condition(lambda: True), eager=True)
    @action("q")
    def _quit(event: KeyPressEvent) -> None:
        quit_application(event.app)

    @action("up", filter=in_list)
    @action("k", filter=in_list)
    def _up(event: KeyPressEvent) -> None:
        controller.move(-1)

    @action("down", filter=in_list)
    @action("j", filter=in_list)
    def _down(event: KeyPressEvent) -> None:
        controller.move(1)

    @action("pageup", filter=in_list)
    def _page_up(event: KeyPressEvent) -> None:
        controller.move(-_page(list_window))

    @action("pagedown", filter=in_list)
    def _page_down(event: KeyPressEvent) -> None:
        controller.move(_page(list_window))

    @action("home", filter=in_list)
    @action("g", filter=in_list)
    def _oldest(event: KeyPressEvent) -> None:
        controller.to_oldest()

    @action("end", filter=in_list)
    @action("G", filter=in_list)
    def _newest(event: KeyPressEvent) -> None:
        controller.to_newest()

    @action(" ", filter=in_list)
    def _mark(event: KeyPressEvent) -> None:
        controller.state.toggle_mark()

    @action("enter", filter=in_list)
    def _into_detail(event: KeyPressEvent) -> None:
        controller.zone = "detail"

    @action("up", filter=in_detail)
    @action("k", filter=in_detail)
    def _field_up(event: KeyPressEvent) -> None:
        controller.move_field(-1)

    @action("down", filter=in_detail)
    @action("j", filter=in_detail)
    def _field_down(event: KeyPressEvent) -> None:
        controller.move_field(1)

    @action("left", filter=in_detail)
    def _tab_left(event: KeyPressEvent) -> None:
        controller.switch_tab(-1)

    @action("right", filter=in_detail)
    def _tab_right(event: KeyPressEvent) -> None:
        controller.switch_tab(1)

    for number in range(1, len(TABS) + 1):

        @action(str(number))
        def _tab(event: KeyPressEvent, index: int = number - 1) -> None:
            controller.tab = index

    def current_view() -> RichControl:
        return view_controls[TABS[controller.tab]]

    @action("pageup", filter=in_detail)
    def _view_page_up(event: KeyPressEvent) -> None:
        current_view().scroll_page(-1)

    @action("pagedown", filter=in_detail)
    def _view_page_down(event: KeyPressEvent) -> None:
        current_view().scroll_page(1)

    @action("home", filter=in_detail)
    def _view_top(event: KeyPressEvent) -> None:
        current_view().scroll_home()

    @action("end", filter=in_detail)
    def _view_bottom(event: KeyPressEvent) -> None:
        current_view().scroll_end()

    @action("escape", filter=in_detail)
    def _back_to_list(event: KeyPressEvent) -> None:
        controller.zone = "list"

    @action("tab")
    def _next_zone(event: KeyPressEvent) -> None:
        controller.cycle_zone(1)

    @action("s-tab")
    def _previous_zone(event: KeyPressEvent) -> None:
        controller.cycle_zone(-1)

    @action("c")
    def _to_client(event: KeyPressEvent) -> None:
        controller.zone = "client"

    @action("/")
    def _filter(event: KeyPressEvent) -> None:
        filter_before_prompt[0] = controller.state.filter.text
        controller.prompt = "filter"
        _set_text(prompt_input, controller.state.filter.text)

    @action("r")
    def _replay(event: KeyPressEvent) -> None:
        controller.replay()

    @action("e")
    def _edit(event: KeyPressEvent) -> None:
        controller.load_into_client()

    @action("s")
    def _save(event: KeyPressEvent) -> None:
        if controller.state.to_save():
            controller.prompt = "save"
            _set_text(prompt_input, controller.default_save_path())
        else:
            controller.say("nothing to save: the list is empty", "warning")

    @action("y")
    def _curl(event: KeyPressEvent) -> None:
        controller.show_curl()

    @action("h")
    def _hexdump(event: KeyPressEvent) -> None:
        controller.hexdump = not controller.hexdump

    @action("x")
    def _clear(event: KeyPressEvent) -> None:
        controller.clear()
        for control in all_controls:
            control.clear_cache()  # type: ignore[attr-defined]

    @action("?")
    def _help(event: KeyPressEvent) -> None:
        controller.overlay = "help"
        help_control.scroll_home()

    in_help = Condition(lambda: controller.overlay == "help")

    @action("up", filter=in_help)
    @action("k", filter=in_help)
    def _help_up(event: KeyPressEvent) -> None:
        help_control.scroll_lines(-1)

    @action("down", filter=in_help)
    @action("j", filter=in_help)
    def _help_down(event: KeyPressEvent) -> None:
        help_control.scroll_lines(1)

    @action("pageup", filter=in_help)
    def _help_page_up(event: KeyPressEvent) -> None:
        help_control.scroll_page(-1)

    @action("pagedown", filter=in_help)
    @action(" ", filter=in_help)
    def _help_page_down(event: KeyPressEvent) -> None:
        help_control.scroll_page(1)

    @action("home", filter=in_help)
    def _help_top(event: KeyPressEvent) -> None:
        help_control.scroll_home()

    @action("end", filter=in_help)
    def _help_bottom(event: KeyPressEvent) -> None:
        help_control.scroll_end()

    @action("escape", filter=overlay)
    @action("?", filter=overlay)
    @action("q", filter=overlay)
    def _close_overlay(event: KeyPressEvent) -> None:
        controller.overlay = None

    @action("w", filter=Condition(lambda: controller.overlay == "curl"))
    def _write_curl(event: KeyPressEvent) -> None:
        controller.overlay = None
        controller.prompt = "curl-file"
        _set_text(prompt_input, str(controller.options.save_dir / "request.sh"))

    @action("c-s", filter=in_client)
    @action("escape", "enter", filter=in_client)
    def _send(event: KeyPressEvent) -> None:
        if controller.send_client(client_input.text):
            _clear_input(client_input)  # sent: ready for the next request; ↑ recalls this one

    @action("c-u", filter=in_client)
    def _clear(event: KeyPressEvent) -> None:
        _clear_input(client_input)

    @action("pageup", filter=in_client)
    def _answer_page_up(event: KeyPressEvent) -> None:
        client_result_control.scroll_page(-1)

    @action("pagedown", filter=in_client)
    def _answer_page_down(event: KeyPressEvent) -> None:
        client_result_control.scroll_page(1)

    @action("c-t", filter=in_client)
    def _crlf(event: KeyPressEvent) -> None:
        controller.toggle_crlf()

    # Not Ctrl-K: that is kill-line in the text area's emacs keys (and in readline).
    @action("c-o", filter=in_client)
    def _pin(event: KeyPressEvent) -> None:
        controller.toggle_pin()

    @action("escape", filter=in_client)
    def _leave_client(event: KeyPressEvent) -> None:
        controller.zone = "list"

    prompting = has_focus(prompt_input)

    @action("enter", filter=prompting)
    def _accept_prompt(event: KeyPressEvent) -> None:
        kind, controller.prompt = controller.prompt, None
        text = prompt_input.text
        if kind == "filter":
            controller.apply_filter(text)
        elif kind == "save":
            controller.save(text)
        elif kind == "curl-file":
            controller.write_curl(text)

    @action("escape", filter=prompting)
    def _cancel_prompt(event: KeyPressEvent) -> None:
        if controller.prompt == "filter":
            controller.state.set_filter(filter_before_prompt[0])
        controller.prompt = None

    def live_filter(_: object) -> None:
        # The list narrows as the filter is typed; Enter keeps it, Esc goes back.
        if controller.prompt == "filter":
            controller.state.set_filter(prompt_input.text)

    prompt_input.buffer.on_text_changed += live_filter

    # --- style ----------------------------------------------------------------------------
    style = chrome_style(controller.options.theme)

    # --- application ----------------------------------------------------------------------
    application: Application[int] = Application(
        layout=layout,
        key_bindings=bindings,
        style=style,
        full_screen=True,
        mouse_support=Condition(lambda: controller.options.mouse),
        color_depth=color_depth(),
        min_redraw_interval=0.03,
        input=input,
        output=output,
    )
    application.ttimeoutlen = 0.05  # Esc alone must not wait long for an Alt-key sequence
    # Esc is a key of its own here (leave the pane) and also the prefix of Alt-keys (emacs
    # Alt-/ completes): a short wait keeps "Esc, then /" from being read as Alt-/
    application.timeoutlen = 0.1
    controller.invalidate = application.invalidate
    controller.spawn = _guarded_spawn(application, controller)
    return application


def quit_application(application: Application[int]) -> None:
    """Exit with status 0, once (a second q or a SIGTERM while quitting is ignored)."""
    if _still_running(application):
        application.exit(result=0)


def fail_application(application: Application[int], error: BaseException) -> None:
    """End the screen so that `run_async` raises `error` after restoring the terminal."""
    if _still_running(application):
        application.exit(exception=error)


def _still_running(application: Application[int]) -> bool:
    future = application.future
    return application.is_running and future is not None and not future.done()


def _guarded_spawn(
    application: Application[int], controller: TraceController
) -> Callable[[Coroutine[Any, Any, None]], None]:
    """Background work whose failure becomes a message on screen, not a traceback over it."""

    async def guard(work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception as exc:  # a bug in one send must not break the screen
            controller.client.busy = False
            controller.say(f"internal error: {type(exc).__name__}: {exc}", "error")
            application.invalidate()

    def spawn(work: Coroutine[Any, Any, None]) -> None:
        application.create_background_task(guard(work))

    return spawn


# --- texts that change (re-run on every redraw) ----------------------------------------------


def _fitted_height(widget: Frame, *, margin_columns: int, margin_rows: int) -> int:
    """The rows `widget` wants at the screen's width, at most the screen less `margin_rows`."""
    size = get_app().output.get_size()
    rows = max(size.rows - margin_rows, 3)
    wanted = to_container(widget).preferred_height(max(size.columns - margin_columns, 1), rows)
    return min(wanted.preferred, rows)


def _offsets(lines: int) -> ScrollOffsets:
    return ScrollOffsets(top=lines, bottom=lines)


def _page(window: Window) -> int:
    info = window.render_info
    return max(info.window_height - 1, 1) if info else 10


def _set_text(area: TextArea, text: str) -> None:
    area.buffer.set_document(Document(text, len(text)), bypass_readonly=True)


def _clear_input(area: TextArea) -> None:
    """Empty the input, keeping what it held in the history (↑ on the first line recalls it)."""
    if area.text.strip():
        area.buffer.append_to_history()
    area.buffer.reset()


def _prompt_label(controller: TraceController) -> StyleAndTextTuples:
    labels = {
        "filter": " filter (GET 4xx /users): ",
        "save": " save transcript to: ",
        "curl-file": " write curl command to: ",
    }
    return [("class:prompt", labels.get(controller.prompt or "", ""))]


def _list_title(controller: TraceController) -> str:
    state = controller.state
    parts = [f"exchanges {len(state.visible)}"]
    if not state.filter.empty:
        parts.append(f"of {len(state.records)} · filter: {state.filter.text}")
    if state.marked:
        parts.append(f"· {len(state.marked)} marked")
    dropped = state.dropped + controller.dropped_by_bus
    if dropped:
        parts.append(f"· {dropped} dropped (ring buffer full)")
    parts.append("· following" if state.follow else "· paused (G follows)")
    return " ".join(parts)


def _view_title(controller: TraceController, name: str) -> str:
    title = TAB_TITLES[name]
    if controller.hexdump and name in ("raw", "response"):
        title += " (hex)"
    label = controller.selected_field_label
    if name == "raw" and label:
        title += f" · {label}"
    return title


def _client_title(controller: TraceController) -> str:
    client = controller.client
    host, port = controller.options.client_target
    crlf = "CRLF on" if client.crlf else "CRLF off (bare LF)"
    length = "Content-Length pinned" if client.pin_length else "Content-Length auto"
    busy = " · sending…" if client.busy else ""
    return f"client → {host}:{port} · {crlf} · {length}{busy}"


def _tab_bar(controller: TraceController) -> StyleAndTextTuples:
    fragments: StyleAndTextTuples = []
    for index, name in enumerate(TABS):
        style = "class:tab.current" if index == controller.tab else "class:tab"
        fragments.append((style, f" {index + 1} {_view_title(controller, name)} "))
        fragments.append(("", " "))
    return fragments


def _footer(controller: TraceController) -> StyleAndTextTuples:
    zone = controller.zone if not controller.prompt else "prompt"
    if zone == "prompt":
        return [
            ("class:footer.key", " Enter"),
            ("class:footer", " apply  "),
            ("class:footer.key", "Esc"),
            ("class:footer", " cancel"),
        ]
    # The most useful keys of this focus that fit, help and quit always (keys.FOOTER_PRIORITY).
    fragments: StyleAndTextTuples = []
    for key in footer_keys(zone, get_app().output.get_size().columns):
        fragments.append(("class:footer.key", f" {key.footer_key_text}"))
        fragments.append(("class:footer", f" {key.footer_label} "))
    return fragments


def _message(controller: TraceController) -> StyleAndTextTuples:
    if not controller.message:
        return []
    return [(f"class:message.{controller.message_level}", " " + controller.message)]
