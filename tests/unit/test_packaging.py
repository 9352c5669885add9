"""A non-editable install gets every package: the wheel holds each directory that has an ``__init__.py``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from conveyor.platform.paths import project_root

ROOTS = ("conveyor", "steps", "pipelines")


def test_the_wheel_contains_every_package(tmp_path: Path) -> None:
    root = project_root()
    source = tmp_path / "source"  # a copy, so the build leaves no build/ or egg-info in the project
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(root / name, source / name)
    for top in ROOTS:
        shutil.copytree(root / top, source / top, ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), "-q"],
        cwd=source, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("conveyor-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = sorted(
        str(init.parent.relative_to(root)) for top in ROOTS for init in (root / top).rglob("__init__.py")
    )
    missing = [p for p in packages if f"{p}/__init__.py" not in names]
    assert not missing, f"packages missing from the wheel: {missing}"
    modules = sorted(str(f.relative_to(root)) for top in ROOTS for f in (root / top).rglob("*.py"))
    assert not [m for m in modules if m not in names], "modules missing from the wheel"
