"""Faults and concurrent use of the training pipeline, on the real default stack (ZenML + MLflow on SQLite).

- A run killed with SIGKILL during candidate search changes neither the registry nor the champion, and
  the next run succeeds, reusing the steps the killed run had finished.
- Two training runs started at the same moment both finish or one fails with a clear error; neither
  store is corrupted and at most one of them promotes.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import mlflow
import pytest
from zenml.client import Client
from zenml.enums import ExecutionStatus

from conveyor.names import CHAMPION_ALIAS, PRODUCTION_STAGE
from conveyor.platform.launcher import run_pipeline
from conveyor.platform.paths import project_root
from tests.conftest import TINY_TRAINING

pytestmark = pytest.mark.slow

# A candidate search that takes long enough to be killed in the middle (a few seconds on 2 cores).
SLOW_SEARCH = "candidates.random_forest.search={n_estimators: [150, 250], max_depth: [6, null]}"


def start_training(*overrides: str) -> subprocess.Popen[str]:
    """``run.py --pipeline training`` in its own process group, on this session's stores."""
    args = [sys.executable, "run.py", "--pipeline", "training"]
    for override in (*TINY_TRAINING, *overrides):
        args += ["--set", override]
    return subprocess.Popen(
        args,
        cwd=project_root(),
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def champion(uri: str, name: str) -> str | None:
    try:
        return str(mlflow.MlflowClient(tracking_uri=uri).get_model_version_by_alias(name, CHAMPION_ALIAS).version)
    except mlflow.exceptions.MlflowException:
        return None


def registry_state(uri: str, name: str) -> dict[str, Any]:
    versions = mlflow.MlflowClient(tracking_uri=uri).search_model_versions(f"name='{name}'")
    production = Client().list_model_versions(model=name, stage=PRODUCTION_STAGE)
    return {
        "mlflow_versions": sorted(int(v.version) for v in versions),
        "champion": champion(uri, name),
        "production": sorted(v.number for v in production),
    }


def runs_of(model: str) -> list[Any]:
    runs = Client().list_pipeline_runs(size=100, hydrate=True)
    return [r for r in runs if f"model:{model}" in {t.name for t in r.tags}]


def wait_for_running_step(model: str, step: str, process: subprocess.Popen[str], timeout: float = 300) -> Any:
    """The run of ``model`` once ``step`` is running (polling the ZenML store the run writes to)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the run ended before '{step}' started:\n{process.stdout.read() if process.stdout else ''}")
        for run in runs_of(model):
            steps = Client().get_pipeline_run(run.id).steps
            if step in steps and steps[step].status == ExecutionStatus.RUNNING:
                return run
        time.sleep(0.5)
    pytest.fail(f"'{step}' did not start within {timeout:.0f}s")


def output(run: Any, step: str, name: str) -> Any:
    return run.steps[step].outputs[name][0].load()


def sqlite_ok(path: Path) -> bool:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_sigkill_during_candidate_search_changes_nothing_and_the_rerun_reuses_cached_steps(
    local_stack: str, training_config: Any, state_dir: Path
) -> None:
    established = training_config()
    name = established.model.name
    run_pipeline("training", established, no_cache=True)
    before = registry_state(local_stack, name)
    assert before["champion"] == "1"

    # Other data (so data steps really run in the killed run) and a slower search, killed mid-way.
    changed = ("data.rows=500", SLOW_SEARCH, f"model.name={name}")
    process = start_training(*changed)
    killed = wait_for_running_step(name, "train_candidates", process)
    time.sleep(1.0)  # inside the search, not at its first line
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL

    assert registry_state(local_stack, name) == before
    killed_steps = Client().get_pipeline_run(killed.id).steps
    assert killed_steps["split_data"].status == ExecutionStatus.COMPLETED
    assert "register_model" not in killed_steps

    rerun = run_pipeline("training", training_config(*changed), no_cache=False)
    steps = Client().get_pipeline_run(rerun.id).steps
    for step in ("load_data", "validate_data", "split_data"):
        assert steps[step].status == ExecutionStatus.CACHED, step
    assert steps["train_candidates"].status == ExecutionStatus.COMPLETED
    assert steps["model_card"].status == ExecutionStatus.COMPLETED
    after = registry_state(local_stack, name)
    assert after["mlflow_versions"] == [*before["mlflow_versions"], 2]
    promoted = output(Client().get_pipeline_run(rerun.id), "promote_model", "promotion").promoted
    assert after["champion"] == ("2" if promoted else "1")
    assert len(after["production"]) == 1
    assert sqlite_ok(Path(local_stack.removeprefix("sqlite:///")))
    assert sqlite_ok(state_dir / "zenml" / "local_stores" / "default_zen_store" / "zenml.db")


def test_two_concurrent_runs_finish_without_corruption_and_at_most_one_promotes(
    local_stack: str, training_config: Any, state_dir: Path
) -> None:
    name = training_config().model.name
    # Two equally good challengers for the same (empty) champion slot: both gates may say "promote",
    # and then only the compare-and-set decides.
    processes = [start_training(f"model.name={name}") for _ in range(2)]
    outputs = [p.communicate(timeout=900)[0] for p in processes]
    codes = [p.returncode for p in processes]

    assert 0 in codes, "\n----\n".join(outputs)
    for code, text in zip(codes, outputs, strict=True):
        # A failed run exits through run.py's error path (code 2, one message), never a crash or a hang.
        assert code in (0, 2), text[-3000:]

    runs = runs_of(name)
    finished = [Client().get_pipeline_run(r.id) for r in runs if r.status == ExecutionStatus.COMPLETED]
    assert len(finished) == codes.count(0)
    outcomes = [(output(r, "gate_model", "gate_decision"), output(r, "promote_model", "promotion")) for r in finished]
    winners = [(decision, promotion) for decision, promotion in outcomes if promotion.promoted]
    # Compare-and-set: of the runs gated against the same champion, at most one moves the alias.
    assert len(winners) == 1, outcomes
    state = registry_state(local_stack, name)
    assert state["champion"] == winners[0][1].version
    assert len(state["production"]) == 1
    assert len(state["mlflow_versions"]) == len(set(state["mlflow_versions"])) >= codes.count(0)
    assert sqlite_ok(Path(local_stack.removeprefix("sqlite:///")))
    assert sqlite_ok(state_dir / "zenml" / "local_stores" / "default_zen_store" / "zenml.db")
