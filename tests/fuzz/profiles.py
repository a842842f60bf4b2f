"""Hypothesis profiles of the fuzz suite, chosen by ``HYPOTHESIS_PROFILE`` (default "ci").

``max_examples`` is per test, and the message test is one test per RPC (41 of them), so the
totals are about 41 x max_examples generated requests plus 41 x raw_examples raw bodies:
"ci" ~250 + ~120 requests (derandomized, so every CI run sends the same ones), "deep"
~6,000 + ~2,000. docs/fuzzing.md has the commands and the measured figures."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]

settings.register_profile("ci", max_examples=6, deadline=None, derandomize=True,
                          print_blob=True, suppress_health_check=SUPPRESS, database=None)
settings.register_profile("deep", max_examples=150, deadline=None, print_blob=True,
                          suppress_health_check=SUPPRESS)

NAME = os.environ.get("HYPOTHESIS_PROFILE", "ci")
PROFILE = settings.get_profile(NAME)
MESSAGE_SETTINGS = settings(PROFILE)
RAW_SETTINGS = settings(PROFILE, max_examples=max(3, PROFILE.max_examples // 2))
