"""The model zoo, metrics and feature schema on small data."""

from __future__ import annotations

import pandas as pd
import pytest
from PIL import Image

from conveyor.config import Candidate, Features
from conveyor.config.estimators import check_candidate
from conveyor.features.schema import feature_schema
from conveyor.training.data import generate_churn
from conveyor.training.metrics import confusion_matrix_image, curves_image, holdout_metrics
from conveyor.training.models import search

FEATURES = Features(numeric=["tenure_months", "monthly_charges", "support_calls"], categorical=["contract", "region"])


@pytest.fixture(scope="module")
def churn() -> pd.DataFrame:
    return generate_churn(300, seed=5)


@pytest.mark.parametrize("family", ["logistic_regression", "random_forest", "hist_gradient_boosting"])
def test_each_family_fits_with_preprocessing_inside(churn: pd.DataFrame, family: str) -> None:
    space = {"logistic_regression": {"C": [1.0]}, "random_forest": {"n_estimators": [10]}}.get(
        family, {"max_iter": [10]}
    )
    fitted = search(Candidate(family=family, search=space), FEATURES, churn, churn["churned"], "roc_auc", 2, seed=0)
    model = fitted.best_estimator_
    unseen = churn.head(3).assign(contract="lifetime")  # an unknown category is ignored, not an error
    assert model.predict_proba(unseen).shape == (3, 2)
    assert set(holdout_metrics(model, churn, churn["churned"])) == {"accuracy", "f1", "roc_auc", "log_loss"}


def test_search_is_deterministic(churn: pd.DataFrame) -> None:
    candidate = Candidate(family="random_forest", search={"n_estimators": [10, 20], "max_depth": [3, 5]}, n_iter=2)
    runs = [search(candidate, FEATURES, churn, churn["churned"], "accuracy", 2, seed=1) for _ in range(2)]
    assert runs[0].best_params_ == runs[1].best_params_
    assert runs[0].best_score_ == runs[1].best_score_


def test_unknown_search_parameters_are_found() -> None:
    problems = check_candidate("classification", "random_forest", None, {}, ["n_trees", "max_depth"])
    assert [p.key for p in problems] == ["search.n_trees"]


def test_plots_are_images(churn: pd.DataFrame) -> None:
    model = search(
        Candidate(family="logistic_regression", search={"C": [1.0]}), FEATURES, churn, churn["churned"], "f1", 2, 0
    ).best_estimator_
    for image in (
        confusion_matrix_image(model, churn, churn["churned"], "cm"),
        curves_image(model, churn, churn["churned"], "c"),
    ):
        assert isinstance(image, Image.Image)
        assert image.size[0] > 100


def test_feature_schema_records_kinds_ranges_categories_and_nullability(churn: pd.DataFrame) -> None:
    schema = feature_schema(
        churn, Features(numeric=["monthly_charges", "support_calls"], categorical=["contract"]), "churned"
    )
    by_name = {f["name"]: f for f in schema["features"]}
    assert schema["classes"] == ["no", "yes"]
    assert by_name["monthly_charges"]["nullable"] is True
    assert by_name["support_calls"]["integer"] is True
    assert by_name["contract"]["categories"] == ["month-to-month", "one-year", "two-year"]


def test_none_and_nan_are_both_missing_categories(churn: pd.DataFrame) -> None:
    model = search(
        Candidate(family="logistic_regression", search={"C": [1.0]}), FEATURES, churn, churn["churned"], "f1", 2, 0
    ).best_estimator_
    row = churn.head(1)
    as_nan = model.predict_proba(row.assign(contract=float("nan")))
    as_none = model.predict_proba(row.assign(contract=None).astype({"contract": object}))
    assert (as_nan == as_none).all()
