"""A one-campus facultativo.toml written for a test, loaded or refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from facultativo.config import ConfigError, load

CAMPUS = '[[campus]]\nname = "qro"\ninstitution_names = ["ITQ"]\n'


def config(tmp_path: Path, text: str):
    """The configuration of one campus «qro» plus `text` (its tables)."""
    path = tmp_path / "facultativo.toml"
    path.write_text(CAMPUS + text, encoding="utf-8")
    return load(path)


def problems(tmp_path: Path, text: str) -> list[str]:
    """The Spanish lines a refused configuration gives."""
    with pytest.raises(ConfigError) as err:
        config(tmp_path, text)
    return err.value.problems
