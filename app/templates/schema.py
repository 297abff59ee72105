"""The JSON Schema of the template format, for editors (yaml-language-server) and CI."""

from __future__ import annotations

import json
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


def schema_markdown(schema: dict[str, Any] | None = None) -> str:
    """The template reference (docs/template-reference.md) as Markdown, from the JSON Schema.

    Generated rather than written, so the reference cannot drift from what `validate` accepts.
    """
    return _Reference(schema or template_schema()).render()


STEPS_INTRO = (
    "`steps` is a list, applied in order. Each step is a mapping with exactly one action key"
    " (the sections below) plus any of these common keys:"
)


HEADER = (
    "# Template reference",
    "",
    "<!-- Generated from the JSON Schema by `kitbench schema --markdown`: do not edit."
    " Change app/templates/model.py and regenerate; a test checks the two agree. -->",
    "",
    "Every key a Kitbench template may have, with its type and default. What each step does"
    " on a device, variables, secrets and worked examples are in"
    " [templates.md](templates.md); `kitbench schema` prints the JSON Schema itself"
    " (for editors and CI).",
)


class _Reference:
    """Walks the schema: the top level, the steps (each action's parameters under it), then
    every other object they refer to, one section each."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.defs: dict[str, Any] = schema.get("$defs", {})
        self.schema = schema
        self.steps = [self._deref(s) for s in schema["properties"]["steps"]["items"]["anyOf"]]
        self.step_names = {step["title"] for step in self.steps}
        self.inline = self.step_names | {  # an action's parameters are shown under the action
            self._ref_name(step["properties"][self._action(step)]) for step in self.steps
        }
        self.objects: list[str] = []  # referenced definitions, in order of first mention

    def render(self) -> str:
        lines = [*HEADER, "", "## Template", "", self.schema.get("description", ""), ""]
        lines += self._table(self.schema)
        lines += ["", "## Steps", "", STEPS_INTRO, ""]
        common = {
            key: value
            for key, value in self.steps[0]["properties"].items()
            if key != self._action(self.steps[0])
        }
        lines += self._table({"properties": common, "required": []})
        for step in self.steps:
            lines += ["", *self._step(step)]
        done: set[str] = set()
        while pending := [name for name in self.objects if name not in done]:
            for name in pending:
                done.add(name)
                definition = self.defs[name]
                lines += ["", f"## {name}", ""]
                if definition.get("description"):
                    lines += [definition["description"], ""]
                lines += self._table(definition)
        return "\n".join(lines) + "\n"

    def _step(self, step: dict[str, Any]) -> list[str]:
        action = self._action(step)
        lines = [f"### `{action}`", "", step.get("description", ""), ""]
        params = step["properties"][action]
        name = self._ref_name(params)
        if name is None:
            return [*lines, f"`{action}:` takes a {self._type(params)}."]
        definition = self.defs[name]
        if definition.get("description"):
            lines += [definition["description"], ""]
        return [*lines, f"`{action}:` takes a mapping:", "", *self._table(definition)]

    def _table(self, definition: dict[str, Any]) -> list[str]:
        required = set(definition.get("required", []))
        rows = ["| key | type | required | default | meaning |", "|---|---|---|---|---|"]
        for key, prop in definition.get("properties", {}).items():
            default = prop.get("default")
            shown_default = "" if default in (None, [], {}) else f"`{_json(default)}`"
            cells = [
                f"`{key}`",
                self._type(prop),
                "yes" if key in required else "",
                shown_default,
                self._meaning(prop),
            ]
            rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        return rows

    def _type(self, prop: dict[str, Any]) -> str:
        if (name := self._ref_name(prop)) is not None:
            if name not in self.objects and name not in self.inline:
                self.objects.append(name)
            return f"[{name}](#{name.lower()})"
        if "anyOf" in prop:
            options = [p for p in prop["anyOf"] if p.get("type") != "null"]
            return " or ".join(self._type(option) for option in options)
        if "enum" in prop:
            return "one of " + ", ".join(f"`{_json(value)}`" for value in prop["enum"])
        kind = prop.get("type")
        if kind == "array":
            items = prop.get("items", {})
            refs = {self._ref_name(item) for item in items.get("anyOf", [])}
            if refs and refs <= self.step_names:
                return "list of [steps](#steps)"
            return f"list of {self._type(items)}"
        if kind == "object":
            values = [*prop.get("patternProperties", {}).values()]
            if values:
                return f"mapping of names to {self._type(values[0])}"
            return "mapping"
        if isinstance(kind, list):
            return " or ".join(kind)
        return kind or "any"

    @staticmethod
    def _meaning(prop: dict[str, Any]) -> str:
        """The description, plus the limits the schema puts on the value."""
        constrained = {**prop, **next((p for p in prop.get("anyOf", []) if "type" in p), {})}
        limits = []
        if "minimum" in constrained and "maximum" in constrained:
            limits.append(f"{constrained['minimum']} to {constrained['maximum']}")
        elif "minimum" in constrained:
            limits.append(f"at least {constrained['minimum']}")
        if "exclusiveMinimum" in constrained:
            limits.append(f"above {constrained['exclusiveMinimum']}")
        if constrained.get("minItems") == 1:
            limits.append("not empty")
        elif constrained.get("minItems"):
            limits.append(f"at least {constrained['minItems']} items")
        if "pattern" in constrained:
            limits.append(f"matches `{constrained['pattern']}`")
        for name in constrained.get("patternProperties", {}):
            limits.append(f"names match `{name}`")
        text = prop.get("description", "")
        if limits:
            text = f"{text} ({'; '.join(limits)})" if text else "; ".join(limits).capitalize()
        return text

    def _deref(self, prop: dict[str, Any]) -> dict[str, Any]:
        name = self._ref_name(prop)
        if name is None:
            raise KeyError(f"not a reference: {prop}")
        return self.defs[name]

    @staticmethod
    def _ref_name(prop: dict[str, Any]) -> str | None:
        ref = prop.get("$ref")
        return ref.rsplit("/", 1)[-1] if ref else None

    @staticmethod
    def _action(step: dict[str, Any]) -> str:
        (action,) = step["required"]
        return action


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
