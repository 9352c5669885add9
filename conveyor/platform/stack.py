"""Stacks as code: read a stack YAML (the shape ``zenml stack export`` writes), validate it, apply it.

Validation needs no ZenML store, so it works without a cluster and on a machine with no stack
registered. Applying is idempotent: components and the stack are created or updated, then activated,
and nothing ever prompts.

Relative paths in a stack file (an artifact store ``path``, a ``sqlite:///`` tracking URI) are resolved
inside the project's state directory, so the file is portable between checkouts.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conveyor.errors import StackError, bullet_list
from conveyor.platform.lease import store_lease
from conveyor.platform.paths import state_dir

logger = logging.getLogger(__name__)

SQLITE_PREFIX = "sqlite:///"
SECRET_REFERENCE = re.compile(r"\{\{\s*\S+?\.\S+\s*\}\}")  # ZenML's own pattern
SECRET_STAND_IN = "secret-reference"
# Orchestrator flavors that run steps in this process's environment: no step image, a local deployment.
LOCAL_ORCHESTRATORS = frozenset({"local"})


@dataclass(frozen=True)
class ComponentSpec:
    type: str
    name: str
    flavor: str
    configuration: dict[str, Any]


@dataclass(frozen=True)
class StackSpec:
    name: str
    components: tuple[ComponentSpec, ...]

    def component(self, type_: str) -> ComponentSpec | None:
        return next((c for c in self.components if c.type == type_), None)


def _flavor_classes() -> dict[tuple[str, str], Any]:
    """Every flavor ZenML ships (built-in and integrations), keyed by (component type, flavor name)."""
    from zenml.stack.flavor_registry import FlavorRegistry

    registry = FlavorRegistry()
    classes: dict[tuple[str, str], Any] = {}
    for flavor_class in [*registry.builtin_flavors, *registry.integration_flavors]:
        flavor = flavor_class()
        classes[(flavor.type.value, flavor.name)] = flavor
    return classes


def resolve_paths(type_: str, configuration: dict[str, Any]) -> dict[str, Any]:
    resolved = dict(configuration)
    base = state_dir()
    if type_ == "artifact_store" and isinstance(resolved.get("path"), str) and "://" not in resolved["path"]:
        path = Path(resolved["path"])
        resolved["path"] = str(path if path.is_absolute() else base / path)
    uri = resolved.get("tracking_uri")
    if isinstance(uri, str) and uri.startswith(SQLITE_PREFIX) and not uri[len(SQLITE_PREFIX) :].startswith("/"):
        resolved["tracking_uri"] = SQLITE_PREFIX + str(base / uri[len(SQLITE_PREFIX) :])
    return resolved


def _is_secret_reference(value: Any) -> bool:
    return isinstance(value, str) and SECRET_REFERENCE.fullmatch(value) is not None


def _field_problems(where: str, config_class: Any, configuration: dict[str, Any]) -> list[str]:
    from pydantic import ValidationError
    from zenml.utils.secret_utils import is_secret_field

    problems = [
        f"{where}: unknown configuration field '{key}'" for key in configuration if key not in config_class.model_fields
    ]
    # Credentials come from ZenML secrets or the environment, never from the file.
    problems += [
        f"{where}: field '{key}' holds a credential in plain text: use a secret reference "
        "like '{{ secret_name.key }}' (zenml secret create ...)"
        for key, value in configuration.items()
        if key in config_class.model_fields
        and is_secret_field(config_class.model_fields[key])
        and value is not None
        and not _is_secret_reference(value)
    ]
    # ZenML resolves secret references ({{ name.key }}) at run time; validate with a stand-in value,
    # so that checks such as "a remote MLflow needs exactly one way to log in" still run.
    references = {k for k, v in configuration.items() if _is_secret_reference(v)}
    concrete = {k: (SECRET_STAND_IN if k in references else v) for k, v in configuration.items()}
    try:
        config_class(**concrete)
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"]) or "configuration"
            if field in references:
                continue  # a secret reference to a non-string field: only ZenML can check it
            problems.append(f"{where}: field '{field}': {error['msg']}")
    except ValueError as exc:
        problems.append(f"{where}: {exc}")
    return problems


def load_stack_file(path: str | Path) -> StackSpec:
    """Parse and validate a stack file; raise StackError naming the component and field at fault."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise StackError(f"stack file {path} not found") from None
    except yaml.YAMLError as exc:
        raise StackError(f"stack file {path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise StackError(f"stack file {path}: the top level must be a mapping")
    problems = [f"unknown top-level key '{k}'" for k in raw if k not in {"stack_name", "components", "zenml_version"}]
    name = raw.get("stack_name")
    if not isinstance(name, str) or not name:
        problems.append("'stack_name' is missing")
    components = raw.get("components")
    if not isinstance(components, dict) or not components:
        problems.append("'components' is missing or empty")
        components = {}
    flavors = _flavor_classes()
    known_types = {t for t, _ in flavors}
    specs: list[ComponentSpec] = []
    for type_, body in components.items():
        where = f"component '{type_}'"
        if type_ not in known_types:
            problems.append(f"{where}: unknown component type (known: {', '.join(sorted(known_types))})")
            continue
        if not isinstance(body, dict):
            problems.append(f"{where}: expected a mapping with name, flavor and configuration")
            continue
        problems += [f"{where}: field '{f}' is missing" for f in ("name", "flavor") if not body.get(f)]
        problems += [f"{where}: unknown field '{k}'" for k in body if k not in {"name", "flavor", "configuration"}]
        configuration = body.get("configuration") or {}
        if not body.get("name") or not body.get("flavor"):
            continue
        where = f"component '{type_}' ({body['name']})"
        flavor = flavors.get((type_, body["flavor"]))
        if flavor is None:
            options = sorted(f for t, f in flavors if t == type_)
            problems.append(f"{where}: field 'flavor': unknown flavor '{body['flavor']}' (known: {', '.join(options)})")
            continue
        configuration = resolve_paths(type_, configuration)
        problems += _field_problems(where, flavor.config_class, configuration)
        specs.append(ComponentSpec(type_, body["name"], body["flavor"], configuration))
    for required in ("orchestrator", "artifact_store"):
        if required not in components:
            problems.append(f"component '{required}' is missing: every stack needs one")
    if problems:
        raise StackError(f"invalid stack file {path}:\n{bullet_list(problems)}")
    return StackSpec(name=name, components=tuple(specs))


def _apply_component(client: Any, spec: ComponentSpec) -> None:
    from zenml.enums import StackComponentType

    component_type = StackComponentType(spec.type)
    try:
        existing = client.get_stack_component(
            component_type, name_id_or_prefix=spec.name, allow_name_prefix_match=False
        )
    except KeyError:
        client.create_stack_component(spec.name, spec.flavor, component_type, spec.configuration)
        logger.info("Created %s '%s' (%s)", spec.type, spec.name, spec.flavor)
        return
    if existing.flavor_name != spec.flavor:
        raise StackError(
            f"component '{spec.type}' ({spec.name}) already exists with flavor '{existing.flavor_name}', "
            f"not '{spec.flavor}': give it a new name in the stack file or delete the old one"
        )
    if existing.configuration != spec.configuration:
        client.update_stack_component(spec.name, component_type, configuration=spec.configuration)
        logger.info("Updated %s '%s'", spec.type, spec.name)


def apply_stack(spec: StackSpec) -> None:
    """Create or update every component and the stack, then activate it. Safe to repeat."""
    from zenml.client import Client
    from zenml.enums import StackComponentType

    client = Client()
    # Two runs applying the stack at once would both create its components and one would fail.
    with store_lease(f"stack:{spec.name}"):
        for component in spec.components:
            if component.type == "artifact_store" and component.flavor == "local":
                os.makedirs(component.configuration["path"], exist_ok=True)
            uri = component.configuration.get("tracking_uri", "")
            if uri.startswith(SQLITE_PREFIX):
                Path(uri[len(SQLITE_PREFIX) :]).parent.mkdir(parents=True, exist_ok=True)
            _apply_component(client, component)
        wanted = {StackComponentType(c.type): c.name for c in spec.components}
        try:
            stack = client.get_stack(spec.name, allow_name_prefix_match=False)
        except KeyError:
            client.create_stack(spec.name, components=wanted)
            logger.info("Created stack '%s'", spec.name)
        else:
            current = {t: [c.name for c in comps] for t, comps in stack.components.items()}
            if any(current.get(t) != [n] for t, n in wanted.items()) or set(current) - set(wanted):
                updates = {t: [n] for t, n in wanted.items()}
                updates.update({t: [] for t in current if t not in wanted})
                client.update_stack(spec.name, component_updates=updates)
                logger.info("Updated stack '%s'", spec.name)
    if client.active_stack_model.name != spec.name:
        client.activate_stack(spec.name)
    logger.info("Active stack: '%s'", spec.name)
