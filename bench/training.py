"""Benchmark: the training pipeline against a plain scikit-learn script doing the same work.

For each config (the churn classification config and the diabetes regression config by default), measured
in the same run as whole commands (process start included, as a user sees them), alternating A B C A B C,
repeated; medians and ratios to the plain script:

- plain:     python bench/plain_training.py --config C        (scikit-learn only)
- cold:      python run.py --pipeline training --config C --no-cache   (ZenML + MLflow + registry + gate + card)
- cached:    python run.py --pipeline training --config C     (a rerun with ZenML's cache on)

Usage: python bench/training.py [--repeats 3] [--config configs/training.yaml ...] [--set data.rows=4000 ...]
(--set applies to every config). Writes bench/results/training.md and prints it.
"""

from __future__ import annotations

import argparse
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
    for repeat in range(repeats):
        for name, command in commands.items():
            times[name].append(_timed(command, env))
            sys.stderr.write(f"[{config_arg} {repeat + 1}/{repeats}] {name}: {times[name][-1]:.1f}s\n")
    base = statistics.median(times["plain scikit-learn script"])
    rows = []
    for name, values in times.items():
        median = statistics.median(values)
        rows.append(
            f"| {config_arg} | {name} | {median:.1f} | {min(values):.1f} | {max(values):.1f} | {median / base:.2f}x |"
        )
    return rows


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
        "| config | command | median s | min s | max s | ratio to plain |",
        "|---|---|---|---|---|---|",
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
