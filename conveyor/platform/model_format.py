"""scikit-learn models stored as skops files, never as pickles, and the types such a file may hold.

``skops.io`` loads only the types it trusts by default (scikit-learn's estimators, NumPy arrays, ...) and those
passed as ``trusted``; loading never runs code from the file. When a model is saved, its trusted list is the
dump's own ``skops.io.get_untrusted_types``, and every type on it must come from a module in
``ALLOWED_MODULES`` (or be one of ``ALLOWED_TYPES``): anything else refuses to save, naming the type. The list is
stored with the model (MLflow's MLmodel ``skops_trusted_types``, the BentoML model's ``metadata["trusted_types"]``)
and checked against the same allow-list again before each load, so a list written into a stored model cannot
widen what Conveyor loads. A file holding types beyond its list refuses to load, naming them. Models stored as
pickles (``cloudpickle``, as Conveyor stored them before skops) are refused: retrain them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from conveyor.errors import ModelFormatError

SKOPS = "skops"
# A model's pieces come from these modules (a type matches a module and everything below it): the estimator
# libraries of conveyor/config/estimators.py and their numeric stack, and Conveyor's own model code.
ALLOWED_MODULES = ("sklearn", "numpy", "scipy", "xgboost", "lightgbm", "conveyor.training")
# Single types from elsewhere: LightGBM's estimators keep a parameter dict in an OrderedDict.
ALLOWED_TYPES = ("collections.OrderedDict",)
HERE = "conveyor/platform/model_format.py"


def is_allowed(type_name: str) -> bool:
    """Whether ``type_name`` (``module.qualname``, as skops names types) is one Conveyor loads."""
    return type_name in ALLOWED_TYPES or any(type_name.startswith(f"{module}.") for module in ALLOWED_MODULES)


def check_trusted(types: Iterable[str], what: str) -> list[str]:
    """``types``, sorted, when each is allowed; else ModelFormatError naming every refused type."""
    names = sorted(set(types))
    refused = [name for name in names if not is_allowed(name)]
    if refused:
        raise ModelFormatError(
            f"{what} holds types outside Conveyor's trusted allow-list: {', '.join(refused)}. Conveyor stores and "
            f"loads only types from the modules {', '.join(ALLOWED_MODULES)} (and {', '.join(ALLOWED_TYPES)}), "
            f"because a stored model's types decide what loading it may create. Build the model from those "
            f"libraries (a custom step belongs in conveyor/training/), or, if you trust the library, add its module "
            f"to ALLOWED_MODULES in {HERE} (docs/serving.md, Model formats)"
        )
    return names


def dump_model(model: Any, what: str) -> tuple[bytes, list[str]]:
    """``model`` as skops bytes and its trusted list (checked); ModelFormatError if skops cannot store it."""
    import skops.io

    try:
        data = skops.io.dumps(model)
    except Exception as exc:  # skops raises whatever the object's own state raises
        raise ModelFormatError(
            f"{what} cannot be stored in the skops format ({type(exc).__name__}: {exc}): every function and class "
            "in the model must be importable by name (defined at the top level of a module, no lambdas)"
        ) from exc
    return data, check_trusted(skops.io.get_untrusted_types(data=data), what)


def trusted_types_of(model: Any, what: str) -> list[str]:
    """The trusted list ``model`` needs, checked against the allow-list (what ``dump_model`` returns with it)."""
    return dump_model(model, what)[1]


def load_skops(file: str | Path, trusted: Iterable[str], what: str) -> Any:
    """Load a skops file with its recorded ``trusted`` list, re-checked against the allow-list first."""
    import skops.io
    from skops.io.exceptions import UntrustedTypesFoundException

    checked = check_trusted(trusted, what)
    try:
        return skops.io.load(file, trusted=checked)
    except UntrustedTypesFoundException:
        extra = sorted(set(skops.io.get_untrusted_types(file=file)) - set(checked))
        raise ModelFormatError(
            f"{what} holds types that are not on the trusted list stored with it: {', '.join(extra)}; the file was "
            "changed after Conveyor saved it, or saved by other code. Conveyor does not load it: retrain the model "
            "(python run.py --pipeline training)"
        ) from None


def pickle_refused(what: str, stored_as: str) -> ModelFormatError:
    """The error for a model stored as a pickle: what it is, why it is refused, and to retrain."""
    return ModelFormatError(
        f"{what} is stored as {stored_as}, a pickle (loading a pickle can run any code), as Conveyor stored models "
        "before it used skops. Conveyor loads only skops models: retrain it (python run.py --pipeline training). If "
        "the gate then keeps this champion because it cannot score it, make the retrained version the champion with "
        "python run.py --pipeline rollback --set to_version=<version>"
    )


def load_logged_model(local_dir: str | Path, what: str) -> Any:
    """The scikit-learn model of a downloaded MLflow model directory, loaded from its skops file.

    The MLmodel file's sklearn flavor says the format and the trusted list (written by ``mlflow.sklearn.log_model``
    with ``skops_trusted_types``); any other format is refused (``pickle_refused``).
    """
    from mlflow.models import Model

    flavor = Model.load(Path(local_dir)).flavors.get("sklearn")
    if flavor is None:
        raise ModelFormatError(f"{what} has no scikit-learn flavor in its MLmodel: it was not logged by Conveyor")
    stored_as = flavor.get("serialization_format", "pickle")
    if stored_as != SKOPS:
        raise pickle_refused(what, stored_as)
    return load_skops(Path(local_dir, flavor["pickled_model"]), flavor.get("skops_trusted_types") or [], what)
