"""The local backends on their own: workbook RAW writes, folder confinement, header map."""

from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook

from facultativo.sync.attachments.base import Fetched, FetchFailure
from facultativo.sync.attachments.folder import FolderStore
from facultativo.sync.columns import MissingColumns, map_columns
from facultativo.sync.lock import CampusBusy, campus_lock
from facultativo.sync.sources.base import CellWrite
from facultativo.sync.sources.xlsx import XlsxSource


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "r.xlsx"
    wb = Workbook()
    wb.active.append(["Marca temporal", "Correo", "Archivo"])
    wb.active.append(["2026-11-16 10:00:00", "a@b.mx", "x.pdf"])
    wb.save(path)
    return path


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","clic")', "+52 442 123", "-1", "@SUM(A1)"])
def test_values_are_written_raw(book, text):
    XlsxSource(book).write([CellWrite(2, 3, text)])
    cell = load_workbook(book).active.cell(2, 4)
    assert cell.value == text
    assert cell.data_type == "s"


def test_write_is_atomic_and_leaves_no_temporary_files(book):
    XlsxSource(book).write([CellWrite(1, 3, "Validación: estado")])
    assert sorted(p.name for p in book.parent.iterdir()) == ["r.xlsx"]


def test_missing_tab_names_the_tabs(book):
    with pytest.raises(Exception, match="no hay una pestaña «Respuestas»"):
        XlsxSource(book, "Respuestas").read()


@pytest.mark.parametrize("cell", ["../secreto.pdf", "/etc/passwd", "sub/../../secreto.pdf"])
def test_folder_store_never_reads_outside_its_folder(tmp_path, cell):
    (tmp_path / "secreto.pdf").write_bytes(b"%PDF-1.4 secreto")
    store = FolderStore(tmp_path / "constancias")
    (tmp_path / "constancias" / "sub").mkdir(parents=True)
    got = store.fetch(store.refs(cell)[0], 1000)
    assert isinstance(got, FetchFailure) and not got.transient


def test_folder_store_refuses_links_pointing_out(tmp_path):
    (tmp_path / "secreto.pdf").write_bytes(b"%PDF-1.4 secreto")
    (tmp_path / "constancias").mkdir()
    (tmp_path / "constancias" / "enlace.pdf").symlink_to(tmp_path / "secreto.pdf")
    got = FolderStore(tmp_path / "constancias").fetch("enlace.pdf", 1000)
    assert isinstance(got, FetchFailure)


def test_folder_store_reads_at_most_the_limit_plus_one(tmp_path):
    (tmp_path / "grande.pdf").write_bytes(b"x" * 5000)
    got = FolderStore(tmp_path).fetch("grande.pdf", 100)
    assert isinstance(got, Fetched) and len(got.data) == 101


def test_several_files_in_one_cell(tmp_path):
    assert FolderStore(tmp_path).refs("a.pdf, b.pdf\nc.pdf") == ["a.pdf", "b.pdf", "c.pdf"]


def test_header_map_prefers_exact_names_and_campus_aliases():
    header = [
        "Marca temporal",
        "Nombre de la carrera",
        "Nombre",
        "Correo institucional",
        "Mi constancia",
        "CURP (18 caracteres)",
        "Tipo de trámite",
        "Validación: estado",
    ]
    cols = map_columns(header, {"archivo": ("Mi constancia",)})
    assert cols.fields["nombre"] == 2
    assert cols.fields["archivo"] == 4
    assert cols.fields["curp"] == 5
    assert cols.fields["tipo"] == 6
    assert cols.status["estado"] == 7
    assert cols.status["motivo"] == 8  # created to the right


def test_fields_no_header_names_are_found_by_their_answers():
    """The Form asked «¿Qué deseas solicitar?» and «Tu número del IMSS»: no alias matches,
    the answers do (a baja read as an alta tells an enrolled student «ya estás inscrito»)."""
    header = ["Marca temporal", "Correo", "¿Qué deseas solicitar?", "Tu número del IMSS", "PDF"]
    rows = [
        ["2026-11-16 10:00", "a@x.mx", "Alta del seguro facultativo", "1222-04-5678-9", "a.pdf"],
        ["2026-11-16 10:05", "b@x.mx", "Baja del seguro facultativo", 3190312342, "b.pdf"],
        ["2026-11-16 10:07", "c@x.mx", "Alta del seguro facultativo", "12220456789", "c.pdf"],
    ]
    cols = map_columns(header, None, rows)
    assert (cols.fields["tipo"], cols.fields["nss"], cols.fields["archivo"]) == (2, 3, 4)


def test_missing_required_column_names_the_fix():
    with pytest.raises(MissingColumns, match=r"archivo.*\[campus.columns\]"):
        map_columns(["Marca temporal", "Correo"])


def test_second_holder_of_a_campus_lock_is_refused_with_a_clear_message(tmp_path):
    ledger = tmp_path / "facultativo.db"
    with campus_lock(ledger, "queretaro"):
        with (
            pytest.raises(CampusBusy, match=r"pid \d+.*«queretaro»"),
            campus_lock(ledger, "queretaro"),
        ):
            pass
        with campus_lock(ledger, "tehuacan"):
            pass  # another campus is independent
    with campus_lock(ledger, "queretaro"):
        pass  # released when the holder is done
