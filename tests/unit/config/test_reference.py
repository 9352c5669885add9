"""The configuration reference (docs/reference/configuration.md) is what the schemas say, key for key."""

from __future__ import annotations

from scripts.config_reference import PIPELINES, REFERENCE, render


def test_committed_reference_equals_the_generated_one() -> None:
    assert REFERENCE.read_text() == render(), (
        f"{REFERENCE} is out of date with conveyor/config/: run python scripts/config_reference.py and commit it"
    )


def test_reference_lists_every_key_of_every_pipeline_schema() -> None:
    text = render()
    for _title, path, _command, schema in PIPELINES:
        assert f"`{path}`" in text
        params = schema.model_fields["parameters"].annotation
        for name, field in params.model_fields.items():
            assert f"| `{field.alias or name}` |" in text, f"{path}: key '{name}' missing from the reference"
