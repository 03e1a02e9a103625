"""What two apps' tests share lives in needlecare/testing/: no test imports a conftest, nor another app's
tests package (its fixtures come from pytest, its builders from needlecare.testing)."""

import ast
from pathlib import Path

import needlecare

ROOT = Path(needlecare.__file__).parent


def _test_modules() -> list[tuple[Path, str | None]]:
    """Every module of a test package, with the app it belongs to (None for the project's tests/)."""
    modules = [(path, path.relative_to(ROOT).parts[0]) for path in ROOT.glob("*/tests/**/*.py")]
    modules += [(path, None) for path in (ROOT.parent / "tests").glob("**/*.py")]
    return sorted(modules)


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import, inside functions too; `from a.b import c` counts as a.b.c."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return sorted(set(found))


def _trespasses(source: str, name: str, app: str | None) -> list[str]:
    """What a test module of `app` (None: the project's tests/) imports that it must not."""
    problems = []
    for line, module in _imported(ast.parse(source, name)):
        parts = module.split(".")
        where = f"{name}:{line} imports {module}"
        if "conftest" in parts:
            problems.append(where + " (a conftest: use needlecare.testing, or ask for the fixture)")
        elif len(parts) >= 3 and parts[0] == "needlecare" and parts[2] == "tests" and parts[1] != app:
            problems.append(where + " (another app's tests: move what is shared to needlecare.testing)")
    return problems


def test_the_scan_sees_the_test_packages_of_the_apps_and_of_the_project():
    apps = {app for _, app in _test_modules()}
    assert {"plans", "scheduling", "treatments", None} <= apps


def test_no_test_imports_a_conftest_or_another_apps_tests():
    problems = [
        problem
        for path, app in _test_modules()
        for problem in _trespasses(path.read_text(), str(path.relative_to(ROOT.parent)), app)
    ]
    assert problems == []


def test_the_check_catches_a_conftest_and_another_apps_test_module():
    source = (
        "from needlecare.plans.tests.conftest import screened\n"
        "from needlecare.plans.tests import conftest\n"
        "def test():\n"
        "    from needlecare.scheduling.tests.test_pages import book\n"
        "    from needlecare.plans.tests.test_api import helper\n"
        "    import needlecare.testing.plans\n"
    )
    found = _trespasses(source, "probe.py", "plans")
    assert [problem.split(" ")[0] for problem in found] == ["probe.py:1", "probe.py:2", "probe.py:4"]
