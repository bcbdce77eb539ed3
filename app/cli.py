"""The `facultativo` command. Messages are for office staff and IT: Spanish, one line each."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

from facultativo.validators.text import os_error

from . import __version__, samples
from .commands import OperationalError
from .config import Config, ConfigError, load, registro_valido
from .report import verdict_table
from .validators import Policy, Request, Tipo, ValidatorPool, Verdict, WorkerUnavailable


class UsageError(Exception):
    """A mistake in the command line: exit 2 with one clear line."""


_ARGPARSE_ES = (
    (r"the following arguments are required: (.*)", r"faltan argumentos: \1"),
    (
        r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)",
        r"\1: valor no válido \2 (usa uno de: \3)",
    ),
    (r"unrecognized arguments: (.*)", r"argumentos no reconocidos: \1"),
    (r"argument (\S+): expected one argument", r"\1 necesita un valor"),
    (r"argument (\S+): (.*)", r"\1: \2"),
)


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "uso: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with its own words in Spanish too: usage, section titles, -h."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumentos"
        self._optionals.title = "opciones"
        self.add_argument("-h", "--help", action="help", help="muestra esta ayuda y termina")

    def error(self, message: str) -> NoReturn:  # argparse would print usage + English text
        for pattern, spanish in _ARGPARSE_ES:
            message = re.sub(f"^{pattern}$", spanish, message)
        raise UsageError(message.replace("command", "comando"))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="facultativo", description="Trámite del seguro facultativo del IMSS.")
    parser.add_argument(
        "--version",
        action="version",
        version=f"facultativo {__version__}",
        help="muestra la versión y termina",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, title="comandos", metavar="COMANDO"
    )
    v = sub.add_parser("validate", help="valida constancias de vigencia de derechos (PDF)")
    v.add_argument("files", nargs="*", metavar="FILE", help="constancias en PDF")
    v.add_argument("--tipo", choices=["alta", "baja"], default="alta")
    v.add_argument("--nss", help="NSS escrito por el estudiante")
    v.add_argument("--curp", help="CURP escrita por el estudiante")
    v.add_argument("--nombre", help="nombre escrito por el estudiante")
    v.add_argument("--fecha-solicitud", help="AAAA-MM-DD (por omisión: hoy en el campus)")
    v.add_argument("--institucion", action="append", default=[], help="nombre de la escuela")
    v.add_argument("--registro-patronal", action="append", default=[], help="de la escuela")
    v.add_argument("--config", type=Path, help="facultativo.toml")
    v.add_argument("--campus", help="campus del archivo de configuración")
    v.add_argument("--json", action="store_true", help="una línea JSON por archivo")
    v.add_argument("--ejemplos", action="store_true", help="valida las constancias de ejemplo")

    logs = argparse.ArgumentParser(add_help=False)
    logs.add_argument(
        "--log-format",
        choices=["text", "json"],
        default="text",
        help="bitácora legible (text) o una línea JSON por evento (json)",
    )
    deployed = argparse.ArgumentParser(add_help=False)  # commands that work on a deployment
    deployed.add_argument("--config", type=Path, required=True, help="facultativo.toml")
    deployed.add_argument("--campus", help="solo este campus")

    def command(name: str, text: str, *parents: argparse.ArgumentParser) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=list(parents), help=text)  # type: ignore[arg-type]

    d = command("demo", "crea un espacio de demostración local y lo procesa", logs)
    d.add_argument("--dir", type=Path, default=Path("facultativo-demo"), help="carpeta")
    command("run", "servicio: procesa cada N minutos hasta SIGTERM", logs, deployed)
    s = command("sync", "procesa las respuestas nuevas del formulario", logs, deployed)
    s.add_argument("--once", action="store_true", help="un solo ciclo y termina")
    s.add_argument("--dry-run", action="store_true", help="muestra qué haría, sin tocar nada")
    t = command("status", "último ciclo, pendientes y siguiente ejecución", deployed)
    t.add_argument("--json", action="store_true", help="para monitoreo")
    command("check", "revisa la configuración, la hoja y los archivos", deployed)
    command("digest", "envía ahora el resumen diario al personal", logs, deployed)
    i = command("informe", "compara los veredictos con las decisiones del personal", deployed)
    i.add_argument("--desde", type=_day, help="solo respuestas desde AAAA-MM-DD[THH:MM]")
    i.add_argument("--anteriores", action="store_true", help="incluye las filas ANTERIOR")
    i.add_argument("--html", type=Path, metavar="ARCHIVO", help="escribe además una página HTML")
    i.add_argument("--json", action="store_true", help="el informe como JSON")
    a = command("auth", "autoriza con una cuenta de Google (cliente OAuth)", deployed)
    a.add_argument("--no-browser", action="store_true", help="solo muestra la dirección")
    p = command("preview-emails", "escribe todos los correos con datos de ejemplo")
    p.add_argument("--dir", type=Path, required=True, help="carpeta de salida")
    p.add_argument("--config", type=Path, help="facultativo.toml (usa su campus y plantillas)")
    p.add_argument("--campus", help="campus del archivo de configuración")
    return parser


def _day(text: str) -> datetime:
    """A date, or a date and time, as the office writes it (the campus's time zone)."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"«{text}» no es una fecha; usa AAAA-MM-DD o AAAA-MM-DDTHH:MM"
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:  # no command: say what there is, in Spanish
        print(build_parser().format_help(), file=sys.stderr)
        return 2
    try:
        args = build_parser().parse_args(argv)
        from . import commands

        handlers = {
            "validate": cmd_validate,
            "demo": commands.demo,
            "sync": commands.sync,
            "check": commands.check,
            "auth": commands.auth,
            "preview-emails": commands.preview_emails,
            "digest": commands.digest,
            "run": commands.run,
            "status": commands.status,
            "informe": commands.informe,
        }
        return handlers[args.command](args)
    except UsageError as exc:
        print(f"facultativo: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"facultativo: {problem}", file=sys.stderr)
        return 2
    except OperationalError as exc:  # a source, ledger or lock problem: one clear line
        print(f"facultativo: {exc}", file=sys.stderr)
        return 1
    except WorkerUnavailable as exc:
        print(f"facultativo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def cmd_validate(args: argparse.Namespace) -> int:
    if args.ejemplos:
        return _validate_samples(args.json)
    if not args.files:
        raise UsageError("falta al menos un archivo: facultativo validate FILE... (o --ejemplos)")
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


if __name__ == "__main__":
    sys.exit(main())
