"""The `httplab` command: option parsing and wiring only.

Heavy modules (prompt_toolkit, the TUI, the server) are imported inside the commands that need
them, so `httplab send` starts fast.
"""

from __future__ import annotations

import typer

from httplab import __version__

app = typer.Typer(
    name="httplab",
    help="An HTTP/1.1 lab in the terminal: a from-scratch server, a client and a live trace view.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"httplab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """An HTTP/1.1 lab in the terminal."""


# --- serve (owner: server work; --trace: TUI work) -----------------------------------------


# --- send / repl (owner: client work) ------------------------------------------------------


def main() -> None:
    app()
