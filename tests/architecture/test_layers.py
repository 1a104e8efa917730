"""The package's architecture, enforced: subpackages in layers (docs/DESIGN.md), imports only
downward or sideways within a subpackage, no import circles between modules, no `_`-prefixed
name crossing modules, and subpackage `__init__` files that import nothing.

Read from the source with `ast` (lazy imports inside functions count too): nothing is imported.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "mistral_eval"

LAYERS = ("core", "engine", "model", "checks", "suites", "runs", "analysis", "judge", "report", "sweep", "")
"""Bottom to top; "" is the top level (`cli`, `pipeline`, `__init__`). A module may import its own
subpackage and any layer below it, never one above."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else ""


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str, path: Path, known: set[str]) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for every mistral_eval import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, None, node.lineno) for a in node.names if a.name.startswith("mistral_eval")]
        elif isinstance(node, ast.ImportFrom):
            target = resolve(module, node, path.name == "__init__.py")
            if not target.startswith("mistral_eval"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append((sub, None, node.lineno) if sub in known else (target, alias.name, node.lineno))
    return found


def private_attributes(path: Path, aliases: set[str]) -> list[tuple[str, int]]:
    """`alias._name` uses where alias is bound to a mistral_eval module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(f"{n.value.id}.{n.attr}", n.lineno) for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in aliases
            and n.attr.startswith("_") and not n.attr.startswith("__")]


def module_aliases(path: Path, known: set[str], module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = resolve(module, node, path.name == "__init__.py")
            names |= {a.asname or a.name for a in node.names if f"{target}.{a.name}" in known}
        elif isinstance(node, ast.Import):
            names |= {a.asname for a in node.names if a.asname and a.name in known}
    return names


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    edges: dict[str, set[str]] = defaultdict(set)
    for module, path in mods.items():
        for target, _, _ in imports(module, path, known):
            if target in known and target != module and target != "mistral_eval":
                edges[module].add(target)
    return edges


def violations_upward() -> list[str]:
    found = []
    for module, targets in graph().items():
        if module == "mistral_eval":
            continue
        for target in targets:
            if LAYERS.index(layer_of(target)) > LAYERS.index(layer_of(module)):
                found.append(f"{module} imports {target} ({layer_of(target) or 'top'} is above "
                             f"{layer_of(module) or 'top'})")
    return found


def cycles() -> list[list[str]]:
    edges, found, state = graph(), [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = "done"

    for node in sorted(modules()):
        if node not in state:
            visit(node, [node])
    return found


def private_crossings() -> list[str]:
    mods = modules()
    known = set(mods)
    found = []
    for module, path in mods.items():
        for target, name, line in imports(module, path, known):
            if name and name.startswith("_") and not name.startswith("__") and target != module:
                found.append(f"{module}:{line} imports {name} from {target}")
            if name is None and target.rsplit(".", 1)[-1].startswith("_") and target != module:
                found.append(f"{module}:{line} imports the private module {target}")
        for use, line in private_attributes(path, module_aliases(path, known, module)):
            found.append(f"{module}:{line} uses {use}")
    return found


def test_every_subpackage_is_a_known_layer():
    subpackages = {p.parent.relative_to(PACKAGE).parts[0] for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE}
    assert subpackages == set(LAYERS) - {""}


def test_no_import_climbs_a_layer():
    assert violations_upward() == []


def test_no_import_circles():
    assert cycles() == []


def test_no_private_name_crosses_modules():
    assert private_crossings() == []


def test_subpackage_inits_import_nothing():
    for init in PACKAGE.rglob("__init__.py"):
        if init.parent == PACKAGE:
            continue
        body = ast.parse(init.read_text(encoding="utf-8")).body
        heavy = [n.lineno for n in body if isinstance(n, (ast.Import, ast.ImportFrom))
                 and not (isinstance(n, ast.ImportFrom) and n.module == "__future__")]
        assert heavy == [], f"{init} imports at lines {heavy}: keep subpackage inits free of imports"


# --- the checker can fail: each rule run on a small tree that breaks it -------------------------------


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    root = tmp_path / "mistral_eval"

    def write(files: dict[str, str]) -> None:
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        monkeypatch.setattr(__import__(__name__, fromlist=["PACKAGE"]), "PACKAGE", root)

    return write


BASE = {"__init__.py": "", "core/__init__.py": "", "runs/__init__.py": "", "core/a.py": "X = 1\n",
        "runs/b.py": "from mistral_eval.core.a import X\n"}


def test_the_checker_sees_an_upward_import(fake_package):
    fake_package({**BASE, "core/c.py": "def f():\n    from mistral_eval.runs.b import X\n"})
    assert violations_upward() == ["mistral_eval.core.c imports mistral_eval.runs.b (runs is above core)"]


def test_the_checker_sees_a_circle(fake_package):
    fake_package({**BASE, "core/a.py": "from mistral_eval.core import d\n", "core/d.py": "from . import a\n"})
    assert cycles() == [["mistral_eval.core.a", "mistral_eval.core.d", "mistral_eval.core.a"]]


def test_the_checker_sees_private_names(fake_package):
    fake_package({**BASE, "core/a.py": "_Y = 1\n", "runs/b.py": "from mistral_eval.core.a import _Y\n"
                                                             "from mistral_eval.core import a\nprint(a._Y)\n"})
    assert private_crossings() == ["mistral_eval.runs.b:1 imports _Y from mistral_eval.core.a",
                                   "mistral_eval.runs.b:3 uses a._Y"]


def test_type_checking_block_names_every_public_export():
    """The lazy `__init__`'s TYPE_CHECKING imports (for editors and type checkers) equal `_EXPORTS`."""
    import mistral_eval

    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    seen = {(node.module.removeprefix("mistral_eval."), alias.name) for node in block.body
            for alias in node.names if isinstance(node, ast.ImportFrom) and alias.asname == alias.name}
    exported = {(module, name) for module, names in mistral_eval._EXPORTS.items() for name in names}
    assert seen == exported
