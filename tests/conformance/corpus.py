"""A conformance corpus of malformed and smuggling-style requests, with the status RFC 9110/9112
asks for. Each case is replayed bytes-in/events-out against the parser and over a real socket
against the server: no 5xx (but the RFC's 501/505), no hang, no crash, the right status.

`status` is the first response status expected; `closes` says the server must close after it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    status: int
    closes: bool = True
    rfc: str = ""
    parser_decides: bool = True  # False: the parser accepts it, the server answers the status


H = b"Host: example.com\r\n"

CASES: list[Case] = [
    # request line (RFC 9112 §3)
    Case("ok", b"GET /users HTTP/1.1\r\n" + H + b"\r\n", 200, closes=False),
    Case(
        "lowercase method is a token (unknown path 404)",
        b"get /users HTTP/1.1\r\n" + H + b"\r\n",
        405,
        closes=False,
    ),
    Case("no version", b"GET /users\r\n" + H + b"\r\n", 400, rfc="RFC 9112 §3"),
    Case("two spaces", b"GET  /users HTTP/1.1\r\n" + H + b"\r\n", 400),
    Case("tab separator", b"GET\t/users HTTP/1.1\r\n" + H + b"\r\n", 400),
    Case("lowercase http", b"GET / http/1.1\r\n" + H + b"\r\n", 400, rfc="RFC 9112 §2.3"),
    Case("HTTP/2.0 over 1.1 syntax", b"GET / HTTP/2.0\r\n" + H + b"\r\n", 505),
    Case("HTTP/1.2 treated as 1.1", b"GET /users HTTP/1.2\r\n" + H + b"\r\n", 200, closes=False),
    Case("relative target", b"GET users HTTP/1.1\r\n" + H + b"\r\n", 400),
    Case("asterisk with GET", b"GET * HTTP/1.1\r\n" + H + b"\r\n", 400),
    Case("fragment in target", b"GET /users#top HTTP/1.1\r\n" + H + b"\r\n", 400),
    Case("space in target", b"GET /a b HTTP/1.1\r\n" + H + b"\r\n", 400),
    Case("NUL in target", b"GET /a\x00 HTTP/1.1\r\n" + H + b"\r\n", 400),
    Case("bare CR in request line", b"GET / HTTP/1.1\r" + H + b"\r\n", 400, rfc="RFC 9112 §2.2"),
    Case("binary garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),
    # fields (RFC 9112 §5, RFC 9110 §5)
    Case(
        "space before colon",
        b"GET / HTTP/1.1\r\nHost : example.com\r\n\r\n",
        400,
        rfc="RFC 9112 §5.1",
    ),
    Case("obs-fold", b"GET / HTTP/1.1\r\n" + H + b"X-A: 1\r\n 2\r\n\r\n", 400, rfc="RFC 9112 §5.2"),
    Case("NUL in value", b"GET / HTTP/1.1\r\n" + H + b"X-A: a\x00b\r\n\r\n", 400),
    Case("field without colon", b"GET / HTTP/1.1\r\n" + H + b"garbage\r\n\r\n", 400),
    Case("missing Host", b"GET / HTTP/1.1\r\n\r\n", 400, rfc="RFC 9112 §3.2"),
    Case("two Hosts", b"GET / HTTP/1.1\r\n" + H + H + b"\r\n", 400, rfc="RFC 9112 §3.2"),
    Case("Host with a path", b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
    Case("1.0 without Host", b"GET /users HTTP/1.0\r\n\r\n", 200),
    # framing and smuggling (RFC 9112 §6)
    Case(
        "CL.TE",
        b"POST /users HTTP/1.1\r\n" + H + b"Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\nG",
        400,
        rfc="RFC 9112 §6.3",
    ),
    Case(
        "TE.CL",
        b"POST /users HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
        b"8\r\nSMUGGLED\r\n0\r\n\r\n",
        400,
    ),
    Case(
        "TE with obs-fold trick",
        b"POST /users HTTP/1.1\r\n" + H + b"Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    Case(
        "TE xchunked",
        b"POST /users HTTP/1.1\r\n" + H + b"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    Case(
        "TE gzip, chunked",
        b"POST /users HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        501,
    ),
    Case(
        "TE chunked, identity",
        b"POST /users HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
        400,
    ),
    Case(
        "TE in HTTP/1.0",
        b"POST /users HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    Case(
        "TE with space before colon",
        b"POST /users HTTP/1.1\r\n" + H + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    Case(
        "two different Content-Lengths",
        b"POST /users HTTP/1.1\r\n" + H + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        400,
    ),
    Case("CL with plus", b"POST /users HTTP/1.1\r\n" + H + b"Content-Length: +3\r\n\r\nabc", 400),
    Case("CL negative", b"POST /users HTTP/1.1\r\n" + H + b"Content-Length: -1\r\n\r\n", 400),
    Case("CL hex", b"POST /users HTTP/1.1\r\n" + H + b"Content-Length: 0x3\r\n\r\nabc", 400),
    Case(
        "CL huge",
        b"POST /users HTTP/1.1\r\n" + H + b"Content-Length: 99999999999999999999\r\n\r\n",
        413,
    ),
    Case(
        "chunk size with 0x",
        b"POST /users HTTP/1.1\r\n"
        + H
        + b"Transfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n",
        400,
    ),
    Case(
        "chunk size negative",
        b"POST /users HTTP/1.1\r\n"
        + H
        + b"Transfer-Encoding: chunked\r\n\r\n-3\r\nabc\r\n0\r\n\r\n",
        400,
    ),
    Case(
        "chunk data too long",
        b"POST /users HTTP/1.1\r\n"
        + H
        + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n",
        400,
    ),
    Case(
        "unknown expectation",
        b"GET /users HTTP/1.1\r\n" + H + b"Expect: something\r\n\r\n",
        417,
    ),
    # limits
    Case("long target", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n" + H + b"\r\n", 414),
    Case("long field", b"GET / HTTP/1.1\r\n" + H + b"X-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),
    Case(
        "too many fields",
        b"GET / HTTP/1.1\r\n" + H + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n",
        431,
    ),
]

# Cases added in review: each names the rule and the trick it tries.
PUT = b"PUT /users HTTP/1.1\r\n" + H  # 405 from the app: the body is read, then refused
CHUNKED = b"Transfer-Encoding: chunked\r\n"

CASES += [
    # framing that must be read exactly (the follow-up request proves the connection in sync)
    Case(
        "CL with leading zeros is decimal",
        PUT + b"Content-Length: 003\r\n\r\nabc",
        405,
        closes=False,
        rfc="RFC 9110 §8.6",
    ),
    Case(
        "CL with 25 leading zeros is not 'absurdly large'",
        PUT + b"Content-Length: " + b"0" * 25 + b"3\r\n\r\nabc",
        405,
        closes=False,
    ),
    Case("CL list of one value", PUT + b"Content-Length: 1, 1\r\n\r\na", 405, closes=False),
    Case(
        "CL repeated on two lines, same value",
        PUT + b"Content-Length: 2\r\nContent-Length: 2\r\n\r\nab",
        405,
        closes=False,
    ),
    Case(
        "CL list of two values", PUT + b"Content-Length: 1, 2\r\n\r\nab", 400, rfc="RFC 9112 §6.3"
    ),
    Case("CL empty", PUT + b"Content-Length: \r\n\r\n", 400),
    Case("CL with inner space", PUT + b"Content-Length: 1 2\r\n\r\n", 400),
    Case(
        "chunked with extensions, leading-zero sizes and trailers",
        PUT + CHUNKED + b'\r\n0003;a=1;b="x y"\r\nabc\r\n0\r\nX-T: 1\r\n\r\n',
        405,
        closes=False,
    ),
    Case(
        "TE chunked twice, as two field lines",
        PUT + CHUNKED + CHUNKED + b"\r\n0\r\n\r\n",
        400,
        rfc="RFC 9112 §6.1",
    ),
    Case("TE chunked, chunked", PUT + b"Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400),
    Case(
        "TE chunked with a parameter", PUT + b"Transfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n", 400
    ),
    Case("TE identity", PUT + b"Transfer-Encoding: identity\r\n\r\n", 400, rfc="RFC 9112 §6.3"),
    Case(
        "TE in HTTP/1.0 with CL too",
        b"PUT /users HTTP/1.0\r\nContent-Length: 5\r\n" + CHUNKED + b"\r\n0\r\n\r\n",
        400,
    ),
    Case(
        "chunk-size line ended by a bare LF",
        PUT + CHUNKED + b"\r\n3\nabc\r\n0\r\n\r\n",
        400,
        rfc="RFC 9112 §7.1",
    ),
    Case(
        "bare LF inside a chunk extension (funky chunks)",
        PUT + CHUNKED + b"\r\n3;x\nabc\r\n0\r\n\r\n",
        400,
        rfc="RFC 9112 §7.1",
    ),
    Case(
        "chunk data ended by a bare LF",
        PUT + CHUNKED + b"\r\n3\r\nabc\n0\r\n\r\n",
        400,
        rfc="RFC 9112 §7.1",
    ),
    Case(
        "chunk size overflows 64 bits",
        PUT + CHUNKED + b"\r\n1" + b"0" * 20 + b"\r\n",
        413,
    ),
    # field names are tokens (RFC 9110 §5.1)
    Case("field name with parentheses", b"GET /users HTTP/1.1\r\n" + H + b"X(a): 1\r\n\r\n", 400),
    Case("field name with @", b"GET /users HTTP/1.1\r\n" + H + b"X@y: 1\r\n\r\n", 400),
    Case("field name non-ASCII", b"GET /users HTTP/1.1\r\n" + H + b"X\xe9: 1\r\n\r\n", 400),
    Case("empty field name", b"GET /users HTTP/1.1\r\n" + H + b": 1\r\n\r\n", 400),
    Case("DEL in a field value", b"GET /users HTTP/1.1\r\n" + H + b"X: a\x7fb\r\n\r\n", 400),
    Case("bare CR in a field value", b"GET /users HTTP/1.1\r\n" + H + b"X: a\rb\r\n\r\n", 400),
    # NUL and friends in the request line
    Case("NUL in the method", b"G\x00T /users HTTP/1.1\r\n" + H + b"\r\n", 400),
    Case("NUL in the version", b"GET /users HTTP/1.1\x00\r\n" + H + b"\r\n", 400),
    Case("ESC in the target", b"GET /\x1b[31m HTTP/1.1\r\n" + H + b"\r\n", 400),
    Case("trailing space after the version", b"GET /users HTTP/1.1 \r\n" + H + b"\r\n", 400),
    Case("HTTP/1.10 is not HTTP/1.1", b"GET /users HTTP/1.10\r\n" + H + b"\r\n", 400),
    Case("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
    # target forms (RFC 9112 §3.2)
    Case(
        "absolute-form wins over a disagreeing Host",
        b"GET http://other.example/users HTTP/1.1\r\n" + H + b"\r\n",
        200,
        closes=False,
        rfc="RFC 9112 §3.2.2",
    ),
    Case(
        "absolute-form still needs Host in HTTP/1.1",
        b"GET http://example.com/users HTTP/1.1\r\n\r\n",
        400,
        rfc="RFC 9112 §3.2",
    ),
    Case(
        "userinfo in an absolute-form target",
        b"GET http://user@example.com/users HTTP/1.1\r\n" + H + b"\r\n",
        400,
        rfc="RFC 9110 §4.2.4",
    ),
    Case("OPTIONS *", b"OPTIONS * HTTP/1.1\r\n" + H + b"\r\n", 204, closes=False),
    Case(
        "CONNECT to an origin server",
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
        501,
        rfc="RFC 9110 §9.3.6",
        parser_decides=False,
    ),
    Case("CONNECT with an origin-form target", b"CONNECT /users HTTP/1.1\r\n" + H + b"\r\n", 400),
    # Host (RFC 9110 §7.2)
    Case("Host with userinfo", b"GET /users HTTP/1.1\r\nHost: a@b\r\n\r\n", 400),
    Case("Host with a bad port", b"GET /users HTTP/1.1\r\nHost: a:b\r\n\r\n", 400),
    Case("empty Host is allowed", b"GET /users HTTP/1.1\r\nHost:\r\n\r\n", 200, closes=False),
    # persistence
    Case(
        "HTTP/1.0 keep-alive",
        b"GET /users HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        200,
        closes=False,
    ),
    Case(
        "stray CRLF after a request (RFC 9112 §2.2 ignores it), then close",
        b"GET /users HTTP/1.1\r\n" + H + b"\r\n\r\n",
        200,
        closes=False,
    ),
    # the users API's methods and conditional requests (RFC 9110 §9.3, §13)
    Case("GET / is the lab's page", b"GET / HTTP/1.1\r\n" + H + b"\r\n", 200, closes=False),
    Case(
        "PUT on a user that is not there",
        b"PUT /users/999999 HTTP/1.1\r\n" + H + b"Content-Length: 0\r\n\r\n",
        404,
        closes=False,
        parser_decides=False,
    ),
    Case(
        "DELETE on a user that is not there",
        b"DELETE /users/999999 HTTP/1.1\r\n" + H + b"\r\n",
        404,
        closes=False,
        parser_decides=False,
    ),
    Case(
        "If-None-Match: * on a resource that exists",
        b"GET /users HTTP/1.1\r\n" + H + b"If-None-Match: *\r\n\r\n",
        304,
        closes=False,
        rfc="RFC 9110 §13.1.2",
        parser_decides=False,
    ),
    Case(
        "If-Match with an entity tag that is not current",
        b"GET /users HTTP/1.1\r\n" + H + b'If-Match: "no-such-tag"\r\n\r\n',
        412,
        closes=False,
        rfc="RFC 9110 §13.1.1",
        parser_decides=False,
    ),
    Case(
        "If-None-Match without quotes is not an entity tag",
        b"GET /users HTTP/1.1\r\n" + H + b"If-None-Match: abc\r\n\r\n",
        400,
        closes=False,
        rfc="RFC 9110 §8.8.3",
        parser_decides=False,
    ),
    Case(
        "Expect 100-continue without a body",
        b"GET /users HTTP/1.1\r\n" + H + b"Expect: 100-continue\r\n\r\n",
        200,
        closes=False,
    ),
    # issue 7: holes found from outside (each also in tests/protocol/test_hardening.py)
    Case("#1 '[' alone in an authority", b"GET http://[/users HTTP/1.1\r\n" + H + b"\r\n", 400),
    Case("#1 ']' alone in an authority", b"GET http://a]/ HTTP/1.1\r\n" + H + b"\r\n", 400),
    Case("#1 not an IPv6 literal", b"GET http://[zz]/ HTTP/1.1\r\n" + H + b"\r\n", 400),
    Case("#1 unclosed IPv6 literal", b"GET http://[::1/ HTTP/1.1\r\n" + H + b"\r\n", 400),
    Case("#1 IPv4 in brackets in Host", b"GET / HTTP/1.1\r\nHost: [1.2.3.4]\r\n\r\n", 400),
    Case(
        "#3 NBSP around chunked",
        b"POST /users HTTP/1.1\r\n" + H + b"Transfer-Encoding: \xa0chunked\xa0\r\n\r\n0\r\n\r\n",
        400,
        rfc="RFC 9112 §6.1",
    ),
    Case(
        "#3 NEL after chunked",
        b"POST /users HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\x85\r\n\r\n0\r\n\r\n",
        400,
    ),
    Case(
        "#3 a coding this server lacks",
        b"POST /users HTTP/1.1\r\n" + H + b"Transfer-Encoding: br, chunked\r\n\r\n0\r\n\r\n",
        501,
        rfc="RFC 9112 §6.1",
    ),
    Case(
        "#3 Expect with NBSP is not 100-continue",
        b"POST /users HTTP/1.1\r\n" + H + b"Expect: 100-continue\xa0\r\nContent-Length: 1\r\n\r\nx",
        417,
        rfc="RFC 9110 §10.1.1",
    ),
    Case("#4 NUL as the first byte", b"\x00", 400, rfc="RFC 9110 §9.1"),
    Case("#4 TLS ClientHello", b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 400),
    Case(
        "#6 a chunk-size line over the limit in one write",
        b"POST /users HTTP/1.1\r\n"
        + H
        + b"Transfer-Encoding: chunked\r\n\r\n1;a="
        + b"b" * 100_000
        + b"\r\nX\r\n0\r\n\r\n",
        400,
        rfc="RFC 9112 §7.1.1",
    ),
    Case(
        "#16 a bare LF ending a chunked body",
        b"POST /users HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\n\n",
        400,
        rfc="RFC 9112 §7.1",
    ),
]
