"""httplab's benchmark, measured the way the field measures servers (issue 12).

    python3 bench/run.py                      # everything: ~15 min with wrk, 5 rounds of 5 s
    python3 bench/run.py --quick              # one short round of everything: ~2 min
    python3 bench/run.py --only httplab,uvicorn-httptools --rounds 3 --duration 3
    python3 bench/run.py --only parser        # the parser microbenchmark alone
    python3 bench/run.py --tree ../other-checkout --markdown after.md

Load: `wrk` when it is on the PATH (apt-get install wrk), else the Python generator
(bench/pyload.py); which one ran is printed with its ceiling — its req/s against a minimal
asyncio server answering fixed bytes — so a generator-bound run shows. With two or more cores
the server is pinned to one core and the generator to another. Every contender starts fresh
for each measurement; rounds interleave the contenders, each round starting one further in
the cycle (A B C, B C A, C A B …: see `round_order`), and the figures are medians over rounds;
ratios are the median of each round's ratio.

Contenders (`--only` takes these names, a prefix such as `httplab` or `uvicorn`, and the
sections `load`, `parser`, `idle`): see bench/contenders.py. Figures: req/s, p50/p99 latency,
server CPU µs per request (user + system time of the server's process tree during the load,
from /proc), the slowest of three requests sent by hand on fresh connections during the load,
and how long the server stays busy once the load stops (a trace printer's backlog).
Then the parser against h11 and httptools, and 5,000 idle keep-alive connections held.

Traffic goes to 127.0.0.1 only, every load stops by itself, and every process started is
stopped at the end, on Ctrl-C and on SIGTERM. Progress goes to stderr, the report (Markdown,
ready to paste into a note) to stdout.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling modules below

import contenders
import idle
import load
import parsers
import spy
from harness import Children, Cores, raise_open_files, request_by_hand, tree_cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = "uvicorn-httptools"
SECTIONS = ("load", "parser", "idle")
IDLE_SERVERS = ("httplab-nolog", "uvicorn-httptools")


# one measurement -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_us: float  # server CPU during the load, per request
    hand_ms: float  # the slowest of the requests sent by hand during the load
    errors: int
    busy_after_s: float  # how long the server stayed busy once the load stopped
    tail_cpu_us: float  # its CPU in that time, per request of the load


class HandProbes:
    """Requests sent by hand on fresh connections at 1/4, 1/2 and 3/4 of the load, one at a
    time, as a person typing `curl` during a class would; keeps the slowest."""

    FRACTIONS = (0.25, 0.5, 0.75)

    def __init__(self, port: int, seconds: float) -> None:
        self.port = port
        self.seconds = seconds
        self.times: list[float] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> HandProbes:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()

    def _run(self) -> None:
        start = time.monotonic()
        for fraction in self.FRACTIONS:
            if self.stopped.wait(max(0.0, start + fraction * self.seconds - time.monotonic())):
                return
            try:
                self.times.append(request_by_hand(self.port, contenders.PATH))
            except OSError:
                self.times.append(math.inf)  # no answer within 10 s: shown as "failed"

    @property
    def slowest(self) -> float:
        return max(self.times, default=math.nan)


def busy_after(pid: int, cap: float) -> tuple[float, float]:
    """Seconds until the server's process tree goes idle (under 10 % of a core over 0.2 s) once
    the load stops, at most `cap`, and the CPU seconds it spent meanwhile: a trace printer
    still working through a backlog shows here."""
    start = time.monotonic()
    first = before = tree_cpu_seconds(pid)
    while time.monotonic() - start < cap:
        time.sleep(0.2)
        now = tree_cpu_seconds(pid)
        if now - before < 0.02:
            return time.monotonic() - start - 0.2, now - first
        before = now
    return cap, tree_cpu_seconds(pid) - first


def measure_one(
    contender: contenders.Contender,
    connections: int,
    options: argparse.Namespace,
    cores: Cores,
    children: Children,
) -> Sample:
    server = contenders.start(contender, options.tree, cores, children)

    def generate(seconds: float) -> load.LoadResult:
        return load.run(
            options.generator,
            children,
            cores.generator,
            server.port,
            contenders.PATH,
            connections,
            seconds,
        )

    try:
        if options.warmup > 0:
            generate(options.warmup)
            busy_after(server.pid, options.drain_cap)
        cpu_before = tree_cpu_seconds(server.pid)
        with HandProbes(
            server.port, load.effective_seconds(options.generator, options.duration)
        ) as hand:
            result = generate(options.duration)
            cpu = tree_cpu_seconds(server.pid) - cpu_before
        busy, tail_cpu = busy_after(server.pid, options.drain_cap)
    finally:
        server.stop()
    requests = max(1, result.requests)
    return Sample(
        rps=result.rps,
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        cpu_us=cpu * 1e6 / requests,
        hand_ms=hand.slowest,
        errors=result.errors,
        busy_after_s=busy,
        tail_cpu_us=tail_cpu * 1e6 / requests,
    )


# the whole run ---------------------------------------------------------------------------------
@dataclass
class Results:
    samples: dict[tuple[str, int], list[Sample | None]] = field(default_factory=dict)
    parser: dict[str, dict[str, float]] = field(default_factory=dict)
    idle: dict[str, idle.IdleResult | str] = field(default_factory=dict)
    profiles: dict[str, spy.Profile | str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    interrupted: bool = False


def round_order(chosen: list[contenders.Contender], number: int) -> list[contenders.Contender]:
    """The contenders in round `number`: the same cycle, started one further each round
    (A B C, B C A, C A B …). In one fixed order every contender would always run right after
    the same other one, in the same place of the round: whatever that leaves behind (a busy
    core, a cold cache, a slow moment of the VM that comes with the round) would fall on the
    same contender every time. Rotated, over as many rounds as contenders, it falls on each
    place alike; the ratios still pair the contenders of one round."""
    if not chosen:
        return []
    start = number % len(chosen)
    return chosen[start:] + chosen[:start]


def run_load(
    chosen: list[contenders.Contender],
    options: argparse.Namespace,
    cores: Cores,
    children: Children,
    results: Results,
    progress: Callable[[str], None],
) -> None:
    plan = [
        (number, c, contender)
        for number in range(options.rounds)
        for c in options.connections
        for contender in round_order(chosen, number)
    ]
    started = time.monotonic()
    for done, (number, c, contender) in enumerate(plan):
        key = (contender.name, c)
        rows = results.samples.setdefault(key, [None] * options.rounds)
        try:
            sample = measure_one(contender, c, options, cores, children)
        except (RuntimeError, OSError) as exc:
            progress(f"{contender.name} c={c}: failed: {exc}")
            continue
        rows[number] = sample
        elapsed = time.monotonic() - started
        left = elapsed / (done + 1) * (len(plan) - done - 1)
        progress(
            f"[{done + 1:3}/{len(plan)}] round {number + 1}/{options.rounds} c={c:<3} "
            f"{contender.name:22} {sample.rps:9,.0f} req/s  p99 {sample.p99_ms:7.2f} ms  "
            f"CPU {sample.cpu_us:6.1f} µs/req  by hand {_ms_text(sample.hand_ms)} ms  "
            f"(about {left / 60:.1f} min left)"
        )


def run_idle(
    options: argparse.Namespace,
    cores: Cores,
    children: Children,
    results: Results,
    progress: Callable[[str], None],
) -> None:
    for name in IDLE_SERVERS:
        contender = contenders.BY_NAME[name]
        if why := contender.available():
            results.idle[name] = why
            continue
        progress(f"idle: {name} holding {options.idle_connections:,} keep-alive connections …")
        server = contenders.start(contender, options.tree, cores, children)
        try:
            outcome = idle.measure(
                server.port, contenders.PATH, options.idle_connections, server.pid
            )
        except (RuntimeError, OSError) as exc:
            results.idle[name] = f"failed: {exc}"
            continue
        finally:
            server.stop()
        results.idle[name] = outcome
        progress(
            f"idle: {name} held {outcome.held:,}, RSS {outcome.rss_held_mib:.0f} MiB, "
            f"a new request {outcome.probe_median_ms:.1f} ms (max {outcome.probe_max_ms:.1f})"
        )


def run_parser(
    options: argparse.Namespace, cores: Cores, children: Children
) -> dict[str, dict[str, float]]:
    """The parser microbenchmark in a child on the server core, importing `--tree`'s httplab."""
    command = [
        *(sys.executable, str(Path(parsers.__file__)), str(options.parser_rounds)),
        str(options.parser_seconds),
    ]
    env = {**os.environ, "PYTHONPATH": str(options.tree)}
    child = children.start(
        command, cores.server, stdout=subprocess.PIPE, stderr=None, env=env, text=True
    )
    try:
        out, _ = child.communicate(timeout=600)
    finally:
        children.stop(child, grace=2.0)
    if child.returncode != 0:
        raise RuntimeError(f"the parser benchmark failed ({child.returncode})")
    table: dict[str, dict[str, float]] = json.loads(out.splitlines()[-1])
    return table


def run_profiles(
    names: list[str],
    options: argparse.Namespace,
    cores: Cores,
    children: Children,
    results: Results,
    progress: Callable[[str], None],
) -> None:
    connections = max(options.connections)
    for name in names:
        contender = contenders.BY_NAME[name]
        if why := contender.available() or spy.available():
            results.profiles[name] = why
            continue
        progress(f"profile: {name} under load at c={connections} (py-spy) …")
        server = contenders.start(contender, options.tree, cores, children)
        try:
            if options.warmup > 0:  # lazy imports and first-use work out of the samples
                load.run(
                    options.generator,
                    children,
                    cores.generator,
                    server.port,
                    contenders.PATH,
                    connections,
                    options.warmup,
                )
            seconds = load.effective_seconds(options.generator, options.duration)
            handle, output = spy.start(children, server.pid, seconds, cores.generator)
            load.run(
                options.generator,
                children,
                cores.generator,
                server.port,
                contenders.PATH,
                connections,
                options.duration,
            )
            results.profiles[name] = spy.finish(children, handle, output)
        except (RuntimeError, OSError) as exc:
            results.profiles[name] = f"failed: {exc}"
        finally:
            server.stop()


# the report ------------------------------------------------------------------------------------
def _median(values: Iterable[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return statistics.median(kept) if kept else math.nan


def _ms_text(value: float) -> str:
    if math.isinf(value):
        return "failed"
    return "—" if math.isnan(value) else f"{value:.1f}"


def _times(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.2f}×"


def _number(value: float, digits: int = 0) -> str:
    if math.isnan(value):
        return "—"
    return f"{value:,.{digits}f}"


def ratio(results: Results, name: str, reference: str, c: int, by: str = "rps") -> float:
    """Median over rounds of name's req/s over reference's, both from the same round; with
    `by="cpu"`, of reference's CPU per request over name's (above 1: name costs less)."""
    ours = results.samples.get((name, c), [])
    theirs = results.samples.get((reference, c), [])
    per_round = [
        (a.rps / b.rps if by == "rps" else b.cpu_us / a.cpu_us)
        for a, b in zip(ours, theirs, strict=False)
        if a and b and b.rps > 0 and a.cpu_us > 0
    ]
    return statistics.median(per_round) if per_round else math.nan


def medians(results: Results, name: str, c: int) -> dict[str, float]:
    rows = [s for s in results.samples.get((name, c), []) if s is not None]
    return {
        "rps": _median(s.rps for s in rows),
        "p50": _median(s.p50_ms for s in rows),
        "p99": _median(s.p99_ms for s in rows),
        "cpu": _median(s.cpu_us for s in rows),
        "hand": _median(s.hand_ms for s in rows),
        "busy_after": _median(s.busy_after_s for s in rows),
        "tail_cpu": _median(s.tail_cpu_us for s in rows),
        "hand_max": max((s.hand_ms for s in rows), default=math.nan),
        "errors": float(sum(s.errors for s in rows)),
        "rounds": float(len(rows)),
    }


def load_table(results: Results, options: argparse.Namespace) -> list[str]:
    lines = [
        f"| server | c | req/s | × {REFERENCE} | p50 ms | p99 ms | server CPU µs/req "
        f"| CPU × {REFERENCE} | by hand ms (slowest) | note |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for c in options.connections:
        ceiling = medians(results, "minimal", c)["rps"]
        for contender in contenders.CONTENDERS:
            if (contender.name, c) not in results.samples:
                continue
            m = medians(results, contender.name, c)
            if not m["rounds"]:
                continue
            notes = []
            if contender.name != "minimal" and ceiling and m["rps"] >= 0.8 * ceiling:
                notes.append("near the generator's ceiling")
            if m["busy_after"] >= 0.5 and m["tail_cpu"] >= 1:
                notes.append(
                    f"busy {m['busy_after']:.1f} s after the load (+{m['tail_cpu']:.0f} µs/req)"
                )
            if m["errors"]:
                notes.append(f"{m['errors']:.0f} errors")
            if m["rounds"] < options.rounds:
                notes.append(f"{m['rounds']:.0f}/{options.rounds} rounds")
            lines.append(
                f"| {contender.label} | {c} | {_number(m['rps'])} "
                f"| {_number(ratio(results, contender.name, REFERENCE, c), 2)} "
                f"| {_number(m['p50'], 2)} | {_number(m['p99'], 2)} | {_number(m['cpu'], 1)} "
                f"| {_number(ratio(results, contender.name, REFERENCE, c, by='cpu'), 2)} "
                f"| {_ms_text(m['hand'])} | {'; '.join(notes)} |"
            )
    return lines


def parser_table(results: Results, rounds: int) -> list[str]:
    lines = [
        f"CPU µs per request, best of {rounds} interleaved rounds; ratios are how many times "
        "faster httplab is.",
        "",
        "| request | httplab µs | h11 µs | httptools µs | h11 / httplab | httptools / httplab |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for workload, row in results.parser.items():
        ours = row.get("httplab", math.nan)
        h11, fast = row.get("h11", math.nan), row.get("httptools", math.nan)
        lines.append(
            f"| {workload} | {_number(ours, 2)} | {_number(h11, 2)} | {_number(fast, 2)} "
            f"| {_times(h11 / ours)} | {_times(fast / ours)} |"
        )
    return lines


def idle_table(results: Results) -> list[str]:
    lines = [
        "| server | held | still open after | RSS before → held | a new request: median / max "
        "ms | time to open |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, outcome in results.idle.items():
        label = contenders.BY_NAME[name].label
        if isinstance(outcome, str):
            lines.append(f"| {label} | {outcome} | | | | |")
            continue
        lines.append(
            f"| {label} | {outcome.held:,} of {outcome.wanted:,} | {outcome.still_open:,} "
            f"| {outcome.rss_before_mib:.0f} → {outcome.rss_held_mib:.0f} MiB "
            f"| {outcome.probe_median_ms:.1f} / {outcome.probe_max_ms:.1f} "
            f"| {outcome.seconds_to_open:.1f} s |"
        )
    return lines


Target = tuple[str, str, str, bool | None]  # what, goal, measured, met (None: not measured)


def targets(results: Results) -> list[Target]:
    found: list[Target] = []

    def at_least(
        what: str, value: float, goal: float, suffix: str = "×", by_cpu: float = math.nan
    ) -> None:
        met = None if math.isnan(value) else value >= goal
        shown = "—" if math.isnan(value) else f"{value:.2f}{suffix}"
        if not math.isnan(by_cpu):
            shown += f" (by CPU per request: {by_cpu:.2f}×)"
        found.append((what, f"≥ {goal:g}{suffix}", shown, met))

    def compare(what: str, name: str, reference: str, c: int, goal: float) -> None:
        by_cpu = ratio(results, name, reference, c, by="cpu")
        at_least(what, ratio(results, name, reference, c), goal, by_cpu=by_cpu)

    def below(what: str, value: float, goal: float) -> None:
        met = None if math.isnan(value) else value < goal
        found.append((what, f"< {goal:g} ms", f"{_ms_text(value)} ms", met))

    nolog, log = "httplab-nolog", "httplab-log"
    compare("c=50 log off vs uvicorn+httptools", nolog, REFERENCE, 50, 1.0)
    compare("c=50 log on vs uvicorn+httptools", log, REFERENCE, 50, 0.8)
    compare("c=50 log off vs uvicorn+h11", nolog, "uvicorn-h11", 50, 3.0)
    like = ratio(results, log, "uvicorn-httptools-log", 50)
    if not math.isnan(like):
        by_cpu = ratio(results, log, "uvicorn-httptools-log", 50, by="cpu")
        shown = f"{like:.2f}× (by CPU per request: {by_cpu:.2f}×)"
        found.append(("c=50 log on vs uvicorn+httptools log on (like with like)", "—", shown, None))
    below("c=50 log off p99", medians(results, nolog, 50)["p99"], 10.0)
    compare("c=1 log off vs uvicorn+httptools", nolog, REFERENCE, 1, 1.0)
    for name, where in (("httplab-trace-tmux", "in tmux"), ("httplab-trace-pipe", "to a pipe")):
        for c in (50, 1):
            compare(f"c={c} --trace {where} vs trace off", name, nolog, c, 0.75)
    hands = [
        medians(results, name, c)["hand_max"]
        for name in ("httplab-trace-tmux", "httplab-trace-pipe")
        for c in (1, 50)
        if (name, c) in results.samples
    ]
    below("--trace: a request by hand during load (worst)", max(hands, default=math.nan), 50.0)
    single = [w for w, (_, n) in parsers.WORKLOADS.items() if n == 1]
    speedups = [
        results.parser[w]["h11"] / results.parser[w]["httplab"]
        for w in single
        if w in results.parser and {"h11", "httplab"} <= results.parser[w].keys()
    ]
    at_least("parser vs h11 (slowest of the workloads)", min(speedups, default=math.nan), 5.0)
    outcome = results.idle.get(nolog)
    if isinstance(outcome, idle.IdleResult):
        met = outcome.still_open == outcome.wanted and outcome.probe_max_ms < 50
        found.append(
            (
                f"{outcome.wanted:,} idle keep-alive connections",
                "all held, new request < 50 ms, RSS reported",
                f"{outcome.still_open:,} held, {outcome.probe_max_ms:.1f} ms max, "
                f"RSS {outcome.rss_held_mib:.0f} MiB",
                met,
            )
        )
    else:
        found.append(("idle keep-alive connections", "held, < 50 ms", "not measured", None))
    return found


def report(results: Results, options: argparse.Namespace, header: list[str]) -> str:
    out = [f"## httplab bench, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC", ""]
    out += [f"- {line}" for line in header]
    if results.interrupted:
        out.append("- **interrupted**: the figures below are what was measured before Ctrl-C")
    for name, why in results.skipped.items():
        out.append(f"- skipped {name}: {why}")
    if results.samples:
        out += ["", "### Load", "", *load_table(results, options)]
        out += [
            "",
            f"httplab serves: {contenders.HTTPLAB_SERVES}. References serve: "
            f"{contenders.REFERENCE_SERVES}. uvicorn runs on asyncio's own event loop "
            "(`--loop asyncio`, never uvloop), as httplab does. The minimal server answers "
            "fixed bytes; its req/s is the generator's ceiling.",
        ]
    if results.parser:
        out += ["", "### Parser", "", *parser_table(results, options.parser_rounds)]
    if results.idle:
        out += ["", "### Idle keep-alive connections", "", *idle_table(results)]
    for name, profile in results.profiles.items():
        connections = max(options.connections)
        out += ["", f"### Where the time goes: {name} at c={connections} (py-spy)", ""]
        out += [profile] if isinstance(profile, str) else spy.table(profile)
    out += [
        "",
        "### Issue 12 targets",
        "",
        "| target | goal | measured | met |",
        "|---|---|---|---|",
    ]
    for what, goal, measured, met in targets(results):
        mark = "yes" if met else "**no**"
        if met is None:
            mark = "—" if goal == "—" else "not measured"
        out.append(f"| {what} | {goal} | {measured} | {mark} |")
    return "\n".join(out) + "\n"


# the command line ------------------------------------------------------------------------------
def parse_options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description=__doc__.split("\n\n")[0],
        epilog="Examples:\n" + __doc__.split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add(
        "--duration",
        type=float,
        metavar="SECONDS",
        default=5.0,
        help="seconds of load per measurement (wrk rounds to whole seconds). Example: --duration 3",
    )
    add(
        "--rounds",
        type=int,
        metavar="N",
        default=5,
        help="interleaved rounds; medians are reported. Example: --rounds 3",
    )
    add(
        "--warmup",
        type=float,
        metavar="SECONDS",
        default=1.0,
        help="seconds of load before each measurement, not counted. Example: --warmup 0",
    )
    add(
        "--connections",
        type=int,
        metavar="N",
        nargs="+",
        default=[1, 50],
        help="keep-alive connections, one measurement each. Example: --connections 50",
    )
    add(
        "--only",
        default="",
        metavar="NAMES",
        help="comma-separated contenders (or prefixes) and sections "
        "load/parser/idle. Example: --only httplab-nolog,uvicorn,parser",
    )
    add(
        "--generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="auto: wrk when on the PATH. Example: --generator python",
    )
    add(
        "--quick",
        action="store_true",
        help="one round of 1 s (0.5 s with the Python "
        "generator), no warm-up, 500 idle connections, a short parser run",
    )
    add(
        "--idle-connections",
        type=int,
        metavar="N",
        default=5000,
        help="idle keep-alive connections to hold. Example: --idle-connections 1000",
    )
    add(
        "--parser-rounds", type=int, metavar="N", default=5, help="parser rounds (the best is kept)"
    )
    add(
        "--parser-seconds",
        type=float,
        metavar="SECONDS",
        default=0.4,
        help="CPU seconds per parser round",
    )
    add(
        "--tree",
        type=Path,
        metavar="PATH",
        default=ROOT,
        help="the httplab checkout to measure (default: this one). Example: --tree /work/main",
    )
    add(
        "--profile",
        default="",
        metavar="NAMES",
        help="after the rounds, sample these contenders with py-spy under load (at the largest "
        "--connections) and show where their time goes. Example: --profile httplab-nolog",
    )
    add(
        "--drain-cap",
        type=float,
        metavar="SECONDS",
        default=10.0,
        help="longest wait for a server to go idle after its load. Example: --drain-cap 30",
    )
    add(
        "--markdown",
        type=Path,
        metavar="FILE",
        help="also write the report to this file. Example: --markdown bench.md",
    )
    options = parser.parse_args(argv)
    options.generator = load.choose(options.generator)
    if options.quick:
        options.rounds = 1
        options.duration = 1.0 if options.generator == "wrk" else 0.5
        options.warmup = 0.0
        options.drain_cap = min(options.drain_cap, 2.0)
        options.idle_connections = min(options.idle_connections, 500)
        options.parser_rounds = 1
        options.parser_seconds = 0.05
    options.tree = options.tree.resolve()
    return options


def select(only: str) -> tuple[list[contenders.Contender], set[str], list[str]]:
    """The contenders and sections `--only` names (everything by default), and unknown names."""
    names = [n.strip() for n in only.split(",") if n.strip()]
    if not names:
        return [c for c in contenders.CONTENDERS if c.default], set(SECTIONS), []
    chosen = [c for c in contenders.CONTENDERS if any(_names(c, n) for n in names)]
    sections = {n for n in names if n in SECTIONS}
    if "load" in sections:
        chosen = chosen or [c for c in contenders.CONTENDERS if c.default]
    elif chosen:
        sections.add("load")
    known = [n for n in names if any(_names(c, n) for c in contenders.CONTENDERS)]
    unknown = [n for n in names if n not in SECTIONS and n not in known]
    return chosen, sections, unknown


def _names(contender: contenders.Contender, name: str) -> bool:
    """An exact name picks that contender; a prefix picks its default family members."""
    if name in contenders.BY_NAME:
        return contender.name == name
    return contender.name.startswith(name) and contender.default


def _commit(tree: Path) -> str:
    """The measured tree's commit, so a figure can be traced to the code it came from."""
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(tree), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "not a git checkout"
    return f"commit {commit}" + (" with local changes" if git("status", "--porcelain") else "")


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    chosen, sections, unknown = select(options.only)
    profiled = [n.strip() for n in options.profile.split(",") if n.strip()]
    unknown += [n for n in profiled if n not in contenders.BY_NAME]
    if unknown:
        known = ", ".join([c.name for c in contenders.CONTENDERS] + list(SECTIONS))
        print(
            f"bench/run.py: unknown name(s) {', '.join(unknown)}; known: {known}", file=sys.stderr
        )
        return 2
    if "load" in sections:
        baselines = ["minimal"]  # the generator's ceiling, always
        if any(c.name.startswith("httplab-trace") for c in chosen):
            baselines.append("httplab-nolog")  # the trace's ratios are to trace off
        for name in reversed(baselines):
            if contenders.BY_NAME[name] not in chosen:
                chosen.insert(0, contenders.BY_NAME[name])
        chosen.sort(key=contenders.CONTENDERS.index)
    results = Results()
    runnable = []
    for contender in chosen:
        if why := contender.available():
            results.skipped[contender.name] = why
        else:
            runnable.append(contender)

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    cores = Cores.pick()
    command = shlex.join(["python3", "bench/run.py", *(sys.argv[1:] if argv is None else argv)])
    header = [
        f"command: `{command}` (httplab tree: {options.tree}, {_commit(options.tree)})",
        f"generator: {load.describe(options.generator)}; {cores.describe()}",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the start",
        f"keep-alive, GET {contenders.PATH}; medians of {options.rounds} interleaved round(s) of "
        f"{options.duration:g} s after {options.warmup:g} s of warm-up; each server started "
        "fresh for each measurement",
    ]

    def interrupted(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupted)
    children = Children()
    try:
        if "load" in sections and runnable:
            run_load(runnable, options, cores, children, results, progress)
        if "parser" in sections:
            progress(f"parser microbenchmark ({options.tree}) …")
            try:
                results.parser = run_parser(options, cores, children)
            except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as exc:
                results.skipped["parser"] = f"failed: {exc}"
        if profiled:
            run_profiles(profiled, options, cores, children, results, progress)
        if "idle" in sections:
            raise_open_files(options.idle_connections + 1024)
            run_idle(options, cores, children, results, progress)
    except KeyboardInterrupt:
        results.interrupted = True
        progress("interrupted: stopping the servers …")
    finally:
        children.stop_all()
        signal.signal(signal.SIGTERM, previous)
    header[2] += f", {os.getloadavg()[0]:.1f} at the end (other work on the machine)"
    text = report(results, options, header)
    print(text)
    if options.markdown:
        options.markdown.write_text(text, encoding="utf-8")
    return 130 if results.interrupted else 0


if __name__ == "__main__":
    raise SystemExit(main())
