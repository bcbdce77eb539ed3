"""The foreign golden families (tests/fixtures/foreign): still what their builder draws.

Chromium, cairo and Ghostscript write different bytes at every run (dates, font subset
names), so freshness is checked on what matters: a fresh rebuild of every case must be
read exactly as its committed pair says, by every backend and by the default reader.
"""

from __future__ import annotations

import json

import pytest

from tests.fixtures.foreign.build import CASES, FAMILIES, build
from tests.support.golden_pairs import GOLDEN
from tests.support.system import require
from tests.validators.test_golden import READERS, assert_reads_as_expected


def test_every_case_is_committed_and_nothing_else():
    committed = {f"{p.parent.name}/{p.stem}" for f in FAMILIES for p in (GOLDEN / f).glob("*.pdf")}
    assert committed == {f"{c.family}/{c.name}" for c in CASES}, "rebuild: see the builder"


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    require("chromium", "pdftocairo", "gs", packages="chromium poppler-utils ghostscript")
    return build(tmp_path_factory.mktemp("foreign"))


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[f"{c.family}/{c.name}" for c in CASES])
def test_a_fresh_rebuild_reads_as_the_committed_pair(case, rebuilt):
    fresh = next(p for p in rebuilt if p.parent.name == case.family and p.stem == case.name)
    committed = GOLDEN / case.family / f"{case.name}.json"
    pair = json.loads(committed.read_text(encoding="utf-8"))
    assert json.loads(fresh.with_suffix(".json").read_text(encoding="utf-8")) == pair
    for backend in READERS:
        assert_reads_as_expected(fresh.read_bytes(), pair, backend, fresh.name)
