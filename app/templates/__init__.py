"""Template loading, validation, variables and secrets."""

from app.templates.loader import (
    CachedFile,
    Issue,
    LoadedTemplate,
    ReleaseOrigin,
    TemplateError,
    load_template,
)
from app.templates.schema import template_schema
from app.templates.secrets import SecretStore, SecretStoreError, mask
from app.templates.variables import BUILTIN_VARIABLES, VariableError, render

__all__ = [
    "BUILTIN_VARIABLES",
    "CachedFile",
    "Issue",
    "LoadedTemplate",
    "ReleaseOrigin",
    "SecretStore",
    "SecretStoreError",
    "TemplateError",
    "VariableError",
    "load_template",
    "mask",
    "render",
    "template_schema",
]
