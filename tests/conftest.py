from __future__ import annotations

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
    yield shared_pool()
    if _POOL is not None:
        _POOL.close()


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
