"""`facultativo check`: the configuration, the ledger, the sheet, its columns, write
access, one attachment and what the next cycle would do; every problem on its own line
with its fix, exit 0 only when all is well."""

from __future__ import annotations

import argparse
import os
from collections import Counter
from datetime import UTC, datetime
from email.utils import parseaddr
from pathlib import Path

from facultativo.commands import campuses
from facultativo.config import Campus, load
from facultativo.errors import OperationalError
from facultativo.errors.system import os_error
from facultativo.notifiers import preview
from facultativo.notifiers.base import SendError
from facultativo.sync import values
from facultativo.sync.attachments.base import AttachmentStore
from facultativo.sync.block import Block
from facultativo.sync.columns import FIELD_LABELS, map_columns, tipo_options
from facultativo.sync.continuity import unread_in
from facultativo.sync.decisions import after_staff_text, answered_after_staff
from facultativo.sync.ledger import Ledger, LedgerError
from facultativo.sync.model import Entry
from facultativo.sync.ownership import claim
from facultativo.sync.privacy import scrub
from facultativo.sync.rows import Row, Who
from facultativo.sync.sheet import Sheet, view
from facultativo.sync.sources.base import SourceError, Table
from facultativo.sync.wording import unread_estados
from facultativo.validators import Tipo
from facultativo.validators.model import Reimpresion
from facultativo.wiring import block, build_sender, build_source, build_store, mail_context


def run(args: argparse.Namespace) -> int:
    """Every problem on its own line with the fix; exit 0 only when all is well."""
    config = load(args.config)
    problems = 0
    ok, message = _check_ledger(config.ledger)
    problems += not ok
    print(f"{'ok   ' if ok else 'ERROR'} {message}")
    for campus in campuses(config, args.campus):
        lines = check_campus(campus, config.ledger) + check_mail(campus, args.probar_correo)
        lines += check_templates(campus)
        for ok, message in lines:
            problems += not ok
            print(f"{'ok   ' if ok else 'ERROR'} campus {campus.name}: {message}")
    print("Todo en orden." if not problems else f"{problems} problema(s) por corregir.")
    return 0 if not problems else 1


def _check_ledger(path: Path) -> tuple[bool, str]:
    """The ledger must be writable before the first email: it is what remembers them."""
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            return False, f"bitácora {path}: sin permiso de lectura y escritura"
        try:
            Ledger.snapshot(path).close()
        except LedgerError as exc:
            return False, str(exc)
        return True, f"bitácora {path}: se puede leer y escribir"
    folder = next((p for p in path.parents if p.exists()), Path("."))
    probe = folder / f".facultativo-prueba-{os.getpid()}"
    try:  # a real probe: root passes os.access everywhere, even on /proc
        os.close(os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))
        probe.unlink()
    except OSError as exc:
        return False, f"bitácora {path}: no se puede crear en {folder} ({os_error(exc)})"
    return True, f"bitácora {path}: se creará en el primer ciclo"


def check_campus(campus: Campus, ledger: Path) -> list[tuple[bool, str]]:
    """Credentials, sheet, headers, write access, one attachment, what the next cycle
    would do: each its own line."""
    results: list[tuple[bool, str]] = []
    try:
        source, store, ours = build_source(campus), build_store(campus), block(campus)
        table = source.read()
        results.append((True, f"{source.describe()}: {len(table.rows)} filas leídas"))
        cols = map_columns(table.header, campus.columns, table.rows, ours)
        tz = table.timezone or campus.policy.timezone
        found = "; ".join(
            f"{FIELD_LABELS[k]}: «{table.header[c]}»"
            f"{_sample(table, c, tz if k == 'timestamp' else None)}"
            for k, c in cols.fields.items()
        )
        results.append((True, f"columnas: {found}"))
        results.append((True, _mail_line(campus)))
        results.append((True, _policy_line(campus)))
        missing = cols.missing_status()
        problem = source.cannot_write()
        note = "se crearán: " + ", ".join(missing) if missing else "presentes"
        results.append((problem is None, problem or f"columnas de validación {note}"))
        results.append(_check_attachment(store, table, cols.fields["archivo"]))
        known = Ledger.entries_on_disk(ledger, campus.name)
        sheet = view(table, campus.columns, campus.policy.timezone, store.refs, known, block=ours)
        results += _old_blocks(ours, table, sheet.rows, known)
        results.append(_owner(ledger, campus.name, sheet, campus.desde is not None))
        results.append(_next_cycle(campus, ledger, sheet))
        results += _tipo_answers(table, cols.fields.get("tipo"), campus)
        results += _unknown_estados(sheet)
        results += _answered_after_staff(sheet, known)
    except OperationalError as exc:
        results.append((False, str(exc)))
    return results


def _old_blocks(
    ours: Block, table: Table, rows: list[Row], known: dict[str, Entry]
) -> list[tuple[bool, str]]:
    """A block left from an older prefijo: facultativo neither reads nor writes it now, so
    staff should know that what they type there counts for nothing, and which rows say
    something there that the block in use does not."""
    found = []
    for name in ours.others(table.header):
        unread = unread_in(Block(name), table, rows, known)
        text = (
            f"la hoja aún tiene el bloque «{name}» (de otro [campus.columns] prefijo): "
            f"facultativo ya no lo lee ni lo escribe, usa el bloque {ours.named()}; lo que se "
            "escriba en el anterior no cuenta"
        )
        if unread:
            shown = "; ".join(unread[:10]) + ("…" if len(unread) > 10 else "")
            text += f". Dice otra cosa en {len(unread)} filas, escríbanlo en el nuevo: {shown}"
        found.append((not unread, text))
    return found


def _mail_line(campus: Campus) -> str:
    """Where the students' emails go: a server forgotten in the file shows here."""
    text = f"correos: {campus.mail.sender.settings.describe()}"
    wait = campus.mail.espera_decision_minutos
    text += (
        f"; una decisión del personal se envía tras {wait:g} minuto{'' if wait == 1 else 's'} "
        "sin cambiar"
        if wait
        else "; una decisión del personal se envía en el siguiente ciclo (sin espera)"
    )
    if campus.mail.avisar_anteriores:
        text += "; también a quienes se decidieron en modo sombra o antes de «desde»"
    if campus.mail.modo == "sombra":
        text += "; modo sombra: no se envía ninguno a los estudiantes"
    return text


def check_mail(campus: Campus, probe: bool) -> list[tuple[bool, str]]:
    """The SMTP password the environment must hold, and with `probe` a real login (connect,
    STARTTLS or TLS, AUTH, MAIL FROM the campus's address, RSET, QUIT: no RCPT, no DATA,
    nothing is sent). Without `probe` nothing connects."""
    sender = campus.mail.sender
    problem = sender.settings.secret_problem()
    if problem:
        return [(False, f"correo: {problem}")]
    if not probe:
        return []
    if not sender.settings.can_probe:
        return [(True, f'correo: --probar-correo solo prueba SMTP (sender = "{sender.kind}")')]
    address = parseaddr(mail_context(campus).from_address)[1]
    try:
        with build_sender(campus) as opened:
            tried = opened.probe(address)
    except SendError as exc:
        return [(False, f"correo: {exc}")]
    return [(True, f"correo: {tried or 'se conectó'}; no se envió nada")]


def check_templates(campus: Campus) -> list[tuple[bool, str]]:
    """A campus's own template folder ([campus.mail] templates): every file parsed and
    every email rendered with sample data; each broken template its own line (file, line)."""
    folder = campus.mail.templates
    if folder is None:
        return []
    mail = mail_context(campus)
    contact = {k: v for k, v in mail.contact.items() if v or k in preview.LINKS}
    problems = preview.broken(mail.env, folder, contact)
    if problems:
        return [(False, f"correo: {problem}") for problem in problems]
    return [(True, f"correo: las plantillas de {folder} dan todos los correos de muestra")]


def _policy_line(campus: Campus) -> str:
    """How the constancia is judged beyond its content: the IT person sees the choice."""
    policy = campus.policy
    days = policy.tolerance_days
    text = f"constancias: del mismo día que la solicitud{f' (± {days} días)' if days else ''}"
    if policy.reimpresion is Reimpresion.ACEPTAR:
        return text + '; una reimpresa se decide por su contenido (reimpresion = "aceptar")'
    return text + '; una reimpresa va a REVISIÓN MANUAL (reimpresion = "revision")'


def _sample(table: Table, col: int, tz: str | None = None) -> str:
    """One answer of the column, masked, so staff see the right question was found; a
    timestamp (a serial number in Google's unformatted values) as the date it is."""
    value = next((r[col] for r in table.rows if col < len(r) and r[col] not in (None, "")), None)
    if value is None:
        return ""
    if tz is not None:
        try:
            moment = values.timestamp(value, tz)
            value = moment.strftime("%d/%m/%Y %H:%M:%S") if moment else value
        except values.RowProblem:
            pass
    return f" (p. ej. «{scrub(str(value))[:30]}»)"


def _owner(ledger: Path, campus: str, sheet: Sheet, has_desde: bool) -> tuple[bool, str]:
    """Whose sheet this is (sync/ownership.py), as the next cycle will find it."""
    snapshot = Ledger.snapshot(ledger)
    try:
        claim(sheet.mark, snapshot, campus, sheet.rows, has_desde, datetime.now(UTC), sheet.block)
    except SourceError as exc:
        return False, str(exc)
    finally:
        snapshot.close()
    foreign = sum(1 for r in sheet.rows if r.who is Who.FOREIGN)
    if foreign:
        return False, (
            f"{foreign} filas tienen un id que esta bitácora no dio (otra instalación o una "
            "bitácora anterior): no se validan ni se les escribe; revísalas"
        )
    return True, "la hoja es de esta bitácora (o lo será en el primer ciclo)"


def _next_cycle(campus: Campus, ledger: Path, sheet: Sheet) -> tuple[bool, str]:
    """How many responses the next cycle would decide and mail, before it runs."""
    rows = sheet.rows
    known = Ledger.entries_on_disk(ledger, campus.name)
    desde = campus.desde
    before = [
        r for r in rows if desde and r.timestamp and r.timestamp < desde and r.key not in known
    ]
    new = [
        r
        for r in rows
        if r not in before and r.key not in known and not r.estado_cell.strip() and not r.copy_of
    ]
    mails = f"hasta {len(new)} correos"
    if campus.mail.modo == "sombra":
        mails = "ningún correo: modo sombra"
    text = f"siguiente ciclo: {len(new)} respuestas por validar ({mails})"
    if before:
        text += f"; {len(before)} anteriores a «desde» quedan como ANTERIOR, sin correo"
    if desde and desde > datetime.now(UTC):
        text += f"; «desde» ({desde:%d/%m/%Y %H:%M}) aún no llega: hasta entonces nada se valida"
    return True, text


_TIPO_READ = {Tipo.ALTA: "alta", Tipo.BAJA: "baja", Tipo.DESCONOCIDO: "sin reconocer"}


def _tipo_answers(table: Table, col: int | None, campus: Campus) -> list[tuple[bool, str]]:
    """Every distinct answer to the tipo question and how it is read: a Form option read
    as neither alta nor baja would send each of its students to REVISIÓN MANUAL."""
    if col is None:
        return []
    options = tipo_options(campus.columns)
    answers = (r[col] for r in table.rows if col < len(r) and r[col] not in (None, ""))
    counts = Counter(" ".join(str(a).split()) for a in answers)
    if not counts:
        return []
    read = {answer: values.tipo(answer, options) for answer in counts}
    shown = "; ".join(
        f"«{scrub(answer)[:60]}» → {_TIPO_READ[read[answer]]} ({n})"
        for answer, n in counts.most_common(12)
    )
    more = f"; y {len(counts) - 12} respuestas más" if len(counts) > 12 else ""
    unread = [a for a in counts if read[a] is Tipo.DESCONOCIDO and counts[a] > 1]
    if not unread:
        return [(True, f"respuestas de tipo: {shown}{more}")]
    return [
        (
            False,
            f"respuestas de tipo: {shown}{more}. {len(unread)} opciones repetidas no se leen "
            "como alta ni baja, y sus solicitudes irían a REVISIÓN MANUAL: agrega su texto "
            'exacto en [campus.columns], p. ej. alta = ["…"] o baja = ["…"]',
        )
    ]


def _answered_after_staff(sheet: Sheet, known: dict) -> list[tuple[bool, str]]:
    """Answers a student changed under staff's decision: staff decide if it stands."""
    found = [after_staff_text(r) for r in answered_after_staff(sheet.rows, known)]
    if not found:
        return []
    shown = "; ".join(found[:10]) + ("…" if len(found) > 10 else "")
    return [(False, f"{len(found)} respuestas cambiaron después de una decisión: {shown}")]


def _unknown_estados(sheet: Sheet) -> list[tuple[bool, str]]:
    """An estado staff mistyped is read by nobody: no email goes out and the row is
    counted apart; each one on the line, with the label meant."""
    found = unread_estados(sheet.rows)
    if not found:
        return []
    shown = "; ".join(found[:10]) + ("…" if len(found) > 10 else "")
    return [(False, f"{len(found)} estados que facultativo no reconoce: {shown}")]


def _elsewhere(store: AttachmentStore, refs: list[str]) -> str | None:
    return next((hint for ref in refs if (hint := store.elsewhere(ref))), None)


def _check_attachment(store: AttachmentStore, table: Table, col: int) -> tuple[bool, str]:
    cells = [store.refs(row[col]) for row in table.rows if col < len(row)]
    elsewhere = [hint for refs in cells if (hint := _elsewhere(store, refs))]
    if elsewhere:
        many = f"{len(elsewhere)} respuesta{'s' if len(elsewhere) > 1 else ''}"
        return False, f"archivo adjunto ({many}): {elsewhere[0]}"
    refs = next((r for r in cells if r), [])
    if not refs:
        return True, "ninguna respuesta tiene archivo todavía"
    failure = store.probe(refs[0])
    if failure is not None:
        return False, f"archivo adjunto: {failure.detail}"
    return True, "se puede leer un archivo adjunto de ejemplo"
