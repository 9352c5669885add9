"""The environment that points ZenML, MLflow and BentoML at the project's state directory.

``python -m conveyor.platform.env`` prints it as shell ``export`` lines; the Makefile appends them to
``.venv/bin/activate`` so ``zenml``, ``mlflow ui`` and ``bentoml`` see the same state as ``run.py``.
"""

from __future__ import annotations

import os

import yaml

from conveyor.platform.paths import project_root, state_dir

DEFAULT_STACK_FILE = "configs/stacks/local.yaml"


def default_tracking_uri() -> str:
    """The MLflow tracking URI of the default stack file, resolved to this state directory."""
    from conveyor.platform.stack import resolve_paths

    raw = yaml.safe_load((project_root() / DEFAULT_STACK_FILE).read_text())
    tracker = raw["components"]["experiment_tracker"]["configuration"]
    return str(resolve_paths("experiment_tracker", tracker)["tracking_uri"])


def state_environment() -> dict[str, str]:
    """Environment variables for the current state directory."""
    state = state_dir()
    return {
        "CONVEYOR_STATE_DIR": str(state),
        "ZENML_CONFIG_PATH": str(state / "zenml"),
        "ZENML_ANALYTICS_OPT_IN": "false",
        "ZENML_ENABLE_REPO_INIT_WARNINGS": "false",
        "BENTOML_HOME": str(state / "bentoml"),
        "MLFLOW_TRACKING_URI": default_tracking_uri(),
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    }


def configure_environment() -> None:
    """Set the state environment for this process, keeping any value the user already set.

    Call it before importing zenml: ZenML reads its config path once, at import.
    """
    for key, value in state_environment().items():
        os.environ.setdefault(key, value)


def main() -> None:
    for key, value in state_environment().items():
        print(f'export {key}="${{{key}:-{value}}}"')  # noqa: T201 - this is the command's output


if __name__ == "__main__":
    main()
