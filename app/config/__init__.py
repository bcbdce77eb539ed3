"""facultativo.toml: campuses and limits, checked with one clear message per problem.

Every problem names the key and the fix, because the person reading it is the
office's IT person, not a Python developer.

Each table is a frozen Settings with its `KEYS` and `from_table(table)`, like the backends'
(settings/registry.py): config/tables.py, mail.py, lote.py and model.py (CampusCore, for
[[campus]]'s own keys). config/schema.py lists the tables and walks their Settings for the
unknown-key check; config/reader.py reads the file and puts each campus together.
"""

from facultativo.config.common import registro_valido
from facultativo.config.lote import Lote
from facultativo.config.mail import Mail
from facultativo.config.model import Campus, CampusCore, Config
from facultativo.config.reader import load, parse
from facultativo.config.schema import known, unknown_keys
from facultativo.config.tables import (
    LEDGER,
    CampusPolicy,
    CampusWeb,
    Columns,
    Contact,
    Digest,
    Ledger,
    LimitsSettings,
    Service,
    Source,
    Web,
)
from facultativo.errors import ConfigError

__all__ = [
    "LEDGER",
    "Campus",
    "CampusCore",
    "CampusPolicy",
    "CampusWeb",
    "Columns",
    "Config",
    "ConfigError",
    "Contact",
    "Digest",
    "Ledger",
    "LimitsSettings",
    "Lote",
    "Mail",
    "Service",
    "Source",
    "Web",
    "known",
    "load",
    "parse",
    "registro_valido",
    "unknown_keys",
]
