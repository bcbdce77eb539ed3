"""A Form-shaped responses sheet and its upload folder on the fake Google server,
with the demo's scenarios, a service-account key and a facultativo.toml that uses them."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from facultativo import demo
from facultativo.config import load
from facultativo.sync.cycle import run_cycle
from facultativo.wiring import open_runtime
from tests.support.fake_google import FakeGoogle, Sheet, Spreadsheet

SHEET_ID = "1FormRespuestasQro2026xyzABCDEFG"
TAB = "Respuestas de formulario 1"
HEADERS = demo.HEADERS  # the same Form as the local demo
SA_EMAIL = "facultativo@escuela-demo.iam.gserviceaccount.com"
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def serial(moment: datetime) -> float:
    """A timestamp as Sheets returns it UNFORMATTED: days since 1899-12-30."""
    delta = moment - datetime(1899, 12, 30)
    return delta.days + delta.seconds / 86400


def service_account(path: Path, fake: FakeGoogle) -> Path:
    pem = _KEY.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "escuela-demo",
        "private_key_id": "k1",
        "private_key": pem,
        "client_email": SA_EMAIL,
        "client_id": "1",
        "token_uri": f"{fake.url}/token",
    }
    path.write_text(json.dumps(info), encoding="utf-8")
    path.chmod(0o600)
    return path


def demo_rows(fake: FakeGoogle, two_links_in_first: bool = True) -> list[list[Any]]:
    """The demo's 20 responses as Form rows; attachments as Drive links."""
    data = json.loads(
        (Path(demo.__file__).parent / "samples" / "demo" / "demo.json").read_text("utf-8")
    )
    folder = Path(demo.__file__).parent / "samples" / "demo"
    day = datetime.fromisoformat(data["fecha"])
    rows = []
    for i, r in enumerate(data["respuestas"]):
        h, m, s = (int(x) for x in r["hora"].split(":"))
        cell = ""
        if r["archivo"]:
            name = r["archivo"].split("/")[-1]
            file_id = f"1Drv{i:03d}{name.split('.')[0]}xyz"
            if (folder / name).exists():
                fake.add_file(
                    file_id,
                    f"comprobanteVigenciaDerechos - {r['nombre']}.pdf",
                    (folder / name).read_bytes(),
                )
            cell = f"https://drive.google.com/open?id={file_id}"
            if i == 0 and two_links_in_first:  # the NSS card attached next to the constancia
                fake.add_file(
                    "1DrvTarjetaNSSxyz", "tarjeta.pdf", (folder / "javi.pdf").read_bytes()
                )
                cell = f"https://drive.google.com/open?id=1DrvTarjetaNSSxyz, {cell}"
        rows.append(demo.answer(r, serial(day.replace(hour=h, minute=m, second=s)), cell))
    return rows


def spreadsheet(fake: FakeGoogle, rows: list[list[Any]], columns: int = 10) -> Spreadsheet:
    book = Spreadsheet(
        "Solicitud de alta o baja de seguro facultativo (respuestas)",
        [Sheet(TAB, [list(HEADERS), *rows], sheet_id=123, column_count=columns)],
    )
    fake.spreadsheets[SHEET_ID] = book
    return book


def config(folder: Path, fake: FakeGoogle, timeout_seconds: float = 5, **google: Any) -> Path:
    key = service_account(folder / "credentials.json", fake)
    extra = "".join(f'{k} = "{v}"\n' for k, v in google.items())
    text = f"""
[ledger]
path = "facultativo.db"

[[campus]]
name = "queretaro"
institution_names = ["INSTITUTO TECNOLÓGICO DE QUERÉTARO"]
registros_patronales = ["Y6012345321"]
retry_minutes = 0
desde = "2026-11-01T00:00"

[campus.contact]
email = "escolares@demo.example.mx"

[campus.google]
credentials = "{key.name}"
spreadsheet = "https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit#gid=123"
tab = "{TAB}"
endpoint = "{fake.url}"
timeout_seconds = {timeout_seconds}
{extra}
[campus.mail]
outbox = "outbox"
"""
    path = folder / "facultativo.toml"
    path.write_text(text, encoding="utf-8")
    return path


def column(book: Spreadsheet, title: str) -> list[Any]:
    rows = book.sheets[0].rows
    col = rows[0].index(title)
    return [(r[col] if col < len(r) else "") for r in rows[1:]]


def cycle(config_path, pool, clock=None):
    config = load(config_path)
    with open_runtime(config, config.campuses[0], pool) as rt:
        if clock:
            rt.hooks.clock = clock
        return run_cycle(rt)
