"""docs/template-reference.md is generated from the JSON Schema and kept up to date."""

from __future__ import annotations

import copy
from pathlib import Path

from click.testing import CliRunner

from app.cli import cli
from app.templates import template_schema
from app.templates.model import STEP_TYPES
from app.templates.schema import schema_markdown

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "template-reference.md"
REGENERATE = "regenerate it: kitbench schema --markdown > docs/template-reference.md"


def test_reference_doc_is_the_generators_output():
    assert REFERENCE.read_text(encoding="utf-8") == schema_markdown(), REGENERATE


def test_cli_prints_the_reference():
    result = CliRunner().invoke(cli, ["schema", "--markdown"])
    assert result.exit_code == 0
    assert result.output == schema_markdown()


def test_every_action_and_every_key_is_documented():
    text = schema_markdown()
    for action in STEP_TYPES:
        assert f"### `{action}`" in text
    schema = template_schema()
    steps = {step.__name__ for step in STEP_TYPES.values()}
    for definition in [schema, *schema["$defs"].values()]:
        for key in definition.get("properties", {}):
            if definition.get("title") in steps and key in STEP_TYPES:
                continue  # the action key is its section's heading
            assert f"| `{key}` |" in text, key


def test_reference_follows_the_schema():
    schema = copy.deepcopy(template_schema())
    schema["$defs"]["Requires"]["properties"]["ram_min_mb"] = {
        "type": "integer",
        "minimum": 512,
        "description": "Memory needed",
    }
    schema["$defs"]["Requires"]["required"] = ["ram_min_mb"]
    text = schema_markdown(schema)
    assert "| `ram_min_mb` | integer | yes |  | Memory needed (at least 512) |" in text
