from __future__ import annotations

import pytest

from facultativo.validators import ValidatorPool


@pytest.fixture(scope="session")
def pool():
    with ValidatorPool(workers=2) as p:
        yield p
