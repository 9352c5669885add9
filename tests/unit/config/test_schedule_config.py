"""``schedule: {cron: ...}``: validated with the file and key named, and handed to ZenML where the orchestrator
runs schedules (the Kubernetes stack file, validated here without a cluster); the local orchestrator refuses it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conveyor.config import TrainingConfig, load_run_config
from conveyor.errors import ConfigError, StackError
from conveyor.platform.launcher import run_options, runs_schedules
from conveyor.platform.paths import project_root
from conveyor.platform.stack import load_stack_file

ROOT = project_root()
WEEKLY = 'schedule={cron: "0 3 * * 1"}'


def _orchestrator(stack_file: str) -> tuple[str, Any]:
    """The stack file's orchestrator flavor and its ZenML config, built by the flavor's own config class."""
    from zenml.stack.flavor_registry import FlavorRegistry

    spec = load_stack_file(ROOT / stack_file).component("orchestrator")
    registry = FlavorRegistry()
    flavor = next(
        f() for f in [*registry.builtin_flavors, *registry.integration_flavors]
        if f().type.value == "orchestrator" and f().name == spec.flavor
    )
    return spec.flavor, flavor.config_class(**spec.configuration)


def test_a_schedule_is_optional_and_takes_five_cron_fields() -> None:
    assert load_run_config(ROOT / "configs/training.yaml", TrainingConfig).schedule is None
    config = load_run_config(ROOT / "configs/training.yaml", TrainingConfig, [WEEKLY])
    assert config.schedule is not None and config.schedule.cron == "0 3 * * 1"
    named = load_run_config(ROOT / "configs/training.yaml", TrainingConfig, ['schedule={cron: "30 2 * * MON-FRI"}'])
    assert named.schedule is not None and named.schedule.cron == "30 2 * * MON-FRI"


@pytest.mark.parametrize(
    ("schedule", "words"),
    [
        ({"cron": "61 3 * * 1"}, "schedule.cron: '61 3 * * 1' is not a cron expression of 5 fields"),
        ({"cron": "0 3 * *"}, "schedule.cron: '0 3 * *' is not a cron expression of 5 fields"),
        ({"cron": "0 0 3 * * 1"}, "schedule.cron: '0 0 3 * * 1' is not a cron expression of 5 fields"),
        ({"cron": "@weekly"}, "schedule.cron: '@weekly' is not a cron expression"),
        ({"cronn": "0 3 * * 1"}, "schedule.cronn: unknown key (did you mean 'cron'?)"),
        ("0 3 * * 1", "schedule: Input should be a valid dictionary"),
    ],
)
def test_a_bad_schedule_names_the_file_and_the_key(tmp_path: Path, schedule: Any, words: str) -> None:
    raw = yaml.safe_load((ROOT / "configs/training.yaml").read_text())
    raw["schedule"] = schedule
    path = tmp_path / "weekly.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError) as failure:
        load_run_config(path, TrainingConfig)
    assert str(path) in str(failure.value)
    assert words in str(failure.value)


def test_the_kubernetes_stack_runs_schedules_and_the_schedule_reaches_the_pipeline_options() -> None:
    from zenml.config.pipeline_run_configuration import PipelineRunConfiguration
    from zenml.config.schedule import Schedule

    from pipelines.training import training_pipeline

    flavor, orchestrator = _orchestrator("configs/stacks/kubernetes.yaml")
    assert flavor == "kubernetes" and runs_schedules(orchestrator)
    config = load_run_config(ROOT / "configs/training.yaml", TrainingConfig, [WEEKLY])
    options = run_options("training", config, False, flavor, orchestrator)
    assert options["schedule"] == Schedule(cron_expression="0 3 * * 1")
    assert "docker" in options["settings"]  # a remote orchestrator: the step image settings too
    # What ZenML compiles the run from, and the pipeline accepts the options as they are.
    assert PipelineRunConfiguration.model_validate(options).schedule == Schedule(cron_expression="0 3 * * 1")
    training_pipeline.with_options(**options)
    assert "schedule" not in run_options("training", config.model_copy(update={"schedule": None}), False, flavor,
                                         orchestrator)


def test_the_local_orchestrator_refuses_a_schedule() -> None:
    flavor, orchestrator = _orchestrator("configs/stacks/local.yaml")
    assert flavor == "local" and not runs_schedules(orchestrator)
    config = load_run_config(ROOT / "configs/training.yaml", TrainingConfig, [WEEKLY])
    with pytest.raises(StackError, match="the 'local' orchestrator runs no schedules"):
        run_options("training", config, False, flavor, orchestrator)
    assert "schedule" not in run_options("training", config.model_copy(update={"schedule": None}), False, flavor,
                                         orchestrator)
