"""Architecture rules that code review would otherwise have to remember."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_LIBRARIES = {"telegram", "aiogram", "wechatpy"}
CHANNEL_AGNOSTIC = ["handlers", "nlp", "storage", "scheduler"]


def _imports(path: Path) -> set[str]:
    """Return the top-level names a module imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", CHANNEL_AGNOSTIC)
def test_only_bot_imports_platform_libraries(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & PLATFORM_LIBRARIES)
        for path in (ROOT / package).rglob("*.py")
        if _imports(path) & PLATFORM_LIBRARIES
    }
    assert offenders == {}


@pytest.mark.parametrize("package", ["handlers", "nlp", "storage", "scheduler"])
def test_inner_packages_do_not_import_the_composition_root(package: str) -> None:
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / package).rglob("*.py") if "bot" in _imports(p)]
    assert offenders == []
