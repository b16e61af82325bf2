"""Named limits of the parser; every one is also a server option.

RFC 9112 §3 and §5 leave the sizes to the implementation but name the answers: 414 for a long
request-target, 431 for header fields too large, 413 for a body too large (RFC 9110 §15.5).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_REQUEST_LINE = 8 * 1024
"""Longest request line (method SP target SP version), in bytes → 414."""
MAX_HEADER_LINE = 8 * 1024
"""Longest single field line → 431."""
MAX_HEADER_BLOCK = 64 * 1024
"""Whole header section, request line excluded → 431."""
MAX_FIELDS = 100
"""Number of field lines → 431."""
MAX_BODY = 10 * 1024 * 1024
"""Decoded body size, Content-Length or chunked → 413."""
MAX_CHUNK_LINE = 4 * 1024
"""One chunk-size line with its extensions → 400."""
MAX_CHUNK_FRAMING = 64 * 1024
"""Framing bytes of one chunked body (size lines, extensions, CRLFs, trailers aside) beyond the
size of its data → 400 (RFC 9112 §7.1.1 asks a server to limit chunk extensions with a 4xx).
Ordinary chunks cost a few bytes each; a stream of 1-byte chunks or 4 KB extensions does not
get to make the server keep 5 to 4,000 bytes per body byte."""
MAX_LEADING_EMPTY_LINES = 16
"""Empty lines tolerated before a request line (RFC 9112 §2.2 says SHOULD ignore at least one)."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_request_line: int = MAX_REQUEST_LINE
    max_header_line: int = MAX_HEADER_LINE
    max_header_block: int = MAX_HEADER_BLOCK
    max_fields: int = MAX_FIELDS
    max_body: int = MAX_BODY
    max_chunk_line: int = MAX_CHUNK_LINE
    max_chunk_framing: int = MAX_CHUNK_FRAMING
    max_leading_empty_lines: int = MAX_LEADING_EMPTY_LINES


DEFAULT_LIMITS = Limits()
