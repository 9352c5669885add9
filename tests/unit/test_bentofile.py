"""bentofile.yaml builds offline and ships the same pinned packages as pyproject.toml."""

from __future__ import annotations

import tomllib

import yaml

from conveyor.paths import project_root


def test_bentofile_builds_offline_with_the_project_pins() -> None:
    bentofile = yaml.safe_load((project_root() / "bentofile.yaml").read_text())
    pyproject = tomllib.loads((project_root() / "pyproject.toml").read_text())
    assert bentofile["service"] == "service:Conveyor"
    assert bentofile["python"]["lock_packages"] is False
    pins = {d.split("==")[0].split("[")[0]: d for d in pyproject["project"]["dependencies"] if "==" in d}
    for package in bentofile["python"]["packages"]:
        name = package.split("==")[0]
        if name in pins:
            assert pins[name].replace(name, "", 1).split(" ")[0] == package.replace(name, "", 1), package
