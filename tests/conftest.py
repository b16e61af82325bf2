"""Hypothesis profiles: random exploration on a developer's machine, a fixed derandomized run in
CI (CI=true), so a CI result never depends on luck and a failure there reproduces exactly."""

from __future__ import annotations

import os
import signal

from hypothesis import settings

# No per-example deadline (Hypothesis's default is 200 ms): it is a timed assertion, and on a
# loaded machine one slow example fails the test as "Unreliable test timings" although the
# property held. A hung example is still stopped by pytest-timeout.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
settings.register_profile("dev", print_blob=True, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# A shell starts background jobs with SIGINT ignored, and an ignored signal stays ignored
# across exec: a suite launched as `bash .ci/run &` would start every `httplab` child deaf to
# Ctrl-C (Python installs its KeyboardInterrupt handler only when SIGINT is not ignored), and
# the tests that press Ctrl-C on a child would wait for nothing. A handled signal is reset to
# the default on exec, so handling it here gives every child the Ctrl-C a terminal would.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
