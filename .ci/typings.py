"""Keep typings/facultativo, the package as it installs, in step with the repository.

The folders install under other names (pyproject's package-dir: app/ is `facultativo`,
sync/ is `facultativo.sync`…), which an editable install resolves with an import hook
that mypy and editors cannot follow. typings/facultativo is the same package as a tree of
relative symbolic links, so plain `mypy` from the repository root (pyproject's mypy_path)
and Pyright's default stubPath see every `facultativo.…` import.

`python3 .ci/typings.py` refreshes the links; `--check` only says what is out of step.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / "typings" / "facultativo"
SKIP = {"__pycache__"}


def wanted() -> dict[Path, Path]:
    """link → the repository path it points to."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    folders = config["tool"]["setuptools"]["package-dir"]
    out: dict[Path, Path] = {}
    for name, folder in folders.items():
        if name == "facultativo":
            continue
        out[TREE / name.removeprefix("facultativo.").replace(".", "/")] = ROOT / folder
    top = ROOT / folders["facultativo"]
    mapped = {ROOT / f for f in folders.values()}
    for entry in sorted(top.iterdir()):
        module = entry.is_dir() or entry.suffix == ".py"
        if module and entry.name not in SKIP and entry not in mapped:
            out[TREE / entry.name] = entry
    return out


def differences() -> list[str]:
    want = wanted()
    have = {p for p in TREE.iterdir()} if TREE.is_dir() else set()
    wrong = [f"falta {p.name}" for p in want if p not in have]
    wrong += [f"sobra {p.name}" for p in have if p not in want]
    wrong += [
        f"{p.name} apunta a otro lugar"
        for p in want
        if p in have and (not p.is_symlink() or p.resolve() != want[p].resolve())
    ]
    return sorted(wrong)


def refresh() -> None:
    TREE.mkdir(parents=True, exist_ok=True)
    want = wanted()
    for path in TREE.iterdir():
        if path not in want or not path.is_symlink():
            path.unlink()
    for link, target in want.items():
        if link.is_symlink() and link.resolve() == target.resolve():
            continue
        if link.is_symlink():
            link.unlink()
        link.symlink_to(os.path.relpath(target, link.parent))


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        problems = differences()
        print("\n".join(problems) or "typings/facultativo al día")
        sys.exit(1 if problems else 0)
    refresh()
