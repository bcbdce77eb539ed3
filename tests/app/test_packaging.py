"""Every source package is installed: a fresh `pip install .` must carry all of them."""

from __future__ import annotations

import tomllib

from tests.support import ROOT


def test_every_package_folder_is_listed_in_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    listed = set(project["packages"])
    roots = {v: k for k, v in project["package-dir"].items()}
    found = set()
    for folder, package in roots.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join([package, *rel]))
    assert found <= listed, f"missing from pyproject packages: {sorted(found - listed)}"
