"""The BentoML model holds no pickle: a skops Pipeline with its trusted list, the schema as JSON, the card as text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from conveyor.config.estimators import FAMILIES
from conveyor.errors import ModelFormatError
from conveyor.serving.bento_model import (
    FEATURE_SCHEMA_FILE,
    SKLEARN_FILE,
    feature_schema_of,
    load_sklearn,
    model_card_of,
    save_served_model,
)

FAMILY_TASKS = [(family, task) for family, spec in FAMILIES.items() for task in spec.classes]
FittedFamily = Callable[[str, str], tuple[Pipeline, pd.DataFrame]]  # the fitted_family fixture (tests/unit/conftest.py)
SCHEMA = {"task": "classification", "features": [{"name": "tenure_months", "dtype": "float64"}]}


@pytest.mark.parametrize(("family", "task"), FAMILY_TASKS, ids=[f"{f}-{t}" for f, t in FAMILY_TASKS])
def test_every_family_round_trips_through_the_bentoml_store(
    fitted_family: FittedFamily, family: str, task: str
) -> None:
    import bentoml

    model, x = fitted_family(family, task)
    tag = f"unit-format-{family.replace('_', '-')}-{task}:v1"
    save_served_model(tag, model, SCHEMA, "# card", {"registry_model": "unit", "registry_version": "1"})
    stored = bentoml.models.get(tag)
    assert sorted(p.name for p in Path(stored.path).iterdir() if p.suffix != ".yaml") == sorted(
        [SKLEARN_FILE, FEATURE_SCHEMA_FILE, "model_card.md"]
    )  # no custom_objects.pkl: nothing in it is a pickle
    assert stored.info.metadata["trusted_types"] == sorted(stored.info.metadata["trusted_types"])
    loaded = load_sklearn(stored)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    if task == "classification":
        np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
    assert feature_schema_of(stored) == SCHEMA
    assert model_card_of(stored) == "# card"


def test_a_class_from_outside_the_allow_list_refuses_to_load_even_when_its_stored_list_names_it(
    foreign_pipeline: tuple[Pipeline, str],
) -> None:
    """A model stored by other code, with its own trusted list: the list is checked against the allow-list."""
    import bentoml
    import skops.io

    model, name = foreign_pipeline
    data = skops.io.dumps(model)
    listed = skops.io.get_untrusted_types(data=data)
    assert name in listed
    metadata = {"registry_model": "unit", "registry_version": "1", "requirements": [], "trusted_types": listed}
    with bentoml.models.create("unit-format-odd:v1", metadata=metadata) as stored:
        Path(stored.path_of(SKLEARN_FILE)).write_bytes(data)
    with pytest.raises(ModelFormatError, match=rf"BentoML model unit-format-odd:v1 holds types outside .*: {name}\. "):
        load_sklearn(bentoml.models.get("unit-format-odd:v1"))
    with pytest.raises(ModelFormatError, match=rf"unit-format-odd:v2 holds types outside .*: {name}\. "):
        save_served_model("unit-format-odd:v2", model, SCHEMA, "", {"registry_model": "unit", "registry_version": "2"})
