"""skl2onnx's converter for ``SimpleImputer``, replaced for double-precision inputs (``skl2onnx-double-imputer``).

skl2onnx converts a numeric ``SimpleImputer`` to the ``ai.onnx.ml`` ``Imputer`` operator, which ONNX Runtime
runs on float only, so a double-precision graph of Conveyor's preprocessing would not load. For a double input
the replacement writes what the imputer does with standard operators: ``Where(IsNaN(x), statistics, x)``, the
fitted statistics kept in double. String and float inputs go to skl2onnx's own converter, unchanged.

``register_double_imputer()`` is idempotent; outside the skl2onnx versions it was written for it warns and
leaves skl2onnx as it is (the double graph then fails to load and Conveyor serves scikit-learn, saying why).
"""

from __future__ import annotations

from typing import Any

from conveyor.compat.patches import SKL2ONNX_DOUBLE_IMPUTER

_registered = False


def register_double_imputer() -> bool:
    """Replace skl2onnx's ``SimpleImputer`` converter for double inputs; False when the patch is skipped."""
    global _registered
    if _registered:
        return True
    if not SKL2ONNX_DOUBLE_IMPUTER.check():
        return False
    import numpy as np
    from skl2onnx import update_registered_converter
    from skl2onnx.common.data_types import DoubleTensorType
    from skl2onnx.operator_converters.common import concatenate_variables
    from skl2onnx.operator_converters.imputer_op import convert_sklearn_imputer
    from skl2onnx.proto import onnx_proto
    from skl2onnx.shape_calculators.imputer import calculate_sklearn_imputer_output_shapes
    from sklearn.impute import SimpleImputer

    def convert(scope: Any, operator: Any, container: Any) -> None:
        if not isinstance(operator.inputs[0].type, DoubleTensorType):
            convert_sklearn_imputer(scope, operator, container)
            return
        imputer = operator.raw_operator
        if imputer.fill_value is not None and imputer.strategy == "constant":
            statistics = np.full(len(imputer.statistics_), float(imputer.fill_value))
        else:
            statistics = np.asarray(imputer.statistics_, dtype=np.float64)
        if not (isinstance(imputer.missing_values, float) and np.isnan(imputer.missing_values)):
            missing = imputer.missing_values
            raise NotImplementedError(f"a double SimpleImputer converts with missing_values=NaN, not {missing!r}")
        x = concatenate_variables(scope, operator.inputs, container)
        fill = scope.get_unique_variable_name("impute_statistics")
        container.add_initializer(fill, onnx_proto.TensorProto.DOUBLE, [1, len(statistics)], statistics.tolist())
        missing = scope.get_unique_variable_name("impute_missing")
        container.add_node("IsNaN", [x], [missing], name=scope.get_unique_operator_name("IsNaN"))
        container.add_node(
            "Where", [missing, fill, x], [operator.outputs[0].full_name], name=scope.get_unique_operator_name("Where")
        )

    update_registered_converter(
        SimpleImputer, "SklearnImputer", calculate_sklearn_imputer_output_shapes, convert, overwrite=True
    )
    _registered = True
    return True
