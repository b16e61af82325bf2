"""The `httplab` entry point: `send` starts before anything heavy is imported.

`httplab send` is meant to be as quick as `nc`; typer alone costs tens of milliseconds to
import, so `send` is dispatched to its own argparse front end first, and every other command
goes to the Typer app in `httplab.cli`.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["send"]:
        from httplab.client.send_cli import main_send

        raise SystemExit(main_send(sys.argv[2:]))
    from httplab.cli import main as cli_main

    cli_main()
