"""The two readers of /etc/facultativo/env: systemd's EnvironmentFile= and POSIX sh.

systemd is not running in a test (nor as the test's user), so its reader is written out here
from systemd.exec(5), «EnvironmentFile=», step for step as systemd's own parser does it
(src/basic/env-file.c, parse_env_file_internal, v252 and later). sh is the real /bin/sh (dash
on Debian, what cron runs), sourcing the file the way deploy/facultativo.cron does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_NEWLINE = "\n\r"
_WHITESPACE = " \t\n\r"
_COMMENTS = "#;"
_SHELL_NEED_ESCAPE = '"\\`$'


def systemd_environment(text: str) -> dict[str, str]:
    """What EnvironmentFile= gives the service. From systemd.exec(5):

    - empty lines, lines without "=", and lines starting with ";" or "#" are ignored;
    - an unquoted value follows POSIX sh's backslash rules for unquoted text, but interior
      whitespace and quotes after the first character are kept; leading and trailing
      whitespace is dropped; a backslash keeps the next character, and before a newline
      continues the line;
    - a '-quoted value is verbatim up to the next ' (no escapes), as in sh;
    - a "-quoted value knows sh's double-quote escapes: a backslash before any of "\\`$ keeps
      that character, before a newline continues the line, before anything else stays;
    - there is no variable expansion: "$" is just a character.
    """
    env: dict[str, str] = {}
    key: list[str] = []
    value: list[str] | None = None
    state = "PRE_KEY"
    last_key_ws: int | None = None
    last_value_ws: int | None = None

    def push() -> None:
        name = "".join(key[:last_key_ws] if last_key_ws is not None else key)
        env[name] = "".join(value or [])

    def append(c: str) -> None:
        nonlocal value
        value = (value or []) + [c]

    for c in text:
        if state == "PRE_KEY":
            if c in _COMMENTS:
                state = "COMMENT"
            elif c not in _WHITESPACE:
                state, key, last_key_ws = "KEY", [c], None
        elif state == "KEY":
            if c in _NEWLINE:
                state, key = "PRE_KEY", []
            elif c == "=":
                state, last_value_ws = "PRE_VALUE", None
            else:
                if c not in _WHITESPACE:
                    last_key_ws = None
                elif last_key_ws is None:
                    last_key_ws = len(key)
                key.append(c)
        elif state == "PRE_VALUE":
            if c in _NEWLINE:
                push()
                state, key, value = "PRE_KEY", [], None
            elif c == "'":
                state = "SINGLE_QUOTE_VALUE"
            elif c == '"':
                state = "DOUBLE_QUOTE_VALUE"
            elif c == "\\":
                state = "VALUE_ESCAPE"
            elif c not in _WHITESPACE:
                state = "VALUE"
                append(c)
        elif state == "VALUE":
            if c in _NEWLINE:
                if value is not None and last_value_ws is not None:
                    value = value[:last_value_ws]
                push()
                state, key, value = "PRE_KEY", [], None
            elif c == "\\":
                state, last_value_ws = "VALUE_ESCAPE", None
            else:
                if c not in _WHITESPACE:
                    last_value_ws = None
                elif last_value_ws is None:
                    last_value_ws = len(value or [])
                append(c)
        elif state == "VALUE_ESCAPE":
            state = "VALUE"
            if c not in _NEWLINE:
                append(c)
        elif state == "SINGLE_QUOTE_VALUE":
            if c == "'":
                state = "PRE_VALUE"
            else:
                append(c)
        elif state == "DOUBLE_QUOTE_VALUE":
            if c == '"':
                state = "PRE_VALUE"
            elif c == "\\":
                state = "DOUBLE_QUOTE_VALUE_ESCAPE"
            else:
                append(c)
        elif state == "DOUBLE_QUOTE_VALUE_ESCAPE":
            state = "DOUBLE_QUOTE_VALUE"
            if c in _SHELL_NEED_ESCAPE:
                append(c)
            elif c != "\n":
                append("\\")
                append(c)
        elif state == "COMMENT":
            if c == "\\":
                state = "COMMENT_ESCAPE"
            elif c in _NEWLINE:
                state = "PRE_KEY"
        elif state == "COMMENT_ESCAPE":
            state = "PRE_KEY" if c in _NEWLINE else "COMMENT"
    if state not in ("PRE_KEY", "KEY", "COMMENT", "COMMENT_ESCAPE"):
        if state == "VALUE" and value is not None and last_value_ws is not None:
            value = value[:last_value_ws]
        push()
    return env


def sh_environment(path: Path) -> dict[str, str]:
    """The environment a program started after «set -a; . FILE; set +a» gets, in /bin/sh
    with cron's bare environment."""
    dump = "import json, os; print(json.dumps(dict(os.environ)))"
    script = 'set -a; . "$1"; set +a; exec "$2" -c "$3"'
    result = subprocess.run(
        ["/bin/sh", "-c", script, "sh", str(path), sys.executable, dump],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, str] = json.loads(result.stdout)
    return found
