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
Expect at all; Transfer-Encoding other than one line of just `chunked` in HTTP/1.1 without
Content-Length; no Host in HTTP/1.1, more than one, an invalid one or an IP literal;
Content-Length that is not one plain number within `max_body`. The strict parser then accepts
(with its notes) or refuses (with its words) the same bytes.

The fields that decide framing and persistence are read as the lines are split, in one pass.

`tests/protocol/test_common_head.py` checks, with hypothesis, that for any input the parser with
and without this path gives the same events or the same error; the conformance corpus runs on
both.
"""

from __future__ import annotations

import re

from httplab.protocol import grammar
from httplab.protocol.events import Framing, RequestHead
from httplab.protocol.framing import keep_alive_of
from httplab.protocol.headers import Field, Headers, new_field, new_headers
from httplab.protocol.limits import Limits
from httplab.protocol.message_parser import NO_BODY

# RFC 9112 §2.1  HTTP-message = start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
# narrowed to the common case, and matched whole:
# - request-line = method SP request-target SP HTTP-version (RFC 9112 §3), where method is a
#   token (RFC 9110 §9.1), request-target is origin-form (absolute-path [ "?" query ]) in
#   visible ASCII without "#" (RFC 9112 §3.2.1: a fragment is never sent), and HTTP-version is
#   HTTP/1.0 or HTTP/1.1;
# - field-line = field-name ":" OWS field-value OWS (RFC 9112 §5), every line ending in CRLF,
#   in the shape every client writes: the colon followed by one SP ("Host: a"; a line such as
#   "Host:a" or an empty "X:" is the strict parser's). The name is a token, so the first ": "
#   of a line ends its name. What follows is judged as one run of bytes: field-value is
#   field-vchar runs separated by SP / HTAB (RFC 9110 §5.5), so "OWS field-value OWS" is
#   exactly any run of SP, HTAB, VCHAR and obs-text — no NUL, CR, LF or other control
#   (`grammar.FIELD_LINE` spells out the same rule piece by piece, for the strict parser).
# Groups: 1 method, 2 target, 3 the minor version digit.
COMMON_HEAD = re.compile(
    rb"([-!#$%&'*+.^_`|~0-9A-Za-z]+) (/[\x21\x22\x24-\x7e]*) HTTP/1\.([01])\r\n"
    rb"(?:[-!#$%&'*+.^_`|~0-9A-Za-z]++: [\t\x20-\x7e\x80-\xff]*+\r\n)*+\r\n"
)
# RFC 9112 §6.3, §9.3, RFC 9110 §7.2, §10.1.1: the fields that decide framing, persistence
# and the Host check, read as the field lines are split
FRAMING_FIELDS = frozenset(
    (b"host", b"content-length", b"transfer-encoding", b"connection", b"expect")
)
EMPTY_BODY = Framing("length", 0)
CHUNKED = Framing("chunked")
MAX_LENGTH_DIGITS = 18  # the strict parser refuses longer numbers as absurd (413)
_common_head = COMMON_HEAD.fullmatch
_host_value = grammar.HOST_VALUE.fullmatch
# the request's method as `str`, without decoding the usual ones every time
_METHOD_NAMES = {
    name.encode("ascii"): name
    for name in ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH")
}


# RFC 9110 §7.2: the Host values found valid (a server sees the same one or two on every
# request, so each is judged once)
_HOSTS_SEEN: set[bytes] = set()


def _common_host(host: bytes) -> bool:
    """A Host value the fast path takes: a valid one that is not an IP literal (the strict
    parser checks those); remembered when valid."""
    if host[:1] == b"[" or _host_value(host) is None:
        return False
    if len(_HOSTS_SEEN) >= 64:  # a bound on what a client can make the server remember
        _HOSTS_SEEN.clear()
    _HOSTS_SEEN.add(host)
    return True


# RFC 9112 §6.3: the framing of a body of each length seen (the same few recur: a form, a
# JSON object), made once; as bounded as the Host values above
_LENGTHS: dict[int, Framing] = {0: EMPTY_BODY}


def _length_framing(length: int) -> Framing:
    if len(_LENGTHS) >= 64:
        _LENGTHS.clear()
        _LENGTHS[0] = EMPTY_BODY
    framing = _LENGTHS[length] = Framing("length", length)
    return framing


def parse_common_head(head: bytes, limits: Limits) -> RequestHead | None:
    """The head of a common request, or None for the strict parser to read.

    `head` is the message's bytes up to and including the first CRLF CRLF, nothing before it.
    """
    match = _common_head(head)
    if match is None:
        return None
    method, target, minor = match.groups()
    if method == b"CONNECT":  # needs authority-form: the strict parser says so
        return None
    request_line = len(method) + len(target) + 10  # method SP target SP HTTP/1.x
    if request_line > limits.max_request_line:
        return None
    # within the limits, judged on the whole section: when it is no longer than one line may
    # be, no line is too long (a longer section goes to the strict parser, line by line)
    block = len(head) - request_line - 4  # the field lines, each with its CRLF
    if block > limits.max_header_line or block > limits.max_header_block:
        return None
    # a field line takes at least 4 bytes ("a:" CRLF), so only a long section may hold more
    # lines than allowed; CRLF ends the request line, each field line and the head
    if block > 4 * limits.max_fields and head.count(b"\r\n") - 2 > limits.max_fields:
        return None

    http11 = minor == b"1"
    host = None
    framing = NO_BODY
    connection: list[bytes] = []
    fields: list[Field] = []
    # the lines after the request line, less the final empty line and the b"" after it
    for line in head.split(b"\r\n")[1:-2]:
        # the name, then the value after ": " (a token has no colon): one object fewer than
        # splitting at the colon and trimming the SP after it
        name, _, value = line.partition(b": ")
        value = value.strip(b" \t")  # the rest of OWS (SP / HTAB only); most often none
        lower_name = name.lower()
        fields.append(new_field(Field, (name, value, lower_name)))
        if lower_name not in FRAMING_FIELDS:
            continue
        if lower_name == b"host":
            if host is not None:  # RFC 9112 §3.2: more than one Host line is a 400
                return None
            host = value
        elif lower_name == b"content-length":
            # RFC 9110 §8.6: Content-Length = 1*DIGIT; here one line of one plain number
            # (bytes.isdigit() is true for ASCII digits only, and false for b"")
            if framing is not NO_BODY or len(value) > MAX_LENGTH_DIGITS or not value.isdigit():
                return None
            length = int(value)  # ASCII digits only (checked above): no " ", "+" or "_"
            if length > limits.max_body:
                return None
            framing = _LENGTHS.get(length) or _length_framing(length)
        elif lower_name == b"transfer-encoding":
            # RFC 9112 §6.1: one line of just "chunked" (in any case) in HTTP/1.1, and no
            # Content-Length; lists, other codings and every error are the strict parser's
            if framing is not NO_BODY or value.lower() != b"chunked" or not http11:
                return None
            framing = CHUNKED
        elif lower_name == b"connection":
            connection.append(value)
        else:  # RFC 9110 §10.1.1 Expect: the strict parser answers it
            return None
    # RFC 9112 §3.2: exactly one valid Host in HTTP/1.1, at most one in HTTP/1.0
    if host is None:
        if http11:
            return None
    elif host not in _HOSTS_SEEN and not _common_host(host):
        return None
    version = "HTTP/1.1" if http11 else "HTTP/1.0"
    # RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive"
    keep_alive = keep_alive_of(version, {b"connection": connection}) if connection else http11
    headers = new_headers(Headers)  # `Headers.from_fields(fields)`, without a method call
    headers._fields = fields
    return RequestHead(
        _METHOD_NAMES.get(method) or method.decode("ascii"),
        target.decode("ascii"),
        version,
        headers,
        head,
        "origin",
        framing,
        keep_alive,
        False,
        version,  # raw_version: as sent, which is the normalised form here
        (),
    )
