"""Every patch and private-API use in conveyor/compat/, declared with the versions it was written for.

A ``Patch`` names one distribution, the version range (a PEP 440 specifier) it was written and checked for,
the private or version-specific targets it touches (``module:qualname``), why it exists and when it can go.
The code that applies a patch or calls a private API calls ``check()`` first:

- installed version in range: ``True``, go ahead;
- out of range, optional (a speed-up, a log filter, or a public fallback exists): a warning naming the
  package, the installed version and the range (once per process), and ``False``: the caller leaves the
  dependency as it is;
- out of range, ``required`` (serving or registration would be wrong without it): ``CompatError``, the
  process stops.

tests/unit/compat/test_patches.py checks that every target exists in the installed versions and that every
range holds them; docs/compat.md lists the same table. Importing this module imports none of the patched
packages; ``resolve`` does, when it is called.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from conveyor.errors import CompatError

logger = logging.getLogger(__name__)

_warned: set[str] = set()  # names of the optional patches already reported as skipped in this process


@dataclass(frozen=True)
class Patch:
    """One patch or private-API use, and the versions of ``package`` it was written for.

    Attributes:
        name: a short unique id, as in docs/compat.md.
        package: the distribution it depends on (``zenml``, ``bentoml``, ``fsspec``).
        versions: the range it was written and checked for, e.g. ``">=0.98.0,<0.99"``.
        targets: what it touches, as ``module:qualname`` (or a bare module).
        why: one line on why it exists.
        remove_when: when it can go.
        required: outside the range the process stops (CompatError) instead of skipping the patch.
    """

    name: str
    package: str
    versions: str
    targets: tuple[str, ...]
    why: str
    remove_when: str
    required: bool = False

    def installed(self) -> Version | None:
        """The installed version of ``package``, or None when it is not installed."""
        try:
            return Version(version(self.package))
        except PackageNotFoundError:
            return None

    def in_range(self) -> bool:
        """Whether the installed ``package`` is one this was written for."""
        installed = self.installed()
        return installed is not None and SpecifierSet(self.versions).contains(installed, prereleases=True)

    def check(self) -> bool:
        """True in range; else False with a warning, or CompatError when ``required``."""
        if self.in_range():
            return True
        installed = self.installed() or "(not installed)"
        if self.required:
            raise CompatError(
                f"{self.package} {installed} is installed, but Conveyor's `{self.name}` (conveyor/compat/) was "
                f"written for {self.package}{self.versions} and cannot work correctly without it: {self.why}. "
                f"Install the pinned versions (`pip install -e .`), or check `{self.name}` against "
                f"{self.package} {installed} and widen its range in conveyor/compat/patches.py (see docs/compat.md)."
            )
        if self.name not in _warned:
            _warned.add(self.name)
            logger.warning(
                "%s %s is installed, outside the range %s that Conveyor's `%s` was written for: not applied (%s). "
                "Check it against this version and widen its range in conveyor/compat/patches.py.",
                self.package,
                installed,
                self.versions,
                self.name,
                self.why,
            )
        return False


def resolve(target: str) -> Any:
    """The object a ``module:qualname`` target names (the module for a bare module); raises if it is gone."""
    module_name, _, qualname = target.partition(":")
    found: Any = importlib.import_module(module_name)
    for attribute in filter(None, qualname.split(".")):
        found = getattr(found, attribute)
    return found


ZENML_PACKAGE_LOOKUP = Patch(
    name="zenml-package-lookup",
    package="zenml",
    versions=">=0.98.0,<0.99",
    targets=("zenml.utils.source_utils:_get_package_for_module",),
    why="ZenML reads every installed distribution's file list each time it stores an artifact; read once per process",
    remove_when="ZenML caches its package lookup (importlib.metadata.packages_distributions) itself",
)

ZENML_LOG_NOISE = Patch(
    name="zenml-log-noise",
    package="zenml",
    versions=">=0.98.0,<0.99",
    targets=(
        "zenml.integrations.mlflow.experiment_trackers.mlflow_experiment_tracker",
        "zenml.orchestrators.step_run_utils",
    ),
    why="ZenML logs a fastai autologging failure (MLflow 3 has no mlflow.fastai) and a ZenML Pro advert per step",
    remove_when="ZenML stops logging both lines",
)

ZENML_MODEL_VERSION = Patch(
    name="zenml-model-version",
    package="zenml",
    versions=">=0.98.0,<0.99",
    targets=("zenml.model.model:Model._get_or_create_model_version",),
    why="registration links the step's ZenML model version (name, number, id) to the MLflow version it registers",
    remove_when="ZenML's Model returns its model version through a public method",
    required=True,
)

ZENML_BENTOML_LOCAL_SERVICE = Patch(
    name="zenml-bentoml-local-service",
    package="zenml",
    versions=">=0.98.0,<0.99",
    targets=(
        "zenml.integrations.bentoml.services.bentoml_local_deployment:BentoMLLocalDeploymentService.run",
        "zenml.integrations.bentoml.services.bentoml_local_deployment:BentoMLLocalDeploymentService.deprovision",
        "zenml.integrations.bentoml.model_deployers.bentoml_model_deployer:BentoMLModelDeployer._create_new_service",
    ),
    why="ZenML 0.98's local BentoML service takes bentoml >= 1.4.16 services for pre-1.2 ones and cannot serve them",
    remove_when="ZenML's local BentoML service serves the pinned bentoml, or deployment moves to ZenML's Deployers",
    required=True,
)

BENTOML_SERVE_HTTP = Patch(
    name="bentoml-serve-http",
    package="bentoml",
    versions=">=1.4.15,<1.5",
    targets=("_bentoml_impl.server:serve_http", "bentoml._internal.service.loader:load"),
    why="the local deployment service serves a new-SDK Bento with BentoML's own (private) server functions",
    remove_when="with zenml-bentoml-local-service",
    required=True,
)

ZENML_CONTAINER_ENVIRONMENT = Patch(
    name="zenml-container-environment",
    package="zenml",
    versions=">=0.98.0,<0.99",
    targets=(
        "zenml.services.container.container_service:ContainerService._get_container_cmd",
        "zenml.integrations.bentoml.model_deployers.bentoml_model_deployer:BentoMLModelDeployer._create_new_service",
    ),
    why="ZenML's container service passes only ZENML_* variables into the container; the service's token variable "
    "(service.auth.token_env) is passed by name too",
    remove_when="ZenML's container service config takes environment variables to pass",
    required=True,
)

BENTOML_LIST_IO = Patch(
    name="bentoml-list-io",
    package="bentoml",
    versions=">=1.4.15,<1.5",
    targets=(
        "_bentoml_sdk.io_models:IORootModel",
        "_bentoml_sdk.io_models:IORootModel.model_json_schema",
        "_bentoml_sdk.io_models:IORootModel.model_validate_json",
        "_bentoml_sdk.io_models:IORootModel.to_http_response",
    ),
    why="BentoML rebuilds a list endpoint's JSON schema on every request and validates and dumps each answer twice",
    remove_when="BentoML caches IORootModel's schema and writes an answer once",
)

BENTOML_DIRECT_IO = Patch(
    name="bentoml-direct-io",
    package="bentoml",
    versions=">=1.4.39,<1.5",
    targets=(
        "_bentoml_sdk.method:APIMethod",
        "_bentoml_sdk.io_models:IORootModel",
        "bentoml._internal.context:trace_context",
    ),
    why="the compiled graph's /predict and /predict_batch are answered beside BentoML's routing with its request "
    "class (the same 400s) and its Server and X-BentoML-Request-ID headers",
    remove_when="BentoML's per-request overhead is near its model call's, or it offers a direct endpoint",
)

BENTOML_TRAFFIC_METRICS = Patch(
    name="bentoml-traffic-metrics",
    package="bentoml",
    versions=">=1.4.15,<1.5",
    targets=(
        "bentoml._internal.server.http.instruments:RunnerTrafficMetricsMiddleware",
        "bentoml._internal.server.http.instruments:RunnerTrafficMetricsMiddleware._setup",
        "bentoml._internal.server.http.instruments:RunnerTrafficMetricsMiddleware.__call__",
        "bentoml._internal.context:server_context",
    ),
    why="the service's /metrics comes from BentoML's private middleware, subclassed to label by route, not raw path",
    remove_when="BentoML labels its HTTP metrics by route template",
    required=True,
)

BENTOML_PATH_SPEC = Patch(
    name="bentoml-path-spec",
    package="bentoml",
    versions=">=1.4.39,<1.5",
    targets=(
        "bentoml._internal.bento.build_config:BentoPathSpec",
        "bentoml._internal.bento.build_config:BentoPathSpec.includes",
    ),
    why="tests check bentofile.yaml's include and exclude with the matcher `bentoml build` uses",
    remove_when="BentoML makes its path matcher public",
    required=True,
)

BENTOML_TIMEOUT_TIMER = Patch(
    name="bentoml-timeout-timer",
    package="bentoml",
    versions=">=1.4.15,<1.5",
    targets=(
        "bentoml._internal.server.http.traffic:TimeoutMiddleware.__call__",
        "bentoml._internal.server.http.traffic:TimeoutMiddleware._set_timer_out",
    ),
    why="BentoML's request timeout never cancels its per-request timer: traffic.timeout seconds of live timers, "
    "rescanned by each full garbage collection (pauses of up to 100 ms at 1,500 req/s)",
    remove_when="BentoML's TimeoutMiddleware cancels its timer once the answer starts",
)

FSSPEC_STRIP_PROTOCOL = Patch(
    name="fsspec-strip-protocol",
    package="fsspec",
    versions=">=2026.9.0,<2027",
    targets=("fsspec.spec:AbstractFileSystem._strip_protocol",),
    why="a URI in the artifact store becomes a path by the store filesystem's own rule (fsspec.core.strip_protocol "
    "is the public fallback, by the rule of the protocol's registered class)",
    remove_when="fsspec makes a filesystem's protocol stripping public",
)

SKL2ONNX_DOUBLE_IMPUTER = Patch(
    name="skl2onnx-double-imputer",
    package="skl2onnx",
    versions=">=1.20.0,<1.21",
    targets=(
        "skl2onnx.operator_converters.imputer_op:convert_sklearn_imputer",
        "skl2onnx.operator_converters.common:concatenate_variables",
        "skl2onnx.shape_calculators.imputer:calculate_sklearn_imputer_output_shapes",
    ),
    why="skl2onnx writes a numeric SimpleImputer as ai.onnx.ml Imputer, which ONNX Runtime runs on float only; "
    "Conveyor's graph is double precision",
    remove_when="ONNX Runtime's Imputer takes double, or skl2onnx writes IsNaN/Where for double inputs",
)

PATCHES: tuple[Patch, ...] = (
    ZENML_PACKAGE_LOOKUP,
    ZENML_LOG_NOISE,
    ZENML_MODEL_VERSION,
    ZENML_BENTOML_LOCAL_SERVICE,
    BENTOML_SERVE_HTTP,
    ZENML_CONTAINER_ENVIRONMENT,
    BENTOML_LIST_IO,
    BENTOML_DIRECT_IO,
    BENTOML_TRAFFIC_METRICS,
    BENTOML_PATH_SPEC,
    BENTOML_TIMEOUT_TIMER,
    FSSPEC_STRIP_PROTOCOL,
    SKL2ONNX_DOUBLE_IMPUTER,
)
