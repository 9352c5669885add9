"""The command line behind run.py: one launch path for every pipeline, the stack, and status."""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
import warnings
from pathlib import Path
from typing import Any

from conveyor.config import load_run_config
from conveyor.errors import ConfigError, ConveyorError, StackError
from conveyor.platform.env import configure_environment
from conveyor.platform.launcher import PIPELINES, PipelineEntry, ensure_stack, run_pipeline, runs_schedules
from conveyor.platform.paths import project_root
from conveyor.platform.status import history_lines, status
from conveyor.platform.storage import missing_local_files

logger = logging.getLogger("conveyor")

EXAMPLES = """\
examples:
  python run.py --pipeline training                          train on the default config and stack
  python run.py --pipeline training --no-cache --set seed=7  retrain from scratch with another seed
  python run.py --pipeline training --config configs/training_iris.yaml
  python run.py --pipeline training --set selection.metric=f1 --set split.test_size=0.3
  python run.py --pipeline training --config configs/training_regression.yaml --set candidates.lightgbm=null
  python run.py --stack configs/stacks/local.yaml            apply a stack (idempotent), run nothing
  python run.py --status                                     what is in production, and where the stores are
  python run.py --status --json
  python run.py --status --set model.name=conveyor-diabetes  one model only
  python run.py --pipeline training --report reports/       also write the card, gate decision and a summary
  python run.py --pipeline monitoring                        drift, and live metrics where labels came back
  python run.py --pipeline rollback                          the previous champion back in production
  python run.py --pipeline rollback --set to_version=3 --set reason="bad promotion"
  python run.py --pipeline all                               the whole loop: train, serve, feedback, monitor

configs live in configs/<pipeline>.yaml; stacks in configs/stacks/. --set takes a dotted key path from
the top of the config file (keys not at the top are looked up under `parameters`) and a YAML value.
"""


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
    parser.add_argument(
        "--status", action="store_true", help="every registered model and its champion, the active stack, the stores"
    )
    parser.add_argument("--json", action="store_true", help="with --status: print JSON")
    parser.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="with --pipeline training: write the run's model card, gate decision, promotion and summary.md to DIR",
    )
    return parser


def _config_path(entry: PipelineEntry, given: Path | None) -> Path:
    return given if given is not None else project_root() / entry.config




def _crontab_line(args: argparse.Namespace, config_path: Path, cron: str) -> str:
    """The crontab line that runs this command on ``cron`` from the project root, the schedule left out."""
    root = project_root()

    def rooted(path: Path) -> str:
        return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)

    words = [rooted(Path(sys.executable)), "run.py", "--pipeline", args.pipeline]
    words += ["--config", rooted(config_path.resolve())]
    words += ["--no-cache"] if args.no_cache else []
    kept = [o for o in args.overrides if o.partition("=")[0].strip().split(".")[0] != "schedule"]
    words += [word for override in kept for word in ("--set", override)] + ["--set", "schedule=null"]
    command = f"cd {shlex.quote(str(root))} && {shlex.join(words)}".replace("%", r"\%")  # cron: % is a newline
    return f"{cron} {command}"


def _refuse_schedule(args: argparse.Namespace, config_path: Path, cron: str) -> None:
    """Raise before any step if the active stack's orchestrator cannot run the config's schedule."""
    from zenml.client import Client

    stack = Client().active_stack
    if runs_schedules(stack.orchestrator.config):
        return
    raise StackError(
        f"schedule '{cron}' in {config_path}: the active stack '{stack.name}' runs pipelines with the "
        f"'{stack.orchestrator.flavor}' orchestrator, which starts no scheduled runs; nothing was run.\n"
        "This crontab line (add it with `crontab -e`) runs the same pipeline with the same config on that schedule:\n"
        f"  {_crontab_line(args, config_path, cron)}\n"
        "or apply a stack whose orchestrator runs schedules: python run.py --stack configs/stacks/kubernetes.yaml"
    )


def _status(args: argparse.Namespace) -> dict[str, Any]:
    """The status report; ``production`` is the training config's model, or the one ``--set model.name=`` names
    (then only that model is listed)."""
    given = args.config if args.config and not args.pipeline else None
    overrides = [] if args.pipeline else args.overrides
    entry = PIPELINES["training"]
    name = load_run_config(_config_path(entry, given), entry.schema, overrides).model.name
    return status(name, only=any(o.strip().startswith(("model.name=", "model=")) for o in overrides))


def _metrics(metrics: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:.4f}" for k, v in sorted(metrics.items()))


def _print_status(report: dict[str, Any]) -> None:
    out = sys.stdout
    models = report["models"]
    if not models:
        out.write("Models: none registered yet (run: python run.py --pipeline training)\n")
    else:
        out.write(f"Models ({len(models)} registered):\n")
    for entry in models:
        champion = entry["champion"]
        if champion is None:
            out.write(f"  {entry['model']}: no champion yet ({entry['versions']} version(s) registered)\n")
            continue
        out.write(
            f"  {entry['model']}: champion version {champion['version']} ({champion['candidate']}) "
            f"of {entry['versions']}\n"
            f"    promoted at: {champion['promoted_at']}\n"
            f"    metrics:     {_metrics(champion['metrics'])}\n"
            f"    ZenML model: {champion['zenml_model_version']}\n"
        )
        lines = history_lines(entry["history"])
        out.write("    history (newest first):\n" if lines else "")
        out.writelines(f"      {line}\n" for line in lines)
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
    if args.report and args.pipeline != "training":
        parser.error("--report goes with --pipeline training")
    configure_environment()
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated")  # bentoml's `fs` dependency
    import zenml  # noqa: F401 - sets up ZenML's log handler, which prints Conveyor's messages too

    from conveyor.compat.log_noise import quiet_zenml_noise

    logging.getLogger("conveyor").setLevel(logging.INFO)
    quiet_zenml_noise()
    try:
        config = None
        if args.pipeline:
            entry = PIPELINES[args.pipeline]
            config = load_run_config(_config_path(entry, args.config), entry.schema, args.overrides)
            missing = missing_local_files(config.parameters)
            if missing:
                raise ConfigError(str(_config_path(entry, args.config)), missing)
            logger.info("Config %s is valid", _config_path(entry, args.config))
            if args.report and config.schedule is not None:
                parser.error("--report writes a finished run's verdict: drop the schedule (--set schedule=null)")
        elif args.no_cache or ((args.overrides or args.config) and not args.status):
            parser.error("--config and --set need --pipeline or --status; --no-cache needs --pipeline")
        if args.stack:
            from conveyor.platform.stack import load_stack_file

            load_stack_file(args.stack)  # validate before touching anything
        ensure_stack(args.stack)
        if args.pipeline and config is not None:
            if config.schedule is not None:
                _refuse_schedule(args, _config_path(PIPELINES[args.pipeline], args.config), config.schedule.cron)
            run = run_pipeline(args.pipeline, config, args.no_cache)
            if args.report:
                from conveyor.training.report import write_report

                write_report(run, config.model.name, args.report)
        if args.status:
            report = _status(args)
            if args.json:
                sys.stdout.write(json.dumps(report, indent=2, default=str) + "\n")
            else:
                _print_status(report)
    except ConveyorError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    return 0
