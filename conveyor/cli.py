"""The command line behind run.py: one launch path for every pipeline, the stack, and status."""

from __future__ import annotations

import argparse
import fcntl
import importlib
import json
import logging
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conveyor.config import (
    BatchInferenceConfig,
    DemoConfig,
    DeploymentConfig,
    MonitoringConfig,
    RunConfig,
    TrainingConfig,
    load_run_config,
)
from conveyor.env import DEFAULT_STACK_FILE, configure_environment
from conveyor.errors import ConveyorError
from conveyor.paths import project_root, state_dir

logger = logging.getLogger("conveyor")

EXAMPLES = """\
examples:
  python run.py --pipeline training                          train on the default config and stack
  python run.py --pipeline training --no-cache --set seed=7  retrain from scratch with another seed
  python run.py --pipeline training --config configs/training_iris.yaml
  python run.py --pipeline training --set selection.metric=f1 --set split.test_size=0.3
  python run.py --stack configs/stacks/local.yaml            apply a stack (idempotent), run nothing
  python run.py --status                                     what is in production, and where the stores are
  python run.py --status --json

configs live in configs/<pipeline>.yaml; stacks in configs/stacks/. --set takes a dotted key path from
the top of the config file (keys not at the top are looked up under `parameters`) and a YAML value.
"""


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
        after="conveyor.retraining:retrain_if_requested",  # starts the training run the retrain policy requested
    ),
    "batch_inference": PipelineEntry(
        "configs/batch_inference.yaml", BatchInferenceConfig, "pipelines.batch_inference:batch_inference_pipeline"
    ),
    "all": PipelineEntry("configs/all.yaml", DemoConfig, "conveyor.demo:run_all"),  # a sequence of the others
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="Run Conveyor's pipelines on a ZenML stack.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--pipeline", choices=sorted(PIPELINES), help="the pipeline to run")
    parser.add_argument("--config", type=Path, help="run config YAML (default: configs/<pipeline>.yaml)")
    parser.add_argument("--stack", type=Path, help="apply this stack file (create or update, then activate) first")
    parser.add_argument("--no-cache", action="store_true", help="run every step, reusing nothing from earlier runs")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="override one config value"
    )
    parser.add_argument("--status", action="store_true", help="show the production model and the active stack")
    parser.add_argument("--json", action="store_true", help="with --status: print JSON")
    return parser


def _config_path(entry: PipelineEntry, given: Path | None) -> Path:
    return given if given is not None else project_root() / entry.config


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

    from conveyor.stack import apply_stack, load_stack_file

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


def run_pipeline(name: str, config: RunConfig, no_cache: bool) -> Any:
    """Launch pipeline ``name`` with a validated config on the active stack; then its ``after`` follow-up."""
    from conveyor.registry import ensure_experiment, stack_tracking_uri

    entry = PIPELINES[name]
    pipeline = _load(entry.target)
    if not hasattr(pipeline, "with_options"):  # not a ZenML pipeline but a sequence of them (`all`)
        return pipeline(config, no_cache)
    ensure_experiment(stack_tracking_uri(), pipeline.name)
    from zenml.client import Client
    from zenml.enums import ExecutionMode

    from conveyor.images import run_settings
    from conveyor.zenml_speedups import remember_package_lookups

    remember_package_lookups()

    options: dict[str, Any] = {
        "enable_cache": False if no_cache else config.enable_cache,
        "execution_mode": ExecutionMode.FAIL_FAST,  # the failing step's own error reaches the caller
        "tags": run_tags(name, config),
        "settings": run_settings(Client().active_stack.orchestrator.flavor),
    }
    if config.run_name:
        options["run_name"] = config.run_name
    run = pipeline.with_options(**options)(params=config.parameters, model=config.model)
    if entry.after is not None and run is not None:
        _load(entry.after)(run)
    return run


def step_output(run: Any, step: str, name: str) -> Any:
    """Output ``name`` of step ``step`` of a finished pipeline run, loaded (the run is fetched fresh)."""
    from zenml.client import Client

    return Client().get_pipeline_run(run.id).steps[step].outputs[name][0].load()


def status(config_file: Path) -> dict[str, Any]:
    """What is in production and where everything lives."""
    from zenml.client import Client

    from conveyor.registry import get_champion, stack_tracking_uri

    config = load_run_config(config_file, TrainingConfig)
    client = Client()
    stack = client.active_stack_model
    components = {t.value: [c.name for c in cs][0] for t, cs in stack.components.items()}
    uri = stack_tracking_uri()
    champion = get_champion(uri, config.model.name)
    production: dict[str, Any] | None = None
    if champion is not None:
        production = {
            "model": champion.name,
            "version": champion.version,
            "metrics": champion.metrics,
            "promoted_at": champion.promoted_at,
            "candidate": champion.tags.get("conveyor.candidate"),
            "zenml_model_version": champion.tags.get("conveyor.zenml_model_version"),
            "mlflow_run_id": champion.run_id,
        }
    artifact_store = client.active_stack.artifact_store
    return {
        "production": production,
        "stack": {"name": stack.name, "components": components},
        "stores": {
            "zenml": client.zen_store.url,
            "mlflow_tracking_uri": uri,
            "artifact_store": artifact_store.path,
        },
    }


def _print_status(report: dict[str, Any]) -> None:
    out = sys.stdout
    production = report["production"]
    if production is None:
        out.write("Production: no champion yet (run: python run.py --pipeline training)\n")
    else:
        metrics = ", ".join(f"{k}={v:.4f}" for k, v in sorted(production["metrics"].items()))
        out.write(
            f"Production: {production['model']} version {production['version']} ({production['candidate']})\n"
            f"  promoted at: {production['promoted_at']}\n"
            f"  metrics:     {metrics}\n"
            f"  ZenML model: {production['zenml_model_version']}\n"
        )
    out.write(f"Active stack: {report['stack']['name']}\n")
    for kind, name in sorted(report["stack"]["components"].items()):
        out.write(f"  {kind:<20} {name}\n")
    out.write("Stores:\n")
    for kind, where in report["stores"].items():
        out.write(f"  {kind:<20} {where}\n")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not (args.pipeline or args.stack or args.status):
        parser.error("say what to do: --pipeline NAME, --stack FILE or --status (see the examples below --help)")
    if args.json and not args.status:
        parser.error("--json only goes with --status")
    configure_environment()
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated")  # bentoml's `fs` dependency
    import zenml  # noqa: F401 - sets up ZenML's log handler, which prints Conveyor's messages too

    from conveyor.log_noise import quiet_zenml_noise

    logging.getLogger("conveyor").setLevel(logging.INFO)
    quiet_zenml_noise()
    try:
        config = None
        if args.pipeline:
            entry = PIPELINES[args.pipeline]
            config = load_run_config(_config_path(entry, args.config), entry.schema, args.overrides)
            logger.info("Config %s is valid", _config_path(entry, args.config))
        elif args.overrides or args.config or args.no_cache:
            parser.error("--config, --set and --no-cache need --pipeline")
        if args.stack:
            from conveyor.stack import load_stack_file

            load_stack_file(args.stack)  # validate before touching anything
        ensure_stack(args.stack)
        if args.pipeline and config is not None:
            run_pipeline(args.pipeline, config, args.no_cache)
        if args.status:
            report = status(project_root() / PIPELINES["training"].config)
            if args.json:
                sys.stdout.write(json.dumps(report, indent=2, default=str) + "\n")
            else:
                _print_status(report)
    except ConveyorError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    return 0
