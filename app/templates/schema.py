"""The JSON Schema of the template format, for editors (yaml-language-server) and CI."""

from __future__ import annotations

from typing import Any

from app.templates.model import Template


def template_schema() -> dict[str, Any]:
    """The schema pydantic derives from `Template`: steps are anyOf the step models.

    It checks structure only; `kitbench validate` also checks files, hashes and variables.
    """
    schema = Template.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "Kitbench template",
        "description": "A Kitbench provisioning template (format version 1).",
    }
