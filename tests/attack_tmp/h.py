"""Attack harness: own fpdf2 layouts -> extract/decide for alta & baja."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from fpdf import FPDF

from facultativo.validators import Policy, Request, Tipo, decide, extract

OUT = Path(__file__).parent / "pdf"
OUT.mkdir(exist_ok=True)

NSS = "12220456789"
CURP = "MAGA040312MQTRMNA3"
NOMBRE = "ANA SOFÍA MARTÍNEZ GÓMEZ"
HOY = date(2026, 11, 16)
OWN = "INSTITUTO TECNOLÓGICO DE QUERÉTARO"
OWN_RP = "Y6012345321"
POL = Policy((OWN,), (OWN_RP,))
# other identities
CHILD_CURP = "LOMM220510HQTPRTA9"
CHILD_NSS = "12242200017"
LUIS_NSS = "03190312342"
LUIS_CURP = "PEHL030921HPLXRSA7"


def draw(pages, size=8, lh=5.0, images_title=False):
    """pages: list of list of lines. line: str | list[(x_mm, text)] | None (blank)."""
    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(False)
    for lines in pages:
        pdf.add_page()
        pdf.set_font("helvetica", size=size)
        y = 15.0
        for line in lines:
            if line is None:
                y += lh
                continue
            if isinstance(line, str):
                line = [(15, line)]
            for x, t in line:
                pdf.text(x, y, t)
            y += lh
    return bytes(pdf.output())


def kv(label, value, x2=80):
    return [(15, label), (x2, value)]


def personal(
    nss=NSS,
    curp=CURP,
    nombre="ANA SOFÍA",
    ap1="MARTÍNEZ",
    ap2="GÓMEZ",
    servicio="SI",
    vigencia="16/11/2026",
    fecha="16/11/2026",
    extra=(),
):
    out = ["DATOS DEL ASEGURADO"]
    if nss is not None:
        out.append(kv("Número de Seguridad Social:", nss))
    if nombre is not None:
        out.append(kv("Nombre(s):", nombre))
    if ap1 is not None:
        out.append(kv("Primer apellido:", ap1))
    if ap2 is not None:
        out.append(kv("Segundo apellido:", ap2))
    if curp is not None:
        out.append(kv("CURP:", curp))
    out += [
        kv("Sexo:", "MUJER"),
        kv("Fecha de nacimiento:", "12/03/2004"),
        kv("Delegación:", "QUERÉTARO"),
        kv("UMF:", "13"),
    ]
    if servicio is not None:
        out.append(kv("CON DERECHO A SERVICIO MÉDICO:", servicio))
    if vigencia is not None:
        out.append(kv("Vigencia:", vigencia))
    if fecha is not None:
        out.append(kv("Fecha de constancia:", fecha))
    out += list(extra)
    return out


def patrones(rows, header=True):
    out = ["PATRONES"]
    if header:
        out.append(
            [
                (15, "Registro Patronal"),
                (45, "Nombre o Razón Social"),
                (140, "Modalidad"),
                (160, "Descripción"),
            ]
        )
    for r in rows:
        if isinstance(r, list):
            out.append(r)
        else:
            rp, razon, mod, desc = r
            out.append([(15, rp), (45, razon), (140, mod), (160, desc)])
    return out


def benef(rows=None):
    out = ["BENEFICIARIOS", [(15, "Nombre"), (90, "CURP"), (140, "Parentesco")]]
    if not rows:
        out.append([(15, "NO APLICA")])
    for r in rows or []:
        out.append([(15, r[0]), (90, r[1]), (140, r[2])])
    return out


def cadena(nombre=NOMBRE, curp=CURP, nss=NSS, wrap=95):
    s = (
        "||Invocante:portalimssdigital|Tipo de trámite:COMPROBANTE DE VIGENCIA DE "
        "DERECHOHABIENTES|Fecha:16 de noviembre 2026, 10:15:32|Folio:12345678901234567890123|"
        f"Nombre o Razón Social:{nombre}|Curp:{curp}|Número de Seguridad Social:{nss}||"
    )
    out = ["Cadena original:"]
    out += [[(15, s[i : i + wrap])] for i in range(0, len(s), wrap)]
    out += ["Sello digital: AbCdEf0123456789+/==", "Folio: 12345678901234567890123"]
    return out


SCHOOL = ("Y60-12345-32-1", OWN, "32", "SEGURO FACULTATIVO ESTUDIANTES")
OTHER = ("E5112345328", "UNIVERSIDAD AUTÓNOMA DE QUERÉTARO", "32", "SEGURO FACULTATIVO ESTUDIANTES")
EMP = ("B2012345106", "COMERCIALIZADORA DEL BAJÍO SA DE CV", "10", "")


def v2(rows=(SCHOOL,), title=True, benef_rows=None, cad=True, **pkw):
    lines = ["CONSTANCIA DE VIGENCIA DE DERECHOS"] if title else []
    lines += personal(**pkw) + [None] + patrones(rows) + [None] + benef(benef_rows) + [None]
    if cad:
        lines += cadena()
    return [lines]


def run(name, data, expect_alta=None, expect_baja=None, req=None, pol=POL, show=False):
    path = OUT / f"{name}.pdf"
    path.write_bytes(data)
    ex = extract(data)
    res = {}
    for tipo, exp in ((Tipo.ALTA, expect_alta), (Tipo.BAJA, expect_baja)):
        r = req or {}
        rq = Request(tipo, HOY, r.get("nss", NSS), r.get("curp", CURP), r.get("nombre", NOMBRE))
        v = decide(ex, rq, pol)
        got = f"{v.estado.value}/{v.motivos[0].value}"
        flag = (
            ""
            if exp is None or exp == got or (isinstance(exp, tuple) and got in exp)
            else "  <-- MISMATCH (expected %s)" % (exp,)
        )
        res[tipo.value] = got
        print(f"{name:38s} {tipo.value:5s} {got:40s} | {v.detalle[:150]}{flag}")
    if show:
        c = getattr(ex, "constancia", None)
        if c:
            print("   fields:", json.dumps(c.as_json(), ensure_ascii=False, default=str)[:1500])
            print("   evid:", json.dumps(c.evidence_json(), ensure_ascii=False, default=str)[:1500])
        else:
            print("   ", ex)
    return res
