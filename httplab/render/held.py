"""The exchange list's row for a request the server holds (`serve --trace --hold`): the same
columns as `ExchangeSummary`, with "HELD" and the seconds until it is released on its own
where the status, size and duration of an answered exchange go."""

from __future__ import annotations

from rich.text import Text

from httplab.render.exchange_views import ExchangeSummary
from httplab.trace.records import ExchangeRecord


class HeldSummary(ExchangeSummary):
    def __init__(self, record: ExchangeRecord, seconds_left: float | None) -> None:
        super().__init__(record)
        self.seconds_left = seconds_left

    def _tail(self) -> list[Text]:
        left = self.seconds_left
        # as wide as status + size + duration (3 + 1 + 7 + 1 + 9), so the columns stay put
        when = f"{left:4.0f} s left" if left is not None else "released"
        return [Text("HELD", style="trace.held"), Text(f"{when:>16}", style="trace.held.time")]
