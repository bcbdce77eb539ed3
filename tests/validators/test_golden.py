"""Every golden pair: the PDF must get the verdict and fields its JSON states."""

from __future__ import annotations

import pytest

from facultativo.validators import decide, extract
from facultativo.validators.backends import BACKENDS
from tests.support.golden_pairs import GOLDEN as GOLDEN_DIR
from tests.support.golden_pairs import load, pairs, policy_of, request_of

PAIRS = pairs()


def test_golden_set_covers_every_layout_and_motivo():
    layouts = {p.parent.name for p in PAIRS}
    assert {"grid", "stacked", "compact", "otros", "hostiles"} <= layouts
    seen = {m for p in PAIRS for m in load(p)["expected"]["motivos"]}
    # SOLICITUD_DUPLICADA spans rows of a sheet, ADJUNTO_NO_DISPONIBLE is about fetching:
    # the sync engine's to test.
    from facultativo.validators import Motivo

    sync_only = {"SIN_ADJUNTO", "SOLICITUD_DUPLICADA", "ADJUNTO_NO_DISPONIBLE"}
    assert seen | sync_only == {m.value for m in Motivo}


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("pdf", PAIRS, ids=[f"{p.parent.name}/{p.stem}" for p in PAIRS])
def test_golden_pair(pdf, backend):
    """Every golden pair, read by each extraction backend on its own."""
    pair = load(pdf)
    extraction = extract(pdf.read_bytes(), None, pdf.name, backend=BACKENDS[backend])
    verdict = decide(extraction, request_of(pair["request"]), policy_of(pair["policy"])).as_json()
    expected = pair["expected"]
    assert (verdict["estado"], verdict["motivos"]) == (expected["estado"], expected["motivos"])
    if "constancia" in expected:
        assert verdict["constancia"] == expected["constancia"]


def test_committed_goldens_are_what_the_case_table_builds_today(tmp_path):
    """Regenerate every pair into a scratch folder and compare the two trees byte for byte:
    a case edited in tests/fixtures/cases.py without `python -m tests.fixtures.build_golden`
    (or a hand-edited golden) fails here, naming the files."""
    from tests.fixtures.build_golden import main as build

    build(tmp_path)

    def tree(root):
        return {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}

    fresh = tree(tmp_path)
    drawn = {name.split("/")[0] for name in fresh}  # the foreign families have their own check
    committed = {n: p for n, p in tree(GOLDEN_DIR).items() if n.split("/")[0] in drawn}
    assert sorted(fresh) == sorted(committed), "rebuild the goldens"
    stale = [name for name, p in fresh.items() if p.read_bytes() != committed[name].read_bytes()]
    assert not stale, f"stale goldens (rebuild them): {stale[:10]}"
