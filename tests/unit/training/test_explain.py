"""Permutation feature importance: per input column, seeded, for classifiers and regressors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from conveyor.config import Explain, Features
from conveyor.training.explain import COLUMNS, feature_importance, importance_chart, scored_rows
from conveyor.training.models import ESTIMATOR_STEP, build_pipeline

FEATURES = Features(numeric=["signal", "noise"], categorical=["colour"])
FAST = Explain(n_repeats=3, max_rows=2000)


def _frame(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "signal": rng.normal(size=rows),
            "noise": rng.normal(size=rows),
            "colour": rng.choice(["red", "green", "blue"], size=rows),
        }
    )


@pytest.fixture(scope="module")
def classified() -> tuple[object, pd.DataFrame, pd.Series]:
    train, holdout = _frame(300, seed=1), _frame(200, seed=2)
    label = lambda frame: pd.Series(np.where(frame["signal"] > 0, "yes", "no"), name="label")  # noqa: E731
    model = build_pipeline("logistic_regression", FEATURES, seed=0).fit(train, label(train))
    return model, holdout, label(holdout)


def test_the_feature_that_decides_the_label_ranks_first(classified) -> None:
    model, x, y = classified
    table = feature_importance(model, x, y, "roc_auc", FAST, seed=3)
    assert tuple(table.columns) == COLUMNS
    assert table.loc[0, "feature"] == "signal"
    assert table.loc[0, "importance_mean"] > 0.2
    assert list(table["rank"]) == [1, 2, 3]
    assert (table.loc[1:, "importance_mean"].abs() < 0.05).all()


def test_the_same_seed_gives_the_same_table(classified) -> None:
    model, x, y = classified
    first, again = (feature_importance(model, x, y, "accuracy", FAST, seed=4) for _ in range(2))
    pd.testing.assert_frame_equal(first, again)


def test_a_categorical_feature_is_one_row_however_many_one_hot_columns_it_becomes() -> None:
    train, holdout = _frame(300, seed=5), _frame(200, seed=6)
    label = lambda frame: frame["colour"].eq("red").map({True: "yes", False: "no"})  # noqa: E731
    model = build_pipeline("random_forest", FEATURES, seed=0).set_params(**{f"{ESTIMATOR_STEP}__n_estimators": 20})
    model.fit(train, label(train))
    table = feature_importance(model, holdout, label(holdout), "f1", FAST, seed=0)
    assert sorted(table["feature"]) == sorted(FEATURES.all)  # the pipeline's input columns, not colour_red, ...
    assert table.loc[0, "feature"] == "colour"


def test_a_regressor_is_scored_with_its_metric_and_a_large_holdout_is_sampled() -> None:
    train, holdout = _frame(300, seed=7), _frame(500, seed=8)
    target = lambda frame: 3.0 * frame["signal"] + 0.1 * frame["noise"]  # noqa: E731
    model = build_pipeline("random_forest", FEATURES, seed=0, task="regression")
    model.set_params(**{f"{ESTIMATOR_STEP}__n_estimators": 20}).fit(train, target(train))
    small = Explain(n_repeats=2, max_rows=100)
    assert scored_rows(len(holdout), small) == 100
    table = feature_importance(model, holdout, target(holdout), "rmse", small, seed=1)
    assert table.loc[0, "feature"] == "signal"
    assert table.loc[0, "importance_mean"] > 1.0  # rmse rises by more than 1 when signal is shuffled
    pd.testing.assert_frame_equal(table, feature_importance(model, holdout, target(holdout), "rmse", small, seed=1))


def test_the_chart_is_an_image(classified) -> None:
    model, x, y = classified
    image = importance_chart(feature_importance(model, x, y, "log_loss", FAST, seed=0), "log_loss", "title")
    assert isinstance(image, Image.Image)
    assert image.size[0] > 300
