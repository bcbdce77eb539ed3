from __future__ import annotations

import logging

import pytest

from facultativo.validators import ValidatorPool

_POOL: ValidatorPool | None = None


def shared_pool() -> ValidatorPool:
    """One warm pool for the whole test session."""
    global _POOL
    if _POOL is None:
        _POOL = ValidatorPool(workers=2)
    return _POOL


@pytest.fixture(scope="session")
def pool():
    global _POOL
    yield shared_pool()
    if _POOL is not None:  # a later session in this process (mutmut's runs) gets a new one
        _POOL.close()
        _POOL = None


@pytest.fixture(autouse=True)
def _root_logging_restored():
    """`facultativo.logs.setup` (a command run in-process) gives the root logger a handler bound
    to the test's captured stderr; a later test must not log into that closed stream («---
    Logging error ---» in its stderr), whatever order the tests run in."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in before and type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def fake():
    """A fresh fake Google API server; Google backends are cached per process, so reset them."""
    from facultativo.wiring import forget_backends
    from tests.support.fake_google import FakeGoogle

    server = FakeGoogle().start()
    forget_backends()
    yield server
    server.stop()
    forget_backends()
