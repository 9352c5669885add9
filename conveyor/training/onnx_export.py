"""The registered Pipeline compiled to one ONNX graph, in the layout conveyor/platform/onnx_runtime.py runs.

``compile_pipeline`` builds it in three parts and merges them with ``onnx.compose``:

1. **Preprocessing.** A deep copy of the fitted ``ColumnTransformer``, converted by skl2onnx with one input per
   feature. The copy drops the ``FunctionTransformer(missing_as_nan)`` that the converter cannot take and makes
   the categorical imputer replace ``MISSING_CATEGORY`` instead, which the graph's inputs carry for a missing
   category: the same scikit-learn behaviour on those inputs. Numeric inputs are double, and the numeric imputer
   is written as ``Where(IsNaN(x), statistics, x)`` (conveyor/compat/onnx_converters.py).
2. **The estimator**, by skl2onnx (scikit-learn) or onnxmltools (XGBoost, LightGBM), with double inputs where the
   converter and ONNX Runtime take them, else float. scikit-learn's trees compare ``float32(x)`` with their
   thresholds, so for them the graph casts the features to float and back to double first: the same comparison.
3. **A cast** between the two, and the output renamed ``probabilities`` or ``prediction``.

``compile_and_check`` then splits a forest's tree ensemble into blocks of trees whose outputs are summed, which
ONNX Runtime runs faster on calls of many rows (conveyor/training/onnx_blocks.py).

Whether the graph is served is the parity check's to say (``check_parity``, conveyor/training/onnx_parity.py).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any

from sklearn.base import is_classifier

from conveyor.errors import NotConvertibleError
from conveyor.platform.onnx_runtime import MISSING_CATEGORY, PREDICTION, PROBABILITIES, OnnxPredictor
from conveyor.training.estimators import EncodedLabels
from conveyor.training.models import ESTIMATOR_STEP, missing_as_nan

OPSET = 15  # the highest default-domain opset onnxmltools 1.16 converts to; skl2onnx uses the same
ML_OPSET = 3  # ai.onnx.ml 3: tree thresholds and leaf values as double tensors


@dataclass(frozen=True)
class Compiled:
    """One ONNX graph of a Pipeline, and how it was made."""

    graph: bytes
    precision: str  # "double" or "float": the estimator's input
    converter: str  # e.g. "skl2onnx 1.20.0"
    seconds: float


def _estimator(model: Any) -> Any:
    estimator = model.named_steps[ESTIMATOR_STEP]
    return estimator.estimator_ if isinstance(estimator, EncodedLabels) else estimator  # same classes_ order


def _float32_trees(estimator: Any) -> bool:
    """Whether ``estimator`` is scikit-learn trees, which compare ``float32(x)`` with their thresholds."""
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        GradientBoostingClassifier,
        GradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.tree import BaseDecisionTree

    forests = (RandomForestClassifier, RandomForestRegressor, ExtraTreesClassifier, ExtraTreesRegressor)
    boosted = (GradientBoostingClassifier, GradientBoostingRegressor)
    return isinstance(estimator, (*forests, *boosted, BaseDecisionTree))


def rewrite_preprocessing(preprocess: Any) -> Any:
    """A copy of the fitted ColumnTransformer without ``missing_as_nan``: its imputer replaces MISSING_CATEGORY."""
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    rewritten = copy.deepcopy(preprocess)
    for name, branch, _ in rewritten.transformers_:
        if not isinstance(branch, Pipeline):
            continue
        steps = branch.steps
        for index, (_, step) in enumerate(steps):
            if isinstance(step, FunctionTransformer) and step.func is missing_as_nan:
                following = steps[index + 1][1] if index + 1 < len(steps) else None
                if not isinstance(following, SimpleImputer):
                    raise NotConvertibleError(f"branch {name!r}: missing_as_nan is not followed by a SimpleImputer")
                following.missing_values = MISSING_CATEGORY
        branch.steps = [s for s in steps if not (isinstance(s[1], FunctionTransformer) and s[1].func is missing_as_nan)]
    return rewritten


def _preprocessing_graph(model: Any, features: list[dict[str, Any]]) -> Any:
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType, StringTensorType

    from conveyor.compat.onnx_converters import register_double_imputer

    register_double_imputer()
    types = [
        (f["name"], DoubleTensorType([None, 1]) if f["kind"] == "numeric" else StringTensorType([None, 1]))
        for f in features
    ]
    preprocess = rewrite_preprocessing(model.named_steps["preprocess"])
    try:
        return convert_sklearn(preprocess, initial_types=types, target_opset={"": OPSET, "ai.onnx.ml": ML_OPSET})
    except Exception as error:  # skl2onnx raises many types; the reason goes into the report
        reason = f"skl2onnx cannot convert the preprocessing: {type(error).__name__}: {error}"
        raise NotConvertibleError(reason) from error


def _estimator_graph(estimator: Any, width: int, precision: str) -> tuple[Any, str]:
    """The estimator's graph with input ``x`` [N, width] of ``precision``, and the converter's name."""
    from importlib.metadata import version

    library = type(estimator).__module__.split(".")[0]
    if library in ("xgboost", "lightgbm"):
        import onnxmltools
        from onnxmltools.convert.common.data_types import FloatTensorType

        if precision == "double":
            raise NotConvertibleError(f"onnxmltools converts {library} with float inputs only")
        convert = onnxmltools.convert_xgboost if library == "xgboost" else onnxmltools.convert_lightgbm
        extra = {"zipmap": False} if library == "lightgbm" else {}
        graph = convert(estimator, initial_types=[("x", FloatTensorType([None, width]))], target_opset=OPSET, **extra)
        return graph, f"onnxmltools {version('onnxmltools')}"
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    tensor = DoubleTensorType if precision == "double" else FloatTensorType
    options = {id(estimator): {"zipmap": False}} if is_classifier(estimator) else None
    graph = convert_sklearn(
        estimator,
        initial_types=[("x", tensor([None, width]))],
        target_opset={"": OPSET, "ai.onnx.ml": ML_OPSET},
        options=options,
    )
    return graph, f"skl2onnx {version('skl2onnx')}"


def _bridge(width: int, casts: list[int]) -> Any:
    from onnx import TensorProto, helper

    names = ["features", *[f"cast{i}" for i in range(len(casts))]]
    nodes = [helper.make_node("Cast", [names[i]], [names[i + 1]], to=to) for i, to in enumerate(casts)]
    if not nodes:
        nodes = [helper.make_node("Identity", ["features"], ["cast0"])]
        names.append("cast0")
    graph = helper.make_graph(
        nodes,
        "cast",
        [helper.make_tensor_value_info("features", TensorProto.DOUBLE, [None, width])],
        [helper.make_tensor_value_info(names[-1], casts[-1] if casts else TensorProto.DOUBLE, [None, width])],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)]), names[-1]


def _align(models: list[Any]) -> None:
    """One IR version and one opset per domain for all ``models`` (the highest of each), as merging requires."""
    ir_version = max(m.ir_version for m in models)
    highest: dict[str, int] = {}
    for model in models:
        for entry in model.opset_import:
            highest[entry.domain] = max(highest.get(entry.domain, 0), entry.version)
    for model in models:
        model.ir_version = ir_version
        present = {entry.domain for entry in model.opset_import}
        for entry in model.opset_import:
            entry.version = highest[entry.domain]
        for domain in sorted(set(highest) - present):
            model.opset_import.add(domain=domain, version=highest[domain])


def _merge(pre: Any, estimator: Any, width: int, precision: str, trees: bool, classifier: bool) -> bytes:
    from onnx import TensorProto, compose, helper

    casts = [TensorProto.FLOAT] if precision == "float" else ([TensorProto.FLOAT, TensorProto.DOUBLE] if trees else [])
    bridge, bridge_out = _bridge(width, casts)
    _align([pre, bridge, estimator])
    merged = compose.merge_models(pre, bridge, io_map=[(pre.graph.output[0].name, "features")], prefix2="bridge_")
    wanted = estimator.graph.output[1 if classifier else 0].name
    merged = compose.merge_models(
        merged, estimator, io_map=[(f"bridge_{bridge_out}", "x")], prefix2="model_", outputs=[f"model_{wanted}"]
    )
    final = PROBABILITIES if classifier else PREDICTION
    merged.graph.node.append(helper.make_node("Identity", [f"model_{wanted}"], [final]))
    output = merged.graph.output[0]
    output.name = final
    return merged.SerializeToString()


def _innermost(error: BaseException) -> str:
    """The first line of the exception that started ``error``'s chain: the converters wrap the telling one."""
    while error.__cause__ is not None or error.__context__ is not None:
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    first = (str(error).strip().splitlines() or ["(no message)"])[0][:300]
    return f"{type(error).__name__}: {first}"


def compile_pipeline(model: Any, features: list[dict[str, Any]]) -> Compiled:
    """The fitted Pipeline ``model`` as one ONNX graph over the schema's ``features``; NotConvertibleError if not.

    Double precision first; float when the converter or ONNX Runtime does not take the double graph. Each graph
    is loaded once by ONNX Runtime before it is returned.
    """
    started = time.perf_counter()
    estimator = _estimator(model)
    if any(MISSING_CATEGORY in (f.get("categories") or []) for f in features):
        raise NotConvertibleError(f"a category is {MISSING_CATEGORY!r}, the string the graph uses for a missing one")
    trees = _float32_trees(estimator)
    classifier = is_classifier(estimator)
    if classifier and not hasattr(estimator, "predict_proba"):
        raise NotConvertibleError(f"{type(estimator).__name__} gives no class probabilities, which the graph answers")
    width = len(model.named_steps["preprocess"].get_feature_names_out())
    preprocessing = _preprocessing_graph(model, features)  # the same for both precisions
    failures: list[str] = []
    for precision in ("double", "float"):
        pre = type(preprocessing)()
        pre.CopyFrom(preprocessing)  # merging aligns its opsets in place
        try:
            graph, converter = _estimator_graph(estimator, width, precision)
            data = _merge(pre, graph, width, precision, trees, classifier)
            OnnxPredictor(data, features)  # loads, and its inputs are the features
        except Exception as error:  # noqa: BLE001 - the converters and ONNX Runtime raise many types; each is kept
            failures.append(f"{precision}: {_innermost(error)}")
            continue
        return Compiled(data, precision, converter, time.perf_counter() - started)
    raise NotConvertibleError(f"{type(estimator).__name__} does not convert to ONNX ({'; '.join(failures)})")
