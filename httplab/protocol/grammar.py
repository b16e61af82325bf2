"""The ABNF rules the parsers enforce, each quoted from its RFC above the pattern built from it.

Patterns work on bytes: HTTP is defined over octets, and decoding happens only at the edge.
"""

from __future__ import annotations

import ipaddress
import re

# RFC 9110 §5.6.2
#   tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
#           "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
#   token = 1*tchar
TOKEN = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+")

# RFC 9110 §5.5
#   field-value = *field-content
#   field-content = field-vchar [ 1*( SP / HTAB / field-vchar ) field-vchar ]
#   field-vchar = VCHAR / obs-text          ; obs-text = %x80-FF
# "Field values containing CR, LF, or NUL characters are invalid and dangerous" — and we reject
# the other control characters too: nothing legitimate needs them.
FIELD_VALUE = re.compile(rb"[\t\x20-\x7e\x80-\xff]*")

# RFC 9112 §2.3
#   HTTP-version = HTTP-name "/" DIGIT "." DIGIT ; HTTP-name is case-sensitive "HTTP"
HTTP_VERSION = re.compile(rb"HTTP/([0-9])\.([0-9])")

# RFC 9112 §3.2 request-target; the forms are told apart by their first bytes. A target is a
# URI piece: visible ASCII only (RFC 3986 §2), no whitespace or control characters.
TARGET_CHARS = re.compile(rb"[\x21-\x7e]+")
# absolute-form = absolute-URI; for the schemes with an authority (RFC 3986 §3):
#   scheme "://" authority path-abempty [ "?" query ]
#   authority = [ userinfo "@" ] host [ ":" port ]
#   host      = IP-literal / IPv4address / reg-name ; IP-literal = "[" IPv6address "]"
# Groups: "scheme", "userinfo" (None when absent) and "host"; an IP-literal must also be a
# real IPv6 address (`ip_literal_ok`).
ABSOLUTE_FORM = re.compile(
    rb"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://"
    rb"(?:(?P<userinfo>[A-Za-z0-9._~%!$&'()*+,;=:-]*)@)?"
    rb"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%!$&'()*+,;=-]*)(?::[0-9]*)?"
    rb"(?:[/?][\x21-\x7e]*)?"
)
# authority-form = uri-host ":" port  (only for CONNECT)
AUTHORITY_FORM = re.compile(rb"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%!$&'()*+,;=-]+):[0-9]{1,5}")

# RFC 9110 §7.2  Host = uri-host [ ":" port ]   (uri-host from RFC 3986 §3.2.2; may be empty)
HOST_VALUE = re.compile(rb"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%!$&'()*+,;=-]*)(:[0-9]*)?")


def ip_literal_ok(host: bytes) -> bool:
    """A host in brackets must hold an IPv6 address (RFC 3986 §3.2.2); no other host is
    judged here. `[zz]`, `[:::::]` and `[1.2.3.4]` are not IPv6 addresses."""
    if not host.startswith(b"["):
        return True
    try:
        ipaddress.IPv6Address(host[1:-1].decode("ascii"))
    except ValueError:
        return False
    return True


# RFC 9112 §3  request-line = method SP request-target SP HTTP-version
# What a request line may look like while its bytes arrive: a token, then visible ASCII, then
# visible ASCII (a CR at the very end may be the start of its CRLF). A prefix this refuses can
# never become a valid request line, so the parser answers 400 at once instead of waiting.
REQUEST_LINE_PREFIX = re.compile(
    rb"[-!#$%&'*+.^_`|~0-9A-Za-z]*(?: [\x21-\x7e]*(?: [\x21-\x7e]*)?)?\r?"
)

# RFC 9110 §5.6.1  #element lists: elements separated by "," with OWS (SP / HTAB) around them
LIST_OWS = b" \t"

# RFC 9110 §8.6  Content-Length = 1*DIGIT
DIGITS = re.compile(rb"[0-9]+")

# RFC 9112 §7.1
#   chunk-size = 1*HEXDIG
#   chunk-ext  = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
#   chunk-ext-val = token / quoted-string
CHUNK_LINE = re.compile(
    rb"([0-9A-Fa-f]+)"
    rb"((?:[ \t]*;[ \t]*[-!#$%&'*+.^_`|~0-9A-Za-z]+"
    rb"(?:[ \t]*=[ \t]*(?:[-!#$%&'*+.^_`|~0-9A-Za-z]+|"
    rb"\"(?:[^\"\\\x00-\x08\x0a-\x1f\x7f]|\\[\t\x20-\x7e\x80-\xff])*\"))?)*)"
)
# No whitespace after the size or the last extension: the grammar has none there, and where a
# chunk ends must not depend on how lenient a reader is.

# RFC 9112 §4  status-line = HTTP-version SP status-code SP [ reason-phrase ]
#   reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
STATUS_LINE = re.compile(rb"(HTTP/[0-9]\.[0-9]) ([0-9]{3})(?: ([\t\x20-\x7e\x80-\xff]*))?")

# RFC 9112 §5: field-line = field-name ":" OWS field-value OWS
# The well-formed case in one pattern (group 1: name, group 2: value without OWS); lines it
# rejects are diagnosed rule by rule, so the error can say which rule broke.
# The quantifiers are possessive (`*+`, `++`): a run of whitespace belongs to exactly one piece
# of the rule, so a line that fails is refused in linear time. With plain `*` the leading and
# trailing OWS share every split of a long blank run, and refusing one 8 KB line took 0.3 s.
FIELD_LINE = re.compile(
    rb"([-!#$%&'*+.^_`|~0-9A-Za-z]++):[ \t]*+"
    rb"((?:[\x21-\x7e\x80-\xff]++(?:[ \t]++[\x21-\x7e\x80-\xff]++)*+)?)[ \t]*+"
)


_PRINTABLE = re.compile(rb"[\x20-\x7e]{1,40}")


def quoted_if_printable(value: bytes) -> str:
    """` "value"` for a short value of printable ASCII, to name it in an error's detail; ""
    otherwise (the error's `offending` bytes keep it, and views escape those for a terminal)."""
    if _PRINTABLE.fullmatch(value) is None:
        return ""
    return ' "' + value.decode("ascii") + '"'
