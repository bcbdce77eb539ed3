"""The `facultativo` command: argparse and nothing heavy.

Each subcommand is a module under app/commands/, imported only when it runs, so
`facultativo --help` starts fast. Messages are for office staff and IT: Spanish, one
line each; errors/ (facultativo.errors) gives the exit code of every failure a person can fix.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import NoReturn

from facultativo import __version__
from facultativo.errors import UsageError, explain

_ARGPARSE_ES = (
    (r"the following arguments are required: (.*)", r"faltan argumentos: \1"),
    (
        r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)",
        r"\1: valor no válido \2 (usa uno de: \3)",
    ),
    (r"unrecognized arguments: (.*)", r"argumentos no reconocidos: \1"),
    (r"one of the arguments (.*) is required", r"falta uno de: \1"),
    (r"argument (\S+): not allowed with argument (\S+)", r"\1 no se puede usar junto con \2"),
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
    """Every command and option; nothing here imports more than argparse."""
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
    v.add_argument("files", nargs="*", metavar="ARCHIVO", help="constancias en PDF")
    v.add_argument(
        "--tipo",
        type=str.lower,
        choices=["alta", "baja"],
        default="alta",
        help="lo que pide (por omisión: alta)",
    )
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
    s.add_argument(
        "--reintentar",
        action="store_true",
        help="envía ya los correos en espera de reintento (tras arreglar el servidor de correo)",
    )
    t = command("status", "último ciclo, pendientes y siguiente ejecución", deployed)
    t.add_argument("--json", action="store_true", help="para monitoreo")
    c = command("check", "revisa la configuración, la hoja y los archivos", deployed)
    c.add_argument(
        "--probar-correo",
        action="store_true",
        help="inicia sesión en el servidor SMTP (sin enviar nada) y dice si funciona",
    )
    command("digest", "envía ahora el resumen diario al personal", logs, deployed)
    i = command("informe", "compara los veredictos con las decisiones del personal", deployed)
    i.add_argument("--desde", type=_day, help="solo respuestas desde AAAA-MM-DD[THH:MM]")
    i.add_argument("--anteriores", action="store_true", help="incluye las filas ANTERIOR")
    i.add_argument("--html", type=Path, metavar="ARCHIVO", help="escribe además una página HTML")
    i.add_argument("--json", action="store_true", help="el informe como JSON")
    command(
        "adoptar", "esta instalación se queda con la hoja (bitácora perdida o copiada)", deployed
    )
    h = command(
        "historial",
        "qué pasó con una respuesta: veredictos, lo escrito en la hoja, correos y decisiones",
        deployed,
    )
    which = h.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--fila", type=_row, metavar="N", help="la respuesta que está hoy en esa fila de la hoja"
    )
    which.add_argument("--nss", help="las respuestas con ese NSS escrito por el estudiante")
    which.add_argument(
        "--correo", metavar="DIRECCIÓN", help="las respuestas con esa dirección de correo"
    )
    h.add_argument(
        "--json", action="store_true", help="la historia como JSON, para otros programas"
    )
    lo = command(
        "lote",
        "las solicitudes ACEPTADA para registrar en el IMSS, y marcarlas ALTA/BAJA APLICADA",
        deployed,
    )
    what = lo.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--salida",
        type=Path,
        metavar="ARCHIVO",
        help="escribe el lote en ARCHIVO (.xlsx o .csv; con NSS y CURP completos, permisos 600)",
    )
    what.add_argument(
        "--aplicar",
        type=Path,
        metavar="ARCHIVO",
        help="marca ALTA o BAJA APLICADA las filas de ese lote, ya registradas en el IMSS",
    )
    lo.add_argument(
        "--tipo", type=str.lower, choices=["alta", "baja"], help="solo altas o solo bajas"
    )
    lo.add_argument(
        "--desde", type=_date, metavar="AAAA-MM-DD", help="solo solicitudes desde ese día"
    )
    lo.add_argument(
        "--si", action="store_true", help="con --aplicar: marca sin preguntar (para scripts)"
    )
    lo.add_argument(
        "--reemplazar",
        action="store_true",
        help="con --salida: reemplaza ARCHIVO aunque no sea un lote anterior",
    )
    a = command("auth", "autoriza con una cuenta de Google (cliente OAuth)", deployed)
    a.add_argument("--no-browser", action="store_true", help="solo muestra la dirección")
    w = command("web", "página para que el estudiante revise su constancia antes de enviarla", logs)
    w.add_argument("--config", type=Path, required=True, help="facultativo.toml")
    w.add_argument("--campus", help="el campus de la página (si hay varios)")
    w.add_argument("--host", default="127.0.0.1", help="dirección (por omisión: 127.0.0.1)")
    w.add_argument("--port", type=_port, default=8080, help="puerto (por omisión: 8080)")
    w.add_argument(
        "--fecha",
        type=_date,
        metavar="AAAA-MM-DD",
        help="el día que la página toma como hoy (para probar con constancias de otro día)",
    )
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


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{text}» no es una fecha; usa AAAA-MM-DD") from None


def _row(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 2:
        raise argparse.ArgumentTypeError(
            f"«{text}» no es una fila de respuesta; usa su número en la hoja (2 o más)"
        )
    return int(text)


def _port(text: str) -> int:
    if not text.strip().isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"«{text}» no es un puerto; usa un número de 1 a 65535")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:  # no command: say what there is, in Spanish
        print(build_parser().format_help(), file=sys.stderr)
        return 2
    try:
        args = build_parser().parse_args(argv)
        from facultativo.commands import MODULES

        command = importlib.import_module(f"facultativo.commands.{MODULES[args.command]}")
        code: int = command.run(args)
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        known = explain(exc)
        if known is None:
            raise  # a bug: its traceback is what a developer needs
        code, lines = known
        for line in lines:
            print(f"facultativo: {line}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
