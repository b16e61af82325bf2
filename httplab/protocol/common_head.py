"""The fast path: the common request head, parsed in one pass — or handed back, untouched.

Nearly every request a server sees has the same shape: `GET /path HTTP/1.1`, a few well-formed
field lines, one Host, perhaps one Content-Length, every line ending in CRLF, and the whole head
in one read. `parse_common_head` recognises exactly that shape with one split on CRLF and
precompiled patterns from `grammar`, and builds the same `RequestHead` the strict parser would.
For anything else it returns None and the strict, incremental parser (`request_parser.py`) reads
the head from the start: the strict parser is the reference, the one that explains every rule
and names every error; this module only answers where both must agree, and never raises.

Falls back (returns None) on: a request line longer than the limit, a method that is not a token
or is CONNECT, a target that is not origin-form visible ASCII (or holds `#`), a version other
than HTTP/1.0 or HTTP/1.1; any field line that is not `token ":" OWS value OWS` (obs-fold, bare
CR or LF, controls, whitespace before the colon), over the line, count or section limits;
Transfer-Encoding or Expect at all; no Host in HTTP/1.1, more than one, an invalid one or an
IP literal; Content-Length that is not one plain number within `max_body`. The strict parser
then accepts (with its notes) or refuses (with its words) the same bytes.

`tests/protocol/test_common_head.py` checks, with hypothesis, that for any input the parser with
and without this path gives the same events or the same error; the conformance corpus runs on
both.
"""

from __future__ import annotations

import re

from httplab.protocol import grammar
from httplab.protocol.events import Framing, LazySpans, RequestHead
from httplab.protocol.framing import keep_alive_of, select_framing_fields
from httplab.protocol.headers import Field, Headers
from httplab.protocol.limits import Limits
from httplab.protocol.message_parser import NO_BODY
from httplab.protocol.spans import request_spans

# RFC 9112 §2.1  HTTP-message = start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
# narrowed to the common case, and matched whole:
# - request-line = method SP request-target SP HTTP-version (RFC 9112 §3), where method is a
#   token (RFC 9110 §9.1), request-target is origin-form (absolute-path [ "?" query ]) in
#   visible ASCII without "#" (RFC 9112 §3.2.1: a fragment is never sent), and HTTP-version is
#   HTTP/1.0 or HTTP/1.1;
# - field-line = field-name ":" OWS field-value OWS (RFC 9112 §5), every line ending in CRLF.
#   The name is a token. What follows the colon is judged as one run of bytes: field-value is
#   field-vchar runs separated by SP / HTAB (RFC 9110 §5.5), so "OWS field-value OWS" is
#   exactly any run of SP, HTAB, VCHAR and obs-text — no NUL, CR, LF or other control
#   (`grammar.FIELD_LINE` spells out the same rule piece by piece, for the strict parser).
# Groups: 1 method, 2 target, 3 the minor version digit, 4 the field lines.
COMMON_HEAD = re.compile(
    rb"([-!#$%&'*+.^_`|~0-9A-Za-z]+) (/[\x21\x22\x24-\x7e]*) HTTP/1\.([01])\r\n"
    rb"((?:[-!#$%&'*+.^_`|~0-9A-Za-z]++:[\t\x20-\x7e\x80-\xff]*+\r\n)*+)\r\n"
)
EMPTY_BODY = Framing("length", 0)
MAX_LENGTH_DIGITS = 18  # the strict parser refuses longer numbers as absurd (413)
_common_head = COMMON_HEAD.fullmatch
_host_value = grammar.HOST_VALUE.fullmatch
_digits = grammar.DIGITS.fullmatch


def parse_common_head(head: bytes, limits: Limits) -> RequestHead | None:
    """The head of a common request, or None for the strict parser to read.

    `head` is the message's bytes up to and including the first CRLF CRLF, nothing before it.
    """
    # Transfer-Encoding and Expect always go to the strict parser: looked for first, in the
    # whole head at C speed (the same words in a value or a target only send it there too)
    lowered = head.lower()
    if b"transfer-encoding" in lowered or b"expect" in lowered:
        return None
    match = _common_head(head)
    if match is None:
        return None
    method, target, minor, block = match.groups()
    if method == b"CONNECT":  # needs authority-form: the strict parser says so
        return None
    if match.end(3) > limits.max_request_line:
        return None
    # within the limits, judged on the whole section: when it is no longer than one line may
    # be, no line is too long (a longer section goes to the strict parser, line by line)
    if len(block) > limits.max_header_line or len(block) > limits.max_header_block:
        return None
    lines = block.split(b"\r\n")
    lines.pop()  # the block ends in CRLF: b"" is last
    if len(lines) > limits.max_fields:
        return None
    fields: list[Field] = []
    for line in lines:
        name, _, value = line.partition(b":")  # a token has no colon
        fields.append(Field(name, value.strip(b" \t")))  # OWS is SP / HTAB only

    selected = select_framing_fields(fields)  # no Transfer-Encoding or Expect (see above)
    version = "HTTP/1.1" if minor == b"1" else "HTTP/1.0"
    hosts = selected.get(b"host")
    if hosts is None:
        if version == "HTTP/1.1":
            return None
    elif len(hosts) > 1 or hosts[0][:1] == b"[" or _host_value(hosts[0]) is None:
        return None
    framing = NO_BODY
    lengths = selected.get(b"content-length")
    if lengths is not None:
        value = lengths[0]
        if len(lengths) > 1 or len(value) > MAX_LENGTH_DIGITS or _digits(value) is None:
            return None
        length = int(value)  # ASCII digits only (checked above)
        if length > limits.max_body:
            return None
        framing = Framing("length", length) if length else EMPTY_BODY
    return RequestHead(
        method.decode("ascii"),
        target.decode("ascii"),
        version,
        Headers.from_fields(fields),
        head,
        "origin",
        framing,
        keep_alive_of(version, selected),
        False,
        version,  # raw_version: as sent, which is the normalised form here
        (),
        LazySpans(request_spans, head),
    )
