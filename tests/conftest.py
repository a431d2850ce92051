"""Shared pytest configuration of the test suite."""


def pytest_configure(config):
    # tests that take more than a few seconds (subprocesses, long agreement runs): `-m "not slow"` skips them
    config.addinivalue_line("markers", "slow: takes more than a few seconds; deselect with -m 'not slow'")
    config.addinivalue_line("markers", "exhaustive: (with slow) a run of minutes per shipped model, every model; "
                                       "by hand: pytest -m exhaustive (see tests/engine_helpers.EXHAUSTIVE)")
