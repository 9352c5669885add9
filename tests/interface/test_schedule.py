"""run.py on the local stack refuses a config's schedule before any step, and says which crontab line does the same."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from conveyor.cli import main
from conveyor.config import TrainingConfig, load_run_config
from conveyor.platform.paths import project_root

ROOT = project_root()


def test_the_local_stack_refuses_a_schedule_and_prints_the_crontab_line(
    local_stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from zenml.client import Client

    raw = yaml.safe_load((ROOT / "configs/training.yaml").read_text())
    raw["schedule"] = {"cron": "0 3 * * 1"}
    weekly = tmp_path / "weekly training.yaml"  # a space: the line must quote it
    weekly.write_text(yaml.safe_dump(raw))
    runs_before = len(Client().list_pipeline_runs(size=1000))

    assert main(["--pipeline", "training", "--config", str(weekly), "--set", "seed=11"]) == 2

    err = capsys.readouterr().err
    assert f"schedule '0 3 * * 1' in {weekly}" in err
    assert "'local' orchestrator, which starts no scheduled runs; nothing was run" in err
    assert len(Client().list_pipeline_runs(size=1000)) == runs_before
    line = next(text.strip() for text in err.splitlines() if text.strip().startswith("0 3 * * 1 cd "))
    minute, hour, day, month, weekday, *command = shlex.split(line)
    assert [minute, hour, day, month, weekday] == ["0", "3", "*", "*", "1"]
    assert command[:3] == ["cd", str(ROOT), "&&"]
    assert (ROOT / command[3]).is_file() and command[4] == "run.py"  # the project's own interpreter
    words = command[5:]
    assert words[:4] == ["--pipeline", "training", "--config", str(weekly)]
    # The same run, without the schedule that the local stack refuses: the line itself is not refused.
    overrides = [words[i + 1] for i, word in enumerate(words) if word == "--set"]
    assert overrides == ["seed=11", "schedule=null"]
    again = load_run_config(words[3], TrainingConfig, overrides)
    assert again.schedule is None and again.parameters.seed == 11


def test_a_schedule_given_with_set_is_refused_too_and_left_out_of_the_line(
    local_stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--pipeline", "monitoring", "--set", 'schedule={cron: "*/30 * * * *"}']) == 2
    err = capsys.readouterr().err
    line = next(text.strip() for text in err.splitlines() if text.strip().startswith("*/30 * * * * cd "))
    assert line.endswith("run.py --pipeline monitoring --config configs/monitoring.yaml --set schedule=null")
