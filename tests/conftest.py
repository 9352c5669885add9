"""Test set-up: every test session gets its own state directory (ZenML store, MLflow, BentoML).

The environment is set in pytest_configure, before any test module imports zenml, because ZenML
reads its config path once at import.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

_STATE: Path | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _STATE
    _STATE = Path(tempfile.mkdtemp(prefix="conveyor-tests-"))
    for key in ("ZENML_CONFIG_PATH", "BENTOML_HOME", "MLFLOW_TRACKING_URI", "ZENML_STORE_URL"):
        os.environ.pop(key, None)
    os.environ["CONVEYOR_STATE_DIR"] = str(_STATE)
    # Under pytest-xdist the workers' __main__ has no file, so ZenML could not infer the source root.
    os.environ["ZENML_CUSTOM_SOURCE_ROOT"] = str(Path(__file__).resolve().parents[1])
    from conveyor.platform.env import configure_environment

    configure_environment()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A marker or -k that selects no tests is not a failure (pytest's exit code 5)."""
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.OK


def pytest_unconfigure(config: pytest.Config) -> None:
    if _STATE is not None:
        shutil.rmtree(_STATE, ignore_errors=True)


@pytest.fixture(scope="session")
def state_dir() -> Path:
    assert _STATE is not None
    return _STATE


@pytest.fixture(scope="session")
def local_stack(state_dir: Path) -> str:
    """The project's own default stack, applied to the session's isolated ZenML store."""
    from conveyor.platform.launcher import ensure_stack
    from conveyor.platform.paths import project_root

    ensure_stack(project_root() / "configs/stacks/local.yaml")
    from conveyor.platform.registry import stack_tracking_uri

    return stack_tracking_uri()


TINY_TRAINING = [
    "data.rows=400",
    "validation.min_rows=50",
    "selection.cv_folds=2",
    "candidates.random_forest.search={n_estimators: [20], max_depth: [4]}",
    "candidates.random_forest.n_iter=null",
    "candidates.hist_gradient_boosting.search={max_iter: [30], learning_rate: [0.1]}",
    "candidates.hist_gradient_boosting.n_iter=null",
    "fairness=null",  # a few dozen holdout rows per region say little; tests that need fairness set it
    "explain.n_repeats=1",
    "gate.bootstrap=200",  # holdouts of about 100 rows; the gate's own tests set what they measure
]


@pytest.fixture
def training_config(request: pytest.FixtureRequest) -> Any:
    """A tiny training config with a model name of its own, so tests never share a registry entry."""

    def make(*overrides: str, base: str = "configs/training.yaml") -> Any:
        """Load ``base`` with overrides; the default config is also shrunk to tiny data and grids."""
        from conveyor.config import TrainingConfig, load_run_config
        from conveyor.platform.paths import project_root

        name = "t-" + request.node.name.replace("[", "-").replace("]", "").replace("_", "-")[:60]
        return load_run_config(
            project_root() / base,
            TrainingConfig,
            [*(TINY_TRAINING if base == "configs/training.yaml" else []), f"model.name={name}", *overrides],
        )

    return make
