"""What the server understood of a request: the parsed tree and the header table."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from httplab.protocol.headers import Headers
from httplab.protocol.messages import Request
from httplab.render.escape import escape_text, safe_bytes, safe_text, safe_wire_text
from httplab.render.fields import (
    BODY,
    CHUNK,
    chunk_index,
    chunks,
    field_window,
    header_index,
    more_fields,
)
from httplab.render.words import word
from httplab.trace.records import ExchangeRecord


def _label(name: str, value: Text, *, selected: bool) -> Text:
    label = Text.assemble((f"{name} " if value else name, "tree.label"), value)
    if selected:
        label.stylize("tree.selected")
    return label


CHUNKS_SHOWN = 20
"""Chunk lines the tree shows at most, around the selected one."""


class ParsedTreeView:
    """request line → method / target (→ path + query) / version; headers; body.

    `selected` is a field key (see render/fields.py); that node is styled `tree.selected`.
    """

    def __init__(
        self, record: ExchangeRecord, selected: str | None = None, *, lang: str = "en"
    ) -> None:
        self.record = record
        self.selected = selected
        self.lang = lang

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        request = self.record.request
        if request is None:
            reason = self.record.error or "the request could not be parsed"
            yield Text.assemble(("not parsed: ", "trace.error"), safe_text(reason))
            return
        yield self._tree(request)

    def _is(self, key: str) -> bool:
        return self.selected == key

    def _tree(self, request: Request) -> Tree:
        lang = self.lang
        tree = Tree(Text(word("request", lang), style="trace.section"), guide_style="trace.muted")
        line = tree.add(
            _label(word("request-line", lang), Text(""), selected=self._is("request-line"))
        )
        method = safe_wire_text(request.method, "http.method")
        line.add(_label(word("method", lang), method, selected=self._is("method")))
        target_text = safe_wire_text(request.target, "http.target")
        target = line.add(_label(word("target", lang), target_text, selected=self._is("target")))
        path = safe_wire_text(request.path, "http.path")
        target.add(_label(word("path", lang), path, selected=False))
        query = request.query
        if query:
            query_node = target.add(Text(word("query", lang), style="tree.label"))
            for name, values in query.items():
                shown = ", ".join(f'"{escape_text(v)}"' for v in values)
                query_node.add(Text.assemble(safe_text(name, "http.query"), f" = [{shown}]"))
        version = safe_wire_text(request.version, "http.version")
        line.add(_label(word("version", lang), version, selected=self._is("version")))
        self._add_headers(tree, request.headers)
        size = word("body-bytes", lang, count=f"{len(request.body):,}")
        body_label = Text(size, style="http.body")
        body = tree.add(_label(word("body", lang), body_label, selected=self._is(BODY)))
        self._add_chunks(body)
        if len(request.trailers):
            self._add_headers(tree, request.trailers, title="trailers", selectable=False)
        return tree

    def _add_chunks(self, body: Tree) -> None:
        found = chunks(self.record)
        shown = field_window(len(found), chunk_index(self.selected), CHUNKS_SHOWN)
        if shown.start:
            body.add(Text(f"… {shown.start:,} chunks before", style="trace.muted"))
        for i in shown:
            chunk = found[i]
            size = Text(
                f"{escape_text(chunk.size_digits.decode('latin-1'))} (hex) = {chunk.size:,} bytes",
                style="http.body",
            )
            if chunk.size == 0:
                size.append(" · the end", style="trace.muted")
            body.add(_label(f"chunk {i + 1}", size, selected=self._is(f"{CHUNK}{i}")))
        if shown.stop < len(found):
            body.add(Text(f"… {len(found) - shown.stop:,} chunks after", style="trace.muted"))

    def _add_headers(
        self, tree: Tree, headers: Headers, *, title: str = "headers", selectable: bool = True
    ) -> None:
        node = tree.add(Text(word(title, self.lang, count=len(headers)), style="tree.label"))
        chosen = header_index(self.selected) if selectable else None
        shown = field_window(len(headers), chosen)
        if shown.start:
            node.add(Text(more_fields(shown.start), style="trace.muted"))
        fields = list(headers)
        for i in shown:
            field = fields[i]
            label = Text.assemble(
                safe_bytes(field.name, "http.header.name"),
                ": ",
                safe_bytes(field.value, "http.header.value"),
            )
            if chosen == i:
                label.stylize("tree.selected")
            node.add(label)
        if shown.stop < len(headers):
            node.add(Text(more_fields(len(headers) - shown.stop), style="trace.muted"))


class FieldsTable:
    """Field lines in order: name as received, value, and a mark on repeated names."""

    def __init__(
        self,
        headers: Headers,
        *,
        selected_index: int | None = None,
        title: str | None = None,
        lang: str = "en",
    ) -> None:
        self.headers = headers
        self.selected_index = selected_index
        self.title = title
        self.lang = lang

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not len(self.headers):
            yield Text("(no header fields)", style="trace.muted")
            return
        rows = self._rows()
        # Fixed widths for the short columns, from the text itself: rich then measures only
        # the values (measuring every cell was most of the cost with hundreds of fields).
        widths = [
            max([1, *(row[0].cell_len for row in rows)]),  # "#"
            max([len(word("name", self.lang)), *(row[1].cell_len for row in rows)]),
            max([0, *(row[3].cell_len for row in rows)]),
        ]
        table = Table(
            title=self.title,
            title_justify="left",
            title_style="trace.section",
            show_edge=False,
            box=None,
            pad_edge=False,
            header_style="tree.label",
        )
        table.add_column("#", justify="right", style="trace.muted", no_wrap=True, width=widths[0])
        name_title, value_title = word("name", self.lang), word("value", self.lang)
        table.add_column(name_title, style="http.header.name", no_wrap=True, width=widths[1])
        table.add_column(value_title, style="http.header.value", overflow="fold")
        table.add_column("", style="http.header.repeated", no_wrap=True, width=widths[2])
        for number, name, value, mark, style in rows:
            table.add_row(number, name, value, mark, style=style)
        yield table

    def _rows(self) -> list[tuple[Text, Text, Text, Text, str | None]]:
        """(number, name, value, mark, row style) of the fields to render, with the
        "… N more fields" rows; the marks count repeats over all the fields."""
        totals: dict[bytes, int] = {}
        for field in self.headers:
            totals[field.lower_name] = totals.get(field.lower_name, 0) + 1
        seen: dict[bytes, int] = {}
        shown = field_window(len(self.headers), self.selected_index)
        empty = Text("")
        rows: list[tuple[Text, Text, Text, Text, str | None]] = []
        if shown.start:
            rows.append(
                (empty, Text(more_fields(shown.start), style="trace.muted"), empty, empty, None)
            )
        for i, field in enumerate(self.headers):
            key = field.lower_name
            seen[key] = seen.get(key, 0) + 1
            if i not in shown:
                continue  # counted for the "repeated" marks, not rendered
            mark = word("repeated", self.lang, seen=seen[key], total=totals[key])
            mark = mark if totals[key] > 1 else ""
            style = "tree.selected" if i == self.selected_index else None
            number = Text(str(i + 1))
            rows.append(
                (number, safe_bytes(field.name), safe_bytes(field.value), Text(mark), style)
            )
        if shown.stop < len(self.headers):
            more = Text(more_fields(len(self.headers) - shown.stop), style="trace.muted")
            rows.append((empty, more, empty, empty, None))
        return rows


class HeadersTable:
    """The request's header fields exactly as received (order, case, repeats)."""

    def __init__(
        self, record: ExchangeRecord, selected: str | None = None, *, lang: str = "en"
    ) -> None:
        self.record = record
        self.selected = selected
        self.lang = lang

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        request = self.record.request
        if request is None:
            yield Text("(request not parsed)", style="trace.muted")
            return
        selected = header_index(self.selected)
        yield FieldsTable(request.headers, selected_index=selected, lang=self.lang)
