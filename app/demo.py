"""`facultativo demo`: a complete local workspace, run end to end with no Google account.

It writes a campus configuration, a responses workbook shaped like a Google
Form's (one row per estado and main motivo), the constancias the students
"attached", then runs a cycle; staff then mark two accepted rows as applied
in IMSS and a second cycle sends the follow-ups; the accepted row left goes in
lote.csv, the batch for IMSS (`facultativo lote`). Running it again on the same
folder finds nothing new.
"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

from openpyxl import Workbook, load_workbook

from facultativo.config import Config, load
from facultativo.sync import values
from facultativo.sync.block import DEFAULT_BLOCK, Block
from facultativo.sync.cycle import Report, run_cycle
from facultativo.validators import Tipo, ValidatorPool
from facultativo.wiring import block as campus_block
from facultativo.wiring import open_runtime

HEADERS = [
    "Marca temporal",
    "Dirección de correo electrónico",
    "Nombre completo",
    "Número de control",
    "Carrera",
    "Número de Seguridad Social (NSS)",
    "CURP",
    "Tipo de solicitud",
    "Adjunta tu Constancia de Vigencia de Derechos (PDF)",
]
CONFIG = """\
# Configuración de la demostración (generada por `facultativo demo`).
[ledger]
path = "facultativo.db"

[[campus]]
name = "demo"
institution_names = ["INSTITUTO TECNOLÓGICO DE QUERÉTARO"]
registros_patronales = ["Y6012345321"]
timezone = "America/Mexico_City"
# Primer día que atiende facultativo: las respuestas anteriores quedan como ANTERIOR
# (no se validan ni reciben correo).
desde = "2026-11-01T00:00"
# El formulario que envían los estudiantes (aquí, uno de ejemplo): lo enlazan los correos que
# piden enviarlo de nuevo y la página de verificación, a quien le saldría ACEPTADA.
form_url = "https://docs.google.com/forms/d/e/1FAIpQLSdEjemplo/viewform"

[campus.contact]
office = "Departamento de Servicios Escolares (demostración)"
email = "escolares@demo.example.mx"
address = "Av. Tecnológico s/n, Centro, Querétaro, Qro."
hours = "lunes a viernes de 9:00 a 14:00"

[campus.source]
kind = "xlsx"
path = "respuestas.xlsx"
attachments = "."

[campus.mail]
sender = "outbox"
outbox = "outbox"
from = "Servicios Escolares <escolares@demo.example.mx>"
# La demostración marca ALTA/BAJA APLICADA y envía el seguimiento enseguida; en una
# instalación real, el correo de una decisión del personal espera 10 minutos por si se corrige.
espera_decision_minutos = 0

# La página donde el estudiante revisa su constancia antes de enviar el formulario
# (facultativo web), en su dirección pública: los correos que piden enviar el formulario de
# nuevo invitan a revisar ahí la constancia nueva (aquí, la página local de la demostración).
[campus.web]
url = "http://127.0.0.1:8080/"
"""


@dataclass
class DemoResult:
    folder: Path
    created: bool
    cycles: list[Report] = field(default_factory=list)
    applied: int = 0
    lote: int = 0  # accepted responses in lote.csv, waiting to be registered in IMSS
    seconds: float = 0.0
    block: Block = DEFAULT_BLOCK  # the campus's status block (the demo sets no prefijo)

    def estados(self, workbook: Path) -> Counter[str]:
        book = load_workbook(workbook, read_only=True)
        ws = book.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        book.close()
        col = [str(h) for h in rows[0]].index(self.block.titles["estado"])
        return Counter(str(r[col] or "(vacío)") for r in rows[1:])


def _data() -> tuple[dict, resources.abc.Traversable]:
    folder = resources.files("facultativo.samples") / "demo"
    return json.loads((folder / "demo.json").read_text(encoding="utf-8")), folder


def build(folder: Path) -> bool:
    """Create the workspace unless it exists; True when it was created."""
    if (folder / "facultativo.toml").exists():
        return False
    data, source = _data()
    (folder / "constancias").mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.name.endswith(".pdf"):
            (folder / "constancias" / item.name).write_bytes(item.read_bytes())
    _workbook(folder / "respuestas.xlsx", data)
    (folder / "facultativo.toml").write_text(CONFIG, encoding="utf-8")
    return True


def _workbook(path: Path, data: dict) -> None:
    book = Workbook()
    ws = book.active
    ws.title = "Respuestas de formulario 1"
    ws.append(HEADERS)
    day = datetime.fromisoformat(data["fecha"])
    for r in data["respuestas"]:
        h, m, s = (int(x) for x in r["hora"].split(":"))
        ws.append(answer(r, day.replace(hour=h, minute=m, second=s), r["archivo"] or None))
        ws.cell(ws.max_row, 1).number_format = "dd/mm/yyyy hh:mm:ss"
    for col, width in zip("ABCDEFGHI", (20, 36, 30, 16, 38, 22, 22, 16, 44), strict=True):
        ws.column_dimensions[col].width = width
    book.save(path)


def answer(r: dict, stamp: object, attachment: object) -> list:
    """One demo student's row, in HEADERS order (the tests' fake Google sheet uses it too)."""
    fields = ("correo", "nombre", "numero_control", "carrera", "nss", "curp", "tipo")
    return [stamp, *(r[f] for f in fields), attachment]


def run(folder: Path) -> DemoResult:
    started = datetime.now()
    created = build(folder)
    config = load(folder / "facultativo.toml")
    campus = config.campuses[0]
    result = DemoResult(folder, created, block=campus_block(campus))
    with ValidatorPool(limits=config.limits) as pool:
        with open_runtime(config, campus, pool) as rt:
            result.cycles.append(run_cycle(rt))
        result.applied = mark_applied(folder / "respuestas.xlsx", result.block)
        if result.applied:
            with open_runtime(config, campus, pool) as rt:
                result.cycles.append(run_cycle(rt))
    result.lote = make_lote(folder, config)
    result.seconds = (datetime.now() - started).total_seconds()
    return result


def mark_applied(workbook: Path, block: Block = DEFAULT_BLOCK) -> int:
    """What staff do after registering students in IMSS: type the APLICADA estado.

    Only on the first run: rows already marked (or changed by staff) are left alone.
    """
    book = load_workbook(workbook)
    ws = book.worksheets[0]
    header = [str(c.value or "") for c in ws[1]]
    estado, tipo = header.index(block.titles["estado"]), header.index("Tipo de solicitud")
    done = 0
    for row in ws.iter_rows(min_row=2):
        if any(str(c.value or "").endswith("APLICADA") for c in row):
            return 0
    for row in ws.iter_rows(min_row=2):
        if row[estado].value == "ACEPTADA" and done < 2:
            baja = values.tipo(row[tipo].value) is Tipo.BAJA
            if (done == 0 and not baja) or (done == 1 and baja):
                row[estado].value = "BAJA APLICADA" if baja else "ALTA APLICADA"
                done += 1
    book.save(workbook)
    return done


def make_lote(folder: Path, config: Config) -> int:
    """The batch staff type into IMSS's system: the ACEPTADA rows not yet applied (the
    demo's staff applied two of its three), as `facultativo lote --salida lote.csv`
    writes it."""
    from facultativo.commands.lote import waiting
    from facultativo.sync.lote import files
    from facultativo.sync.lote.batch import DEFAULT_COLUMNS

    campus = config.campuses[0]
    records, _ = waiting(config, campus)
    if records:
        files.write(folder / "lote.csv", campus.lote.columnas or DEFAULT_COLUMNS, records)
    return len(records)


def summary(result: DemoResult) -> str:
    workbook = result.folder / "respuestas.xlsx"
    estados = result.estados(workbook)
    titles, (pick, _) = result.block.titles, result.block.pick_lists
    emails = len(list((result.folder / "outbox").glob("*.eml")))
    sent = sum(c.emails.get("sent", 0) for c in result.cycles)
    processed = sum(c.processed for c in result.cycles)
    lines = [
        f"Demostración en {result.folder}"
        + (" (creada ahora)" if result.created else " (ya existía: solo se procesa lo nuevo)"),
        "",
        f"{'Estado':<18}{'Filas':>6}",
    ]
    for label, count in sorted(estados.items()):
        lines.append(f"{label:<18}{count:>6}")
    lines += [
        f"{'Total':<18}{sum(estados.values()):>6}",
        "",
        f"Filas procesadas en esta ejecución: {processed}",
        f"Correos escritos en esta ejecución: {sent} (en total hay {emails} en outbox/)",
        f"Filas marcadas como APLICADA por «personal»: {result.applied}",
        f"Tiempo: {result.seconds:.1f} s",
        "",
        "Qué ver:",
        f"  {workbook}: ábrelo con Excel o LibreOffice; a la derecha están las columnas",
        f"    «{result.block.title('…')}» con el estado, el motivo y el detalle de cada solicitud.",
        f"    Una celda de «{titles['estado']}» ofrece la lista de decisiones",
        f"    ({', '.join(pick.labels)});",
        "    también puedes escribir la tuya con tus palabras, p. ej. «No procede».",
        "    «procesada el» y «fecha de constancia» son fechas: ordénalas o fíltralas.",
        f"  {result.folder / 'outbox'}: un correo .eml por estudiante (ábrelos con Thunderbird,",
        "    Outlook o cualquier editor de texto).",
        f"  {result.folder / 'constancias'}: los PDF que «enviaron» los estudiantes.",
        *lote_hint(result),
        f"  Vuelve a ejecutarlo: `facultativo demo --dir {result.folder}` no repite nada.",
        "",
        *historial_hint(result.folder),
        "",
        *web_hint(result.folder),
    ]
    return "\n".join(lines)


def lote_hint(result: DemoResult) -> list[str]:
    if not result.lote:
        return []
    toml, lote = result.folder / "facultativo.toml", result.folder / "lote.csv"
    return [
        f"  {lote}: el lote de las ACEPTADA que faltan por registrar en el IMSS ({result.lote}),",
        "    con NSS, CURP, primer y segundo apellido, nombre(s), número de control, fecha y",
        "    registro patronal; la última columna, «id», dice qué respuesta es cada fila. Tiene",
        "    NSS y CURP completos: solo tu usuario lo puede leer (permisos 600). Cuando las",
        "    registres en el IMSS, márcalas así; el siguiente ciclo le envía a cada estudiante",
        "    su seguimiento:",
        f"    facultativo lote --config {toml} --aplicar {lote}",
        f"    facultativo sync --config {toml} --once",
    ]


def historial_hint(folder: Path) -> list[str]:
    """How to tell one response's story (the demo's row 2: accepted, then ALTA APLICADA
    and its follow-up)."""
    return [
        "Cuenta qué pasó con una respuesta (veredicto, lo escrito en la hoja, cada correo):",
        f"  facultativo historial --config {folder / 'facultativo.toml'} --fila 2",
    ]


def web_hint(folder: Path) -> list[str]:
    """How to try the students' pre-check page on these constancias (their issue day is
    the page's «today», or each one would be from another day)."""
    day = _data()[0]["fecha"]
    lines = [
        "Prueba la página donde el estudiante revisa su constancia antes de enviarla:",
        f"  facultativo web --config {folder / 'facultativo.toml'} --fecha {day}",
        f"  y abre http://127.0.0.1:8080/ con un PDF de {folder / 'constancias'}",
        "  (p. ej. ana.pdf, alta, NSS 12220456789; diego.pdf, alta, NSS 12230510047).",
    ]
    if importlib.util.find_spec("starlette") is None:
        lines.insert(1, "  (antes: pip install '.[web]' desde la carpeta de facultativo)")
    return lines
