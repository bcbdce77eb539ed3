"""Every golden pair: the PDF must get the verdict and fields its JSON states."""

from __future__ import annotations

import pytest

from facultativo.validators import decide, extract
from facultativo.validators.backends import BACKENDS, DEFAULT_BACKEND
from tests.support.golden_pairs import GOLDEN as GOLDEN_DIR
from tests.support.golden_pairs import load, pairs, policy_of, request_of

PAIRS = pairs()


def test_golden_set_covers_every_layout_and_motivo():
    layouts = {p.parent.name for p in PAIRS}
    assert {"grid", "stacked", "compact", "otros", "hostiles"} <= layouts
    assert {"chromium", "flujo_manual", "reimpresiones", "texto_ilegible"} <= layouts
    seen = {m for p in PAIRS for m in load(p)["expected"]["motivos"]}
    # SOLICITUD_DUPLICADA spans rows of a sheet, ADJUNTO_NO_DISPONIBLE is about fetching:
    # the sync engine's to test.
    from facultativo.validators import Motivo

    sync_only = {"SIN_ADJUNTO", "SOLICITUD_DUPLICADA", "ADJUNTO_NO_DISPONIBLE"}
    assert seen | sync_only == {m.value for m in Motivo}


READERS = {**BACKENDS, "predeterminado": DEFAULT_BACKEND}


@pytest.mark.parametrize("backend", sorted(READERS))
@pytest.mark.parametrize("pdf", PAIRS, ids=[f"{p.parent.name}/{p.stem}" for p in PAIRS])
def test_golden_pair(pdf, backend):
    """Every golden pair, read by each extraction backend on its own and by the default
    reader. A pair may say what one backend alone gets where it differs (`por_backend`:
    pdfium reads glyph numbers where pdfminer still finds the letters)."""
    pair = load(pdf)
    assert_reads_as_expected(pdf.read_bytes(), pair, backend, pdf.name)


def assert_reads_as_expected(data: bytes, pair: dict, backend: str, name: str) -> None:
    extraction = extract(data, None, name, backend=READERS[backend])
    verdict = decide(extraction, request_of(pair["request"]), policy_of(pair["policy"])).as_json()
    expected = pair.get("por_backend", {}).get(backend, pair["expected"])
    assert (verdict["estado"], verdict["motivos"]) == (expected["estado"], expected["motivos"])
    if "constancia" in expected:
        assert verdict["constancia"] == expected["constancia"]
    read = verdict.get("constancia") or {}
    assert {k: read.get(k) for k in expected.get("campos", {})} == expected.get("campos", {})


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
