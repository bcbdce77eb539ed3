"""The shape of the house: no import cycles, each layer imports only the ones below it,
every backend follows its family's contract, and `--help` loads nothing heavy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from facultativo.notifiers import SENDERS
from facultativo.settings.registry import Registry
from facultativo.sync.attachments import STORES
from facultativo.sync.sources import SOURCES
from tests.support import ROOT

# repository folder -> the package it installs as
PACKAGES = {
    "app": "facultativo",
    "sync": "facultativo.sync",
    "validators": "facultativo.validators",
    "notifiers": "facultativo.notifiers",
    "google_api": "facultativo.google_api",
    "settings": "facultativo.settings",
    "templates": "facultativo.templates",
    "errors": "facultativo.errors",
}
# a layer may import itself and what is listed; `app` (the composition root) anything
# `errors` (the failures every layer raises) is the floor: all may import it.
ALLOWED = {
    "errors": set(),
    "settings": {"errors"},
    "validators": {"errors"},
    "google_api": {"errors", "settings"},
    "notifiers": {"errors", "settings", "validators", "google_api", "templates"},
    "sync": {"errors", "settings", "validators", "google_api", "notifiers"},
}


def modules() -> dict[str, Path]:
    found = {}
    for folder, package in PACKAGES.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([package, *parts])] = path
    return found


MODULES = modules()


def imports(name: str, path: Path) -> set[str]:
    """Every facultativo module `name` imports, at the top or inside a function."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


GRAPH = {name: imports(name, path) for name, path in MODULES.items()}


def layer(module: str) -> str:
    for folder, package in sorted(PACKAGES.items(), key=lambda kv: -len(kv[1])):
        if module == package or module.startswith(package + "."):
            return folder
    raise AssertionError(module)


def test_no_module_imports_itself_back_through_others():
    """Cycles hidden by function-local imports count too."""
    cycles, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(GRAPH[node]):
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue  # a package and its own submodules
            if state.get(nxt) == "open":
                cycles.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert not cycles, cycles[:5]


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_each_layer_imports_only_the_layers_below(folder):
    wrong = sorted(
        f"{name} → {target}"
        for name, targets in GRAPH.items()
        if layer(name) == folder
        for target in targets
        if layer(target) not in ALLOWED[folder] | {folder}
    )
    assert not wrong, wrong


@pytest.mark.parametrize("registry", [SENDERS, SOURCES, STORES], ids=lambda r: r.family)
def test_every_backend_declares_its_kind_table_settings_and_builder(registry: Registry):
    for kind in registry.kinds():
        module = registry[kind]
        assert kind == module.KIND
        assert module.TABLE in {"source", "google", "mail"}
        assert callable(module.build) and callable(module.Settings.from_table)
        assert module.Settings.__dataclass_params__.frozen
        assert module.Settings.KEYS, kind
        if registry is SOURCES:
            assert module.STORE in STORES and callable(module.Settings.clashes)
        if registry is SENDERS:
            assert callable(module.Settings.describe)


def test_help_imports_nothing_heavy():
    heavy = (
        "gspread",
        "googleapiclient",
        "jinja2",
        "openpyxl",
        "pdfplumber",
        "pypdfium2",
        "starlette",
        "uvicorn",
    )
    code = (
        "import sys, contextlib, io\n"
        "from facultativo import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    cli.main(['--help'])\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_benchmarks_still_import():
    """bench/ is not run by CI; its imports of the test support must not rot."""
    for name in (
        "bench.cycle",
        "bench.email",
        "bench.latency",
        "bench.validation",
        "bench.__main__",
    ):
        __import__(name)
