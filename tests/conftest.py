"""Shared pytest configuration: hypothesis profiles and markers.

Profiles: ``dev`` (default locally), ``ci`` (default when the CI variable is set; enough examples to
matter, bounded time, derandomized) and ``thorough`` (long runs: ``pytest --hypothesis-profile=thorough``). Property
tests choose their own example counts relative to these with ``settings(parent=...)`` where needed.
"""
import os

from hypothesis import HealthCheck, settings

common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
              derandomize=False, print_blob=True)
settings.register_profile("dev", max_examples=50, **common)
# CI is a gate: the same examples on every run (derandomized), so a red CI always means a change broke something;
# new random inputs are explored by the dev profile (every local run) and the thorough profile.
settings.register_profile("ci", max_examples=200, **dict(common, derandomize=True))
settings.register_profile("thorough", max_examples=5000, **common)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long-running test (still part of the default run unless -m 'not slow')")


# issue 11: every rigorous certificate made during the run is re-checked by tests/independent.py (exact
# rationals from the stored float64 values, no proofkit evaluation code); a false one fails its test
import independent  # noqa: E402

independent.install()


def pytest_terminal_summary(terminalreporter):
    independent.summary(terminalreporter)
