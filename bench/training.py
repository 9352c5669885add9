"""Benchmark: the training pipeline against a plain scikit-learn script doing the same work.

Three candidates, measured in the same run as whole commands (process start included, as a user
sees them), alternating A B C A B C, repeated; medians and ratios to the plain script:

- plain:     python bench/plain_training.py                  (scikit-learn only)
- cold:      python run.py --pipeline training --no-cache     (ZenML + MLflow + registry + gate + card)
- cached:    python run.py --pipeline training                (a rerun with ZenML's cache on)

Usage: python bench/training.py [--repeats 3] [--set data.rows=4000 ...]
Writes bench/results/training.md and prints it.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()

    state = Path(tempfile.mkdtemp(prefix="conveyor-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENML_", "MLFLOW_", "BENTOML_", "CONVEYOR_"))}
    env["CONVEYOR_STATE_DIR"] = str(state)
    sets = [a for o in args.overrides for a in ("--set", o)]
    config = ROOT / "configs/training.yaml"
    if args.overrides:  # the plain script takes a config file: write the overridden one
        from conveyor.config import TrainingConfig, load_run_config

        resolved = load_run_config(config, TrainingConfig, args.overrides)
        config = state / "training.yaml"
        config.write_text(resolved.model_dump_json())
    commands = {
        "plain scikit-learn script": [sys.executable, "bench/plain_training.py", "--config", str(config)],
        "pipeline, cache off": [sys.executable, "run.py", "--pipeline", "training", "--no-cache", *sets],
        "pipeline, cached rerun": [sys.executable, "run.py", "--pipeline", "training", *sets],
    }
    _timed([sys.executable, "run.py", "--stack", "configs/stacks/local.yaml"], env)  # set-up, not measured
    times: dict[str, list[float]] = {name: [] for name in commands}
    for repeat in range(args.repeats):
        for name, command in commands.items():
            times[name].append(_timed(command, env))
            sys.stderr.write(f"[{repeat + 1}/{args.repeats}] {name}: {times[name][-1]:.1f}s\n")

    base = statistics.median(times["plain scikit-learn script"])
    lines = [
        "| command | median s | min s | max s | ratio to plain |",
        "|---|---|---|---|---|",
    ]
    for name, values in times.items():
        median = statistics.median(values)
        lines.append(f"| {name} | {median:.1f} | {min(values):.1f} | {max(values):.1f} | {median / base:.2f}x |")
    import sklearn
    import zenml

    note = (
        f"{args.repeats} repeats, alternating; {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"zenml {zenml.__version__}, scikit-learn {sklearn.__version__}; "
        f"`python bench/training.py --repeats {args.repeats}" + "".join(f" --set {o}" for o in args.overrides) + "`"
    )
    report = "\n".join(lines) + "\n\n" + note + "\n"
    (ROOT / "bench/results").mkdir(exist_ok=True)
    (ROOT / "bench/results/training.md").write_text(report)
    sys.stdout.write(report)


if __name__ == "__main__":
    main()
