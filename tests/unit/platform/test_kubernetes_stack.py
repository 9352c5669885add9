"""The scale-out stack file validates with the loader that applies the local stack, without a cluster."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conveyor.errors import StackError
from conveyor.platform.images import image_requirements
from conveyor.platform.paths import project_root
from conveyor.platform.stack import SECRET_REFERENCE, load_stack_file

KUBERNETES = project_root() / "configs/stacks/kubernetes.yaml"


def _secret_names(raw: dict) -> set[str]:
    names = set()
    for body in raw["components"].values():
        for value in (body.get("configuration") or {}).values():
            if isinstance(value, str) and SECRET_REFERENCE.fullmatch(value):
                names.add(value.strip("{} ").split(".")[0])
    return names


def test_kubernetes_stack_validates_and_is_remote_only(state_dir: Path) -> None:
    spec = load_stack_file(KUBERNETES)
    flavors = {c.type: c.flavor for c in spec.components}
    assert flavors["orchestrator"] == "kubernetes"
    assert flavors["artifact_store"] == "s3"
    assert flavors["experiment_tracker"] == flavors["model_registry"] == "mlflow"
    assert flavors["model_deployer"] == "bentoml"
    # A remote orchestrator needs images: a registry, and a builder that needs no local Docker.
    assert flavors["container_registry"] == "default"
    assert flavors["image_builder"] == "kaniko"
    # Nothing points at this machine.
    assert spec.component("artifact_store").configuration["path"].startswith("s3://")
    assert spec.component("experiment_tracker").configuration["tracking_uri"].startswith("https://")
    text = KUBERNETES.read_text()
    for local_marker in ("sqlite", "localhost", "127.0.0.1", str(state_dir), "file://"):
        assert local_marker not in text


def test_kubernetes_stack_takes_every_credential_from_a_secret() -> None:
    raw = yaml.safe_load(KUBERNETES.read_text())
    assert _secret_names(raw) == {"conveyor_s3", "conveyor_mlflow"}
    assert raw["components"]["container_registry"]["configuration"]["authentication_secret"] == "conveyor_registry"
    guide = (project_root() / "docs" / "stacks.md").read_text()
    for name in ("conveyor_s3", "conveyor_mlflow", "conveyor_registry"):
        assert f"zenml secret create {name}" in guide, f"docs/stacks.md must say how to create secret {name}"


@pytest.mark.parametrize(
    ("component", "field", "value", "words"),
    [
        ("experiment_tracker", "tracking_password", "hunter2", "field 'tracking_password' holds a credential"),
        ("artifact_store", "secret", "AKIA-plain", "field 'secret' holds a credential in plain text"),
        ("experiment_tracker", "tracking_token", "{{ conveyor_mlflow.token }}", "exactly one authentication method"),
        ("orchestrator", "kubernetes_namespaces", "x", "unknown configuration field 'kubernetes_namespaces'"),
        ("orchestrator", "max_parallelism", 0, "field 'max_parallelism'"),
    ],
)
def test_bad_kubernetes_stack_files_are_rejected(
    tmp_path: Path, component: str, field: str, value: object, words: str
) -> None:
    raw = yaml.safe_load(KUBERNETES.read_text())
    raw["components"][component]["configuration"][field] = value
    path = tmp_path / "stack.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(StackError) as failure:
        load_stack_file(path)
    assert words in str(failure.value)
    assert "hunter2" not in str(failure.value)  # an error never echoes a credential


def test_step_image_gets_the_project_pins() -> None:
    requirements = image_requirements()
    assert any(r.startswith("zenml[server]==") for r in requirements)
    assert any(r.startswith("s3fs==") for r in requirements)
    assert any(r.startswith("kubernetes==") for r in requirements)


APPLY = """
from conveyor.platform.env import configure_environment
configure_environment()
from zenml.client import Client
from conveyor.platform.stack import apply_stack, load_stack_file
client = Client()
for name, keys in SECRETS.items():
    client.create_secret(name, {key: "not-a-real-value" for key in keys})
apply_stack(load_stack_file(PATH))
print("ACTIVE", client.active_stack_model.name)
"""


@pytest.mark.slow
def test_zenml_itself_accepts_the_kubernetes_stack(tmp_path: Path) -> None:
    """Register the stack in a throwaway ZenML store (its own process: activating it must not touch this session)."""
    secrets = {
        "conveyor_s3": ["aws_access_key_id", "aws_secret_access_key"],
        "conveyor_mlflow": ["username", "password"],
        "conveyor_registry": ["username", "password"],
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENML_", "MLFLOW_", "BENTOML_"))}
    env["CONVEYOR_STATE_DIR"] = str(tmp_path / "state")
    code = f"SECRETS = {secrets!r}\nPATH = {str(KUBERNETES)!r}\n{APPLY}"
    script = tmp_path / "apply_kubernetes_stack.py"
    script.write_text(code)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=project_root(), env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ACTIVE conveyor-kubernetes" in done.stdout


def test_the_step_image_gets_the_code_but_not_the_local_state_or_venv(tmp_path: Path) -> None:
    """ZenML builds the image from the project root with its .dockerignore; the state sits inside after make run."""
    import shutil

    from zenml.image_builders.build_context import BuildContext

    root = tmp_path / "project"
    shutil.copytree(project_root(), root, ignore=shutil.ignore_patterns(".venv", ".conveyor", ".git", "*.egg-info"))
    for junk in (".conveyor/mlflow/mlflow.db", ".conveyor/bentoml/bentos/conveyor/v1/src/service.py",
                 ".venv/lib/python3.11/site-packages/x.py", "steps/__pycache__/x.pyc"):
        (root / junk).parent.mkdir(parents=True, exist_ok=True)
        (root / junk).write_text("x")
    files = set(BuildContext(root=str(root)).get_files())
    assert {"run.py", "service.py", "conveyor/cli.py", "steps/training/train_candidates.py",
            "configs/training.yaml", "pipelines/training.py"} <= files
    assert not [f for f in files if f.startswith((".conveyor/", ".venv/", ".git/")) or f.endswith(".pyc")]
