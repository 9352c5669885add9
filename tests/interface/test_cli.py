"""run.py as users type it: help without a stack, errors before any step, idempotent stacks, status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conveyor.cli import main
from conveyor.platform.paths import project_root

ROOT = project_root()


def test_help_lists_examples_on_a_machine_with_no_state(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENML_", "CONVEYOR_", "MLFLOW_", "BENTOML_"))}
    env["HOME"] = str(tmp_path)
    env["CONVEYOR_STATE_DIR"] = str(tmp_path / "state")
    result = subprocess.run(
        [sys.executable, "run.py", "--help"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "python run.py --pipeline training" in result.stdout
    assert "--set" in result.stdout
    assert not (tmp_path / "state").exists()


def test_nothing_to_do_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == 2
    assert "--pipeline NAME" in capsys.readouterr().err


def test_bad_config_fails_before_any_step(local_stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from zenml.client import Client

    raw = yaml.safe_load((ROOT / "configs/training.yaml").read_text())
    raw["parameters"]["split"]["test_sizee"] = 0.2
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw))
    runs_before = len(Client().list_pipeline_runs(size=1000))

    assert main(["--pipeline", "training", "--config", str(bad)]) == 2
    assert main(["--pipeline", "training", "--set", "selection.metrc=f1"]) == 2
    assert main(["--pipeline", "training", "--set", "data={kind: csv, path: data/no-such-file.csv}"]) == 2
    assert main(["--pipeline", "training", "--set", "candidates.rf.estimator=sklearn.ensemble.RandomForestRegressor",
                 "--set", "candidates.rf.family=null"]) == 2

    err = capsys.readouterr().err
    assert str(bad) in err and "parameters.split.test_sizee: unknown key" in err
    assert "parameters.selection.metrc: unknown key" in err
    assert "parameters.data.path: file " in err and "no-such-file.csv does not exist" in err
    assert "parameters.candidates.rf.estimator: sklearn.ensemble.RandomForestRegressor is a regressor" in err
    assert len(Client().list_pipeline_runs(size=1000)) == runs_before


def test_stack_applies_twice_without_prompting(local_stack: str) -> None:
    from zenml.client import Client

    stack = str(ROOT / "configs/stacks/local.yaml")
    assert main(["--stack", stack]) == 0
    assert main(["--stack", stack]) == 0
    assert Client().active_stack_model.name == "conveyor-local"


def test_bad_stack_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = yaml.safe_load((ROOT / "configs/stacks/local.yaml").read_text())
    raw["components"]["model_deployer"]["flavor"] = "bentoml2"
    bad = tmp_path / "stack.yaml"
    bad.write_text(yaml.safe_dump(raw))
    assert main(["--stack", str(bad)]) == 2
    assert "component 'model_deployer' (conveyor-bentoml): field 'flavor'" in capsys.readouterr().err


def test_status_json_reports_stack_and_stores(local_stack: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["stack"]["name"] == "conveyor-local"
    assert report["stores"]["mlflow_tracking_uri"] == local_stack
    assert set(report) == {"production", "models", "stack", "stores"}
    assert all(set(m) == {"model", "versions", "champion", "history"} for m in report["models"])


@pytest.mark.slow
def test_commands_started_together_on_a_new_state_directory_all_work(tmp_path: Path) -> None:
    """Neither ZenML nor MLflow guards the first creation of a local store: run.py does.

    Without the guards two of three failed (ZenML's first migration; then, in CI, MLflow's: four raw
    MlflowClients on one new SQLite file fail three or four times out of four).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENML_", "CONVEYOR_", "MLFLOW_", "BENTOML_"))}
    env["HOME"] = str(tmp_path)
    env["CONVEYOR_STATE_DIR"] = str(tmp_path / "state")
    commands = [
        subprocess.Popen([sys.executable, "run.py", "--status"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
        for _ in range(3)
    ]
    outputs = [command.communicate(timeout=300)[0] for command in commands]
    assert [command.returncode for command in commands] == [0, 0, 0], "\n\n".join(outputs)
    assert all("artifact_store" in output for output in outputs)
