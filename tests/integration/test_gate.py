"""The gate for real: a model trained on noise is never promoted, and the champion is scored on its own holdout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from zenml.client import Client

from conveyor.names import PRODUCTION_STAGE
from conveyor.platform.launcher import run_pipeline
from conveyor.platform.launcher import step_output as output
from conveyor.platform.registry import get_champion, load_version
from conveyor.training.champion_holdout import champion_holdout
from conveyor.training.data import generate_churn
from conveyor.training.gate_evidence import CHALLENGER, CHAMPION

pytestmark = pytest.mark.slow

PERMISSIVE = "gate.limits={}"  # no absolute floor at all: only the confidence rules stand in the way
SHIPPED = "gate.bootstrap=1000"  # the default resamples (tests/conftest.py's tiny configs use fewer)


def production_versions(name: str) -> list[int]:
    return [v.number for v in Client().list_model_versions(model=name, stage=PRODUCTION_STAGE)]


def test_a_model_trained_on_noise_is_never_promoted_and_the_champion_keeps_its_own_holdout(
    local_stack: str, training_config: Any, tmp_path: Path
) -> None:
    frame = generate_churn(400, seed=3)
    frame["churned"] = np.random.default_rng(3).permutation(frame["churned"].to_numpy())  # labels come loose
    noise_csv = tmp_path / "noise.csv"
    frame.to_csv(noise_csv, index=False)
    noise = training_config(f"data={{kind: csv, path: {noise_csv}}}", PERMISSIVE, SHIPPED)
    name = noise.model.name

    first = run_pipeline("training", noise, no_cache=True)
    refused = output(first, "gate_model", "gate_decision")
    assert not refused.promote and refused.champion_version is None and not refused.failed_limits
    assert "did not beat the trivial baseline DummyClassifier(strategy='prior')" in refused.reason
    assert refused.baseline is not None and refused.baseline["roc_auc"] == 0.5
    assert refused.baseline_interval is not None and refused.baseline_interval.low <= 0
    assert (refused.confidence, refused.resamples, refused.seed) == (0.95, 1000, noise.parameters.seed)
    assert output(first, "promote_model", "promotion").promoted is False
    assert get_champion(local_stack, name) is None and production_versions(name) == []

    good = training_config(PERMISSIVE, SHIPPED)  # the churn generator's real signal: the first champion
    second = run_pipeline("training", good, no_cache=True)
    promoted = output(second, "gate_model", "gate_decision")
    assert promoted.promote and promoted.reason.startswith("no current champion")
    assert promoted.baseline_interval is not None and promoted.baseline_interval.low > 0
    champion = get_champion(local_stack, name)
    assert champion is not None and champion.version == promoted.challenger_version

    third = run_pipeline("training", noise, no_cache=True)  # noise again, now against that champion
    again = output(third, "gate_model", "gate_decision")
    assert not again.promote and "did not beat the trivial baseline" in again.reason
    assert again.champion_version == champion.version and again.champion is not None
    own = again.champion_holdout
    assert own is not None and own.run == second.name and not own.same_as_this_run
    assert own.rows == len(output(second, "split_data", "test_set"))
    assert own.champion["roc_auc"] > own.challenger["roc_auc"]  # on its own holdout the champion still wins
    assert get_champion(local_stack, name).version == champion.version

    # The champion's run is deleted: its holdout cannot be loaded, and the gate says so and carries on.
    test_set = output(third, "split_data", "test_set")
    models = {
        CHALLENGER: load_version(local_stack, name, again.challenger_version),
        CHAMPION: load_version(local_stack, name, champion.version),
    }
    Client().delete_pipeline_run(second.id)
    missing, warnings = champion_holdout(champion, test_set, "churned", ["no", "yes"], models)
    assert missing is None and len(warnings) == 1
    assert f"test_set of run {second.name} could not be loaded" in warnings[0]
