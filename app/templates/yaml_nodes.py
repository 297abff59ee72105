"""YAML to plain data, remembering where each key and value sits in the file.

PyYAML's composer keeps a start mark on every node; building the data ourselves from the
nodes (rather than `safe_load`) lets the validator point an error at the exact key or value,
and lets us reject duplicate keys, which `safe_load` silently lets the last one win.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Loc = tuple[str | int, ...]
TOO_DEEP = "YAML nested too deeply (a recursive alias?)"
MAX_NODES = 200_000  # far above any template; stops alias bombs and recursive anchors

DEFAULT_TAGS: dict[type[yaml.Node], str] = {
    yaml.MappingNode: "tag:yaml.org,2002:map",
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
}


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based

    @classmethod
    def of(cls, node: yaml.Node) -> Position:
        return cls(node.start_mark.line + 1, node.start_mark.column + 1)


@dataclass
class MarkedData:
    """The document as plain Python data, with the position of every value and key by path."""

    data: Any
    values: dict[Loc, Position] = field(default_factory=dict)
    keys: dict[Loc, Position] = field(default_factory=dict)
    problems: list[tuple[Position, str]] = field(default_factory=list)

    def position(self, loc: Loc, *, key: bool = False) -> Position:
        """Where `loc` is; the nearest enclosing node when it does not exist (a missing key)."""
        while loc:
            found = (self.keys if key else self.values).get(loc) or self.values.get(loc)
            if found:
                return found
            loc, key = loc[:-1], False
        return self.values.get((), Position(1, 1))


class _Builder:
    def __init__(self, marked: MarkedData) -> None:
        self.marked = marked
        self.constructor = yaml.SafeLoader("")
        self.count = 0

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge(node)
        self.marked.values[loc] = Position.of(node)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if node.tag != DEFAULT_TAGS[type(node)]:
            self._problem(node, f"unsupported YAML tag {node.tag}")
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, index)) for index, item in enumerate(node.value)]
        if not isinstance(node, yaml.MappingNode):  # DEFAULT_TAGS has no other kind of node
            raise TypeError(f"unexpected YAML node {type(node).__name__}")
        return self._mapping(node, loc)

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            self._problem(node, exc.problem or "cannot read this value")
            return node.value  # reported above; the raw text keeps other checks quiet

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        first_seen: dict[Any, Position] = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if key in first_seen and isinstance(key, str):
                where = first_seen[key]
                self._problem(key_node, f"duplicate key '{key}' (first at line {where.line})")
            first_seen.setdefault(key, Position.of(key_node))
        try:
            self.constructor.flatten_mapping(node)  # resolves `<<: *anchor` merge keys
        except yaml.constructor.ConstructorError as exc:
            self._problem(node, exc.problem or "cannot merge this mapping")
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self._problem(key_node, "a key must be text")
                continue
            self.marked.keys[(*loc, key)] = Position.of(key_node)
            result[key] = self.build(value_node, (*loc, key))
        return result

    def _problem(self, node: yaml.Node, message: str) -> None:
        self.marked.problems.append((Position.of(node), message))


class _TooLarge(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


class YamlSyntaxError(Exception):
    def __init__(self, position: Position, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.message = message


def load_marked(text: str) -> MarkedData | None:
    """The single YAML document in `text` with positions; None for an empty document."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        position = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        message = exc.problem or "invalid YAML"
        if message.startswith("but found another document"):
            second = "a template is one YAML document; remove this '---'"
            raise YamlSyntaxError(position, second) from None
        if exc.context:
            message = f"{message} ({exc.context})"
        raise YamlSyntaxError(position, f"YAML syntax: {message}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(Position(1, 1), f"YAML: {exc}") from None
    except RecursionError:
        raise YamlSyntaxError(Position(1, 1), TOO_DEEP) from None
    if root is None:
        return None
    marked = MarkedData(data=None)
    try:
        marked.data = _Builder(marked).build(root, ())
    except RecursionError:
        raise YamlSyntaxError(Position(1, 1), TOO_DEEP) from None
    except _TooLarge as exc:
        raise YamlSyntaxError(
            Position.of(exc.node), f"more than {MAX_NODES} YAML nodes (recursive or huge aliases?)"
        ) from None
    return marked
