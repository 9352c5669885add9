"""The estimator catalogue and the checks a candidate passes before any step runs.

A candidate names its estimator by ``family`` (a shortcut in ``FAMILIES``) or by ``estimator`` (the import
path of any class that follows the scikit-learn estimator API). Either way the class must import, must match
the config's task (``sklearn.base.is_classifier`` / ``is_regressor``), and every key in ``params`` and
``search`` must be one of its ``get_params()`` keys. The estimator libraries are imported only here, when a
config is checked or a model is built.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from dataclasses import dataclass
from typing import Any, Literal

from conveyor.errors import ConveyorError

Task = Literal["classification", "regression"]


@dataclass(frozen=True)
class FamilySpec:
    """One family: its estimator class per task, and the arguments Conveyor fixes besides the seed."""

    classes: dict[str, str]
    fixed: dict[str, Any]


FAMILIES: dict[str, FamilySpec] = {
    "logistic_regression": FamilySpec(
        {"classification": "sklearn.linear_model.LogisticRegression"}, {"max_iter": 2000}
    ),
    "random_forest": FamilySpec(
        {
            "classification": "sklearn.ensemble.RandomForestClassifier",
            "regression": "sklearn.ensemble.RandomForestRegressor",
        },
        {"n_jobs": 1},
    ),
    "hist_gradient_boosting": FamilySpec(
        {
            "classification": "sklearn.ensemble.HistGradientBoostingClassifier",
            "regression": "sklearn.ensemble.HistGradientBoostingRegressor",
        },
        {},
    ),
    "xgboost": FamilySpec(
        {"classification": "xgboost.XGBClassifier", "regression": "xgboost.XGBRegressor"},
        {"n_jobs": 1, "verbosity": 0},
    ),
    "lightgbm": FamilySpec(
        {"classification": "lightgbm.LGBMClassifier", "regression": "lightgbm.LGBMRegressor"},
        {"n_jobs": 1, "verbose": -1},
    ),
}


class EstimatorProblem(ConveyorError, ValueError):
    """A candidate's estimator cannot be used; ``key`` is the candidate's sub-key the problem is about."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(message)


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def estimator_class(path: str) -> type:
    """The class at import path ``path`` (``package.module.Class``); EstimatorProblem says why it is not there."""
    module_name, _, name = path.rpartition(".")
    if not module_name:
        raise EstimatorProblem("estimator", f"'{path}' is not an import path (package.module.Class)")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        parent, _, leaf = module_name.rpartition(".")
        hint = ""
        if parent:
            try:
                hint = _did_you_mean(leaf, dir(importlib.import_module(parent)))
                hint = hint.replace("'", f"'{parent}.", 1) if hint else ""
            except ImportError:
                hint = ""
        raise EstimatorProblem("estimator", f"cannot import module '{module_name}' ({exc}){hint}") from None
    found = getattr(module, name, None)
    if not inspect.isclass(found):
        classes = [n for n, v in vars(module).items() if inspect.isclass(v) and not n.startswith("_")]
        raise EstimatorProblem("estimator", f"'{module_name}' has no class '{name}'{_did_you_mean(name, classes)}")
    return found


def family_path(family: str, task: str) -> str:
    """The import path of ``family``'s estimator for ``task``."""
    spec = FAMILIES[family]
    if task not in spec.classes:
        able = sorted(f for f, s in FAMILIES.items() if task in s.classes)
        raise EstimatorProblem("family", f"{family} does not do {task}; families that do: {', '.join(able)}")
    return spec.classes[task]


def make_estimator(
    task: str, seed: int, family: str | None = None, estimator: str | None = None, params: dict[str, Any] | None = None
) -> Any:
    """A fresh estimator: the family's (with its fixed arguments) or the class at ``estimator``, with ``params``.

    The run's seed goes to ``random_state`` whenever the estimator has one and ``params`` does not set it.
    """
    path = family_path(family, task) if family is not None else estimator
    assert path is not None  # the schema requires one of the two
    cls = estimator_class(path)
    arguments = {**(FAMILIES[family].fixed if family is not None else {}), **(params or {})}
    model = cls(**arguments)
    if "random_state" in model.get_params() and "random_state" not in arguments:
        model.set_params(random_state=seed)
    return model


def check_candidate(
    task: str, family: str | None, estimator: str | None, params: dict[str, Any], search: list[str]
) -> list[EstimatorProblem]:
    """Every problem with one candidate (import, task, parameter names), each naming its sub-key."""
    from sklearn.base import is_classifier, is_regressor

    key = "family" if family is not None else "estimator"
    try:
        path = family_path(family, task) if family is not None else estimator
        assert path is not None
        cls = estimator_class(path)
        instance = cls()
    except EstimatorProblem as problem:
        return [problem]
    except Exception as exc:  # noqa: BLE001 - a class that cannot be built with no arguments is reported, not raised
        return [EstimatorProblem(key, f"{path} cannot be created with no arguments: {exc}")]
    if not hasattr(instance, "get_params") or not hasattr(instance, "fit"):
        return [EstimatorProblem(key, f"{path} does not follow the scikit-learn estimator API (fit, get_params)")]
    fits = is_classifier(instance) if task == "classification" else is_regressor(instance)
    if not fits:
        kind = "a classifier" if is_classifier(instance) else "a regressor" if is_regressor(instance) else "neither"
        return [EstimatorProblem(key, f"{path} is {kind}, but parameters.task is {task}")]
    known = sorted(instance.get_params())
    return [
        EstimatorProblem(f"{section}.{name}", f"not a parameter of {path}{_did_you_mean(name, known)}")
        for section, names in (("params", list(params)), ("search", search))
        for name in names
        if name not in known
    ]
