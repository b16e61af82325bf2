"""What a TUI command says when its server cannot listen (at start, or when the lesson view
restarts the lesson's server for a step): one line, without importing the server."""

from __future__ import annotations


def start_failure(exc: OSError, command: str, port_option: str = "--port", lang: str = "en") -> str:
    """What `command` prints when its server did not start: the server's own words, in `lang`
    (its `server.start_errors.StartError` has `report`, called by its shape: the TUI does not
    import the server), else the error as it is."""
    report = getattr(exc, "report", None)
    if callable(report):
        return str(report(command, port_option, lang))
    return f"{command}: cannot start: {exc.strerror or exc}"
