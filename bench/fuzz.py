"""Fuzz the request and response parsers for N minutes; report executions, coverage, findings.

    python3 bench/fuzz.py --minutes 10                     # all targets, time split evenly
    python3 bench/fuzz.py --minutes 2 --target differential
    python3 bench/fuzz.py --minutes 1 --engine mutate      # without atheris

Targets (tests/fuzz/harness.py holds the invariants):
  request       the request parser: only ProtocolError, split-independent events, views safe
  response      the response parser, the same invariants (first byte picks the method)
  differential  requests against h11 and httptools (dev-only): accepting what both reject,
                or another body than an oracle that accepts, is a finding

Engines: `atheris` (libFuzzer, coverage-guided on httplab.protocol; `pip install atheris`) when
it imports, else `mutate` (a seeded mutation loop over the corpus, no coverage feedback).
Each target runs in a child process bounded by its share of --minutes. The seed corpus is
tests/fuzz/corpus/<request|response>; inputs the fuzzer found interesting go to
--workdir/corpus/<target> (not into the repository). Findings are written to
--workdir/findings/ (one file per distinct kind, the input as bytes) and listed at the end;
turn each into a regression test. The exit status is 1 when there was a finding.
Line coverage of httplab/protocol over the final corpus is printed when coverage.py is
installed. Runs on 127.0.0.1 only in the sense that it opens no socket at all.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEEDS = ROOT / "tests" / "fuzz" / "corpus"
DICTIONARY = ROOT / "tests" / "fuzz" / "http.dict"
TARGETS = ("request", "response", "differential")
SEED_KIND = {"request": "request", "response": "response", "differential": "request"}


def load_target(name: str) -> Callable[[bytes], None]:
    from tests.fuzz import harness

    if name == "request":
        return harness.request_target
    if name == "response":
        return harness.response_target

    def differential(data: bytes) -> None:
        harness.request_target(data)
        harness.differential_requests(data)

    return differential


class FindingLog:
    """Keeps the first input of each distinct finding kind (and message shape)."""

    def __init__(self, directory: Path, target: str) -> None:
        self.directory = directory
        self.target = target
        self.seen: set[str] = set()
        directory.mkdir(parents=True, exist_ok=True)

    def record(self, data: bytes, kind: str, message: str) -> None:
        shape = re.sub(r"\d+|'[^']*'|b'[^']*'", "#", message)[:120]
        key = f"{kind}|{shape}"
        if key in self.seen:
            return
        self.seen.add(key)
        digest = hashlib.sha1(data).hexdigest()[:12]
        (self.directory / f"{self.target}-{kind}-{digest}.bin").write_bytes(data)
        with (self.directory / "findings.txt").open("a", encoding="utf-8") as log:
            log.write(f"{self.target}\t{kind}\t{digest}\t{message[:300]!r}\n")


def guarded(target: Callable[[bytes], None], log: FindingLog) -> Callable[[bytes], None]:
    from tests.fuzz.harness import Finding

    def one_input(data: bytes) -> None:
        try:
            target(data)
        except Finding as finding:
            log.record(data, finding.kind, str(finding))
        except RecursionError:
            log.record(data, "recursion", "RecursionError")
        except Exception as exc:  # a harness bug is a finding too: it hid the input's fate
            log.record(data, "harness-raises", f"{type(exc).__name__}: {exc}")

    return one_input


# --- workers (child processes) -----------------------------------------------------------------
def worker_atheris(target: str, seconds: int, workdir: Path) -> None:
    import atheris

    with atheris.instrument_imports(include=["httplab"]):
        import httplab.protocol.messages
        import httplab.protocol.parser  # noqa: F401  (instrumented for coverage feedback)
    one_input = guarded(load_target(target), FindingLog(workdir / "findings", target))
    corpus = workdir / "corpus" / target
    corpus.mkdir(parents=True, exist_ok=True)
    args = [
        sys.argv[0],
        f"-max_total_time={seconds}",
        f"-dict={DICTIONARY}",
        "-max_len=4096",
        "-print_final_stats=1",
        "-timeout=10",
        "-rss_limit_mb=1024",
        str(corpus),
        str(SEEDS / SEED_KIND[target]),
    ]
    atheris.Setup(args, one_input)
    atheris.Fuzz()


def mutate(data: bytes, rng: random.Random, pool: list[bytes], tokens: list[bytes]) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        at = rng.randint(0, len(out))
        if op == 0 and out:
            out[min(at, len(out) - 1)] = rng.randrange(256)
        elif op == 1:
            out[at:at] = rng.choice(tokens)
        elif op == 2 and out:
            del out[at : at + rng.randint(1, 8)]
        elif op == 3 and out:
            end = min(len(out), at + rng.randint(1, 32))
            out[at:at] = out[at:end]
        elif op == 4:
            other = rng.choice(pool)
            cut = rng.randint(0, len(other))
            out = out[:at] + other[cut:]
        else:
            out[at:at] = bytes([rng.choice(b"\r\n \t:;,=\x00\x7f\x80\xa0\x85")])
    return bytes(out[:4096])


def dictionary_tokens() -> list[bytes]:
    tokens = []
    for line in DICTIONARY.read_text(encoding="ascii").splitlines():
        if line.startswith('"'):
            tokens.append(line[1:-1].encode("latin-1").decode("unicode_escape").encode("latin-1"))
    return tokens


def worker_mutate(target: str, seconds: int, workdir: Path, seed: int) -> None:
    one_input = guarded(load_target(target), FindingLog(workdir / "findings", target))
    pool = [p.read_bytes() for p in sorted((SEEDS / SEED_KIND[target]).iterdir())]
    tokens = dictionary_tokens()
    rng = random.Random(seed)
    runs = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for _ in range(100):
            one_input(mutate(rng.choice(pool), rng, pool, tokens))
        runs += 100
    print(f"stat::number_of_executed_units: {runs}", file=sys.stderr)


# --- the orchestrator --------------------------------------------------------------------------
def run_target(target: str, seconds: int, engine: str, workdir: Path, seed: int) -> dict[str, str]:
    command = [sys.executable, __file__, "--worker", target, "--seconds", str(seconds)]
    command += ["--workdir", str(workdir), "--engine", engine, "--seed", str(seed)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.monotonic()
    done = subprocess.run(
        command,
        env=env,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=seconds + 120,
        check=False,
    )
    stats = {"seconds": f"{time.monotonic() - started:.0f}"}
    executions = re.findall(r"stat::number_of_executed_units: (\d+)", done.stderr)
    stats["executions"] = executions[-1] if executions else "?"
    coverage = re.findall(r"cov: (\d+) ft: (\d+)", done.stderr)
    if coverage:
        stats["edges"], stats["features"] = coverage[-1]
    if done.returncode not in (0,) and not executions:
        stats["error"] = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "?"
    return stats


def line_coverage(workdir: Path, targets: list[str]) -> str:
    """Line coverage of httplab/protocol when the final corpus is replayed (coverage.py)."""
    try:
        import coverage
    except ImportError:
        return "n/a (pip install coverage)"
    cov = coverage.Coverage(include=[str(ROOT / "httplab" / "protocol" / "*")], data_file=None)
    cov.start()
    for target in targets:
        one_input = guarded(load_target(target), FindingLog(workdir / "replay-findings", target))
        folders = [workdir / "corpus" / target, SEEDS / SEED_KIND[target]]
        for folder in folders:
            if folder.is_dir():
                for path in folder.iterdir():
                    one_input(path.read_bytes())
    cov.stop()
    total = cov.report(file=open(os.devnull, "w"))  # noqa: SIM115
    return f"{total:.1f}% of httplab/protocol lines"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="example: python3 bench/fuzz.py --minutes 10 --workdir /tmp/httplab-fuzz",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="total time (default 10)")
    parser.add_argument("--target", choices=[*TARGETS, "all"], default="all")
    parser.add_argument("--engine", choices=["auto", "atheris", "mutate"], default="auto")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/httplab-fuzz"))
    parser.add_argument("--seed", type=int, default=0, help="seed of the mutate engine")
    parser.add_argument("--worker", choices=TARGETS, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=int, default=60, help=argparse.SUPPRESS)
    args = parser.parse_args()

    engine = args.engine
    if engine == "auto":
        try:
            import atheris  # noqa: F401

            engine = "atheris"
        except ImportError:
            engine = "mutate"
    if args.worker:
        if engine == "atheris":
            worker_atheris(args.worker, args.seconds, args.workdir)
        else:
            worker_mutate(args.worker, args.seconds, args.workdir, args.seed)
        return

    targets = list(TARGETS) if args.target == "all" else [args.target]
    share = max(5, int(args.minutes * 60 / len(targets)))
    args.workdir.mkdir(parents=True, exist_ok=True)
    findings_file = args.workdir / "findings" / "findings.txt"
    before = findings_file.read_text(encoding="utf-8") if findings_file.exists() else ""
    print(f"engine {engine}; {len(targets)} target(s), {share}s each; workdir {args.workdir}")
    total = 0
    for target in targets:
        stats = run_target(target, share, engine, args.workdir, args.seed)
        total += int(stats["executions"]) if stats["executions"].isdigit() else 0
        shown = ", ".join(f"{k} {v}" for k, v in stats.items())
        print(f"  {target:13} {shown}", flush=True)
    print(f"executions: {total:,}")
    print(f"coverage:   {line_coverage(args.workdir, targets)}")
    after = findings_file.read_text(encoding="utf-8") if findings_file.exists() else ""
    new = after[len(before) :].splitlines()
    print(f"findings:   {len(new)}" + ("" if not new else f" (inputs in {findings_file.parent})"))
    for line in new:
        print("  " + line)
    sys.exit(1 if new else 0)


if __name__ == "__main__":
    main()
