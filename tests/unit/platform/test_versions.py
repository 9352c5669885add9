"""The typed step outputs about registry versions keep their field names, and read a champion's tags."""

from __future__ import annotations

from conveyor.names import MlflowTag
from conveyor.platform.registry import Champion
from conveyor.platform.versions import ChampionVersion, RegisteredVersion


def test_field_names_are_the_artifact_keys_stored_runs_are_read_by() -> None:
    assert list(RegisteredVersion.model_fields) == [
        "name", "version", "run_id", "model_uri", "candidate", "zenml_model_version", "zenml_model_version_id",
    ]
    assert list(ChampionVersion.model_fields) == [
        "name", "version", "run_id", "model_uri", "bento_model_tag", "zenml_model_version", "metrics",
    ]


def test_the_champion_version_is_exact_and_names_its_zenml_model_version() -> None:
    tag = "churn:4 (0b5e6c1e-0000-0000-0000-000000000000)"
    champion = Champion("churn", "3", "run-1", {"roc_auc": 0.9}, None, {MlflowTag.ZENML_MODEL_VERSION.value: tag})
    version = ChampionVersion.of(champion, "churn:v3")
    assert (version.model_uri, version.bento_model_tag, version.zenml_model_version) == (
        "models:/churn/3", "churn:v3", tag,
    )
    assert ChampionVersion.model_validate(version.model_dump(mode="json")) == version
