"""The protocol core is sans-IO: importing it loads no socket, asyncio, rich or prompt_toolkit."""

from __future__ import annotations

import subprocess
import sys


def test_protocol_imports_no_io_or_ui_modules() -> None:
    code = (
        "import sys\n"
        "import httplab.protocol.parser, httplab.protocol.serialize, httplab.protocol.negotiate\n"
        "bad = [m for m in ('socket', 'asyncio', 'rich', 'prompt_toolkit', 'select', 'ssl')"
        " if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.strip() == ""
