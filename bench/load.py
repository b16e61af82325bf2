"""Load generators for `bench/run.py`: `wrk` when it is on the PATH, else `pyload.py`.

Both run as a child pinned to the generator core, keep `connections` keep-alive connections
busy with `GET path` on 127.0.0.1 for a fixed time and stop by themselves; both report
requests, req/s, p50/p99 latency and errors in one `LoadResult`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harness import HOST, Children

BENCH = Path(__file__).resolve().parent
GeneratorName = Literal["wrk", "python"]
WRK_INSTALL = "apt-get install wrk (Debian/Ubuntu), brew install wrk (macOS)"


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def choose(wanted: str) -> GeneratorName:
    """`auto`: wrk when installed, else the Python generator."""
    if wanted == "wrk" and not shutil.which("wrk"):
        raise SystemExit(f"wrk is not on the PATH: {WRK_INSTALL}")
    if wanted == "python":
        return "python"
    return "wrk" if shutil.which("wrk") else "python"


def describe(generator: GeneratorName) -> str:
    if generator == "wrk":
        version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
        first = (version.stdout or version.stderr).splitlines()[:1]
        return f"wrk ({first[0].split(' [')[0] if first else 'version unknown'}), one thread"
    return (
        "the Python generator (bench/pyload.py, one asyncio loop) — wrk is not installed: "
        f"{WRK_INSTALL}"
    )


def effective_seconds(generator: GeneratorName, seconds: float) -> float:
    """How long a load of `seconds` lasts: wrk takes whole seconds."""
    return float(max(1, round(seconds))) if generator == "wrk" else seconds


def run(
    generator: GeneratorName,
    children: Children,
    core: int | None,
    port: int,
    path: str,
    connections: int,
    seconds: float,
) -> LoadResult:
    if generator == "wrk":
        return _run_wrk(children, core, port, path, connections, seconds)
    return _run_python(children, core, port, path, connections, seconds)


def _communicate(children: Children, command: list[str], core: int | None, limit: float) -> str:
    child = children.start(command, core, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = child.communicate(timeout=limit)
    finally:
        children.stop(child, grace=2.0)
    if child.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({child.returncode}): {err.strip()[-300:]}")
    return str(out)


def _run_wrk(
    children: Children, core: int | None, port: int, path: str, connections: int, seconds: float
) -> LoadResult:
    whole = round(effective_seconds("wrk", seconds))
    command = [
        *("wrk", "-t1", f"-c{connections}", f"-d{whole}s", "--latency", "--timeout", "10s"),
        f"http://{HOST}:{port}{path}",
    ]
    return parse_wrk(_communicate(children, command, core, whole + 30))


def _run_python(
    children: Children, core: int | None, port: int, path: str, connections: int, seconds: float
) -> LoadResult:
    command = [
        *(sys.executable, str(BENCH / "pyload.py"), "--port", str(port), "--path", path),
        *("-c", str(connections), "-d", str(seconds)),
    ]
    data = json.loads(_communicate(children, command, core, seconds + 60).splitlines()[-1])
    return LoadResult(
        requests=int(data["requests"]),
        seconds=float(data["seconds"]),
        p50_ms=float(data["p50_ms"]),
        p99_ms=float(data["p99_ms"]),
        errors=int(data["errors"]),
    )


def parse_wrk(out: str) -> LoadResult:
    """Read wrk's report (run with --latency): requests, duration, percentiles, errors."""
    requests, seconds, errors = 0, 0.0, 0
    percentiles: dict[str, float] = {}
    for line in out.splitlines():
        words = line.split()
        if "requests in" in line and len(words) >= 4:
            requests = int(words[0])
            seconds = _seconds(words[3].rstrip(","))
        elif len(words) == 2 and words[0] in ("50%", "99%"):
            percentiles[words[0]] = _ms(words[1])
        elif line.lstrip().startswith("Socket errors:"):
            errors += sum(int(w.rstrip(",")) for w in words if w.rstrip(",").isdigit())
        elif line.lstrip().startswith("Non-2xx or 3xx responses:"):
            errors += int(words[-1])
    if not requests or not seconds:
        raise RuntimeError(f"could not read wrk's report:\n{out}")
    nan = float("nan")
    p50, p99 = percentiles.get("50%", nan), percentiles.get("99%", nan)
    return LoadResult(requests, seconds, p50, p99, errors)


def _ms(text: str) -> float:
    for suffix, scale in (("us", 0.001), ("ms", 1.0), ("m", 60_000.0), ("s", 1000.0)):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * scale
    return float(text)


def _seconds(text: str) -> float:
    return _ms(text) / 1000
