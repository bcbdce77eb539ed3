"""Property: whatever bytes a mutated constancia ends up with, the isolated validator gives a
verdict in time and never raises. Hypothesis picks the mutations and shrinks any failure."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facultativo.validators import Motivo, Policy, Request
from tests.reliability.hostile import seeds

SEEDS = seeds()
LIMIT = 10.0

edit = st.tuples(st.integers(min_value=0), st.binary(max_size=64), st.integers(0, 64))


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for position, insert, delete in draw(st.lists(edit, min_size=1, max_size=4)):
        i = position % len(data)
        data[i : i + delete] = insert
    if draw(st.booleans()):
        del data[draw(st.integers(1, len(data))) :]
    return bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated())
def test_any_mutation_gets_a_verdict_in_time(pool, data):
    started = time.monotonic()
    verdict = pool.validate(data, Request(), Policy(("ITQ",)))
    assert time.monotonic() - started < LIMIT + 3
    assert verdict.motivos and isinstance(verdict.motivo, Motivo)
