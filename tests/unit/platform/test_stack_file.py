"""Stack files are validated without a ZenML store; errors name the component and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conveyor.errors import StackError
from conveyor.platform.paths import project_root
from conveyor.platform.stack import load_stack_file

LOCAL = project_root() / "configs/stacks/local.yaml"


def _write(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load(LOCAL.read_text())
    mutate(raw)
    path = tmp_path / "stack.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_local_stack_resolves_paths_inside_the_state_dir(state_dir: Path) -> None:
    spec = load_stack_file(LOCAL)
    assert spec.component("artifact_store").configuration["path"] == str(state_dir / "artifacts")
    tracker = spec.component("experiment_tracker").configuration["tracking_uri"]
    assert tracker == f"sqlite:///{state_dir / 'mlflow' / 'mlflow.db'}"


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda r: r["components"]["model_deployer"].update(flavor="bentoml2"), "component 'model_deployer'"),
        (lambda r: r["components"]["model_deployer"].update(flavor="bentoml2"), "field 'flavor': unknown flavor"),
        (lambda r: r["components"]["experiment_tracker"].pop("name"), "field 'name' is missing"),
        (
            lambda r: r["components"].update(artifact_store={"name": "s3-store", "flavor": "s3", "configuration": {}}),
            "component 'artifact_store' (s3-store): field 'path'",
        ),
        (
            lambda r: r["components"]["experiment_tracker"]["configuration"].update(tracking_url="x"),
            "unknown configuration field 'tracking_url'",
        ),
        (lambda r: r["components"].pop("orchestrator"), "component 'orchestrator' is missing"),
        (lambda r: r["components"].update(feature_shop={"name": "x", "flavor": "y"}), "unknown component type"),
        (lambda r: r.pop("stack_name"), "'stack_name' is missing"),
    ],
)
def test_bad_stack_files_name_component_and_field(tmp_path: Path, mutate, words: str) -> None:
    with pytest.raises(StackError) as failure:
        load_stack_file(_write(tmp_path, mutate))
    assert words in str(failure.value)
