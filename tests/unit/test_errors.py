"""Every exception Conveyor defines is a ConveyorError, so callers can catch Conveyor's own errors in one place."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import conveyor
from conveyor.errors import ConveyorError


def test_every_exception_in_the_package_is_a_conveyor_error() -> None:
    strays = []
    for module in pkgutil.walk_packages(conveyor.__path__, "conveyor."):
        loaded = importlib.import_module(module.name)
        for name, value in vars(loaded).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.name
                and not issubclass(value, ConveyorError)
            ):
                strays.append(f"{module.name}.{name}")
    assert not strays, f"exceptions that are not ConveyorError subclasses: {strays}"
