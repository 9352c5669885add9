"""Writes the run-config reference, docs/reference/configuration.md, from the pydantic schemas in conveyor/config/.

    python scripts/config_reference.py           # rewrite the page after changing a schema
    python scripts/config_reference.py --check   # exit 1 if the committed page differs

Every key of every pipeline's schema gets one row: its dotted path under ``parameters``, its type (with the
schema's bounds), its default and the ``Field`` description. tests/unit/config/test_reference.py checks that
the committed page equals what this writes, so the reference cannot drift from the schemas.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import types
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from conveyor.config import (
    BatchInferenceConfig,
    DemoConfig,
    DeploymentConfig,
    ModelSection,
    MonitoringConfig,
    RollbackConfig,
    RunConfig,
    TrainingConfig,
)

logger = logging.getLogger("config_reference")

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "reference" / "configuration.md"

# (title, the file it validates, how a user runs it, schema), in pipeline order.
PIPELINES: list[tuple[str, str, str, type[RunConfig]]] = [
    ("Training", "configs/training.yaml", "python run.py --pipeline training", TrainingConfig),
    ("Deployment", "configs/deployment.yaml", "python run.py --pipeline deployment", DeploymentConfig),
    ("Monitoring", "configs/monitoring.yaml", "python run.py --pipeline monitoring", MonitoringConfig),
    (
        "Batch inference",
        "configs/batch_inference.yaml",
        "python run.py --pipeline batch_inference",
        BatchInferenceConfig,
    ),
    ("Rollback", "configs/rollback.yaml", "python run.py --pipeline rollback", RollbackConfig),
    ("Demo loop", "configs/all.yaml", "python run.py --pipeline all", DemoConfig),
]

_BOUNDS = (
    (annotated_types.Gt, ">", "gt"),
    (annotated_types.Ge, ">=", "ge"),
    (annotated_types.Lt, "<", "lt"),
    (annotated_types.Le, "<=", "le"),
)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The schema section an annotation holds directly (``Section`` or ``Section | None``), if any."""
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    for arg in (annotation, *(typing.get_args(annotation) if union else ())):
        if isinstance(arg, type) and issubclass(arg, BaseModel) and arg is not BaseModel:
            return arg
    return None


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Literal:
        return " \\| ".join(json.dumps(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(_type_name(a) for a in args)
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"mapping {_type_name(args[0])} → {_type_name(args[1])}"
    if annotation is type(None):
        return "null"
    if annotation is Any:
        return "any"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "section"
    return getattr(annotation, "__name__", str(annotation))


def _bounds(field: FieldInfo) -> str:
    found = []
    for meta in field.metadata:
        for kind, sign, attribute in _BOUNDS:
            if isinstance(meta, kind):
                found.append(f"{sign} {getattr(meta, attribute)}")
    return f" ({', '.join(found)})" if found else ""


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    default = field.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        default = default.model_dump(mode="json")
    return f"`{json.dumps(default)}`"


def _description(field: FieldInfo, section: type[BaseModel] | None) -> str:
    text = field.description or (section.__doc__ if section is not None and section.__doc__ else "")
    text = " ".join(text.split()).replace("``", "`")
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _rows(model: type[BaseModel], prefix: str = "", expand: bool = True) -> Iterator[str]:
    for name, field in model.model_fields.items():
        key = f"{prefix}{field.alias or name}"
        annotation = field.annotation
        section = _model_in(annotation)
        entry = _model_in(typing.get_args(annotation)[1]) if typing.get_origin(annotation) is dict else None
        kind = _type_name(annotation) + _bounds(field)
        yield f"| `{key}` | {kind} | {_default(field)} | {_description(field, section or entry)} |"
        if not expand:
            continue
        if section is not None:
            yield from _rows(section, f"{key}.")
        elif entry is not None:
            yield from _rows(entry, f"{key}.<{_key_name(name, typing.get_args(annotation)[0])}>.")


# What the user-chosen key of a mapping of sections stands for, in the dotted paths of the table.
_ENTRY_NAMES = {"columns": "column", "candidates": "candidate", "search": "parameter"}


def _key_name(field_name: str, key_annotation: Any) -> str:
    if typing.get_origin(key_annotation) is Literal:
        return "metric"
    return _ENTRY_NAMES.get(field_name, "name")


def _table(model: type[BaseModel], prefix: str = "", expand: bool = True) -> list[str]:
    return ["| key | type | default | description |", "|---|---|---|---|", *_rows(model, prefix, expand)]


def render() -> str:
    """The whole reference page as Markdown."""
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated by scripts/config_reference.py from conveyor/config/; do not edit by hand. -->",
        "",
        "Generated from the pydantic schemas in `conveyor/config/`. Every run config is checked against its",
        "pipeline's schema before ZenML sees it: an unknown key anywhere, a wrong type or a missing required key",
        "stops the run and names the file and the dotted key. How configs, `--set` and `--config` work:",
        "[Configuration](../configuration.md).",
        "",
        "Types: `int`, `float`, `str`, `bool` as in YAML; a quoted value is one of the allowed literals; bounds",
        "in parentheses. In a key, `<column>`, `<candidate>`, `<parameter>`, `<metric>` or `<name>` stands for a",
        "key you choose. Every section rejects keys it does not list.",
        "",
        "## Keys of every run config",
        "",
        "The top level is the same for every pipeline (the shape of a ZenML run config); `parameters` is the",
        "pipeline's own section below.",
        "",
        *_table(RunConfig, expand=False),
        "",
        "`model` is the ZenML model (and the MLflow registered model) the run belongs to:",
        "",
        *_table(ModelSection, "model."),
    ]
    for title, path, command, schema in PIPELINES:
        params = _model_in(schema.model_fields["parameters"].annotation)
        if params is None:
            raise TypeError(f"{schema.__name__}.parameters is not a schema section")
        lines += [
            "",
            f"## {title}: `{path}`",
            "",
            f"`{command}`. The keys under `parameters:` (`--set` may leave out the `parameters.` prefix).",
            "",
            *_table(params),
        ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed page is out of date")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    text = render()
    if args.check:
        if not REFERENCE.exists() or REFERENCE.read_text() != text:
            logger.error("%s is out of date: run python scripts/config_reference.py", REFERENCE)
            return 1
        logger.info("%s is up to date", REFERENCE)
        return 0
    REFERENCE.parent.mkdir(parents=True, exist_ok=True)
    REFERENCE.write_text(text)
    logger.info("wrote %s", REFERENCE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
