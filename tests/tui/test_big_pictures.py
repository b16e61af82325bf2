"""Big pictures (a request with thousands of header fields) are laid out off the key's path:
the pane keeps its previous picture until the worker has the new one (issue 7 #13)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from httplab.render import THEME
from httplab.tui.rich_bridge import make_console
from httplab.tui.rich_control import BIG_PICTURE, LayoutWorker, RichControl, View


class HeldWorker(LayoutWorker):
    """A worker whose jobs wait until the test runs them."""

    def __init__(self) -> None:
        super().__init__(make_console(THEME), self._ready)
        self.jobs: list[Callable[[], None]] = []
        self.redraws = 0

    def _ready(self) -> None:
        self.redraws += 1

    def submit(self, job: Callable[[], None]) -> None:
        self.jobs.append(job)

    def run_jobs(self) -> None:
        jobs, self.jobs = self.jobs, []
        for job in jobs:
            job()


def lines_view(name: str, count: int, *, heavy: bool = False) -> View:
    return View((name,), lambda: Text("\n".join(f"{name} {i}" for i in range(count))), None, heavy)


def first_line(control: RichControl) -> str:
    content = control.create_content(40, 5)
    return "".join(text for _, text, *_ in content.get_line(0))


def test_a_big_picture_keeps_the_old_one_until_the_worker_has_the_new_one() -> None:
    worker = HeldWorker()
    current = [lines_view("old", BIG_PICTURE)]
    control = RichControl(lambda: current[0], lambda: make_console(THEME), worker=worker)
    assert first_line(control) == "old 0"  # nothing shown before: laid out at once
    assert not worker.jobs

    current[0] = lines_view("new", BIG_PICTURE)
    assert first_line(control) == "old 0", "the key does not wait for the new layout"
    current[0] = lines_view("newer", BIG_PICTURE)
    assert first_line(control) == "old 0"
    assert len(worker.jobs) == 1, "one job for the newest picture, not one per key"

    worker.run_jobs()
    assert worker.redraws == 1
    assert first_line(control) == "newer 0"
    worker.close()


def test_a_small_picture_is_laid_out_at_once() -> None:
    worker = HeldWorker()
    current = [lines_view("a", 10)]
    control = RichControl(lambda: current[0], lambda: make_console(THEME), worker=worker)
    assert first_line(control) == "a 0"
    current[0] = lines_view("b", 10)
    assert first_line(control) == "b 0"
    assert not worker.jobs
    worker.close()


def test_a_heavy_view_with_nothing_shown_says_it_is_laying_out() -> None:
    worker = HeldWorker()
    control = RichControl(
        lambda: lines_view("h", 20, heavy=True), lambda: make_console(THEME), worker=worker
    )
    assert "laying out" in first_line(control)
    worker.run_jobs()
    assert first_line(control) == "h 0"
    worker.close()
