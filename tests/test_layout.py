"""The tests stay findable: a helper two test modules share lives in a support module (never in
one of the test modules), and every end-to-end test module sits in its group."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
E2E_GROUPS = {"flows", "transport", "robustness"}


def imported_modules(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_no_module_imports_from_a_test_module() -> None:
    crossings = [
        f"{path.relative_to(ROOT)} imports {name}"
        for folder in ("tests", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for name in imported_modules(path)
        if name.startswith(("tests.", "bench.")) and name.rsplit(".", 1)[-1].startswith("test_")
    ]
    assert not crossings, "move the shared helper into a support module:\n" + "\n".join(crossings)


def test_every_e2e_test_module_is_in_a_group() -> None:
    e2e = ROOT / "tests" / "e2e"
    strays = [
        str(path.relative_to(ROOT))
        for path in sorted(e2e.rglob("test_*.py"))
        if path.relative_to(e2e).parts[0] not in E2E_GROUPS
    ]
    assert not strays, f"put each into one of {sorted(E2E_GROUPS)}: {strays}"
