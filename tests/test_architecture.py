"""Architecture rules that code review would otherwise have to remember."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_LIBRARIES = {"telegram", "aiogram", "wechatpy"}
CHANNEL_AGNOSTIC = ["handlers", "nlp", "storage", "scheduler"]


# bot/ modules that inner packages may use: the normalised message types and the button codec.
SHARED_BOT_MODULES = {"bot.messages", "bot.codec"}


def _modules(path: Path) -> set[str]:
    """Return the dotted names of the modules a file imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _imports(path: Path) -> set[str]:
    """Return the top-level packages a file imports."""
    return {name.split(".")[0] for name in _modules(path)}


@pytest.mark.parametrize("package", CHANNEL_AGNOSTIC)
def test_only_bot_imports_platform_libraries(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & PLATFORM_LIBRARIES)
        for path in (ROOT / package).rglob("*.py")
        if _imports(path) & PLATFORM_LIBRARIES
    }
    assert offenders == {}


@pytest.mark.parametrize("package", ["handlers", "nlp", "storage"])
def test_inner_packages_do_not_import_the_composition_root_or_adapters(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(bad)
        for path in (ROOT / package).rglob("*.py")
        if (bad := {m for m in _modules(path) if m.split(".")[0] == "bot"} - SHARED_BOT_MODULES)
    }
    assert offenders == {}
