"""Models stored as skops with a checked trusted list: every family round-trips, pickles and strangers are refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.pipeline import Pipeline

from conveyor.config import Candidate, Features
from conveyor.config.estimators import FAMILIES
from conveyor.errors import ModelFormatError
from conveyor.platform.model_format import (
    SKOPS,
    check_trusted,
    dump_model,
    is_allowed,
    load_logged_model,
    load_skops,
    trusted_types_of,
)
from conveyor.training.models import candidate_estimator, preprocessor

CHURN = Features(numeric=["tenure_months", "monthly_charges", "support_calls"], categorical=["contract", "region"])
# Every family and task Conveyor supports, from the catalogue itself.
FAMILY_TASKS = [(family, task) for family, spec in FAMILIES.items() for task in spec.classes]
FittedFamily = Callable[[str, str], tuple[Pipeline, pd.DataFrame]]  # the fitted_family fixture (tests/unit/conftest.py)


def _save(model: Any, path: Path) -> list[str]:
    """``model`` saved by MLflow as skops with its trusted list, as registration logs it; returns the list."""
    trusted = trusted_types_of(model, "the test model")
    mlflow.sklearn.save_model(
        model, str(path), serialization_format=SKOPS, skops_trusted_types=trusted, pip_requirements=[]
    )
    return trusted


def _same_answers(model: Any, loaded: Any, x: pd.DataFrame) -> None:
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    if hasattr(model, "predict_proba"):
        np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))


@pytest.mark.parametrize(("family", "task"), FAMILY_TASKS, ids=[f"{f}-{t}" for f, t in FAMILY_TASKS])
def test_every_family_round_trips_through_mlflow_and_answers_the_same(
    fitted_family: FittedFamily, family: str, task: str, tmp_path: Path
) -> None:
    model, x = fitted_family(family, task)
    trusted = _save(model, tmp_path / "model")
    assert all(is_allowed(t) for t in trusted)
    flavor = mlflow.models.Model.load(tmp_path / "model").flavors["sklearn"]
    assert flavor["serialization_format"] == SKOPS
    assert flavor["skops_trusted_types"] == trusted  # recorded with the model: what loading uses
    _same_answers(model, load_logged_model(tmp_path / "model", "the test model"), x)


def test_an_estimator_given_by_class_path_round_trips(churn_rows: pd.DataFrame, tmp_path: Path) -> None:
    estimator = candidate_estimator(
        Candidate(estimator="sklearn.ensemble.ExtraTreesClassifier", params={"n_estimators": 10}), "classification", 1
    )
    x = churn_rows[CHURN.all]
    model = Pipeline([("preprocess", preprocessor(CHURN)), ("model", estimator)]).fit(x, churn_rows["churned"])
    _save(model, tmp_path / "model")
    _same_answers(model, load_logged_model(tmp_path / "model", "the test model"), x)


def test_the_trusted_list_is_only_what_skops_does_not_trust_by_default(fitted_family: FittedFamily) -> None:
    forest, _ = fitted_family("random_forest", "classification")
    trusted = trusted_types_of(forest, "the forest")
    assert "sklearn.tree._tree.Tree" in trusted
    assert "sklearn.ensemble._forest.RandomForestClassifier" not in trusted  # skops trusts it already
    assert trusted == sorted(trusted)
    boosted, _ = fitted_family("xgboost", "classification")
    assert "conveyor.training.estimators.EncodedLabels" in trusted_types_of(boosted, "the booster")


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("sklearn.tree._tree.Tree", True),
        ("numpy.dtype", True),
        ("lightgbm.basic.Booster", True),
        ("conveyor.training.models.missing_as_nan", True),
        ("collections.OrderedDict", True),
        ("sklearnx.Evil", False),  # a module whose name only starts like an allowed one
        ("conveyor.platform.launcher.run_pipeline", False),  # Conveyor, but not its model code
        ("collections.defaultdict", False),
        ("builtins.eval", False),
        ("posix.system", False),
    ],
)
def test_the_allow_list_matches_whole_module_names(name: str, allowed: bool) -> None:
    assert is_allowed(name) is allowed


def test_check_trusted_names_every_refused_type_and_what_to_do() -> None:
    with pytest.raises(ModelFormatError) as raised:
        check_trusted(["numpy.dtype", "builtins.eval", "posix.system"], "model 'm' version 1")
    message = str(raised.value)
    assert message.startswith("model 'm' version 1 holds types outside Conveyor's trusted allow-list: builtins.eval, ")
    assert "posix.system." in message
    assert "ALLOWED_MODULES in conveyor/platform/model_format.py" in message


def test_a_class_from_outside_the_allow_list_refuses_to_save(foreign_pipeline: tuple[Pipeline, str]) -> None:
    model, name = foreign_pipeline
    with pytest.raises(ModelFormatError, match=rf"the odd model holds types outside .*: {name}\. "):
        dump_model(model, "the odd model")


def test_a_class_from_outside_the_allow_list_refuses_to_load_even_when_its_list_names_it(
    foreign_pipeline: tuple[Pipeline, str], tmp_path: Path
) -> None:
    """A stored model's own list cannot widen what Conveyor loads: it is checked against the allow-list."""
    model, name = foreign_pipeline
    listed = skops.io.get_untrusted_types(data=skops.io.dumps(model))
    assert name in listed
    mlflow.sklearn.save_model(  # as code other than Conveyor's could log it
        model, str(tmp_path / "model"), serialization_format=SKOPS, skops_trusted_types=listed, pip_requirements=[]
    )
    with pytest.raises(ModelFormatError, match=rf"model 'odd' version 2 holds types outside .*: {name}\. "):
        load_logged_model(tmp_path / "model", "model 'odd' version 2")


def test_a_file_holding_more_than_its_trusted_list_refuses_to_load(
    fitted_family: FittedFamily, tmp_path: Path
) -> None:
    forest, _ = fitted_family("random_forest", "classification")
    skops.io.dump(forest, tmp_path / "model.skops")
    with pytest.raises(ModelFormatError, match=r"not on the trusted list stored with it: sklearn\.tree\._tree\.Tree;"):
        load_skops(tmp_path / "model.skops", ["numpy.dtype", "conveyor.training.models.missing_as_nan"], "the forest")


def test_a_model_stored_as_a_pickle_is_refused_with_what_to_do(fitted_family: FittedFamily, tmp_path: Path) -> None:
    """Versions registered before Conveyor used skops are cloudpickle: they are not loaded, the error says retrain."""
    model, _ = fitted_family("logistic_regression", "classification")
    mlflow.sklearn.save_model(
        model, str(tmp_path / "model"), serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE,
        pip_requirements=[],
    )
    with pytest.raises(ModelFormatError) as raised:
        load_logged_model(tmp_path / "model", "model 'old' version 1")
    message = str(raised.value)
    assert message.startswith("model 'old' version 1 is stored as cloudpickle, a pickle")
    assert "retrain it (python run.py --pipeline training)" in message
    assert "python run.py --pipeline rollback --set to_version=" in message
