"""Finds the user-visible words in app/ui that are not marked for translation.

An AST walk over each module: string literals with letters passed to Qt's text-taking calls
(setText, QLabel(...), addTab, QMessageBox texts, drawText, …) and to ours that reach the
screen (the status bar's signals, the task manager's labels), returned by the words module
(`tile_view.py`) and by `*_words`/`*_text`/`*_line` functions, or held in a table of words
(`WORD_TABLES`, `*_WORDS`) — unless they go through `tr`/`translate`/`QT_TRANSLATE_NOOP`. A marking
call must get a plain literal: lupdate cannot read an f-string or a variable.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

FIRST_ARGUMENT_SHOWN = (
    "setText", "setWindowTitle", "setToolTip", "setStatusTip", "setWhatsThis",
    "setPlaceholderText", "setSpecialValueText", "setTitle", "setPlainText", "appendPlainText",
    "setHtml", "showMessage", "setDetailedText", "setInformativeText", "setSuffix", "setPrefix",
    "setAccessibleName", "setAccessibleDescription", "addRow", "addItem", "addItems",
    "addAction", "addMenu", "setHeaderLabels", "setHorizontalHeaderLabels",
    "setVerticalHeaderLabels", "QLabel", "QPushButton", "QCheckBox", "QRadioButton", "QGroupBox",
    "QAction", "QMenu", "QToolButton", "QListWidgetItem", "QTableWidgetItem", "QStandardItem",
    "show_notice", "emit", "report",
)  # fmt: skip
# Call name -> indices of the positional arguments that are shown (None: every argument).
TEXT_CALLS: dict[str, tuple[int, ...] | None] = {
    **dict.fromkeys(FIRST_ARGUMENT_SHOWN, (0,)),
    "addTab": (1,),
    "insertTab": (2,),
    "setTabText": (1,),
    "setItemText": (1,),
    "insertItem": (1,),
    "insertRow": (1,),
    "critical": (1, 2),
    "warning": (1, 2),
    "information": (1, 2),
    "question": (1, 2),
    "about": (1, 2),
    "QMessageBox": (1, 2),
    "getSaveFileName": (1, 3),
    "getOpenFileName": (1, 3),
    "getExistingDirectory": (1,),
    "getText": (1, 2),
    "drawText": None,
}
TEXT_KEYWORDS = {"label", "text", "title", "toolTip", "caption"}
MARKING_CALLS = {"tr", "translate", "QT_TRANSLATE_NOOP", "QT_TR_NOOP", "QT_TRANSLATE_NOOP3"}
WORDS_MODULES = {"tile_view.py"}  # every string its functions return is words
WORD_FUNCTION_SUFFIXES = ("_words", "_text", "_line")
# Module-level tables of words (and any *_WORDS): every word in them must be marked.
WORD_TABLES = {"STYLES", "_LOST", "IDENTITY_FIELDS", "DEVICE_FIELDS", "COLUMNS", "EXPORTS",
               "REFUSALS", "WORDS"}  # fmt: skip
# Printed documents that leave the bench with the devices, in English like their CSV twins
# and the CLI's (`kitbench manifest`, `kitbench label --pdf`); not the window's words.
DOCUMENT_MODULES = {"manifest.py", "label_pdf.py"}
# Literals with letters that are not words to translate: names, examples, file filters.
ALLOWED = {
    "Kitbench",
    "https://fleet.example.com",
    "production",
    "1-1.1: A1\n1-1.2: A2\n127.0.0.1:7400: N1",
    "PDF (*.pdf)",
    "CSV (*.csv)",
    "JSON (*.json)",
    "SVG",
    "PNG",
    "PDF",
    "%",
    " v",  # a template's name and version: "retail-pos v3"
}


@dataclass(frozen=True)
class Unmarked:
    path: Path
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r} is not marked for translation"


def has_words(text: str) -> bool:
    return any(char.isalpha() for char in text) and text not in ALLOWED


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _is_key(text: str) -> bool:
    """A table's key, file name or icon name ("wifi_mac", "zero-touch.csv", "plug")."""
    return text.replace("_", "").replace("-", "").replace(".", "").isalnum() and (
        text == text.lower()
    )


def _literals(node: ast.AST) -> Iterator[tuple[int, str]]:
    """The word-bearing literals an expression shows as it stands (not inside other calls)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if has_words(node.value):
            yield node.lineno, node.value
    elif isinstance(node, ast.JoinedStr):
        fixed = "".join(
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
        if has_words(fixed):
            yield node.lineno, fixed
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                yield from _literals(part.value)
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _literals(value)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        yield from _literals(node.left)
        yield from _literals(node.right)
    elif isinstance(node, ast.List | ast.Tuple):
        for element in node.elts:
            yield from _literals(element)
    elif (
        isinstance(node, ast.Call)
        and _call_name(node) == "format"
        and isinstance(node.func, ast.Attribute)
    ):
        yield from _literals(node.func.value)  # "Page {n}".format(...)


def _table_literals(node: ast.AST) -> Iterator[tuple[int, str]]:
    """Words in a table: a dict's every value, elsewhere any literal that does not look like
    a key or a colour, outside marking calls."""
    if isinstance(node, ast.Call) and _call_name(node) in MARKING_CALLS:
        return
    if isinstance(node, ast.Dict):
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                if has_words(value.value):
                    yield value.lineno, value.value
            else:
                yield from _table_literals(value)
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if has_words(node.value) and not _is_key(node.value) and not node.value.startswith("#"):
            yield node.lineno, node.value
        return
    for child in ast.iter_child_nodes(node):
        yield from _table_literals(child)


def _shown_arguments(call: ast.Call) -> Iterator[ast.expr]:
    name = _call_name(call)
    if name in TEXT_CALLS:
        indices = TEXT_CALLS[name]
        for index, argument in enumerate(call.args):
            if indices is None or index in indices:
                yield argument
    for keyword in call.keywords:
        if keyword.arg in TEXT_KEYWORDS:
            yield keyword.value


def _marking_problems(call: ast.Call) -> Iterator[tuple[int, str]]:
    """tr()/translate() must get a text lupdate can read: a literal, or a table's word (a
    name or lookup of words marked with QT_TRANSLATE_NOOP), never one built at run time."""
    name = _call_name(call)
    if name not in MARKING_CALLS:
        return
    position = 0 if name in ("tr", "QT_TR_NOOP") else 1
    source = call.args[position] if len(call.args) > position else None
    built = isinstance(source, ast.JoinedStr | ast.BinOp) or (
        isinstance(source, ast.Call) and _call_name(source) == "format"
    )
    if source is not None and built:
        yield call.lineno, f"{name}() of {ast.unparse(source)} (built at run time)"


def check_source(source: str, path: Path) -> list[Unmarked]:
    tree = ast.parse(source, str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for argument in _shown_arguments(node):
                found.extend(_literals(argument))
            found.extend(_marking_problems(node))
        elif isinstance(node, ast.FunctionDef) and (
            path.name in WORDS_MODULES or node.name.endswith(WORD_FUNCTION_SUFFIXES)
        ):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Return) and inner.value is not None:
                    found.extend(_literals(inner.value))
    for statement in tree.body:
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets = [statement.target]
        names = {target.id for target in targets if isinstance(target, ast.Name)}
        tables = {name for name in names if name in WORD_TABLES or name.endswith("_WORDS")}
        if tables and statement.value is not None:
            found.extend(_table_literals(statement.value))
    return [Unmarked(path, line, text) for line, text in sorted(set(found))]


def check_tree(root: Path) -> list[Unmarked]:
    problems: list[Unmarked] = []
    for path in sorted(root.rglob("*.py")):
        if path.name in DOCUMENT_MODULES:
            continue
        problems.extend(check_source(path.read_text(encoding="utf-8"), path))
    return problems
