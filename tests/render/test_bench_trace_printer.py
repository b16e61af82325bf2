"""bench/bench_trace_printer.py reads wrk's report right (a smoke test: no wrk, no timing)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

WRK_REPORT = """\
Running 3s test @ http://127.0.0.1:40001/users
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.01ms    2.10ms  40.12ms   90.00%
    Req/Sec     9.95k   500.00    10.50k    70.00%
  Latency Distribution
     50%    4.71ms
     75%    5.50ms
     90%    6.80ms
     99%   12.34ms
  29850 requests in 3.00s, 4.81MB read
Requests/sec:   9948.72
Transfer/sec:      1.60MB
"""


def load_bench() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "bench_trace_printer.py"
    spec = importlib.util.spec_from_file_location("bench_trace_printer", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_wrk_report_is_read() -> None:
    bench = load_bench()
    result = bench._parse_wrk(WRK_REPORT)
    assert result == {"rps": 9948.72, "p50": 4.71, "p99": 12.34, "requests": 29850.0}
    assert bench._ms("850.00us") == 0.85 and bench._ms("1.50s") == 1500.0
