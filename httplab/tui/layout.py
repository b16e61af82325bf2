"""The trace screen's widgets and layout, and the texts that change (re-run on every redraw).

    ┌ exchange list (time  #conn.n  method target  status  size  duration) ─────────┐
    ├ raw request │ parsed │ headers │ response    (tabs when the terminal is narrow) ┤
    ├ notes (RFC sections) ──────────────────────────────────────────────────────────┤
    ├ client pane: input (Ctrl-S sends)  │  what came back ─────────────────────────────┤
    └ footer: keys · counts · last message ─────────────────────────────────────────────┘

`build_widgets` makes the controls (each pane a `RichControl` laid out at its real width),
`build_layout` arranges them; the key bindings (`key_bindings.py`) act on the same `Widgets`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prompt_toolkit.application import get_app
from prompt_toolkit.document import Document
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.layout import (
    AnyContainer,
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
from prompt_toolkit.widgets import Frame, TextArea
from rich.console import Console

from httplab.trace.words import localized
from httplab.tui.completion import RequestCompleter
from httplab.tui.controller import TABS, TraceController
from httplab.tui.exchange_list import ExchangeListControl
from httplab.tui.help_view import HelpView
from httplab.tui.keys import FOOTER_PRIORITY, TRACE_ONLY_ZONES, footer_keys, key_named
from httplab.tui.rich_control import LayoutWorker, RichControl, View
from httplab.tui.view_words import view_word
from httplab.tui.views import PaneViews

WIDE = 160  # columns: the four views side by side
MEDIUM = 100  # columns: two by two; below this, tabs


@dataclass(slots=True)
class Widgets:
    """Everything the layout arranges and the keys act on."""

    exchange_list: ExchangeListControl
    list_window: Window
    view_controls: dict[str, RichControl]
    view_windows: dict[str, Window]
    notes_control: RichControl
    explain_control: RichControl  # the selected field explained, under the views
    help_control: RichControl
    client_result_control: RichControl
    client_input: TextArea
    prompt_input: TextArea
    response_editor: TextArea  # E on a held request
    worker: LayoutWorker | None = None  # lays out the views' big pictures off the key's path

    def current_view(self, controller: TraceController) -> RichControl:
        return self.view_controls[TABS[controller.tab]]

    def clear_caches(self) -> None:
        controls: list[RichControl | ExchangeListControl] = [
            self.exchange_list,
            *self.view_controls.values(),
            self.notes_control,
            self.explain_control,
            self.client_result_control,
        ]
        for control in controls:
            control.clear_cache()


def build_widgets(
    controller: TraceController, console: Console, worker: LayoutWorker | None = None
) -> Widgets:
    views = PaneViews(controller, console)

    def get_console() -> Console:
        return console

    def lang() -> str:  # of "… N more lines below": the lesson's on the lesson view
        return controller.words_lang

    exchange_list = ExchangeListControl(controller, get_console)
    view_controls = {
        "raw": RichControl(views.raw, get_console, worker=worker, lang=lang),
        "parsed": RichControl(views.parsed, get_console, worker=worker, lang=lang),
        "headers": RichControl(views.headers, get_console, worker=worker, lang=lang),
        "response": RichControl(views.response, get_console, worker=worker, lang=lang),
    }
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
    return Widgets(
        exchange_list=exchange_list,
        list_window=Window(exchange_list, always_hide_cursor=True, scroll_offsets=_offsets(1)),
        view_controls=view_controls,
        # The pane draws its own window of lines (see RichControl), so the Window never scrolls.
        view_windows={
            name: Window(control, always_hide_cursor=True)
            for name, control in view_controls.items()
        },
        notes_control=RichControl(views.notes, get_console, lang=lang),
        explain_control=RichControl(views.explanation, get_console, lang=lang),
        help_control=RichControl(
            lambda: View(
                ("help", controller.words_lang),
                lambda: HelpView(lesson="lesson" in controller.zones, lang=controller.words_lang),
            ),
            get_console,
        ),
        client_result_control=RichControl(views.client_result, get_console, lang=lang),
        client_input=client_input,
        prompt_input=TextArea(multiline=False, prompt=lambda: _prompt_label(controller)),
        response_editor=TextArea(multiline=True, scrollbar=True, style="class:client.input"),
        worker=worker,
    )


def build_layout(
    controller: TraceController, widgets: Widgets, lesson: Container | None = None
) -> Layout:
    """The trace view; with `lesson` (the lesson view), that pane beside it on a wide terminal
    and above it on a narrow one."""
    list_title = _title(controller, lambda: " " + _list_title(controller), "list")
    trace = HSplit(
        [
            list_title,
            # As tall as what it holds (the views below get the rest), up to its share.
            HSplit([widgets.list_window], height=lambda: _list_rows(controller)),
            HSplit([_detail_area(controller, widgets)], height=Dimension(min=4, weight=5)),
            _explanation_area(controller, widgets),
            Window(
                widgets.notes_control,
                height=Dimension(min=1, max=4),
                dont_extend_height=True,
                wrap_lines=True,
            ),
            _title(controller, lambda: " " + _client_title(controller), "client"),
            _client_area(controller, widgets),
        ]
    )
    normal: Container = trace if lesson is None else _beside(lesson, trace)
    zoomed = _zoomed_views(controller, widgets, list_title, lesson)
    curl = _curl_view(controller)

    def screen() -> AnyContainer:
        if controller.overlay == "curl":
            return curl
        return zoomed.get(controller.zone, normal) if controller.zoomed else normal

    body = HSplit(
        [
            DynamicContainer(screen),
            ConditionalContainer(
                widgets.prompt_input, filter=Condition(lambda: bool(controller.prompt))
            ),
            _message_bar(controller),
            Window(
                FormattedTextControl(lambda: _footer(controller)), height=1, style="class:footer"
            ),
        ]
    )
    too_small = _too_small(controller, body)
    root = FloatContainer(body, floats=[*_overlays(controller, widgets), too_small])
    return Layout(root, focused_element=widgets.list_window)


def needed_size(container: Container, columns: int, rows: int) -> tuple[int, int]:
    """The fewest columns and rows `container` can be laid out in at this terminal's width:
    below either, prompt_toolkit draws only its "Window too small..."."""
    width = container.preferred_width(columns).min
    height = container.preferred_height(columns, max(rows, 1000)).min
    return width, height


TOO_SMALL = {
    "too-small": {
        "en": " The terminal is {columns}×{rows}.\n This view needs at least {width}×{height}:\n"
        " make the window bigger\n (or the font smaller).\n q quits.",
        "ru": " Терминал {columns}×{rows}.\n Этому окну нужно не меньше {width}×{height}:\n"
        " увеличьте окно\n (или уменьшите шрифт).\n q — выход.",
    }
}


def _too_small(controller: TraceController, body: Container) -> Float:
    """Over the whole screen when the terminal is smaller than the layout needs: the size it
    has and the size it needs, so the user knows how far to grow it (q still quits).
    prompt_toolkit's own words were "Window too small..." and no size."""

    # Measured once per size and arrangement, not on every redraw (a flood redraws often).
    measured: dict[tuple[object, ...], tuple[int, int]] = {}

    def needed() -> tuple[int, int, int, int] | None:
        size = get_app().output.get_size()
        c = controller
        key = (size.columns, size.rows, c.zoomed, c.zone, c.overlay, c.prompt, bool(c.message))
        found = measured.get(key)
        if found is None:
            if len(measured) > 64:
                measured.clear()
            found = measured[key] = needed_size(body, size.columns, size.rows)
        width, height = found
        if width <= size.columns and height <= size.rows:
            return None
        return size.columns, size.rows, max(width, size.columns), height

    def text() -> StyleAndTextTuples:
        found = needed()
        if found is None:
            return []
        columns, rows, width, height = found
        lang = controller.words_lang
        values = {"columns": columns, "rows": rows, "width": width, "height": height}
        return [("class:window-too-small", localized(TOO_SMALL, "too-small", lang, **values))]

    window = Window(FormattedTextControl(text), wrap_lines=True, style="class:footer")
    shown = ConditionalContainer(window, filter=Condition(lambda: needed() is not None))
    return Float(shown, top=0, bottom=0, left=0, right=0)


LESSON_BESIDE = 120  # columns from which the lesson pane sits left of the trace view


def _list_rows(controller: TraceController) -> Dimension:
    rows = max(controller.state.rows, 1)
    return Dimension(min=min(3, rows), max=rows, weight=2)


def _zoomed_views(
    controller: TraceController,
    widgets: Widgets,
    list_title: Container,
    lesson: Container | None,
) -> dict[str, AnyContainer]:
    """Per focus, what `z` gives the whole screen: the list, the current view, the client
    pane or the lesson pane."""

    def current_view() -> AnyContainer:
        name = TABS[controller.tab]
        title = lit_title(controller, lambda: " " + _view_title(controller, name), lambda: True)
        return HSplit([title, widgets.view_windows[name], explanation])

    explanation = _explanation_area(controller, widgets)
    views: dict[str, AnyContainer] = {
        "list": HSplit([list_title, widgets.list_window]),
        "detail": DynamicContainer(current_view),
        "client": HSplit(
            [
                _title(controller, lambda: " " + _client_title(controller), "client"),
                VSplit(
                    [
                        widgets.client_input,
                        _separator(),
                        Window(widgets.client_result_control, always_hide_cursor=True),
                    ]
                ),
            ]
        ),
    }
    if lesson is not None:
        views["lesson"] = lesson
    return views


def _beside(lesson: Container, trace: Container) -> Container:
    wide = VSplit(
        [
            HSplit([lesson], width=Dimension(weight=1)),
            _separator(),
            HSplit([trace], width=Dimension(weight=1)),
        ]
    )
    narrow = HSplit([HSplit([lesson], height=_lesson_rows), trace])

    def by_width() -> AnyContainer:
        return wide if get_app().output.get_size().columns >= LESSON_BESIDE else narrow

    return DynamicContainer(by_width)


TRACE_MIN_ROWS = 15  # the trace view below the lesson pane, footer included, at its smallest


def _lesson_rows() -> Dimension:
    """Above the trace view: about 45% of the rows, leaving the trace view its minimum."""
    rows = get_app().output.get_size().rows
    height = max(5, min(rows - TRACE_MIN_ROWS, rows * 45 // 100))
    return Dimension(min=min(5, height), preferred=height, max=height)


def sync_focus(controller: TraceController, widgets: Widgets, layout: Layout) -> None:
    """Put prompt_toolkit's focus where the controller says the user is."""
    target: UIControl | Window | TextArea
    if controller.prompt:
        target = widgets.prompt_input
    elif controller.hold.editing is not None:
        target = widgets.response_editor
    elif controller.zone == "client":
        target = widgets.client_input
    else:
        target = widgets.list_window
    if layout.has_focus(target):
        return
    shown = list(layout.find_all_windows())
    if target is widgets.list_window and target not in shown:
        # `z` gave the lesson pane the whole screen: the list is not on it, and focusing it
        # raised ValueError (the view ended with a traceback). The keys go by the zone, so any
        # window shown that nobody types into will do.
        typed = {widgets.client_input.window, widgets.prompt_input.window}
        typed.add(widgets.response_editor.window)
        target = next((window for window in shown if window not in typed), target)
        if target is widgets.list_window or layout.has_focus(target):
            return
    layout.focus(target)


# --- parts of the layout -------------------------------------------------------------------


def _title(controller: TraceController, label: Callable[[], str], zone: str) -> Window:
    return lit_title(controller, label, lambda: controller.zone == zone)


def lit_title(
    controller: TraceController, label: Callable[[], str], focused: Callable[[], bool]
) -> Window:
    def text() -> StyleAndTextTuples:
        lit = focused() and controller.prompt is None
        return [("class:pane.title.focused" if lit else "class:pane.title", label())]

    return Window(FormattedTextControl(text), height=1)


def _separator() -> Window:
    return Window(width=1, char="│", style="class:separator")


def _detail_area(controller: TraceController, widgets: Widgets) -> Container:
    def pane(name: str) -> Container:
        # An explicit weight: otherwise the title's text length sets the preferred width and
        # the panes move sideways each time the selected field (and so the title) changes.
        # The current view's title is lit: it is the one PgUp/PgDn scroll.
        title = lit_title(
            controller,
            lambda: " " + _view_title(controller, name),
            lambda: controller.zone == "detail" and TABS[controller.tab] == name,
        )
        return HSplit([title, widgets.view_windows[name]], width=Dimension(weight=1))

    panes = {name: pane(name) for name in TABS}
    sep = _separator
    wide = VSplit(
        [panes["raw"], sep(), panes["parsed"], sep(), panes["headers"], sep(), panes["response"]]
    )
    medium = HSplit(
        [
            VSplit([panes["raw"], sep(), panes["parsed"]]),
            VSplit([panes["headers"], sep(), panes["response"]]),
        ]
    )
    tab_bar = Window(FormattedTextControl(lambda: _tab_bar(controller)), height=1)
    # The tab bar names every view, so a narrow pane has no title row of its own.
    narrow = HSplit([tab_bar, DynamicContainer(lambda: widgets.view_windows[TABS[controller.tab]])])

    # Following a flood, the views all wait (`views.PaneViews._flood`): one window says so,
    # instead of four panes and their titles laid out on every redraw.
    waiting = Window(widgets.view_controls["raw"], always_hide_cursor=True)

    def by_width() -> AnyContainer:
        if controller.details_paused:
            return waiting
        columns = trace_columns(controller)
        if columns >= WIDE:
            return wide
        return medium if columns >= MEDIUM else narrow

    return DynamicContainer(by_width)


def trace_columns(controller: TraceController) -> int:
    """The trace view's width: the screen's, less the lesson pane when it sits beside."""
    columns = get_app().output.get_size().columns
    if "lesson" in controller.zones and columns >= LESSON_BESIDE:
        return columns // 2
    return columns


EXPLAIN_ROWS = 5
"""Rows the selected field's explanation may take (it wraps; 3 at 80 columns for most)."""


def _explanation_area(controller: TraceController, widgets: Widgets) -> Container:
    """The selected field explained, right under the views where its bytes are lit; only
    while a field is selected (the detail views have the focus)."""
    return ConditionalContainer(
        HSplit(
            [
                Window(FormattedTextControl(lambda: _explanation_title(controller)), height=1),
                Window(
                    widgets.explain_control,
                    height=Dimension(min=1, max=EXPLAIN_ROWS),
                    dont_extend_height=True,
                    always_hide_cursor=True,
                ),
            ]
        ),
        filter=Condition(lambda: controller.selected_field is not None),
    )


def _client_area(controller: TraceController, widgets: Widgets) -> Container:
    return VSplit(
        [
            widgets.client_input,
            _separator(),
            Window(widgets.client_result_control, always_hide_cursor=True),
        ],
        # Room for typing while the pane has the focus; otherwise the detail views get it
        # (on 80x24 the unfocused pane used to take as many rows as the detail).
        height=lambda: (
            Dimension(min=3, preferred=6, max=8)
            if controller.zone == "client"
            else Dimension(min=2, preferred=3, max=3)
        ),
    )


def _message_bar(controller: TraceController) -> Container:
    return ConditionalContainer(
        Window(FormattedTextControl(lambda: _message(controller)), height=1),
        filter=Condition(lambda: bool(controller.message)),
    )


def _overlays(controller: TraceController, widgets: Widgets) -> list[Float]:
    help_window = Frame(
        Window(widgets.help_control, always_hide_cursor=True),
        title=lambda: view_word("help-title", controller.words_lang),
        style="class:overlay",
    )
    editor_window = Frame(
        HSplit(
            [
                widgets.response_editor,
                Window(FormattedTextControl(_editor_keys()), height=1, style="class:overlay.key"),
            ]
        ),
        title=lambda: _editor_title(controller),
        style="class:overlay",
    )
    return [
        Float(
            ConditionalContainer(
                editor_window, filter=Condition(lambda: controller.hold.editing is not None)
            ),
            top=1,
            bottom=2,  # the message bar (what a refused send says) and the footer stay seen
            left=2,
            right=2,
        ),
        Float(
            ConditionalContainer(
                help_window, filter=Condition(lambda: controller.overlay == "help")
            ),
            top=1,
            left=2,
            right=2,
            # As tall as the keys need, but never over the footer (then it scrolls); asked on
            # every redraw, so only measured while shown (it lays the whole help out)
            height=lambda: (
                _fitted_height(help_window, margin_columns=4, margin_rows=3)
                if controller.overlay == "help"
                else 1
            ),
        ),
    ]


def _curl_view(controller: TraceController) -> Container:
    """`y`: the curl command on the whole width, nothing else on its rows (no border, no
    margin), so a mouse selection of those rows is exactly the command."""

    def title() -> StyleAndTextTuples:
        lang = controller.words_lang
        shift = view_word("curl-shift", lang) if controller.options.mouse else ""
        return [("class:pane.title.focused", view_word("curl-title", lang, shift=shift))]

    def too_wide() -> StyleAndTextTuples:
        columns = get_app().output.get_size().columns
        lines = (controller.curl_text or "").split("\n")
        if all(len(line) <= columns for line in lines):
            return []
        return [("class:message.warning", view_word("curl-too-wide", controller.words_lang))]

    return HSplit(
        [
            Window(FormattedTextControl(title), height=1),
            Window(height=1),
            Window(
                FormattedTextControl(lambda: controller.curl_text or ""),
                wrap_lines=True,
                always_hide_cursor=True,
            ),
            Window(FormattedTextControl(too_wide), height=Dimension(max=2), wrap_lines=True),
        ]
    )


def _editor_keys() -> str:
    """The editor's keys as its last line says them, from the keymap."""
    rows = [key_named(name) for name in FOOTER_PRIORITY["editor"]]
    return " · ".join(f"{row.footer_key_text} {row.footer_label}" for row in rows)


def _editor_title(controller: TraceController) -> str:
    session = controller.hold.editing
    if session is None:
        return ""
    held = controller.state.held
    left = next(
        (
            controller.hold.seconds_left(record)
            for record in held
            if (record.connection_id, record.number) == session.key
        ),
        None,
    )
    when = f" · released as the app answered in {left:.0f} s" if left is not None else ""
    return f"response to {session.label}{when}"


# --- small helpers the keys use too ---------------------------------------------------------


def page_rows(window: Window) -> int:
    info = window.render_info
    return max(info.window_height - 1, 1) if info else 10


def set_text(area: TextArea, text: str) -> None:
    area.buffer.set_document(Document(text, len(text)), bypass_readonly=True)


def clear_input(area: TextArea) -> None:
    """Empty the input, keeping what it held in the history (↑ on the first line recalls it)."""
    if area.text.strip():
        area.buffer.append_to_history()
    area.buffer.reset()


def _fitted_height(widget: Frame, *, margin_columns: int, margin_rows: int) -> int:
    """The rows `widget` wants at the screen's width, at most the screen less `margin_rows`."""
    size = get_app().output.get_size()
    rows = max(size.rows - margin_rows, 3)
    wanted = to_container(widget).preferred_height(max(size.columns - margin_columns, 1), rows)
    return min(wanted.preferred, rows)


def _offsets(lines: int) -> ScrollOffsets:
    return ScrollOffsets(top=lines, bottom=lines)


# --- texts that change (re-run on every redraw) ----------------------------------------------


PREDICT_PROMPT = {
    "en": " your answer (the status code, e.g. 404): ",
    "ru": " ваш ответ (код статуса, например 404): ",
}


def _prompt_label(controller: TraceController) -> StyleAndTextTuples:
    lang = controller.words_lang
    labels = {
        "filter": view_word("prompt-filter", lang),
        "save": view_word("prompt-save", lang),
        "curl-file": view_word("prompt-curl-file", lang),
        "predict": PREDICT_PROMPT.get(controller.lang, PREDICT_PROMPT["en"]),
    }
    return [("class:prompt", labels.get(controller.prompt or "", ""))]


def _list_title(controller: TraceController) -> str:
    state = controller.state
    lang = controller.words_lang
    parts = [view_word("exchanges", lang, count=len(state.visible))]
    hold = controller.hold
    if hold.count:
        soonest = hold.soonest()
        when = f", next released in {soonest:.0f} s" if soonest is not None else ""
        parts.append(f"· ‖ {hold.count} held (a releases{when})")
    elif hold.active:
        parts.append("· hold on (H: off)")
    if not state.filter.empty:
        total, text = len(state.records), state.filter.text
        parts.append(view_word("filtered", lang, total=total, text=text))
    if state.marked:
        parts.append(view_word("marked", lang, count=len(state.marked)))
    dropped = state.dropped + controller.dropped_by_bus
    if dropped:
        parts.append(view_word("dropped", lang, count=dropped))
    if controller.details_paused:
        parts.append(view_word("flood", lang, rate=f"{controller.flood.rate:,.0f}"))
    else:
        parts.append(view_word("following" if state.follow else "paused", lang))
    return " ".join(parts)


def _view_title(controller: TraceController, name: str) -> str:
    lang = controller.words_lang
    title = view_word(name, lang)
    if controller.hexdump and name in ("raw", "response"):
        title += view_word("hex", lang)
    label = controller.selected_field_label
    if name == "raw" and label:
        title += f" · {label}"
    return title


EXPLANATION_TITLES = {
    "en": "what this field means ({keys} another field)",
    "ru": "что значит это поле ({keys} другое поле)",
}


def _explanation_title(controller: TraceController) -> StyleAndTextTuples:
    keys = key_named("field").footer_key_text
    title = EXPLANATION_TITLES.get(controller.lang, EXPLANATION_TITLES["en"])
    return [("class:pane.title", " " + title.format(keys=keys))]


def _client_title(controller: TraceController) -> str:
    client = controller.client
    host, port = controller.options.client_target
    lang = controller.words_lang
    crlf = view_word("crlf-on" if client.crlf else "crlf-off", lang)
    length = view_word("length-typed" if client.pin_length else "length-auto", lang)
    busy = view_word("sending", lang) if client.busy else ""
    where = view_word("client", lang, where=f"{host}:{port}")
    title = f"{where} · {crlf} · {length}{busy}"
    if len(title) + 1 > trace_columns(controller):  # the lesson pane beside: keep the modes
        short = f"→ {host}:{port} · {crlf} · {length}{busy}"
        title = short.replace("Content-Length", "CL")
    return title


def _tab_bar(controller: TraceController) -> StyleAndTextTuples:
    fragments: StyleAndTextTuples = []
    for index, name in enumerate(TABS):
        style = "class:tab.current" if index == controller.tab else "class:tab"
        fragments.append((style, f" {index + 1} {_view_title(controller, name)} "))
        fragments.append(("", " "))
    return fragments


def _footer(controller: TraceController) -> StyleAndTextTuples:
    zone = "prompt" if controller.prompt else controller.zone
    if controller.overlay == "curl" and not controller.prompt:
        zone = "curl"
    hold = controller.hold
    if hold.editing is not None and not controller.prompt:
        zone = "editor"
    elif hold.count and zone in ("list", "detail"):
        zone = f"held-{zone}"
    # The most useful keys of this focus that fit, help and quit always (keys.FOOTER_PRIORITY).
    fragments: StyleAndTextTuples = []
    columns = get_app().output.get_size().columns
    if zone.startswith("held-"):
        label = f" ‖ {hold.count} held "
        fragments.append(("class:footer.key", label))
        columns -= len(label)
    without = () if hold.available else TRACE_ONLY_ZONES
    # the lesson view speaks the lesson's language (l switches it); the trace view English
    lang = controller.words_lang
    for key in footer_keys(zone, columns, without, lang):
        fragments.append(("class:footer.key", f" {key.footer_key_text}"))
        fragments.append(("class:footer", f" {key.footer_label_in(lang)} "))
    return fragments


def _message(controller: TraceController) -> StyleAndTextTuples:
    if not controller.message:
        return []
    return [(f"class:message.{controller.message_level}", " " + controller.message)]
