"""The deployment mode (local process or container) and the ZenML deployment config built for each."""

from __future__ import annotations

import importlib.metadata

import pytest

from conveyor.config import DeploymentConfig, load_run_config
from conveyor.errors import ConfigError
from conveyor.platform.paths import project_root
from conveyor.platform.stack import load_stack_file
from conveyor.platform.versions import ChampionVersion
from conveyor.serving.bento_build import with_packages
from conveyor.serving.modes import (
    CONTAINER_BIND_HOST,
    bento_packages,
    bento_settings,
    deployment_config,
    resolve_mode,
    service_types,
)

CHAMPION = ChampionVersion(
    name="churn",
    version="3",
    run_id="0f3c",
    model_uri="models:/churn/3",
    bento_model_tag="churn:v3",
    zenml_model_version="churn:4 (0b5e6c1e-0000-0000-0000-000000000000)",
    metrics={"roc_auc": 0.9},
)


def deployment(*overrides: str) -> DeploymentConfig:
    return load_run_config(project_root() / "configs/deployment.yaml", DeploymentConfig, list(overrides))


def orchestrator_flavor(stack_file: str) -> str:
    spec = load_stack_file(project_root() / "configs/stacks" / stack_file)
    return next(c.flavor for c in spec.components if c.type == "orchestrator")


@pytest.mark.parametrize(
    ("setting", "orchestrator", "expected"),
    [
        ("auto", "local", "local"),
        ("auto", "kubernetes", "container"),
        ("auto", "local_docker", "container"),  # steps run in containers that end with the step
        ("local", "kubernetes", "local"),
        ("container", "local", "container"),
    ],
)
def test_the_mode_follows_the_setting_and_auto_follows_the_orchestrator(
    setting: str, orchestrator: str, expected: str
) -> None:
    assert resolve_mode(setting, orchestrator) == expected  # type: ignore[arg-type]


def test_switching_the_stack_file_switches_the_default_mode() -> None:
    setting = deployment().parameters.deployment
    assert setting == "auto"
    assert resolve_mode(setting, orchestrator_flavor("local.yaml")) == "local"
    assert resolve_mode(setting, orchestrator_flavor("kubernetes.yaml")) == "container"


def test_an_unknown_mode_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"parameters\.deployment: Input should be 'auto', 'local' or 'container'"):
        deployment("deployment=kubernetes")


def test_a_container_bento_binds_every_interface_and_carries_zenml() -> None:
    settings = deployment("service.host=127.0.0.1").parameters.service
    assert bento_settings(settings, "local") == settings
    inside = bento_settings(settings, "container")
    assert inside.host == CONTAINER_BIND_HOST
    assert inside.model_copy(update={"host": settings.host}) == settings

    assert bento_packages("local") == []
    assert bento_packages("container") == [
        f"zenml=={importlib.metadata.version('zenml')}",
        f"docker=={importlib.metadata.version('docker')}",
    ]


def test_the_bento_carries_the_packages_of_the_models_estimator_in_either_mode() -> None:
    assert bento_packages("local", ["lightgbm==4.7.0"]) == ["lightgbm==4.7.0"]
    assert bento_packages("container", ["lightgbm==4.7.0"]) == ["lightgbm==4.7.0", *bento_packages("container")]


def test_extra_packages_are_added_to_a_copy_of_the_bentofile() -> None:
    bentofile = {"service": "service:Conveyor", "python": {"packages": ["pandas==2.3.3"], "lock_packages": False}}
    spec = with_packages(bentofile, ["zenml==0.98.0"])
    assert spec["python"] == {"packages": ["pandas==2.3.3", "zenml==0.98.0"], "lock_packages": False}
    assert spec["service"] == "service:Conveyor"
    assert bentofile["python"]["packages"] == ["pandas==2.3.3"]


def build(mode: str) -> object:
    settings = deployment("service.port=3100").parameters.service
    return deployment_config(
        mode,  # type: ignore[arg-type]
        champion=CHAMPION,
        bento_tag="conveyor:3-abc",
        apis=["predict"],
        settings=settings,
        working_dir="/srv/conveyor",
        pipeline_name="deployment_pipeline",
        step_name="deploy_service",
    )


def test_the_local_config_serves_the_project_directory() -> None:
    from zenml.integrations.bentoml.services.bentoml_local_deployment import BentoMLLocalDeploymentConfig

    config = build("local")
    assert isinstance(config, BentoMLLocalDeploymentConfig)
    assert (config.bento_tag, config.host, config.port, config.working_dir) == (
        "conveyor:3-abc", "127.0.0.1", 3100, "/srv/conveyor",
    )
    assert (config.model_name, config.model_version, config.model_uri) == ("churn", "4", "models:/churn/3")
    assert (config.pipeline_name, config.pipeline_step_name) == ("deployment_pipeline", "deploy_service")


def test_the_container_config_serves_the_image_and_lets_zenml_name_it() -> None:
    from zenml.integrations.bentoml.services.bentoml_container_deployment import BentoMLContainerDeploymentConfig

    config = build("container")
    assert isinstance(config, BentoMLContainerDeploymentConfig)
    assert (config.bento_tag, config.host, config.port) == ("conveyor:3-abc", "127.0.0.1", 3100)
    assert config.apis == ["predict"]
    assert config.working_dir is None  # the Bento inside the image, not this checkout
    assert config.image == ""  # ZenML names it <container registry uri>/<bento tag>, or the Bento tag
    assert (config.model_name, config.model_version) == ("churn", "4")


def test_the_modes_differ_in_service_type_name_only() -> None:
    types = service_types()
    assert types["local"].name == "conveyor-bentoml-local-deployment"  # conveyor/compat/bento_deployer.py
    assert types["container"].name == "conveyor-bentoml-container-deployment"  # passes the token variable
    # ZenML's find_model_server filters by type and flavor, so it lists both: deploy_service compares names.
    assert (types["local"].type, types["local"].flavor) == (types["container"].type, types["container"].flavor)
