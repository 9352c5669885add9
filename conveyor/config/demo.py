"""The end-to-end demo's run-config schema (``configs/all.yaml``, ``run.py --pipeline all``)."""

from __future__ import annotations

from pydantic import Field

from conveyor.config.loader import RunConfig, Strict


class Stage(Strict):
    config: str = Field(description="the stage's run config, relative to the project root")
    overrides: list[str] = Field([], description="key=value overrides of that config, as with run.py --set")


class Traffic(Strict):
    rows: int = Field(gt=0, description="records sent to the running service")
    drift: float = Field(ge=0.0, description="shift of the churn generator's distribution (0 = training's)")
    seed: int
    batch_size: int = Field(gt=0, description="records per /predict_batch request")
    timeout: int = Field(gt=0, description="seconds to wait for the service to log every record")
    feedback: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="share of the records whose true label (the generator knows it) is posted to /feedback",
    )


class LabelledData(Strict):
    rows: int = Field(gt=0, description="newly labelled rows, drawn like the traffic, appended when retraining")
    drift: float = Field(ge=0.0)
    seed: int


class DemoParams(Strict):
    training: Stage
    deployment: Stage
    monitoring: Stage
    traffic: Traffic
    labelled: LabelledData | None = None
    redeploy: bool = Field(description="deploy again when retraining promoted a new champion")


class DemoConfig(RunConfig):
    parameters: DemoParams
