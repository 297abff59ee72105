"""The window speaks the bench staff's language: every word in app/ui is marked for
translation, and the German and Spanish catalogues are complete and up to date."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.i18n_check import check_source, check_tree

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "app" / "ui"
I18N = UI / "i18n"
TRANSLATED = ("de", "es")
LUPDATE = Path(sys.executable).parent / "pyside6-lupdate"
# As `make lupdate` runs it.
LUPDATE_OPTIONS = ["-extensions", "py", "-locations", "none", "-no-obsolete", "-silent"]
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{[a-z_]*\}|%n")


def messages(ts: Path) -> dict[tuple[str, str], ET.Element]:
    """(context, source) -> the <message> of a .ts file."""
    found = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            found[(name, message.findtext("source") or "")] = message
    return found


def translations(message: ET.Element) -> list[str]:
    translation = message.find("translation")
    assert translation is not None
    if message.get("numerus") == "yes":
        return [form.text or "" for form in translation.iter("numerusform")]
    return [translation.text or ""]


# -- every word marked


def test_every_user_visible_string_in_app_ui_is_marked_for_translation():
    unmarked = check_tree(UI)
    assert not unmarked, "\n".join(map(str, unmarked))


PLANTED = {
    "a label": 'QLabel("Plug in a device")',
    "a button's text": 'self.button.setText("Retry")',
    "an f-string": 'self.status.setText(f"Saved {path}")',
    "a tooltip": 'self.start.setToolTip("Start all (F5)")',
    "a tab": 'tabs.addTab(bench, "Bench")',
    "a dialog's text": 'QMessageBox.question(self, "Let in", "Provision anyway?")',
    "a file dialog's caption": 'QFileDialog.getSaveFileName(self, "Export", "h.csv", "")',
    "a status message": 'self.statusBar().showMessage("Stopping…")',
    "a painted word": 'painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Retry")',
    "a header": 'table.setHorizontalHeaderLabels(["Step", "Status"])',
    "a task's label": 'tasks.run_in_background(work, done, label="Saving the settings")',
    "either branch": 'label.setText("Saved." if ok else "Not saved")',
    "a format string": 'label.setText("Page {n}".format(n=n))',
    "a words function": 'def refusal_words(ack):\n    return "choose a template first"',
    "a table of words": 'STATUS_WORDS = {1: "running", 2: "failed"}',
    "an f-string in tr": 'self.tr(f"Saved {path}")',
}


@pytest.mark.parametrize("source", PLANTED.values(), ids=PLANTED.keys())
def test_the_check_finds_a_planted_unmarked_string(source):
    assert check_source(source, Path("app/ui/planted.py"))


def test_the_check_finds_any_string_the_words_module_returns():
    source = 'def instruction(tile):\n    return "Tap Allow on the device"'
    assert check_source(source, Path("app/ui/tile_view.py"))
    assert not check_source(source, Path("app/ui/other.py"))


MARKED = {
    "tr": 'QLabel(self.tr("Plug in a device"))',
    "tr with a format": 'self.status.setText(self.tr("Saved {file}").format(file=path))',
    "tr with a count": 'label.setText(self.tr("%n run(s)", "", count))',
    "translate": 'label.setText(QCoreApplication.translate("BenchTab", "Retry"))',
    "a table marked for lupdate": 'STATUS_WORDS = {1: QT_TRANSLATE_NOOP("Details", "running")}',
    "a table's word translated": 'label.setText(QCoreApplication.translate("D", WORDS[key]))',
    "signs only": 'label.setText(f"{done} · {total} —")',
    "data": "label.setText(tile.label)",
    "the product's name": 'self.setWindowTitle("Kitbench")',
    "a file filter": 'QFileDialog.getSaveFileName(self, self.tr("Export"), "h.csv", "CSV (*.csv)")',
    "keys in a table": 'COLUMNS = (("started_at", QT_TRANSLATE_NOOP("History", "Started")),)',
}


@pytest.mark.parametrize("source", MARKED.values(), ids=MARKED.keys())
def test_the_check_accepts_marked_strings_and_non_words(source):
    assert check_source(source, Path("app/ui/marked.py")) == []


# -- the catalogues


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_catalogue_translates_every_message(language):
    """No unfinished, obsolete or empty entry, every plural form given, every placeholder
    ({name}, %n) kept: a word left out reads English in the middle of German."""
    problems = []
    for (context, source), message in messages(I18N / f"kitbench_{language}.ts").items():
        translation = message.find("translation")
        assert translation is not None
        kind = translation.get("type")
        texts = translations(message)
        where = f"{context}: {source!r}"
        if kind:
            problems.append(f"{where} is {kind}")
        elif not texts or not all(text.strip() for text in texts):
            problems.append(f"{where} has an empty translation")
        for text in texts:
            if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(source)):
                problems.append(f"{where}: {text!r} does not keep its placeholders")
    assert not problems, "\n".join(problems)


def test_the_english_catalogue_gives_every_plural_its_forms():
    english = messages(I18N / "kitbench_en.ts")
    plural = {key for key, message in messages(I18N / "kitbench_de.ts").items()
              if message.get("numerus") == "yes"}  # fmt: skip
    assert set(english) == plural
    for key, message in english.items():
        assert len(translations(message)) == 2 and all(translations(message)), key


def test_the_catalogues_hold_what_the_sources_say_now(tmp_path):
    """lupdate over app/ui into a copy changes no message: nothing new to translate, nothing
    gone that is still kept."""
    copies = []
    for language in (*TRANSLATED, "en"):
        copy = tmp_path / f"kitbench_{language}.ts"
        shutil.copy(I18N / copy.name, copy)
        copies.append(copy)
    translated = [copy for copy in copies if not copy.name.endswith("_en.ts")]
    subprocess.run([LUPDATE, *LUPDATE_OPTIONS, str(UI), "-ts", *map(str, translated)],
                   check=True, capture_output=True)  # fmt: skip
    subprocess.run([LUPDATE, *LUPDATE_OPTIONS, "-pluralonly", str(UI), "-ts", str(copies[-1])],
                   check=True, capture_output=True)  # fmt: skip
    for copy in copies:
        committed = messages(I18N / copy.name)
        extracted = messages(copy)
        new = sorted(set(extracted) - set(committed))
        gone = sorted(set(committed) - set(extracted))
        assert not new and not gone, (
            f"{copy.name} is out of date (make lupdate, then translate):\nnew: {new}\ngone: {gone}"
        )
