"""Debian programs some tests drive for real (Chromium, pdftocairo, Ghostscript, nginx,
LibreOffice).

`.ci/run` installs them and sets FACULTATIVO_SYSTEM_TESTS=required, so in CI a missing
program fails the run; on a developer's machine without them the test is skipped with
the command that installs them.
"""

from __future__ import annotations

import os
import shutil

import pytest


def require(*programs: str, packages: str) -> None:
    """Skip (or, where required, fail) unless every program is on PATH."""
    missing = [p for p in programs if shutil.which(p) is None]
    if not missing:
        return
    if os.environ.get("FACULTATIVO_SYSTEM_TESTS") == "required":
        raise RuntimeError(f"FACULTATIVO_SYSTEM_TESTS=required, but {missing} are missing")
    pytest.skip(f"faltan {', '.join(missing)} (apt-get install {packages}; .ci/run los instala)")
