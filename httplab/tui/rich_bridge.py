"""Rich renderables → prompt_toolkit fragments, without going through ANSI text.

Why not render to ANSI and wrap it in `prompt_toolkit.formatted_text.ANSI`: `ANSI()` interprets
the escape sequences it is given, so one unescaped byte from the wire could move the cursor.
Walking rich's segments keeps text and style apart; prompt_toolkit then draws any stray control
character visibly (`^[`), and picks the colour depth the terminal supports.
"""

from __future__ import annotations

from prompt_toolkit.formatted_text import StyleAndTextTuples
from rich.color import Color, ColorType
from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.theme import Theme

# A line as prompt_toolkit takes it (style, text); no mouse handlers are ever attached here.
FragmentLine = StyleAndTextTuples

# prompt_toolkit's names for the 16 standard colours, in ANSI number order; keeping them named
# (not hex) lets the terminal's own palette, e.g. a projector profile, decide the shade.
_ANSI_NAMES = (
    "ansiblack",
    "ansired",
    "ansigreen",
    "ansiyellow",
    "ansiblue",
    "ansimagenta",
    "ansicyan",
    "ansigray",
    "ansibrightblack",
    "ansibrightred",
    "ansibrightgreen",
    "ansibrightyellow",
    "ansibrightblue",
    "ansibrightmagenta",
    "ansibrightcyan",
    "ansiwhite",
)


def color_to_pt(color: Color) -> str | None:
    """A rich colour as a prompt_toolkit colour name or `#rrggbb`; None for the default."""
    if color.type is ColorType.DEFAULT:
        return None
    if color.type in (ColorType.STANDARD, ColorType.EIGHT_BIT, ColorType.WINDOWS):
        number = color.number
        if number is not None and number < 16:
            return _ANSI_NAMES[number]
    return "#" + color.get_truecolor().hex.lstrip("#")


def style_to_pt(style: Style | None) -> str:
    """A rich Style as a prompt_toolkit style string (`fg:…`, `bg:…`, attributes)."""
    if style is None or not style:
        return ""
    parts: list[str] = []
    if style.color is not None and (name := color_to_pt(style.color)):
        parts.append(f"fg:{name}")
    if style.bgcolor is not None and (name := color_to_pt(style.bgcolor)):
        parts.append(f"bg:{name}")
    for attribute in ("bold", "dim", "italic", "underline", "reverse", "strike", "blink"):
        if getattr(style, attribute):
            parts.append(attribute)
    return " ".join(parts)


def make_console(theme: Theme | None, width: int = 80) -> Console:
    """A console that never writes anywhere: it only lays renderables out at a width."""
    return Console(
        width=width,
        theme=theme,
        force_terminal=True,
        color_system="truecolor",  # keep full colour info; prompt_toolkit downsamples it
        legacy_windows=False,
        highlight=False,
        emoji=False,
        markup=False,
    )


class RenderedLines:
    """A renderable laid out at one width: fragments per line, and where a marker style is."""

    __slots__ = ("lines", "marked_line")

    def __init__(self, lines: list[FragmentLine], marked_line: int | None) -> None:
        self.lines = lines
        self.marked_line = marked_line


def render_fragment_lines(
    console: Console,
    renderable: RenderableType,
    width: int,
    marker: Style | None = None,
) -> RenderedLines:
    """Lay `renderable` out at exactly `width` cells; find the first line showing `marker`
    (the raw view's highlight), so the pane can scroll the linked bytes into sight."""
    options = console.options.update(width=max(1, width), height=None)
    segment_lines = console.render_lines(renderable, options, pad=False)
    marked_line = None
    if marker is not None:
        marked_line = next(
            (i for i, line in enumerate(segment_lines) if _line_has_style(line, marker)), None
        )
    return RenderedLines([_segments_to_fragments(line) for line in segment_lines], marked_line)


def _segments_to_fragments(line: list[Segment]) -> FragmentLine:
    fragments: FragmentLine = []
    for segment in line:
        if segment.control or not segment.text:
            continue  # control segments move a real cursor; a pane has none
        fragments.append((style_to_pt(segment.style), segment.text))
    return fragments


def _line_has_style(line: list[Segment], wanted: Style) -> bool:
    return any(segment.style is not None and _carries(segment.style, wanted) for segment in line)


def _carries(style: Style, wanted: Style) -> bool:
    # Renderables combine styles, so compare the one attribute that makes the marker stand out.
    if wanted.bgcolor is not None:
        return style.bgcolor == wanted.bgcolor
    if wanted.reverse:
        return bool(style.reverse)
    if wanted.color is not None:
        return style.color == wanted.color
    return False
