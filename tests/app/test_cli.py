"""`facultativo validate` as other tools call it: a subprocess, JSON lines, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.golden_pairs import GOLDEN, load, pairs

EXE = [sys.executable, "-m", "facultativo.cli"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EXE, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def flags_of(pair: dict) -> list[str]:
    r, p = pair["request"], pair["policy"]
    flags = [
        "--tipo",
        r["tipo"],
        "--nss",
        r["nss"],
        "--curp",
        r["curp"],
        "--nombre",
        r["nombre"],
        "--fecha-solicitud",
        r["fecha_solicitud"][:10],
    ]
    for name in p["institutions"]:
        flags += ["--institucion", name]
    for rp in p["registros_patronales"]:
        flags += ["--registro-patronal", rp]
    return flags


def test_json_lines_for_every_golden_pair_of_default_request():
    """One invocation over many files: one JSON object per file, in order, exit 0."""
    files = [p for p in pairs() if _plain(load(p))]
    assert len(files) > 30
    result = run("validate", *map(str, files), "--json", *flags_of(load(files[0])))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(files)
    for path, line in zip(files, lines, strict=True):
        obj = json.loads(line)
        expected = load(path)["expected"]
        assert set(obj) == {"archivo", "estado", "motivos", "constancia"}
        assert obj["archivo"] == str(path)
        assert (obj["estado"], obj["motivos"][0]) == (expected["estado"], expected["motivos"][0])


def _plain(pair: dict) -> bool:
    """Pairs whose request and policy are the common ones (no per-case overrides)."""
    first = load(GOLDEN / "grid" / "alta_sin_vigencia.pdf")
    return pair["policy"] == first["policy"] and pair["request"] == first["request"]


def test_constancia_object_shape():
    pdf = GOLDEN / "grid" / "alta_vigente_con_patron.pdf"
    obj = json.loads(run("validate", str(pdf), "--json", *flags_of(load(pdf))).stdout)
    c = obj["constancia"]
    assert set(c) == {
        "nss",
        "curp",
        "nombre",
        "fecha_expedicion",
        "estado",
        "servicio_medico",
        "vigencia",
        "afiliaciones",
        "evidencia",
    }
    assert (c["servicio_medico"], c["vigencia"]) == ("SI", None)
    # each decisive field says where it was read
    assert c["evidencia"]["nss"] == {"pagina": 1, "texto": f"NSS: {c['nss']}"}
    assert "servicio médico" in c["evidencia"]["servicio_medico"]["texto"]
    assert c["fecha_expedicion"] == "2026-11-16"
    assert set(c["afiliaciones"][0]) == {"registro_patronal", "razon_social", "modalidad", "estado"}


def test_table_output_shows_estado_motivo_text_and_fields():
    pdf = GOLDEN / "grid" / "constancia_antigua.pdf"
    out = run("validate", str(pdf), *flags_of(load(pdf))).stdout
    assert "RECHAZADA" in out
    assert "FECHA_NO_COINCIDE: La constancia es de otro día que la solicitud." in out
    assert "02/10/2026" in out


@pytest.mark.parametrize("pdf", sorted((GOLDEN / "hostiles").glob("*.pdf")), ids=lambda p: p.stem)
def test_hostile_file_gets_a_verdict_not_a_traceback(pdf):
    result = run("validate", str(pdf), "--json", "--institucion", "X")
    assert result.returncode == 0
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["motivos"] == ["ARCHIVO_ILEGIBLE"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "no-existe.pdf"], "no existe el archivo: no-existe.pdf"),
        (["validate"], "falta al menos un archivo"),
        (["validate", "x.pdf", "--fecha-solicitud", "16/11/2026"], "AAAA-MM-DD"),
        (["validate", "x.pdf", "--tipo", "cambio"], "--tipo"),
        (["validar"], "validate"),
    ],
)
def test_usage_errors_exit_2_with_one_clear_line(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_missing_file_among_good_ones_is_a_usage_error():
    good = str(GOLDEN / "grid" / "alta_sin_vigencia.pdf")
    result = run("validate", good, "falta.pdf", "--json")
    assert result.returncode == 2
    assert result.stdout == ""


def test_config_supplies_the_campus(tmp_path):
    cfg = tmp_path / "facultativo.toml"
    cfg.write_text(
        '[[campus]]\nname = "queretaro"\nregistros_patronales = ["Y6012345321"]\n',
        encoding="utf-8",
    )
    pdf = GOLDEN / "compact" / "alta_ya_inscrito.pdf"
    result = run(
        "validate", str(pdf), "--json", "--config", str(cfg), "--fecha-solicitud", "2026-11-16"
    )
    assert json.loads(result.stdout)["motivos"] == ["YA_INSCRITO"]


def test_bad_config_lists_every_problem_with_its_key(tmp_path):
    cfg = tmp_path / "facultativo.toml"
    cfg.write_text(
        '[limits]\nmax_pages = 0\n[[campus]]\nname = "q"\ntimezone = "Mars/Base"\n'
        'registros_patronales = ["123"]\n',
        encoding="utf-8",
    )
    result = run("validate", "x.pdf", "--config", str(cfg))
    assert result.returncode == 2
    err = result.stderr
    assert "limits.max_pages" in err and "timezone" in err and "«123»" in err
    assert "Traceback" not in err


def test_samples_run_with_nothing_else():
    result = run("validate", "--ejemplos", "--json")
    assert result.returncode == 0
    estados = [json.loads(line)["estado"] for line in result.stdout.splitlines()]
    assert estados == [
        "ACEPTADA",
        "RECHAZADA",
        "CONCLUIDA",
        "ACEPTADA",  # current generation: title only in an image
        "ACEPTADA",  # current generation, baja; own school on page 2
        "RECHAZADA",
        "RECHAZADA",
        "RECHAZADA",
    ]


def test_a_registro_patronal_that_cannot_be_one_is_refused():
    """A staff typo («Y60-12345») would never match: the student gets no verdict from it."""
    pdf = GOLDEN / "grid" / "alta_sin_vigencia.pdf"
    result = run("validate", str(pdf), "--registro-patronal", "Y60-12345")
    assert result.returncode == 2
    assert "«Y60-12345» no parece un registro patronal" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "command",
    [[], ["validate"], ["demo"], ["run"], ["sync"], ["status"], ["check"], ["digest"], ["auth"]],
)
def test_help_is_spanish_including_argparses_own_words(command):
    out = run(*command, "--help").stdout
    assert out.startswith("uso: facultativo") and "opciones:" in out
    for english in ("usage:", "options:", "positional arguments", "show this help"):
        assert english not in out


def test_no_command_prints_the_usage_and_the_commands():
    result = run()
    assert result.returncode == 2
    assert result.stderr.startswith("uso: facultativo") and "comandos:" in result.stderr
    assert "validate" in result.stderr and "check" in result.stderr


def test_the_tipo_is_taken_in_any_case_as_staff_type_it():
    """`validate --tipo ALTA` was refused (lote took any case already)."""
    pdf = GOLDEN / "grid" / "constancia_antigua.pdf"
    flags = flags_of(load(pdf))[2:]  # all but «--tipo alta»
    result = run("validate", str(pdf), "--tipo", "BAJA", *flags)
    assert result.returncode != 2 and "--tipo" not in result.stderr, result.stderr
    assert "RECHAZADA" in result.stdout
