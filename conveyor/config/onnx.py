"""The training run's ``onnx`` section: whether the registered Pipeline is compiled, and its parity gate."""

from __future__ import annotations

from pydantic import Field

from conveyor.config.loader import Strict


class OnnxSettings(Strict):
    """Compile the registered Pipeline to ONNX and check it against scikit-learn (conveyor/training/onnx_parity.py).

    The graph is served (``service.runtime: auto``) only when its labels equal scikit-learn's on the holdout and
    on the seeded sample, and its probabilities (or predictions) are within ``tolerance``.
    """

    convert: bool = Field(True, description="compile to ONNX at registration; false = the service runs scikit-learn")
    tolerance: float = Field(
        1.0e-5,
        gt=0,
        le=0.01,
        description="classification: largest allowed difference of a class probability (labels must be equal); "
        "regression: a prediction may differ by at most tolerance * max(1, |scikit-learn's|)",
    )
    sample_rows: int = Field(
        256, gt=0, description="records of the seeded parity sample (every category, nulls), besides the holdout"
    )
