"""`facultativo validate`: one or more constancias checked on their own, without a sheet;
a card per file (each field beside the text it was read from) or `--json`, one line per
file, whose keys are a contract for other tools."""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from facultativo import samples
from facultativo.config import Config, load, registro_valido
from facultativo.errors import UsageError
from facultativo.errors.system import os_error
from facultativo.validators import (
    Constancia,
    Policy,
    Request,
    Tipo,
    ValidatorPool,
    Verdict,
)


def run(args: argparse.Namespace) -> int:
    if args.ejemplos:
        return _validate_samples(args.json)
    if not args.files:
        raise UsageError(
            "falta al menos un archivo: facultativo validate ARCHIVO... (o --ejemplos)"
        )
    config = load(args.config) if args.config else Config()
    policy = _policy(args, config)
    request = _request(args, policy)
    limits = config.limits
    jobs = [(path, _read(Path(path), limits.max_bytes)) for path in args.files]
    _warn_if_school_unknown(policy)
    with ValidatorPool(workers=min(len(jobs), 4), limits=limits) as pool:
        verdicts = _run(pool, [(p, d, request, policy) for p, d in jobs])
    _print(verdicts, args.json)
    return 0


def _run(pool: ValidatorPool, jobs: list[tuple[str, bytes, Request, Policy]]) -> list:
    def one(job: tuple[str, bytes, Request, Policy]) -> tuple[str, Verdict]:
        path, data, request, policy = job
        return path, pool.validate(data, request, policy, filename=Path(path).name)

    with ThreadPoolExecutor(max_workers=pool.size) as threads:
        return list(threads.map(one, jobs))


def _print(verdicts: list[tuple[str, Verdict]], as_json: bool) -> None:
    for path, verdict in verdicts:
        if as_json:
            print(
                json.dumps({"archivo": path, **verdict.as_json(evidence=True)}, ensure_ascii=False)
            )
        else:
            print(verdict_table(path, verdict))


def _read(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; an oversized file is cut, and screening rejects it by size."""
    try:
        with path.open("rb") as fh:
            return fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise UsageError(f"no existe el archivo: {path}") from None
    except IsADirectoryError:
        raise UsageError(f"es una carpeta, no un archivo: {path}") from None
    except OSError as exc:
        raise UsageError(f"no se pudo leer {path}: {os_error(exc)}") from None


def _policy(args: argparse.Namespace, config: Config) -> Policy:
    campus = config.campus(args.campus)
    if config.campuses and campus is None:
        names = ", ".join(c.name for c in config.campuses)
        what = f"no hay campus «{args.campus}»" if args.campus else "hay varios campus"
        raise UsageError(f"{what} en {config.path}; elige uno con --campus ({names})")
    policy = campus.policy if campus else Policy()
    if args.institucion:
        policy = replace(policy, institutions=tuple(args.institucion))
    if args.registro_patronal:
        bad = [rp for rp in args.registro_patronal if not registro_valido(rp)]
        if bad:
            raise UsageError(
                f"--registro-patronal «{bad[0]}» no parece un registro patronal "
                "(11 caracteres, p. ej. Y6012345321)"
            )
        policy = replace(policy, registros_patronales=tuple(args.registro_patronal))
    return policy


def _warn_if_school_unknown(policy: Policy) -> None:
    if not (policy.institutions or policy.registros_patronales):
        print(
            "facultativo: aviso: sin --institucion, --registro-patronal ni --config no se "
            "puede reconocer a la escuela en la constancia.",
            file=sys.stderr,
        )


def _request(args: argparse.Namespace, policy: Policy) -> Request:
    if args.fecha_solicitud:
        try:
            fecha = date.fromisoformat(args.fecha_solicitud)
        except ValueError:
            raise UsageError(
                f"--fecha-solicitud {args.fecha_solicitud!r}: usa el formato AAAA-MM-DD"
            ) from None
    else:
        fecha = datetime.now(ZoneInfo(policy.timezone)).date()
    return Request(Tipo(args.tipo), fecha, args.nss, args.curp, args.nombre)


def _validate_samples(as_json: bool) -> int:
    jobs = [(s.path, s.data, s.request, s.policy) for s in samples.load()]
    with ValidatorPool(workers=2) as pool:
        verdicts = _run(pool, jobs)
    if not as_json:
        print(samples.INTRO)
    _print(verdicts, as_json)
    return 0


_EVIDENCE_LABELS = (
    ("nss", "NSS"),
    ("curp", "CURP"),
    ("nombre", "Nombre"),
    ("fecha_expedicion", "Expedida"),
    ("servicio_medico", "Serv. médico"),
    ("vigencia", "Vigencia"),
    ("estado", "Estado"),
)


def verdict_table(path: str, verdict: Verdict) -> str:
    lines = [path, f"  Estado:    {verdict.estado.etiqueta}"]
    for i, motivo in enumerate(verdict.motivos):
        head = "  Motivos:   " if i == 0 else "             "
        lines.append(f"{head}{motivo.value}: {motivo.texto_personal}")
    if verdict.detalle != verdict.motivo.texto_personal:
        lines.append(f"  Detalle:   {verdict.detalle}")
    if verdict.constancia is not None:
        lines += _constancia(verdict.constancia)
    return "\n".join(lines) + "\n"


def _constancia(c: Constancia) -> list[str]:
    """Each field read, and the text it was read from (staff check the verdict by it)."""
    shown = c.as_json()
    lines = ["  Leído de la constancia (página: texto de donde se leyó):"]
    for key, label in _EVIDENCE_LABELS:
        value = shown[key] if shown[key] is not None else "— (no se pudo leer)"
        ev = c.evidencia.get(key)
        source = f"   ← p. {ev.page}: «{ev.text}»" if ev else ""
        lines.append(f"    {label + ':':<14}{value}{source}")
    if not c.afiliaciones:
        lines.append("    Patrones:     ninguno en la lista")
    for a in c.afiliaciones:
        situ = a.estado.value if a.estado else "sin estado impreso"
        lines.append(
            f"    Patrón:       {a.registro_patronal or '—'} mod {a.modalidad or '—'} "
            f"({situ}) {a.razon_social}"
        )
        if a.evidencia:
            lines.append(f"                  ← p. {a.evidencia.page}: «{a.evidencia.text}»")
    return lines
