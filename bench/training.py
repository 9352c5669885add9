"""Benchmark: the training pipeline against a plain scikit-learn script doing the same work.

For each config (the churn classification config and the diabetes regression config by default), measured
in the same run as whole commands (process start included, as a user sees them), alternating A B C A B C,
repeated; medians and ratios to the plain script:

- plain:     python bench/plain_training.py --config C        (scikit-learn only)
- cold:      python run.py --pipeline training --config C --no-cache   (ZenML + MLflow + registry + gate + card)
- cached:    python run.py --pipeline training --config C     (a rerun with ZenML's cache on)

Each pipeline run's gate step records how long its paired bootstrap took (step metadata ``bootstrap_seconds``;
the gate step is never cached, so cached reruns pay it too): the table shows its median, and the ratio of the
run to the same run without it (the run's time minus the bootstrap's).

Usage: python bench/training.py [--repeats 3] [--config configs/training.yaml ...] [--set data.rows=4000 ...]
(--set applies to every config). Writes bench/results/training.md and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit(f"benchmark command failed: {' '.join(command)}")
    return elapsed


DEFAULT_CONFIGS = ("configs/training.yaml", "configs/training_regression.yaml")


def _measure(config_arg: str, overrides: list[str], repeats: int, state: Path, env: dict[str, str]) -> list[str]:
    """The table rows of one config: each command's median, spread and ratio to the plain script."""
    from conveyor.config import TrainingConfig, load_run_config

    sets = [a for o in overrides for a in ("--set", o)]
    config = ROOT / config_arg
    plain_config = config
    if overrides:  # the plain script takes a config file: write the overridden one
        resolved = load_run_config(config, TrainingConfig, overrides)
        plain_config = state / f"plain-{config.stem}.yaml"
        plain_config.write_text(resolved.model_dump_json(by_alias=True))
    commands = {
        "plain scikit-learn script": [sys.executable, "bench/plain_training.py", "--config", str(plain_config)],
        "pipeline, cache off": [sys.executable, "run.py", "--pipeline", "training", "--config", str(config),
                                "--no-cache", *sets],
        "pipeline, cached rerun": [sys.executable, "run.py", "--pipeline", "training", "--config", str(config), *sets],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    runs: dict[str, list[str]] = {name: [] for name in commands}  # the ZenML run names of the pipeline commands
    for repeat in range(repeats):
        for index, (name, command) in enumerate(commands.items()):
            if command[1] == "run.py":
                runs[name].append(f"bench-{config.stem}-{index}-{repeat}-{os.getpid()}")
                command = [*command, "--set", f"run_name={runs[name][-1]}"]
            times[name].append(_timed(command, env))
            sys.stderr.write(f"[{config_arg} {repeat + 1}/{repeats}] {name}: {times[name][-1]:.1f}s\n")
    base = statistics.median(times["plain scikit-learn script"])
    bootstrap = _bootstrap_seconds([r for names in runs.values() for r in names], state)
    rows = []
    for name, values in times.items():
        median = statistics.median(values)
        gate = "- | -"
        if runs[name]:
            spent = [bootstrap[r] for r in runs[name]]
            without = statistics.median(t - b for t, b in zip(values, spent, strict=True))
            gate = f"{statistics.median(spent):.2f} | {median / without:.3f}x"
        rows.append(
            f"| {config_arg} | {name} | {median:.1f} | {min(values):.1f} | {max(values):.1f} | {median / base:.2f}x "
            f"| {gate} |"
        )
    return rows


def _bootstrap_seconds(run_names: list[str], state: Path) -> dict[str, float]:
    """The gate step's ``bootstrap_seconds`` metadata of each named run in the benchmark's own ZenML store."""
    code = (
        "import json, sys\n"
        "from conveyor.platform.env import configure_environment\n"
        "configure_environment()\n"
        "from zenml.client import Client\n"
        "steps = {n: Client().get_pipeline_run(n).steps['gate_model'] for n in sys.argv[1:]}\n"
        "print(json.dumps({n: s.run_metadata['bootstrap_seconds'] for n, s in steps.items()}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENML_", "MLFLOW_", "BENTOML_", "CONVEYOR_"))}
    env["CONVEYOR_STATE_DIR"] = str(state)
    result = subprocess.run(
        [sys.executable, "-c", code, *run_names], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return {name: float(seconds) for name, seconds in json.loads(result.stdout.splitlines()[-1]).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--config", dest="configs", action="append", default=[], help="a training config (repeatable)")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    configs = args.configs or list(DEFAULT_CONFIGS)

    state = Path(tempfile.mkdtemp(prefix="conveyor-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENML_", "MLFLOW_", "BENTOML_", "CONVEYOR_"))}
    env["CONVEYOR_STATE_DIR"] = str(state)
    _timed([sys.executable, "run.py", "--stack", "configs/stacks/local.yaml"], env)  # set-up, not measured
    lines = [
        "| config | command | median s | min s | max s | ratio to plain | gate bootstrap s | ratio to the run without "
        "it |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for config in configs:
        lines += _measure(config, args.overrides, args.repeats, state, env)
    import sklearn
    import zenml

    note = (
        f"{args.repeats} repeats, alternating; {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"zenml {zenml.__version__}, scikit-learn {sklearn.__version__}; "
        f"`python bench/training.py --repeats {args.repeats}"
        + "".join(f" --config {c}" for c in args.configs)
        + "".join(f" --set {o}" for o in args.overrides)
        + "`"
    )
    report = "\n".join(lines) + "\n\n" + note + "\n"
    (ROOT / "bench/results").mkdir(exist_ok=True)
    (ROOT / "bench/results/training.md").write_text(report)
    sys.stdout.write(report)


if __name__ == "__main__":
    main()
