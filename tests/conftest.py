"""Hypothesis profiles: random exploration on a developer's machine, a fixed derandomized run in
CI (CI=true), so a CI result never depends on luck and a failure there reproduces exactly."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
