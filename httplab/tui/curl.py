"""An exchange's request as a curl command a learner can paste into a shell.

Built from the parsed request (method, target, headers in order, body), so it only exists for
requests the server understood. Arguments are quoted for POSIX shells; anything with a control
or non-ASCII byte uses bash's `$'…'` quoting, so the command never carries a raw escape byte
to the terminal or the clipboard.
"""

from __future__ import annotations

import shlex

from httplab.trace.records import ExchangeRecord

# curl adds these itself; passing them again would duplicate them on the wire.
_CURL_MANAGED = {b"content-length"}


def curl_command(record: ExchangeRecord, base_url: str) -> str | None:
    """The command, or None when the request could not be parsed."""
    request = record.request
    if request is None:
        return None
    target = request.target
    url = target if "://" in target else base_url.rstrip("/") + target
    args = ["curl", "--http1.1", "-sS", "-i"]
    if request.method == "HEAD":
        args.append("-I")
    elif request.method != "GET" or request.body:
        args += ["-X", quote(request.method)]
    for field in request.headers:
        if field.lower_name in _CURL_MANAGED:
            continue
        name, value = field.text()
        # `Name;` is curl's way to send a header with an empty value.
        args += ["-H", quote(f"{name}: {value}" if value else f"{name};")]
    if request.body:
        args += ["--data-binary", quote(request.body.decode("latin-1"))]
    args.append(quote(url))
    return " ".join(args)


def quote(text: str) -> str:
    if all(0x20 <= ord(ch) < 0x7F for ch in text):
        return shlex.quote(text)
    return "$'" + "".join(_ansi_c(ch) for ch in text) + "'"


def _ansi_c(ch: str) -> str:
    code = ord(ch)
    if ch in "\\'":
        return "\\" + ch
    if 0x20 <= code < 0x7F:
        return ch
    # Bytes, not characters: the text is latin-1, one character per wire byte.
    return f"\\x{code:02x}"
