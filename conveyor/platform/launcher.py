"""The run launcher: the table of pipelines, the store and stack they run on, and the one way to start a run.

``run.py`` (``conveyor.cli``), the demo and the retraining follow-up all start pipelines through
``run_pipeline``, so every run gets the same options, tags and MLflow experiment.
"""

from __future__ import annotations

import fcntl
import importlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conveyor.config import (
    BatchInferenceConfig,
    DemoConfig,
    DeploymentConfig,
    MonitoringConfig,
    RollbackConfig,
    RunConfig,
    TrainingConfig,
)
from conveyor.errors import ConfigError, StackError
from conveyor.platform.env import DEFAULT_STACK_FILE
from conveyor.platform.paths import project_root, state_dir

logger = logging.getLogger("conveyor")


@dataclass(frozen=True)
class PipelineEntry:
    config: str
    schema: type[RunConfig]
    target: str  # "module:function"
    after: str | None = None  # "module:function" the client runs with the finished run (a step cannot launch runs)


PIPELINES: dict[str, PipelineEntry] = {
    "training": PipelineEntry("configs/training.yaml", TrainingConfig, "pipelines.training:training_pipeline"),
    "deployment": PipelineEntry(
        "configs/deployment.yaml", DeploymentConfig, "pipelines.deployment:deployment_pipeline"
    ),
    "monitoring": PipelineEntry(
        "configs/monitoring.yaml",
        MonitoringConfig,
        "pipelines.monitoring:monitoring_pipeline",
        after="conveyor.monitoring.retraining:retrain_if_requested",  # starts the retraining run
    ),
    "batch_inference": PipelineEntry(
        "configs/batch_inference.yaml", BatchInferenceConfig, "pipelines.batch_inference:batch_inference_pipeline"
    ),
    "rollback": PipelineEntry(
        "configs/rollback.yaml",
        RollbackConfig,
        "pipelines.rollback:rollback_pipeline",
        after="conveyor.serving.redeploy:redeploy_after_rollback",  # a running service follows the new champion
    ),
    "all": PipelineEntry("configs/all.yaml", DemoConfig, "conveyor.demo:run_all"),  # a sequence of the others
}


def open_store() -> None:
    """Open ZenML's store, creating or migrating it under a file lock beside ZenML's config.

    ZenML does not guard the first initialization of a local store: two commands started together on a new
    state directory both created its tables, and the loser failed with a misleading "never been migrated
    with alembic" error. A remote store (a ZenML server) is created by its server; the lock costs nothing.
    """
    from zenml.client import Client

    folder = Path(os.environ.get("ZENML_CONFIG_PATH") or state_dir() / "zenml")
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "conveyor-store-init.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            Client().zen_store  # noqa: B018 - the first access creates and migrates the store
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_stack(stack_file: Path | None) -> None:
    """Apply ``stack_file``; with none given, apply the default stack if ZenML's bare default is active."""
    from zenml.client import Client

    from conveyor.platform.stack import apply_stack, load_stack_file

    open_store()
    if stack_file is None:
        if Client().active_stack_model.name != "default":
            return
        stack_file = project_root() / DEFAULT_STACK_FILE
        logger.info("No Conveyor stack is active; applying the default %s", DEFAULT_STACK_FILE)
    apply_stack(load_stack_file(stack_file))


def run_tags(name: str, config: RunConfig) -> list[str]:
    """Tags of a run in the dashboard: the pipeline, the dataset and the model, then the config's own tags.

    The registering step adds ``model_version:<name>:<version>`` once the version exists.
    """
    tags = [f"pipeline:{name}", f"model:{config.model.name}"]
    source = getattr(config.parameters, "data", None)
    if source is not None:
        label = source.name or (Path(source.path).name if source.path else None) or f"{source.rows}-rows"
        tags.append(f"dataset:{source.kind}:{label}")
    return [*tags, *(t for t in config.tags if t not in tags)]


def _load(target: str) -> Any:
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


def runs_schedules(orchestrator_config: Any) -> bool:
    """Whether an orchestrator (given by its ZenML config) starts runs on a schedule: ZenML's own answer."""
    return bool(orchestrator_config.is_schedulable)


def run_options(
    name: str, config: RunConfig, no_cache: bool, orchestrator_flavor: str, orchestrator_config: Any
) -> dict[str, Any]:
    """The ``with_options`` of a run of pipeline ``name`` on a stack with this orchestrator.

    A config's ``schedule`` becomes ZenML's ``Schedule``; an orchestrator that runs no schedules refuses it.
    """
    from zenml.config.schedule import Schedule
    from zenml.enums import ExecutionMode

    from conveyor.platform.images import run_settings

    options: dict[str, Any] = {
        "enable_cache": False if no_cache else config.enable_cache,
        "execution_mode": ExecutionMode.FAIL_FAST,  # the failing step's own error reaches the caller
        "tags": run_tags(name, config),
        "settings": run_settings(orchestrator_flavor),
    }
    if config.run_name:
        options["run_name"] = config.run_name
    if config.schedule is not None:
        if not runs_schedules(orchestrator_config):
            raise StackError(
                f"schedule '{config.schedule.cron}': the '{orchestrator_flavor}' orchestrator runs no schedules; "
                "use a stack whose orchestrator does (configs/stacks/kubernetes.yaml) or cron (docs/stacks.md)"
            )
        options["schedule"] = Schedule(cron_expression=config.schedule.cron)
    return options


def run_pipeline(name: str, config: RunConfig, no_cache: bool) -> Any:
    """Launch pipeline ``name`` with a validated config on the active stack; then its ``after`` follow-up."""
    from conveyor.platform.registry import ensure_experiment, stack_tracking_uri

    entry = PIPELINES[name]
    pipeline = _load(entry.target)
    if not hasattr(pipeline, "with_options"):  # not a ZenML pipeline but a sequence of them (`all`)
        if config.schedule is not None:
            problem = f"schedule: `{name}` runs several pipelines from this process; schedule each one's own config"
            raise ConfigError(f"the {name} run config", [problem])
        return pipeline(config, no_cache)
    ensure_experiment(stack_tracking_uri(), pipeline.name)
    from zenml.client import Client

    from conveyor.compat.zenml_speedups import remember_package_lookups

    remember_package_lookups()

    orchestrator = Client().active_stack.orchestrator
    options = run_options(name, config, no_cache, orchestrator.flavor, orchestrator.config)
    run = pipeline.with_options(**options)(params=config.parameters, model=config.model)
    if entry.after is not None and run is not None:
        _load(entry.after)(run)
    return run


def step_output(run: Any, step: str, name: str) -> Any:
    """Output ``name`` of step ``step`` of a finished pipeline run, loaded (the run is fetched fresh)."""
    from zenml.client import Client

    return Client().get_pipeline_run(run.id).steps[step].outputs[name][0].load()

