"""[campus.mail]: how students' emails leave, and what the campus promises about them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from facultativo.notifiers import SENDERS
from facultativo.settings import Backend, Table, shown

OUTBOX = "outbox"  # the sender when none is named: a folder of .eml files (notifiers/outbox.py)


def _outbox_folder() -> Backend:
    """The outbox sender with its own default folder, as an empty [campus.mail] reads."""
    return Backend(OUTBOX, SENDERS[OUTBOX].Settings.from_table(Table({}, "mail")))


@dataclass(frozen=True)
class Mail:
    """[campus.mail]: how students' emails leave. The sender's own settings (host, port,
    mailbox...) belong to its module in notifiers/; secrets come from the environment
    or a file, never from facultativo.toml."""

    KEYS: ClassVar[frozenset[str]] = frozenset(
        {
            "sender",
            "from",
            "daily_cap",
            "templates",
            "modo",
            "espera_decision_minutos",
            "avisar_anteriores",
        }
    )
    MODOS: ClassVar[tuple[str, ...]] = ("normal", "sombra")

    sender: Backend = field(default_factory=_outbox_folder)
    from_address: str = ""
    daily_cap: int = 1500  # emails a campus may send a day: below Google Workspace's 2,000
    templates: Path | None = None  # a folder whose templates replace the bundled ones
    # "sombra": decide and write verdicts, mail no student (the first weeks, to gain trust)
    modo: str = "normal"
    # a staff decision is mailed once it has stood this long, so a slip can still be fixed
    espera_decision_minutos: float = 10
    # students decided in shadow mode, or before `desde`, hear staff's decisions and
    # follow-ups too (by default they never hear from facultativo)
    avisar_anteriores: bool = False

    @classmethod
    def from_table(cls, t: Table) -> Mail:
        kind = t.choice("sender", SENDERS.kinds(), OUTBOX)
        if kind == OUTBOX:
            _outbox_with_a_server(t)
        templates = t.path("templates")
        if templates is not None and not templates.is_dir():
            t.problem(f"{t.where}.templates: no existe la carpeta {templates}.")
        return cls(
            sender=Backend(kind, SENDERS[kind].Settings.from_table(t)),
            from_address=t.text("from"),
            daily_cap=int(t.number("daily_cap", cls.daily_cap, 1, 100000, whole=True)),
            templates=templates,
            modo=_modo(t),
            espera_decision_minutos=t.number(
                "espera_decision_minutos", cls.espera_decision_minutos, 0, 7 * 24 * 60
            ),
            avisar_anteriores=t.flag("avisar_anteriores", cls.avisar_anteriores),
        )


def _modo(t: Table) -> str:
    modo = str(t.raw.get("modo", Mail.modo)).strip().lower()
    if modo not in Mail.MODOS:
        t.problem(
            f'{t.where}.modo = {shown(t.raw.get("modo"))}: usa "normal" o "sombra" (sombra: '
            "decide y escribe en la hoja, pero no envía correos a los estudiantes)."
        )
        return Mail.modo
    return modo


def _outbox_with_a_server(t: Table) -> None:
    """A server's keys under sender = "outbox" (the default): someone set up smtp or gmail
    and forgot the sender, and every student's email would stay in a folder."""
    folder = SENDERS[OUTBOX].Settings.KEYS
    for kind in SENDERS.kinds():
        theirs = sorted((set(t.raw) & SENDERS[kind].Settings.KEYS) - folder)
        if kind != OUTBOX and theirs:
            t.problem(
                f'{t.where}: sender = "outbox" solo escribe los correos en una carpeta, pero '
                f'{", ".join(theirs)} son de sender = "{kind}": ¿falta sender = "{kind}"?'
            )
            return
