"""The core's rooms stack in one order: a module imports only from its own room or from rooms below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conveyor.platform.paths import project_root

# Lowest first. A room may import from any room before it in this list, and from itself.
LAYERS = [
    {"errors", "names"},
    {"compat"},
    {"config"},
    {"platform"},
    {"features"},
    {"prediction_log"},
    {"training"},
    {"serving"},
    {"inference"},
    {"monitoring"},
    {"cli", "demo"},
]
RANK = {room: rank for rank, rooms in enumerate(LAYERS) for room in rooms}
PACKAGE = project_root() / "conveyor"


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "conveyor" and len(parts) > 1 else None


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):  # function-level imports count too
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] if node.module != "conveyor" else [f"conveyor.{a.name}" for a in node.names]
            found += [(node.lineno, n) for n in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def test_every_room_has_a_rank() -> None:
    rooms = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in MODULES}
    assert rooms <= set(RANK), f"rooms without a place in LAYERS: {sorted(rooms - set(RANK))}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_room_imports_a_higher_one(path: Path) -> None:
    room = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    upward = [
        f"line {line}: {target}"
        for line, target in _imports(path)
        if (other := _room(target)) is not None and other != room and RANK.get(other, 99) >= RANK[room]
    ]
    assert not upward, f"{path.relative_to(PACKAGE)} ({room}) imports from a room at or above its own: {upward}"


def test_the_top_level_stays_small() -> None:
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= 10, top
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    long = {name: lines for name, lines in sizes.items() if lines > 300}
    assert not long, f"modules over 300 lines: {long}"


def test_test_file_names_are_unique() -> None:
    """pytest imports test files by basename (no packages under tests/): two of a name fail to collect."""
    from collections import Counter
    from pathlib import Path

    names = Counter(p.name for p in (Path(__file__).resolve().parents[2]).rglob("test_*.py"))
    assert [n for n, count in names.items() if count > 1] == []
