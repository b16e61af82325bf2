"""Helpers shared by the render tests: a recording console and ANSI stripping."""

from __future__ import annotations

import io
import re

from rich.console import Console, RenderableType

from httplab.render.theme import THEME

SGR = re.compile(r"\x1b\[[0-9;]*m")


def render(renderable: RenderableType, *, width: int = 80, terminal: bool = True) -> str:
    """What `renderable` writes to an 80-column terminal (ANSI styling included)."""
    console = Console(
        file=io.StringIO(),
        width=width,
        force_terminal=terminal,
        color_system="truecolor" if terminal else None,
        theme=THEME,
        legacy_windows=False,
    )
    console.print(renderable)
    output = console.file.getvalue()  # type: ignore[attr-defined]
    return output


def plain(renderable: RenderableType, *, width: int = 80) -> str:
    """The characters a terminal shows: styling sequences removed."""
    return SGR.sub("", render(renderable, width=width))
