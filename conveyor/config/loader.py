"""The run-config loader: reads a YAML file, applies ``--set`` overrides and validates it before ZenML sees it.

A run config has the shape of a ZenML run config (``enable_cache``, ``run_name``, ``tags``, ``schedule``,
``model``, ``parameters``), but ZenML ignores unknown keys and Conveyor does not: every key is checked against the
pipeline's schema, and an error names the file and the dotted key.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from croniter import croniter  # ZenML's own cron parser (a dependency of zenml[server])
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from conveyor.errors import ConfigError, ConveyorError


class Strict(BaseModel):
    """A schema section that rejects unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)



class CardSection(Strict):
    """What the model card says about the model's use; a key left out shows as "not stated" on the card."""

    intended_use: str | None = Field(None, description="what the model is for, for whom, which decisions it informs")
    limitations: str | None = Field(
        None, description="known weaknesses and where not to use it (the card adds the ones training can see)"
    )
    ethical_considerations: str | None = Field(None, description="risks to people, sensitive data, needed oversight")
    owner: str | None = Field(None, description="the team or person accountable for the model")


class ModelSection(Strict):
    name: str
    description: str | None = None
    license: str | None = None
    tags: list[str] = []
    card: CardSection = Field(CardSection(), description="the text of the model card that training writes")


# The fields of a crontab line's schedule, which Kubernetes CronJobs read the same way.
CRON_FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")


class ScheduleSection(Strict):
    """When the orchestrator starts the pipeline by itself (a ZenML schedule)."""

    cron: str = Field(description="five cron fields: minute hour day-of-month month day-of-week")

    @field_validator("cron")
    @classmethod
    def _cron_expression(cls, value: str) -> str:
        if len(value.split()) != len(CRON_FIELDS) or not croniter.is_valid(value):
            raise ValueError(
                f"'{value}' is not a cron expression of {len(CRON_FIELDS)} fields ({' '.join(CRON_FIELDS)}), "
                "e.g. '0 3 * * 1' for Mondays at 03:00"
            )
        return " ".join(value.split())


class RunConfig(Strict):
    """A whole run-config file for one pipeline."""

    enable_cache: bool = True
    run_name: str | None = None
    tags: list[str] = []
    schedule: ScheduleSection | None = Field(
        None,
        description="`{cron: \"0 3 * * 1\"}` (minute hour day-of-month month day-of-week): the orchestrator starts "
        "the pipeline on this schedule. Only orchestrators that run schedules take it (the Kubernetes stack); on "
        "the local stack run.py refuses it and prints the crontab line that does the same",
    )
    model: ModelSection
    parameters: BaseModel



C = TypeVar("C", bound=RunConfig)


def _known_keys(model: type[BaseModel], into: set[str]) -> set[str]:
    for name, field in model.model_fields.items():
        into.add(name)
        for arg in (field.annotation, *getattr(field.annotation, "__args__", ())):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and arg is not BaseModel:
                _known_keys(arg, into)
    return into


class KeyedProblems(ConveyorError, ValueError):
    """Raised by a schema validator with problems about keys below it: (dotted sub-key, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems))


def _describe(error: dict[str, Any], known: set[str]) -> list[str]:
    key = ".".join(str(p) for p in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        leaf = str(error["loc"][-1])
        close = difflib.get_close_matches(leaf, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return [f"{key}: unknown key{hint}"]
    if error["type"] == "missing":
        return [f"{key}: required key is missing"]
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, KeyedProblems):
        prefix = f"{key}." if error["loc"] else ""
        return [f"{prefix}{sub}: {message}" for sub, message in cause.problems]
    return [f"{key}: {error['msg'].removeprefix('Value error, ')}"]


def apply_override(raw: dict[str, Any], assignment: str, schema: type[RunConfig]) -> None:
    """Apply one ``key.path=value`` override to a raw config dict (value parsed as YAML).

    A path that starts with a key of the ``parameters`` section may leave out ``parameters.``;
    ``candidates.NAME=null`` drops that candidate.
    """
    if "=" not in assignment:
        raise ConfigError("--set", [f"'{assignment}': expected key.path=value"])
    path, _, text = assignment.partition("=")
    parts = path.strip().split(".")
    parameters = schema.model_fields["parameters"].annotation
    if parts[0] not in schema.model_fields and parts[0] in getattr(parameters, "model_fields", {}):
        parts = ["parameters", *parts]
    node = raw
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError("--set", [f"'{path}': '{part}' is not a section"])
        node = child
    value = yaml.safe_load(text)
    if value is None and len(parts) >= 2 and parts[-2] == "candidates":
        node.pop(parts[-1], None)  # `--set candidates.NAME=null` drops that candidate
        return
    node[parts[-1]] = value


def load_run_config(path: str | Path, schema: type[C], overrides: Sequence[str] = ()) -> C:
    """Read, override and validate a run config; raise ConfigError naming the file and every bad key."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), [f"not valid YAML: {exc}"]) from None
    if not isinstance(raw, dict):
        raise ConfigError(str(path), ["the top level must be a mapping of keys"])
    for assignment in overrides:
        apply_override(raw, assignment, schema)
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        known = _known_keys(schema, set())
        raise ConfigError(str(path), [line for e in exc.errors() for line in _describe(e, known)]) from None
