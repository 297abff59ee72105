"""Placeholders in template strings: `{name}`, `{name:SPEC}` and `{secret:NAME}`.

The loader checks every placeholder before a run starts (`check_placeholders`); the runner
fills them per device (`render`). Both parse with the same `placeholders` so they agree.
Literal braces are written `{{` and `}}`, as in Python's format strings.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.templates.secrets import SecretStore

BUILTIN_VARIABLES = ("serial", "model", "seq", "port", "station")
SHEET_VARIABLES = ("asset",)  # only in `enrollment`: a QR sheet's devices CSV provides it
SECRET_FIELD = "secret"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# What each built-in looks like at run time, to check format specs such as {seq:04d} early.
BUILTIN_SAMPLES: dict[str, object] = {
    "serial": "R58M1234ABC",
    "model": "SM-T510",
    "seq": 1,
    "port": "1-1.4",
    "station": "bench-1",
    "asset": "ASSET-0001",
}


class VariableError(ValueError):
    """A placeholder that cannot be filled; the message never contains a secret value."""


@dataclass(frozen=True)
class Placeholder:
    name: str  # a variable name, or the secret's name when `secret` is true
    spec: str
    secret: bool


def placeholders(text: str) -> list[Placeholder]:
    """Every placeholder in `text`, in order; VariableError for malformed braces."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise VariableError(f"{exc}; write {{{{ or }}}} for a literal brace") from None
    found = []
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field == "":
            raise VariableError("empty placeholder {}; write {{}} for literal braces")
        if conversion is not None:
            raise VariableError(f"{{{field}!{conversion}}}: conversions are not supported")
        if field == SECRET_FIELD:
            secret_name = spec or ""
            if not NAME.match(secret_name):
                raise VariableError(f"{{secret:{spec}}}: a secret name is letters, digits and _")
            found.append(Placeholder(secret_name, "", secret=True))
            continue
        if not NAME.match(field):
            raise VariableError(
                f"{{{field}}} is not a variable name; write {{{{ and }}}} for literal braces"
            )
        if "{" in (spec or ""):
            raise VariableError(f"{{{field}:{spec}}}: nested placeholders are not supported")
        found.append(Placeholder(field, spec or "", secret=False))
    return found


def check_placeholders(text: str, known: Iterable[str]) -> list[str]:
    """Problems with the placeholders in `text` given the variable names a run will have."""
    try:
        found = placeholders(text)
    except VariableError as exc:
        return [str(exc)]
    known = sorted(set(known))
    problems = []
    for placeholder in found:
        if placeholder.secret:
            continue  # secrets are station state; the runner reports a missing one
        if placeholder.name not in known:
            problems.append(_unknown(placeholder.name, known))
            continue
        sample = BUILTIN_SAMPLES.get(placeholder.name, "text")
        try:
            format(sample, placeholder.spec)
        except ValueError as exc:
            problems.append(f"{{{placeholder.name}:{placeholder.spec}}}: {exc}")
    return problems


def render(text: str, variables: Mapping[str, object], secrets: SecretStore) -> str:
    """`text` with every placeholder filled from `variables` and the station's secrets."""
    found = iter(placeholders(text))
    parts = []
    for literal, field, _spec, _conversion in string.Formatter().parse(text):
        parts.append(literal)
        if field is None:
            continue
        placeholder = next(found)
        if placeholder.secret:
            try:
                parts.append(secrets.get(placeholder.name))
            except KeyError as exc:
                raise VariableError(exc.args[0] if exc.args else str(exc)) from None
            continue
        if placeholder.name not in variables:
            raise VariableError(_unknown(placeholder.name, sorted(variables)))
        try:
            parts.append(format(variables[placeholder.name], placeholder.spec))
        except (ValueError, TypeError) as exc:
            raise VariableError(f"{{{placeholder.name}:{placeholder.spec}}}: {exc}") from None
    return "".join(parts)


def _unknown(name: str, known: list[str]) -> str:
    hint = difflib.get_close_matches(name, known, n=1)
    message = f"unknown variable {{{name}}}"
    if hint:
        return f"{message}; did you mean {{{hint[0]}}}?"
    return f"{message}; known: {', '.join('{' + k + '}' for k in known) or 'none'}"
