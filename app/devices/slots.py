"""The port map: the label printed on each hub port, by USB slot.

Bench staff think in "A4", not "1-1.4". `ports.yaml` in the data directory maps one to the
other; a slot without a label shows as its path.

    # USB slot (bus-port path): label on the bench
    1-1.1: A1
    1-1.2: A2
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from app.core.paths import data_dir
from app.devices.usb_discovery import SLOT_PATTERN

PORT_MAP_FILE = "ports.yaml"
MAX_LABEL_LENGTH = 32


class PortMapError(ValueError):
    """A port map that cannot be used; str(e) is "FILE:LINE: what to fix"."""


@dataclass(frozen=True)
class PortMap:
    labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> PortMap:
        """Read the port map (no file: no labels); raises PortMapError naming the bad line."""
        path = path or data_dir() / PORT_MAP_FILE
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except (OSError, UnicodeDecodeError) as exc:
            raise PortMapError(f"{path}: cannot read the port map: {exc}") from None
        return cls(_parse(text, path))

    def label(self, slot: str) -> str:
        """The bench label of a slot, or the slot itself."""
        return self.labels.get(slot, slot)


def _parse(text: str, path: Path) -> dict[str, str]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise PortMapError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise PortMapError(f"{path}:{root.start_mark.line + 1}: expected lines of SLOT: LABEL")
    labels: dict[str, str] = {}
    slots_by_label: dict[str, str] = {}
    for key, value in root.value:
        line = f"{path}:{key.start_mark.line + 1}"
        slot, label = str(key.value).strip(), str(value.value).strip()
        if not isinstance(key, yaml.ScalarNode) or not SLOT_PATTERN.match(slot):
            raise PortMapError(f"{line}: {slot!r} is not a USB slot like 1-1.4")
        if not isinstance(value, yaml.ScalarNode) or not label or len(label) > MAX_LABEL_LENGTH:
            raise PortMapError(f"{line}: the label of {slot} must be 1 to 32 characters")
        if slot in labels:
            raise PortMapError(f"{line}: {slot} is labelled twice")
        if label in slots_by_label:
            raise PortMapError(f"{line}: {label!r} already labels {slots_by_label[label]}")
        labels[slot], slots_by_label[label] = label, slot
    return labels
