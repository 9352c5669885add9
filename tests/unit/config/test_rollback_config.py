"""The rollback run config: the shipped file is valid, a version is a registry number, bad keys are named."""

from __future__ import annotations

import pytest

from conveyor.config import RollbackConfig, load_run_config
from conveyor.errors import ConfigError
from conveyor.platform.launcher import PIPELINES
from conveyor.platform.paths import project_root

SHIPPED = project_root() / "configs/rollback.yaml"


def test_the_shipped_config_rolls_back_to_the_previous_champion_and_redeploys_with_the_deployment_config() -> None:
    config = load_run_config(SHIPPED, RollbackConfig)
    assert config.model.name == "conveyor-churn"
    assert (config.parameters.to_version, config.parameters.reason) == (None, None)
    assert config.parameters.redeploy.config == PIPELINES["deployment"].config
    assert (project_root() / config.parameters.redeploy.config).exists()
    entry = PIPELINES["rollback"]
    assert (entry.config, entry.schema) == ("configs/rollback.yaml", RollbackConfig)


def test_a_chosen_version_and_reason_come_from_set() -> None:
    config = load_run_config(SHIPPED, RollbackConfig, ["to_version=3", "reason=version 4 mislabels region west"])
    assert config.parameters.to_version == 3
    assert config.parameters.reason == "version 4 mislabels region west"


@pytest.mark.parametrize(
    ("override", "key", "words"),
    [
        ("to_version=0", "parameters.to_version", "greater than or equal to 1"),
        ("to_version=latest", "parameters.to_version", "integer"),
        ("parameters.to_versoin=2", "parameters.to_versoin", "did you mean 'to_version'"),
        ("redeploy.confg=configs/deployment.yaml", "parameters.redeploy.confg", "did you mean 'config'"),
    ],
)
def test_bad_values_name_the_file_and_key(override: str, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as failure:
        load_run_config(SHIPPED, RollbackConfig, [override])
    message = str(failure.value)
    assert str(SHIPPED) in message and key in message and words in message, message
