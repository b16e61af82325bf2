"""Header fields: an ordered, case-insensitive multi-map that keeps the raw bytes.

RFC 9110 §5.3: a recipient MAY combine repeated field lines into one comma-separated value,
but the order matters, and a lab must show what came over the wire. So `Headers` keeps every
field line as received (name case, value bytes, order) and answers case-insensitive questions
about it. Names and values are decoded ISO-8859-1 only when asked for `str`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple, NoReturn


class _FieldLine(NamedTuple):
    name: bytes  # exactly as received
    value: bytes  # OWS trimmed
    lower_name: bytes  # computed once: every lookup compares it


class Field(_FieldLine):
    """One field line: the name exactly as received and the value with OWS trimmed.

    A field is never changed once made (`Headers.set` replaces it), so one `Field` may be
    shared by many messages: a server keeps its `Server` and `Content-Type` lines ready-made.
    It is a tuple (name, value, lower_name), so that a parser can make one without running
    Python code: `new_field(Field, (name, value, name.lower()))`, as `tuple.__new__` does."""

    __slots__ = ()

    def __new__(cls, name: bytes, value: bytes) -> Field:
        return new_field(cls, (name, value, name.lower()))

    def __getnewargs__(self) -> tuple[bytes, bytes]:  # type: ignore[override]
        return self.name, self.value  # what `__new__` takes (for pickle and copy)

    def __repr__(self) -> str:
        return f"Field({self.name!r}, {self.value!r})"

    def text(self) -> tuple[str, str]:
        return self.name.decode("latin-1"), self.value.decode("latin-1")


new_field = tuple.__new__
"""`new_field(Field, (name, value, lower_name))`: a field made at C speed; `lower_name` must be
`name.lower()`."""


new_headers = object.__new__
"""`new_headers(Headers)`: an empty shell whose `_fields` the caller sets at once (what
`Headers.from_fields` does, without the cost of calling a class method)."""


def _as_bytes(value: str | bytes) -> bytes:
    return value if type(value) is bytes else value.encode("latin-1")  # type: ignore[union-attr]


def _key(name: str | bytes) -> bytes:
    """The lower-case bytes a name is looked up by."""
    return (name if type(name) is bytes else name.encode("latin-1")).lower()  # type: ignore[union-attr]


class Headers:
    """Ordered multi-map of field lines; lookups ignore case, iteration keeps the raw order."""

    __slots__ = ("_fields",)

    def __init__(self, fields: Iterable[tuple[str | bytes, str | bytes] | Field] = ()) -> None:
        self._fields: list[Field] = []
        for item in fields:
            if isinstance(item, Field):
                self._fields.append(item)
            else:
                self.add(*item)

    @classmethod
    def from_fields(cls, fields: list[Field]) -> Headers:
        """Adopt a list of fields as is (no copying, no checks). The parsers' hot paths write
        it out: `headers = new_headers(Headers); headers._fields = fields`."""
        headers = new_headers(cls)
        headers._fields = fields
        return headers

    # reading -----------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Field]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str | bytes):
            return False
        key = _key(name)
        for f in self._fields:  # noqa: SIM110 (any() over a generator costs twice as much)
            if f.lower_name == key:
                return True
        return False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Headers) and self._fields == other._fields

    def __repr__(self) -> str:
        return f"Headers({[f.text() for f in self._fields]!r})"

    def get_all(self, name: str | bytes) -> list[str]:
        """Every value of `name`, in order, decoded ISO-8859-1."""
        key = _key(name)
        return [f.value.decode("latin-1") for f in self._fields if f.lower_name == key]

    def get_all_raw(self, name: str | bytes) -> list[bytes]:
        key = _key(name)
        return [f.value for f in self._fields if f.lower_name == key]

    def get(self, name: str | bytes, default: str | None = None) -> str | None:
        """The value of `name`; repeated lines are joined with ", " (RFC 9110 §5.3)."""
        key = _key(name)
        values = [f.value for f in self._fields if f.lower_name == key]
        if not values:
            return default
        return (
            values[0].decode("latin-1")
            if len(values) == 1
            else b", ".join(values).decode("latin-1")
        )

    def count(self, name: str | bytes) -> int:
        key = _key(name)
        return sum(1 for f in self._fields if f.lower_name == key)

    def items(self) -> list[tuple[str, str]]:
        """(name as received, value) pairs in order, decoded ISO-8859-1."""
        return [f.text() for f in self._fields]

    def raw(self) -> list[tuple[bytes, bytes]]:
        return [(f.name, f.value) for f in self._fields]

    def tokens(self, name: str | bytes) -> list[str]:
        """Comma-separated list elements of every `name` line, lower-cased, empties dropped.

        Split and trimmed on bytes with the RFC's OWS, SP and HTAB only (RFC 9110 §5.6.1):
        `str.strip()` would also strip `\xa0` and `\x85` and read "\xa0close" as "close"."""
        out: list[str] = []
        for value in self.get_all_raw(name):
            for element in value.split(b","):
                element = element.strip(b" \t")
                if element:
                    out.append(element.lower().decode("latin-1"))
        return out

    # writing -----------------------------------------------------------------------------
    def append(self, field: Field) -> None:
        """Add a ready-made field line (fields are never changed, so it may be shared)."""
        self._fields.append(field)

    def add(self, name: str | bytes, value: str | bytes) -> None:
        if type(name) is not bytes:
            name = _as_bytes(name)
        if type(value) is not bytes:
            value = _as_bytes(value)
        self._fields.append(Field(name, value))

    def set(self, name: str | bytes, value: str | bytes) -> None:
        """Replace every `name` line with one, kept at the place of the first."""
        raw_name = _as_bytes(name)
        key = raw_name.lower()
        new = Field(raw_name, _as_bytes(value))
        for i, f in enumerate(self._fields):
            if f.lower_name == key:
                self._fields[i] = new
                self._fields[i + 1 :] = [g for g in self._fields[i + 1 :] if g.lower_name != key]
                return
        self._fields.append(new)

    def setdefault(self, name: str | bytes, value: str | bytes) -> None:
        if name not in self:
            self.add(name, value)

    def remove(self, name: str | bytes) -> None:
        key = _key(name)
        self._fields = [f for f in self._fields if f.lower_name != key]

    def copy(self) -> Headers:
        return Headers(self._fields)


class _NoFields(Headers):
    """An empty field section that refuses changes: one is shared by every message without
    trailers (most of them), instead of a new `Headers` each time. Build a `Headers` (or
    `.copy()` this one) to make a section to change."""

    __slots__ = ()

    def _refuse(self) -> NoReturn:
        raise TypeError("this empty field section is shared and cannot change: use .copy()")

    def append(self, field: Field) -> None:
        self._refuse()

    def add(self, name: str | bytes, value: str | bytes) -> None:
        self._refuse()

    def set(self, name: str | bytes, value: str | bytes) -> None:
        self._refuse()

    def setdefault(self, name: str | bytes, value: str | bytes) -> None:
        self._refuse()

    def remove(self, name: str | bytes) -> None:
        self._refuse()


NO_FIELDS: Headers = _NoFields()
"""The trailers of every message that has none (`EndOfMessage.trailers`); it refuses changes."""
