"""The import graph has floors: a module imports from its own floor or the ones below, never up, never in a circle.

Floors, lowest first: pure rules and storage (neither imports the other), the chat
runtime, views, outbound, handlers, the assembly, the sandbox, the CLI. Imports
under `if TYPE_CHECKING:` are for annotations only and do not count.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage")
# the first prefix that matches a module names its floor
FLOORS = [
    ("bot.__main__", 8), ("bot.cli", 7), ("bot.sandbox", 6), ("bot.app", 5), ("bot.serving", 5), ("handlers", 4),
    ("bot.outbound", 3), ("bot.views", 2), ("bot.runtime", 1), ("bot.services", 1), ("bot.lifecycle", 1),
    ("bot.config", 0), ("bot.clock", 0), ("bot.rules", 0), ("storage", 0), ("bot", 0),
]


def floor(module: str) -> int:
    return next(level for prefix, level in FLOORS if module == prefix or module.startswith(prefix + "."))


@cache
def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            if ".migrations" not in name:
                found[name] = path
    return found


@cache
def imports(module: str) -> frozenset[str]:
    """Project modules `module` imports at run time (TYPE_CHECKING blocks left out)."""
    tree = ast.parse(modules()[module].read_text())
    typing_only = {id(node) for branch in ast.walk(tree) if isinstance(branch, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(branch.test) for node in ast.walk(branch)}
    names = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return frozenset(name for name in names if name in modules() and name != module and name not in PACKAGES)


def all_modules() -> list[str]:
    return sorted(modules())


def test_every_module_has_a_floor() -> None:
    for module in all_modules():
        floor(module)


def test_no_module_imports_a_higher_floor() -> None:
    upward = [f"{module} → {target}" for module in all_modules() for target in imports(module)
              if floor(target) > floor(module)]
    assert upward == []


def test_pure_rules_and_storage_do_not_reach_telegram_or_each_other() -> None:
    for module in all_modules():
        source = modules()[module].read_text()
        if module.startswith(("storage", "bot.rules")):
            assert "import telegram" not in source and "from telegram" not in source, module
        if module.startswith("storage"):
            assert not any(target.startswith(("bot", "handlers")) for target in imports(module)), module
        if module.startswith("bot.rules"):
            assert all(target.startswith("bot.rules") for target in imports(module)), module


def test_no_import_circles() -> None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(imports(module)):
            assert state.get(target) != 1, " → ".join([*path, module, target])
            if target not in state:
                visit(target, [*path, module])
        state[module] = 2

    for module in all_modules():
        if module not in state:
            visit(module, [])
