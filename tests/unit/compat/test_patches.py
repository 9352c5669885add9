"""Every declared patch fits the pinned versions, its targets exist, and outside its range it is not applied."""

from __future__ import annotations

import importlib
import inspect
import logging
import os
import re
import tomllib
from pathlib import Path

import pytest
from packaging.version import Version

from conveyor.compat.log_noise import DROPPED
from conveyor.compat.patches import PATCHES, ZENML_LOG_NOISE, Patch, resolve
from conveyor.errors import CompatError
from conveyor.platform.paths import project_root

TARGETS = [(patch, target) for patch in PATCHES for target in patch.targets]


def _pins() -> dict[str, str]:
    pyproject = tomllib.loads((project_root() / "pyproject.toml").read_text())
    pins = (d.split(";")[0].split("#")[0].strip() for d in pyproject["project"]["dependencies"])
    return {pin.split("==")[0].split("[")[0]: pin.split("==")[1] for pin in pins if "==" in pin}


@pytest.mark.parametrize(("patch", "target"), TARGETS, ids=[f"{p.name}:{t}" for p, t in TARGETS])
def test_every_target_exists_in_the_installed_versions(patch: Patch, target: str) -> None:
    assert resolve(target) is not None


@pytest.mark.parametrize("patch", PATCHES, ids=lambda p: p.name)
def test_every_range_holds_the_pinned_and_the_installed_version(patch: Patch) -> None:
    pin = _pins()[patch.package]
    assert patch.installed() == Version(pin), f"{patch.package} installed {patch.installed()}, pinned {pin}"
    assert patch.in_range(), f"{patch.name}: {patch.package} {pin} is outside {patch.versions}; re-check the patch"
    assert patch.check() is True


def test_declarations_are_complete_and_docs_compat_lists_each_one() -> None:
    names = [patch.name for patch in PATCHES]
    assert len(set(names)) == len(names), names
    table = (project_root() / "docs" / "compat.md").read_text()
    for patch in PATCHES:
        assert patch.why and patch.remove_when and patch.targets, patch.name
        row = next((line for line in table.splitlines() if line.startswith(f"| `{patch.name}` |")), None)
        assert row is not None, f"docs/compat.md has no row for {patch.name}"
        assert f"`{patch.package}{patch.versions}`" in row, f"docs/compat.md: {patch.name} has another range"


def _throwaway(versions: str, *, required: bool = False) -> Patch:
    return Patch(
        name=f"throwaway-{versions}-{required}",
        package="zenml",
        versions=versions,
        targets=(),
        why="a test declaration",
        remove_when="never: it is a test",
        required=required,
    )


class _Target:
    value = "original"


def _apply(patch: Patch) -> None:
    if patch.check():
        _Target.value = "patched"


@pytest.fixture
def target() -> type[_Target]:
    _Target.value = "original"
    return _Target


def _compat_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "conveyor.compat.patches" and r.levelno == logging.WARNING]


def test_a_patch_written_for_other_versions_is_not_applied_and_warns_once(
    target: type[_Target], caplog: pytest.LogCaptureFixture
) -> None:
    patch = _throwaway("<0.1")
    with caplog.at_level(logging.WARNING):
        _apply(patch)
        _apply(patch)
    assert target.value == "original"
    warnings = _compat_warnings(caplog)
    assert len(warnings) == 1  # once per process
    assert warnings[0].args[:4] == ("zenml", patch.installed(), "<0.1", patch.name)


def test_a_patch_written_for_the_installed_version_is_applied_silently(
    target: type[_Target], caplog: pytest.LogCaptureFixture
) -> None:
    patch = _throwaway(f"=={_pins()['zenml']}")
    with caplog.at_level(logging.WARNING):
        _apply(patch)
    assert target.value == "patched"
    assert not _compat_warnings(caplog)


def test_a_required_patch_written_for_other_versions_stops_the_process(target: type[_Target]) -> None:
    with pytest.raises(CompatError, match=re.escape(f"zenml {_pins()['zenml']} is installed")):
        _apply(_throwaway("<0.1", required=True))
    assert target.value == "original"


def test_a_missing_package_is_outside_every_range() -> None:
    patch = Patch("throwaway-missing", "no-such-distribution", ">=0", targets=(), why="-", remove_when="-")
    assert patch.installed() is None
    assert not patch.in_range()


def test_the_dropped_log_lines_are_still_zenml_s() -> None:
    assert set(DROPPED) == set(ZENML_LOG_NOISE.targets)
    for module, prefixes in DROPPED.items():
        source = inspect.getsource(importlib.import_module(module))
        for prefix in prefixes:
            opening = " ".join(prefix.split()[:6])  # the words before ZenML formats anything in
            assert opening in source, f"{module} no longer logs {prefix!r}"


def _private_names() -> set[str]:
    """Each underscored module or attribute name that a declared target spells (dunders are not private)."""
    parts = {p for patch in PATCHES for t in patch.targets for p in re.split(r"[.:]", t)}
    return {p for p in parts if p.startswith("_") and not p.startswith("__")}


def _project_sources() -> list[Path]:
    """The project's Python files outside conveyor/compat/ (hidden directories and build/ left out)."""
    root = project_root()
    compat = root / "conveyor" / "compat"
    found = []
    for directory, subdirectories, files in os.walk(root):
        here = Path(directory)
        subdirectories[:] = [
            d for d in subdirectories if not d.startswith(".") and here / d not in (compat, root / "build")
        ]
        found += [here / name for name in files if name.endswith(".py")]
    return found


def test_private_names_are_spelled_only_under_conveyor_compat() -> None:
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(_private_names()))) + r")\b")
    found = [
        f"{path.relative_to(project_root())}:{number}: {match.group(1)}"
        for path in _project_sources()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if (match := pattern.search(line))
    ]
    assert not found, "private APIs used outside conveyor/compat/ (add a compat helper):\n" + "\n".join(found)
