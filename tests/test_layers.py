"""The shape between the apps: no app reaches into another app's private names, and the kernel
(`needlecare/core`) imports no app. Read from the source (AST), so a lazy import inside a function counts."""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "needlecare"


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _app(module: str) -> str:
    """`needlecare.patients.schemas` -> `patients`; a project module (`needlecare.api`) is its own."""
    return module.split(".")[1] if module.count(".") else module


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_uses(module: str, tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, what) for every private name of another app this module imports or reads as an attribute
    (`from needlecare.x.y import _name`, `y._name` after `from needlecare.x import y`)."""
    own = _app(module)
    aliases: dict[str, str] = {}  # a local name -> the needlecare module (or object) it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("needlecare"):
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                if _private(alias.name) and _app(node.module) != own:
                    yield node.lineno, f"from {node.module} import {alias.name}"
                aliases[alias.asname or alias.name] = target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("needlecare"):
                    aliases[alias.asname or "needlecare"] = alias.name if alias.asname else "needlecare"
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and _private(node.attr)):
            continue
        chain, base = [], node.value
        while isinstance(base, ast.Attribute):
            chain.append(base.attr)
            base = base.value
        if isinstance(base, ast.Name) and base.id in aliases:
            target = ".".join([aliases[base.id], *reversed(chain)])
            if target.count(".") and _app(target) != own:
                yield node.lineno, f"{target}.{node.attr}"


def test_no_app_imports_a_private_name_of_another_app():
    """A name starting with `_` is its module's own business: another app that needs it asks for it to be
    made public (or moved to needlecare/core), so a newcomer can tell what they may import."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for module, path in _modules()
        for line, what in _private_uses(module, ast.parse(path.read_text(), str(path)))
    ]
    assert found == [], "private names of another app:\n" + "\n".join(found)


def test_the_private_imports_check_sees_imports_and_attributes():
    source = (
        "from needlecare.patients.schemas import _line\n"
        "from needlecare.screening import rules\n"
        "def f():\n"
        "    return rules._table, _line\n"
        "import needlecare.consent.demo\n"
        "needlecare.consent.demo._signature\n"
        "from needlecare.plans import _own\n"
    )
    found = {what for _, what in _private_uses("needlecare.plans.views", ast.parse(source))}
    assert found == {
        "from needlecare.patients.schemas import _line",
        "needlecare.screening.rules._table",
        "needlecare.consent.demo._signature",
    }


def test_the_kernel_imports_no_app():
    found = []
    for module, path in _modules():
        if _app(module) != "core":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno}: {name}"
                for name in names
                if name.startswith("needlecare") and not name.startswith("needlecare.core")
            ]
    assert found == [], "needlecare/core must import no app:\n" + "\n".join(found)
