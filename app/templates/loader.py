"""Load a YAML template into a typed `Template`, reporting every problem at once.

Each problem is an `Issue` at the line and column of the YAML node it is about, printed as
`FILE:LINE:COL: message` like a compiler's, so editors and CI logs link straight to it.
Steps are validated one by one against the model their action key names, which keeps the
messages about that action instead of a union of fifteen possibilities.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from app.core.apk import NotAnApk, read_apk
from app.templates.model import STEP_TYPES, SUPPORTED_FORMATS, Label, StepBase, Template
from app.templates.variables import (
    BUILTIN_VARIABLES,
    NAME,
    SECRET_FIELD,
    SHEET_VARIABLES,
    check_placeholders,
)
from app.templates.yaml_nodes import Loc, MarkedData, Position, YamlSyntaxError, load_marked

COMMON_STEP_KEYS = tuple(StepBase.model_fields)
# Local files a template names; these are paths, not text with placeholders.
FILE_FIELDS = {
    ("install", "apk"),
    ("install", "splits"),
    ("push", "src"),
    ("enrollment", "dpc_apk"),
}
# Plain words for pydantic's type errors; the YAML author never wrote a "dictionary".
EXPECTED = {
    "model_type": "expected a mapping of keys",
    "model_attributes_type": "expected a mapping of keys",
    "dict_type": "expected a mapping of keys",
    "list_type": "expected a list",
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
}
PATTERN_MESSAGES = {
    "sha256": "must be a SHA-256 in hex (64 characters 0-9, a-f)",
    "dest": "must be an absolute path on the device, e.g. /sdcard/Download/file",
}


@dataclass(frozen=True)
class Issue:
    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class TemplateError(Exception):
    """A template that cannot be used; `issues` holds every problem found, in file order."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = sorted(dict.fromkeys(issues), key=lambda issue: (issue.line, issue.column))
        super().__init__("\n".join(str(issue) for issue in self.issues))


@dataclass(frozen=True)
class ReleaseOrigin:
    """Where a pulled template came from: the release a run records (docs/releases.md)."""

    manifest_sha256: str
    channel: str
    template_sha256: str  # the YAML's published hash: a changed file is refused


@dataclass(frozen=True)
class CachedFile:
    """A file of a release: where the station's content-addressed cache keeps it."""

    path: Path
    sha256: str


@dataclass(frozen=True)
class LoadedTemplate:
    template: Template
    path: Path
    sha256: str  # of the YAML file's bytes; a run records it as template_hash
    release: ReleaseOrigin | None = None  # None: a local template file
    # A release's files by the relative path the template names; empty for a local template.
    files: tuple[tuple[str, Path], ...] = ()

    def resolve_path(self, relative: str) -> Path:
        """Paths in a template are relative to the template file; a release's come from the
        station's cache, so a run reads exactly the bytes that were published."""
        for name, cached in self.files:
            if name == relative:
                return cached
        return self.path.parent / relative


RELEASE_SUFFIX = ".release.json"  # beside a pulled template: its release and cached files


def release_record_path(template_path: Path) -> Path:
    """`NAME-vN.yaml` → `NAME-vN.release.json`, written by the station's release pull."""
    return template_path.with_name(template_path.stem + RELEASE_SUFFIX)


def load_template(
    path: Path,
    *,
    files: dict[str, CachedFile] | None = None,
    release: ReleaseOrigin | None = None,
) -> LoadedTemplate:
    """Read and validate the template at `path`; TemplateError lists every problem.

    `files` (with `release`) loads a release: each referenced file comes from the cache and
    must be there with its published hash. A template the station pulled (a
    `NAME-vN.release.json` beside it) is loaded that way without asking.
    """
    path = Path(path)
    shown = str(path)
    if files is None and release_record_path(path).is_file():
        files, release = _read_release_record(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TemplateError([Issue(shown, 1, 1, "no such file")]) from None
    except IsADirectoryError:
        raise TemplateError([Issue(shown, 1, 1, "is a directory, not a template file")]) from None
    except OSError as exc:
        raise TemplateError([Issue(shown, 1, 1, f"cannot read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise TemplateError([Issue(shown, line, column, "not UTF-8 text")]) from None
    try:
        marked = load_marked(text)
    except YamlSyntaxError as exc:
        raise TemplateError([Issue(shown, *_at(exc.position), exc.message)]) from None
    if marked is None:
        message = "the file is empty; a template starts with 'kitbench: 1'"
        raise TemplateError([Issue(shown, 1, 1, message)])
    sha256 = hashlib.sha256(raw).hexdigest()
    validator = _Validator(shown, path.parent, marked, files)
    if release is not None and release.template_sha256 != sha256:
        message = "the template differs from its release (the file was changed)"
        validator.issues.append(Issue(shown, 1, 1, message))
    template = validator.validate()
    return LoadedTemplate(
        template=template,
        path=path,
        sha256=sha256,
        release=release,
        files=tuple((name, cached.path) for name, cached in (files or {}).items()),
    )


def _read_release_record(path: Path) -> tuple[dict[str, CachedFile], ReleaseOrigin]:
    """The cached files and origin of a pulled template, from its `.release.json`."""
    record_path = release_record_path(path)
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        store = (record_path.parent / record["store"]).resolve()
        files = {
            entry["path"]: CachedFile(
                store / entry["sha256"][:2] / entry["sha256"], entry["sha256"]
            )
            for entry in record["files"]
        }
        origin = ReleaseOrigin(
            record["manifest_sha256"], record["channel"], record["template_sha256"]
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        issue = Issue(str(path), 1, 1, f"cannot read its release record {record_path.name}: {exc}")
        raise TemplateError([issue]) from None
    return files, origin


def _at(position: Position) -> tuple[int, int]:
    return position.line, position.column


class _Validator:
    def __init__(
        self,
        shown: str,
        base_dir: Path,
        marked: MarkedData,
        cached: dict[str, CachedFile] | None = None,
    ) -> None:
        self.shown = shown
        self.base_dir = base_dir
        self.cached = cached  # a release's files; None for a local template
        self.marked = marked
        self.issues = [Issue(shown, *_at(where), message) for where, message in marked.problems]
        self.file_bytes: dict[Path, bytes | None] = {}

    def validate(self) -> Template:
        data = self.marked.data
        if not isinstance(data, dict):
            self._fail(
                (), f"a template is a mapping (kitbench:, name:, steps: …), not {_kind(data)}"
            )
        self._check_format(data)
        steps = data.get("steps")
        step_models = self._validate_steps(steps) if isinstance(steps, list) else []
        header = {**data, "steps": []} if isinstance(steps, list) else data
        try:
            Template.model_validate(header)
        except ValidationError as error:
            self._add_pydantic(error, Template, ())
        variables = data.get("variables")
        known = [*BUILTIN_VARIABLES]
        if isinstance(variables, dict):
            known += [name for name in variables if self._check_variable(name, variables[name])]
        self._check_strings(data.get("steps"), ("steps",), known)
        # Printed sheets fill {asset} (and {serial}) per code from a devices CSV.
        self._check_strings(data.get("enrollment"), ("enrollment",), [*known, *SHEET_VARIABLES])
        if isinstance(steps, list):
            self._check_step_files(steps)
        enrollment = data.get("enrollment")
        if isinstance(enrollment, dict) and isinstance(enrollment.get("dpc_apk"), str):
            self._existing_file(("enrollment", "dpc_apk"), enrollment["dpc_apk"])
        self._check_label(data.get("label"))
        if self.issues:
            raise TemplateError(self.issues)
        return Template.model_validate({**data, "steps": step_models})

    def _check_label(self, label: Any) -> None:
        """Each label element that falls off the label, at its own line."""
        if not isinstance(label, dict):
            return
        try:
            layout = Label.model_validate(label)
        except ValidationError:
            return  # said already, by the template's own validation
        for index in layout.misfits():
            size = f"{layout.width_mm:g} x {layout.height_mm:g} mm"
            self._issue(("label", "elements", index),
                        f"label.elements[{index}] does not fit on the {size} label")  # fmt: skip

    def _check_format(self, data: dict[str, Any]) -> None:
        """A template in another format version is not checked further: its rules may differ."""
        supported = ", ".join(f"kitbench: {version}" for version in SUPPORTED_FORMATS)
        if "kitbench" not in data:
            self._fail((), "not a Kitbench template: 'kitbench: 1' (the format version) is missing")
        version = data["kitbench"]
        if type(version) is not int or version not in SUPPORTED_FORMATS:
            self._fail(
                ("kitbench",),
                f"unsupported template format {version!r}; this Kitbench supports {supported}",
                key=False,
            )

    def _validate_steps(self, steps: list[Any]) -> list[StepBase]:
        models = []
        for index, step in enumerate(steps):
            loc: Loc = ("steps", index)
            if not isinstance(step, dict):
                self._issue(
                    loc,
                    f"a step is a mapping with one action key, e.g. '- timezone: Europe/Berlin',"
                    f" not {_kind(step)}",
                )
                continue
            actions = [key for key in step if key in STEP_TYPES]
            unknown = [key for key in step if key not in STEP_TYPES and key not in COMMON_STEP_KEYS]
            for key in unknown:
                kind = "key" if actions else "action"
                candidates = [*STEP_TYPES, *COMMON_STEP_KEYS]
                self._issue((*loc, key), _unknown(kind, key, candidates), key=True)
            if len(actions) > 1:
                self._issue(
                    (*loc, actions[1]),
                    f"a step has exactly one action, this one has {' and '.join(actions)};"
                    " make them separate steps",
                    key=True,
                )
            if not actions and not unknown:
                self._issue(loc, f"a step needs one action key: {', '.join(STEP_TYPES)}")
            if len(actions) != 1:
                continue
            step_type = STEP_TYPES[actions[0]]
            known = {key: value for key, value in step.items() if key not in unknown}
            try:
                models.append(step_type.model_validate(known))
            except ValidationError as error:
                self._add_pydantic(error, step_type, loc)
        return models

    def _check_variable(self, name: str, value: Any) -> bool:
        """Whether `name` is a usable variable; reports reserved names and placeholders."""
        if not NAME.match(name):
            return False  # the model reports the name
        if name in BUILTIN_VARIABLES or name == SECRET_FIELD:
            what = "a built-in variable" if name != SECRET_FIELD else "reserved for {secret:NAME}"
            self._issue(("variables", name), f"'{name}' is {what}; choose another name", key=True)
            return False
        if isinstance(value, str) and "{" in value:
            self._issue(
                ("variables", name),
                "variable values are plain text: placeholders are not filled in here",
            )
        return True

    def _check_strings(self, value: Any, loc: Loc, known: list[str]) -> None:
        """Every placeholder in text that a run renders names a known variable."""
        if isinstance(value, dict):
            for key, item in value.items():
                if (loc[-1], key) not in FILE_FIELDS:
                    self._check_strings(item, (*loc, key), known)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self._check_strings(item, (*loc, index), known)
        elif isinstance(value, str):
            for problem in check_placeholders(value, known):
                self._issue(loc, problem)

    def _check_step_files(self, steps: list[Any]) -> None:
        for index, step in enumerate(steps):
            if not isinstance(step, dict):
                continue
            push = step.get("push")
            if isinstance(push, dict) and isinstance(push.get("src"), str):
                self._existing_file(("steps", index, "push", "src"), push["src"])
            install = step.get("install")
            if isinstance(install, dict) and isinstance(install.get("apk"), str):
                self._check_apk(("steps", index, "install"), install)
            splits = install.get("splits") if isinstance(install, dict) else None
            for number, split in enumerate(splits if isinstance(splits, list) else []):
                if isinstance(split, str):
                    self._existing_file(("steps", index, "install", "splits", number), split)
            shell = step.get("shell")
            if isinstance(shell, dict) and isinstance(shell.get("expect"), str):
                try:
                    re.compile(shell["expect"], re.MULTILINE)
                except (re.error, RecursionError, OverflowError) as exc:
                    self._issue(
                        ("steps", index, "shell", "expect"),
                        f"expect is not a valid regular expression: {exc}",
                    )

    def _check_apk(self, loc: Loc, install: dict[str, Any]) -> None:
        """The APK exists, matches a pinned sha256 and is the package the step names."""
        content = self._existing_file((*loc, "apk"), install["apk"])
        if content is None:
            return
        pinned = install.get("sha256")
        if isinstance(pinned, str) and len(pinned) == 64:
            actual = hashlib.sha256(content).hexdigest()
            if actual != pinned.lower():
                self._issue(
                    (*loc, "sha256"), f"sha256 does not match {install['apk']}, which has {actual}"
                )
        package = install.get("package")
        if isinstance(package, str) and not install["apk"].endswith(".apks"):
            try:
                info = read_apk(content)
            except NotAnApk as exc:
                self._issue((*loc, "apk"), f"{install['apk']} is not an installable APK: {exc}")
                return
            if info.package != package:
                self._issue(
                    (*loc, "package"), f"{install['apk']} is package {info.package}, not {package}"
                )

    def _existing_file(self, loc: Loc, relative: str) -> bytes | None:
        if self.cached is not None:
            return self._cached_file(loc, relative)
        path = self.base_dir / relative
        if path not in self.file_bytes:
            try:
                self.file_bytes[path] = path.read_bytes()
            except FileNotFoundError:
                self._issue(loc, f"file not found: {relative} (looked for {path})")
                self.file_bytes[path] = None
            except IsADirectoryError:
                self._issue(loc, f"{relative} is a directory; name a file")
                self.file_bytes[path] = None
            except OSError as exc:
                self._issue(loc, f"cannot read {relative}: {exc.strerror}")
                self.file_bytes[path] = None
        return self.file_bytes[path]

    def _cached_file(self, loc: Loc, relative: str) -> bytes | None:
        """A release's file from the cache, refused unless it has its published hash."""
        assert self.cached is not None
        entry = self.cached.get(relative)
        if entry is None:
            self._issue(loc, f"{relative} is not part of this release")
            return None
        if entry.path not in self.file_bytes:
            try:
                content: bytes | None = entry.path.read_bytes()
            except OSError:
                self._issue(loc, f"{relative} is missing from the release cache ({entry.path})")
                content = None
            if content is not None and hashlib.sha256(content).hexdigest() != entry.sha256:
                self._issue(loc, f"{relative} in the release cache is damaged (hash mismatch)")
                content = None
            self.file_bytes[entry.path] = content
        return self.file_bytes[entry.path]

    def _add_pydantic(self, error: ValidationError, model: type[BaseModel], prefix: Loc) -> None:
        for detail in error.errors(include_url=False):
            loc = (*prefix, *detail["loc"])
            on_key = loc[-1] == "[key]"
            if on_key:
                loc = loc[:-1]
            field = loc[-1] if loc else ""
            where = _shown_loc(loc[:-1])
            in_where = f" in {where}" if where else ""
            kind = detail["type"]
            if kind == "missing":
                message = f"missing required key '{field}'{in_where}"
            elif kind == "extra_forbidden":
                fields = _fields_at(model, tuple(detail["loc"][:-1]))
                message = _unknown("key", str(field), fields, in_where)
                on_key = True
            elif kind == "string_pattern_mismatch" and field in PATTERN_MESSAGES:
                message = f"{_shown_loc(loc)} {PATTERN_MESSAGES[str(field)]}"
            elif on_key:
                message = f"'{field}' is not a valid name here: {detail['msg']}"
            else:
                text = EXPECTED.get(kind) or detail["msg"].removeprefix("Value error, ")
                if kind in EXPECTED:
                    text = f"{text}, not {_kind(detail['input'])}"
                message = f"{_shown_loc(loc)}: {text}" if loc else text
            self._issue(loc, message, key=on_key)

    def _issue(self, loc: Loc, message: str, key: bool = False) -> None:
        self.issues.append(Issue(self.shown, *_at(self.marked.position(loc, key=key)), message))

    def _fail(self, loc: Loc, message: str, key: bool = True) -> None:
        self._issue(loc, message, key=key)
        raise TemplateError(self.issues)


def _shown_loc(loc: Loc) -> str:
    """`install.apk` for a step's field (the line already says which step), else the path."""
    if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
        loc = loc[2:]
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def _unknown(kind: str, name: str, candidates: list[str], where: str = "") -> str:
    hint = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    message = f"unknown {kind} '{name}'{where}"
    if hint:
        return f"{message}; did you mean '{hint[0]}'?"
    return f"{message}; expected one of: {', '.join(candidates)}" if candidates else message


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The field names of the model found at `loc` inside `model`, for "did you mean" hints."""
    annotation: Any = model
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            annotation = (get_args(annotation) or (Any,))[0]
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part)
            if field is None:
                return []
            annotation = field.annotation
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """`X | None` and `Annotated[X, …]` to X."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        return _unwrap(members[0]) if len(members) == 1 else annotation
    return annotation


def _kind(value: Any) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text '{value}'" if len(value) < 40 else "a text"
    return f"{type(value).__name__} {value!r}"
