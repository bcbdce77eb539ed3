"""Chaos staff while cycles run (tests/reliability/chaos.py): sorts, inserted answers,
renamed headers, cleared cells and blocks, typed APLICADA, saved at random moments.
Every response ends with its own verdict, every student gets one email per request,
and no APLICADA label the service saw is lost. The 200-cycle figures are in
docs/RELIABILITY.md."""

from __future__ import annotations

import pytest

from tests.reliability import chaos

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("seed", [3, 11, 23])
def test_chaos_staff_cannot_misplace_a_verdict_or_repeat_an_email(tmp_path, pool, seed):
    # Edits at checkpoints inside the cycles: the same interleaving on every run.
    result = chaos.run(cycles=60, seed=seed, pool=pool, folder=tmp_path, threaded=False)
    assert result.ok, result.problems
    for op in ("sort", "insert", "rename", "clear_block"):
        assert result.edits[op] > 0, f"the staff thread never did {op}"
    assert result.restored_rows > 0 and result.responses > 20
