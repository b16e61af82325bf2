"""Telling a flood of exchanges from a student's requests, so the details can wait for it.

The detail panes of a new exchange take a few milliseconds of rich layout, on the interpreter
the server also needs (the server runs on a thread of the same process). While a load
generator sends thousands of exchanges a second and the selection follows the newest, each
redraw would lay out the details of an exchange shown for a fraction of a second (issue 12.4).
So while exchanges arrive faster than `FLOOD_RATE` a second, measured over at least
`FLOOD_WINDOW` seconds, the view follows the flood in the list only and the detail panes say
why they wait; once nothing has arrived for `FLOOD_CALM` seconds (the screen's inbox says so),
or the rate drops, the details of the newest exchange are shown again. Picking an exchange
(↑, k) stops following, and its details are drawn at once, flood or not.

A student sending requests by hand, or a script of a few dozen, never gets near the rate: for
them every exchange shows up with its details at once, as always.
"""

from __future__ import annotations

import time
from collections.abc import Callable

FLOOD_RATE = 100.0
"""Exchanges a second from which the details stop following the newest one."""
FLOOD_WINDOW = 0.5
"""Seconds over which the rate is measured (one burst of a script does not make a flood)."""
FLOOD_CALM = 0.5
"""Seconds without a new exchange after which a flood is over."""


class FloodWatch:
    """Counts arrivals on the screen's loop; `active` while they come faster than
    `FLOOD_RATE` a second. `clock` is injectable so tests need no real time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.active = False
        self.rate = 0.0  # exchanges a second over the last full window
        self._clock = clock
        self._window_start: float | None = None  # None: calm, no window open
        self._count = 0  # arrivals since the window opened

    def arrived(self, count: int) -> bool:
        """`count` exchanges were delivered now; True when `active` changed."""
        if count <= 0:
            return False
        now = self._clock()
        if self._window_start is None:
            # what this first delivery carries came before the window: it is not counted,
            # so a single burst (a script's dozen requests, a backlog) never starts a flood
            self._window_start, self._count = now, 0
            return False
        self._count += count
        elapsed = now - self._window_start
        if elapsed < FLOOD_WINDOW:
            return False
        self.rate = self._count / elapsed
        self._window_start, self._count = now, 0
        was = self.active
        self.active = self.rate >= FLOOD_RATE
        return self.active != was

    def calm(self) -> bool:
        """Nothing arrived for a while (`FLOOD_CALM`): the flood is over. True when `active`
        changed."""
        was = self.active
        self.active = False
        self.rate = 0.0
        self._window_start, self._count = None, 0
        return was
