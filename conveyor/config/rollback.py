"""The rollback pipeline's run-config schema (``configs/rollback.yaml``, ``run.py --pipeline rollback``)."""

from __future__ import annotations

from pydantic import Field

from conveyor.config.demo import Stage
from conveyor.config.loader import RunConfig, Strict

DEFAULT_ROLLBACK_REASON = "manual rollback"  # recorded when the config gives no reason


class RollbackParams(Strict):
    to_version: int | None = Field(
        None,
        ge=1,
        description="the registry version to make champion; null = the previous champion (the one before the "
        "current, from the promotion history)",
    )
    reason: str | None = Field(
        None,
        description=f"why: recorded in the promotion history and on both versions; null = '{DEFAULT_ROLLBACK_REASON}'",
    )
    redeploy: Stage = Field(
        description="the deployment config a running service of the model is redeployed with: the model name and "
        "the running service's host, port, workers and mode are set first, then these overrides"
    )


class RollbackConfig(RunConfig):
    parameters: RollbackParams
