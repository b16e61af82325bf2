"""bench/run.py does not rot: a short, untimed run against httplab only, and its report.

Nothing here asserts a speed: the figures depend on the machine. The run uses the Python load
generator (always available) so the test does not depend on wrk; wrk's report is read from a
recorded one.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
RUN = BENCH / "run.py"

WRK_REPORT = """\
Running 1s test @ http://127.0.0.1:18977/users
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.15ms    1.43ms  13.46ms   82.31%
    Req/Sec     0.93k   122.98     1.24k    80.00%
  Latency Distribution
     50%  840.00us
     75%    2.60ms
     90%    3.75ms
     99%    1.10s
  932 requests in 1.00s, 0.96MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:    928.04
Transfer/sec:      0.96MB
"""


def run_bench(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, str(RUN), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
        check=False,
    )


@pytest.fixture
def bench_module() -> Iterator[ModuleType]:
    """bench/load.py imported the way run.py imports it (bench/ first on sys.path)."""
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("load")
    finally:
        sys.path.remove(str(BENCH))
        for name in ("load", "harness"):
            sys.modules.pop(name, None)


@pytest.fixture
def contenders_module() -> Iterator[ModuleType]:
    """bench/contenders.py imported the way run.py imports it (bench/ first on sys.path)."""
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("contenders")
    finally:
        sys.path.remove(str(BENCH))
        for name in ("contenders", "harness"):
            sys.modules.pop(name, None)


@pytest.mark.parametrize("name", ["uvicorn-h11", "uvicorn-httptools", "uvicorn-httptools-log"])
def test_uvicorn_runs_on_the_asyncio_loop_as_httplab_does(
    contenders_module: ModuleType, name: str
) -> None:
    """uvicorn's default `--loop auto` takes uvloop when it is installed: pinned to asyncio."""
    contender = next(c for c in contenders_module.CONTENDERS if c.name == name)
    command = contender.command(8000)
    assert command[command.index("--loop") + 1] == "asyncio"


def test_a_quick_run_against_httplab_prints_a_markdown_table(tmp_path: Path) -> None:
    report = tmp_path / "bench.md"
    done = run_bench(
        *("--quick", "--generator", "python", "--only", "httplab-nolog"),
        *("--connections", "4", "--markdown", str(report)),
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "generator: the Python generator" in out
    assert "| server | c | req/s | × uvicorn-httptools | p50 ms | p99 ms |" in out
    assert "| httplab --no-access-log | 4 | " in out
    assert "| minimal asyncio.Protocol (generator ceiling) | 4 | " in out  # the ceiling
    assert "### Issue 12 targets" in out
    assert "[  2/2]" in done.stderr  # progress went to stderr, not into the report
    assert report.read_text(encoding="utf-8") + "\n" == out


def test_an_unknown_name_is_one_line_and_exit_2() -> None:
    done = run_bench("--only", "nginx", "--generator", "python")
    assert done.returncode == 2
    assert "unknown name(s) nginx" in done.stderr
    assert "Traceback" not in done.stderr


def test_wrk_report_is_read(bench_module: ModuleType) -> None:
    result = bench_module.parse_wrk(WRK_REPORT)
    assert result.requests == 932
    assert result.seconds == pytest.approx(1.0)
    assert result.p50_ms == pytest.approx(0.84)
    assert result.p99_ms == pytest.approx(1100.0)
    assert result.errors == 2 + 1 + 4


def test_an_unreadable_wrk_report_is_an_error(bench_module: ModuleType) -> None:
    with pytest.raises(RuntimeError, match="could not read wrk"):
        bench_module.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_folded_stacks_become_shares_per_function() -> None:
    sys.path.insert(0, str(BENCH))
    try:
        spy = importlib.import_module("spy")
        folded = (
            'process 7:"/usr/bin/python3 -m httplab serve";run (engine.py:3);'
            "parse (parser.py:9) 3\n"
            'process 7:"/usr/bin/python3 -m httplab serve";run (engine.py:3);'
            "app (users.py:2) 1\n"
        )
        profile = spy.summarize(folded)
    finally:
        sys.path.remove(str(BENCH))
        for name in ("spy", "harness"):
            sys.modules.pop(name, None)
    assert profile.samples == 4
    assert profile.own == [("parse (parser.py)", 0.75), ("app (users.py)", 0.25)]
    # the trunk (the process and the loop, on every stack) is left out of the inclusive list
    assert profile.inclusive == [("parse (parser.py)", 0.75), ("app (users.py)", 0.25)]


def test_each_round_starts_one_further_in_the_cycle() -> None:
    # every contender takes every place of a round, and follows the same one in the cycle
    sys.path.insert(0, str(BENCH))
    try:
        run = importlib.import_module("run")
        names = ["minimal", "httplab-nolog", "uvicorn-httptools"]
        chosen = [run.contenders.BY_NAME[name] for name in names]
        orders = [[c.name for c in run.round_order(chosen, number)] for number in range(4)]
    finally:
        sys.path.remove(str(BENCH))
        for name in ("run", "contenders", "harness", "idle", "load", "parsers", "spy"):
            sys.modules.pop(name, None)
    assert orders == [
        ["minimal", "httplab-nolog", "uvicorn-httptools"],
        ["httplab-nolog", "uvicorn-httptools", "minimal"],
        ["uvicorn-httptools", "minimal", "httplab-nolog"],
        ["minimal", "httplab-nolog", "uvicorn-httptools"],
    ]
    assert run.round_order([], 3) == []
