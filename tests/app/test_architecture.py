"""The shape of the house: no import cycles, each layer imports only the ones below it,
every backend follows its family's contract, and `--help` loads nothing heavy."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from facultativo.config.schema import places
from facultativo.notifiers import SENDERS
from facultativo.settings.registry import Registry
from facultativo.sync.attachments import STORES
from facultativo.sync.block import Block
from facultativo.sync.sources import SOURCES
from facultativo.validators.motivos import MOTIVOS
from tests.app.test_config_schema import undocumented, unknown
from tests.support import ROOT
from tests.support import google_env as g
from tests.support.workspace import Clock
from tests.sync.test_block_prefix import PREFIJO, google_campus, prefixed_workspace
from tests.validators.test_motivo_declarations import declaration_problems

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


# --- Sizes, and the three change requests of README's «For developers» -------------------

LIMIT = 400  # lines: a module a newcomer reads in one sitting
MOTIVO_HOME = "facultativo.validators.motivos"  # a motivo's code, estado, texts and steps
BLOCK_HOME = "facultativo.sync.block"  # the status block's words ([campus.columns] prefijo)


def test_no_module_is_over_the_limit():
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert not long, long


def test_a_backend_is_reached_only_through_its_registry():
    """A new sender, source or store is its module plus one registry line: nothing outside
    its family imports a backend module, so nothing else has to learn its name."""
    for registry in (SENDERS, SOURCES, STORES):
        for kind in registry.kinds():
            module = registry.modules[kind]
            family = module.rsplit(".", 1)[0]
            users = sorted(
                name
                for name, targets in GRAPH.items()
                if module in targets and not name.startswith(family + ".")
            )
            assert not users, (module, users)


def test_every_motivo_is_declared_completely():
    """A new motivo is its declaration (and the rule that gives it): the emails, the page
    and the sheet take everything else from there."""
    assert declaration_problems(MOTIVOS) == []


def test_no_table_keyed_by_motivo_outside_its_declaration():
    """A dict keyed by `Motivo.X` anywhere else is a second place a new motivo would have
    to be added to."""
    found = []
    for name, path in MODULES.items():
        if name == MOTIVO_HOME:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict) and any(
                isinstance(k, ast.Attribute) and getattr(k.value, "id", "") == "Motivo"
                for k in node.keys
            ):
                found.append(f"{name}:{node.lineno}")
    assert not found, found


def test_each_config_key_is_declared_once_and_the_example_documents_it():
    """Every table's keys come from its Settings' KEYS (app/config/schema.py walks them);
    facultativo.example.toml shows each of them, and nothing else."""
    text = (ROOT / "facultativo.example.toml").read_text(encoding="utf-8")
    assert undocumented(places(), text) == {}
    assert unknown(places(), text) == {}


def _strings(path: Path) -> list[str]:
    """The string literals of a module that are not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
    ]


def test_the_block_prefix_is_spelled_in_one_module():
    """[campus.columns] prefijo renames the block; a header or message spelling «Validación»
    anywhere else would not follow it (docstrings may name the default)."""
    spelled = sorted(
        name
        for name, path in MODULES.items()
        if name != BLOCK_HOME and any("Validación" in s for s in _strings(path))
    )
    spelled += sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.j2")
        if "Validación" in re.sub(r"{#.*?#}", "", path.read_text(encoding="utf-8"), flags=re.S)
    )
    assert not spelled, spelled


def test_the_block_prefix_works_on_both_backends(tmp_path, fake, pool):
    """One line in facultativo.toml: the workbook and the Google sheet both get the block
    under the campus's name, and read it back (tests/sync/test_block_prefix.py has the rest)."""
    block = Block(PREFIJO)
    ws = prefixed_workspace(tmp_path / "libro")
    ws.cycle(pool)
    assert list(ws.rows()[0])[-len(block.titles) :] == list(block.titles.values())
    assert ws.cycle(pool).processed == 0

    (tmp_path / "google").mkdir()
    path, book = google_campus(tmp_path / "google", fake)
    clock = Clock()
    g.cycle(path, pool, clock)
    assert book.sheets[0].rows[0][-len(block.titles) :] == list(block.titles.values())
    assert g.cycle(path, pool, clock).processed == 0


def test_typings_tree_is_in_step_with_the_folders():
    """Plain `mypy` and editors read typings/facultativo (.ci/typings.py): a module added
    to app/ without its link would be invisible to them."""
    out = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "typings.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stdout
