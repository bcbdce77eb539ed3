"""Hostile PDFs: byte-level mutations of real constancias and hand-crafted attacks.

Every input must get a verdict (a rejection is a verdict), no exception may reach
the caller, and no file may take longer than the per-file limit (plus scheduling
slack). The long run is a command:

    python -m tests.reliability.hostile --count 2000 --seed 11
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import zlib
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from facultativo.validators import Limits, Policy, Request, ValidatorPool

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
SLACK_SECONDS = 3.0


def seeds() -> list[bytes]:
    return [
        p.read_bytes()
        for layout in ("grid", "stacked", "compact")
        for p in sorted((GOLDEN / layout).glob("*.pdf"))[:6]
    ]


# --- mutations -------------------------------------------------------------------------


def _flip(d: bytearray, r: random.Random) -> None:
    for _ in range(r.randint(1, 40)):
        i = r.randrange(len(d))
        d[i] ^= 1 << r.randrange(8)


def _truncate(d: bytearray, r: random.Random) -> None:
    del d[r.randrange(1, len(d)) :]


def _duplicate(d: bytearray, r: random.Random) -> None:
    i = r.randrange(len(d))
    chunk = d[i : i + r.randint(1, 4000)]
    j = r.randrange(len(d))
    d[j:j] = chunk * r.randint(1, 20)


def _insert(d: bytearray, r: random.Random) -> None:
    j = r.randrange(len(d))
    d[j:j] = bytes(r.randrange(256) for _ in range(r.randint(1, 500)))


def _delete(d: bytearray, r: random.Random) -> None:
    i = r.randrange(len(d))
    del d[i : i + r.randint(1, 2000)]


TOKENS = [
    b"obj",
    b"endobj",
    b"stream",
    b"endstream",
    b"xref",
    b"trailer",
    b"/Length",
    b"/Filter",
    b"/FlateDecode",
    b"/Kids",
    b"/Count",
    b"/Font",
    b"BT",
    b"ET",
    b"Tj",
    b"<<",
    b">>",
    b"[",
    b"]",
    b"(",
    b")",
    b"/Root",
    b"startxref",
]


def _token(d: bytearray, r: random.Random) -> None:
    a, b = r.choice(TOKENS), r.choice([*TOKENS, b"", b"999999999", b"-1", b"0 0 R"])
    positions = [m.start() for m in re.finditer(re.escape(a), d)]
    for pos in r.sample(positions, min(len(positions), r.randint(1, 5))):
        d[pos : pos + len(a)] = b


def _numbers(d: bytearray, r: random.Random) -> None:
    text = bytes(d)
    out = re.sub(
        rb"\d+",
        lambda m: (
            str(r.choice([0, -1, 2**31, int(m.group()) * 7, 10**12])).encode()
            if r.random() < 0.05
            else m.group()
        ),
        text,
    )
    d[:] = out


MUTATIONS = [_flip, _truncate, _duplicate, _insert, _delete, _token, _numbers]


def mutate(data: bytes, r: random.Random) -> bytes:
    d = bytearray(data)
    for _ in range(r.randint(1, 3)):
        if len(d) < 2:
            break
        r.choice(MUTATIONS)(d, r)
    return bytes(d)


# --- crafted attacks -------------------------------------------------------------------


def build_pdf(objects: list[bytes], root: int = 1, broken_xref: bool = False) -> bytes:
    out, offsets = b"%PDF-1.7\n", []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    table = b"".join(b"%010d 00000 n \n" % ((o * 3 + 17) if broken_xref else o) for o in offsets)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + table
    return out + b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        xref,
    )


def _page_with(content: bytes, extra_catalog: bytes = b"", font: bytes | None = None) -> bytes:
    font = font or b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + extra_catalog + b">>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            font,
        ]
    )


TEXT = (
    b"BT /F1 12 Tf 50 700 Td (CONSTANCIA DE VIGENCIA DE DERECHOS) Tj 0 -20 Td"
    b" (NSS: 12220456789) Tj 0 -20 Td (Estado: NO VIGENTE) Tj 0 -20 Td"
    b" (Fecha de expedicion: 16/11/2026) Tj ET"
)


def crafted() -> dict[str, bytes]:
    bomb = zlib.compress(b"0 0 m 1 1 l S\n" * (200 * 1024 * 1024 // 14), 9)
    nested = b"[" * 50000 + b"]" * 50000
    many_kids = b" ".join(b"%d 0 R" % (i + 3) for i in range(20000))
    pages = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + many_kids + b"] /Count 20000 >>",
    ]
    pages += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * 20000
    loop = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]
    wrong_font = (
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding"
        b" << /Differences [65 /Z /Y /X /W /V /U /T /S /R /Q /P /O /N] >> >>"
    )
    return {
        "bomba_de_descompresion": build_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
                b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb)
                + bomb
                + b"\nendstream",
            ]
        ),
        "anidamiento_profundo": build_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R /X " + nested + b" >>",
                b"<< /Type /Pages /Kids [] /Count 0 >>",
            ]
        ),
        "veinte_mil_paginas": build_pdf(pages),
        "arbol_de_paginas_ciclico": build_pdf(loop),
        "xref_roto": build_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
            ],
            broken_xref=True,
        ),
        "javascript": _page_with(TEXT, b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
        "archivo_incrustado": _page_with(
            TEXT, b"/Names << /EmbeddedFiles << /Names [(x.exe) << /Type /Filespec >>] >> >>"
        ),
        "fuente_equivocada": _page_with(TEXT, font=wrong_font),
        "longitud_mentirosa": _page_with(TEXT).replace(
            b"/Length %d" % len(TEXT), b"/Length 9999999"
        ),
        "solo_encabezado": b"%PDF-1.7\n",
    }


# --- the run ---------------------------------------------------------------------------


@dataclass
class HostileResult:
    inputs: int = 0
    mutated: int = 0
    crafted: int = 0
    verdicts: int = 0
    exceptions: int = 0
    hangs_past_limit: int = 0
    slowest_seconds: float = 0.0
    estados: dict[str, int] = field(default_factory=dict)
    crafted_verdicts: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.verdicts == self.inputs and not self.exceptions and not self.hangs_past_limit


def run(count: int, seed: int, timeout: float = 10.0, workers: int = 2) -> HostileResult:
    rng = random.Random(seed)
    base = seeds()
    result = HostileResult()
    estados: Counter[str] = Counter()
    inputs = [(f"mutado-{i}", mutate(rng.choice(base), rng)) for i in range(count)]
    inputs += list(crafted().items())
    request, policy = Request(), Policy(("INSTITUTO TECNOLOGICO DE QUERETARO",))
    with ValidatorPool(workers=workers, limits=Limits(timeout_seconds=timeout)) as pool:
        for name, data in inputs:
            started = time.monotonic()
            try:
                verdict = pool.validate(data, request, policy)
            except Exception:
                result.exceptions += 1
                continue
            spent = time.monotonic() - started
            result.slowest_seconds = max(result.slowest_seconds, round(spent, 2))
            result.hangs_past_limit += spent > timeout + SLACK_SECONDS
            result.verdicts += 1
            estados[verdict.estado.value] += 1
            if not name.startswith("mutado"):
                result.crafted_verdicts[name] = f"{verdict.estado.value} {verdict.motivo.value}"
    result.inputs, result.mutated, result.crafted = len(inputs), count, len(inputs) - count
    result.estados = dict(estados)
    return result


def write_corpus(folder: Path, seed: int = 1, mutated: int = 20) -> None:
    """The small seed corpus kept in tests/hostile_corpus (the big crafted ones stay generated)."""
    rng = random.Random(seed)
    base = seeds()
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(mutated):
        (folder / f"mutado-{i:02d}.pdf").write_bytes(mutate(rng.choice(base), rng))
    for name, data in crafted().items():
        if len(data) < 300_000:
            (folder / f"{name}.pdf").write_bytes(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--write-corpus", type=Path, help="write the seed corpus and stop")
    args = parser.parse_args()
    if args.write_corpus:
        write_corpus(args.write_corpus)
        return
    result = run(args.count, args.seed, args.timeout)
    print(json.dumps({**asdict(result), "ok": result.ok}, indent=2, ensure_ascii=False))
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
