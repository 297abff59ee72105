"""The window's language: Qt translators for the bench staff's language, and its locale.

The words are marked in the sources (`self.tr`, `QCoreApplication.translate`), extracted by
`pyside6-lupdate` into `app/ui/i18n/kitbench_LANG.ts` and compiled by `pyside6-lrelease`
(`make translations`) into the `.qm` files loaded here. The language is the one chosen in
Settings, or the system's (`LANG`, `LC_ALL`, `LC_MESSAGES`) when "System" is chosen; the
same locale formats dates and numbers (`QLocale()`). English is the source language: its
`.qm` only holds plural forms.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

SYSTEM = "system"
# The Settings choices: code -> the language's own name (shown as is, never translated).
LANGUAGES = {"en": "English", "de": "Deutsch", "es": "Español"}
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "i18n"
CATALOGUE = "kitbench"

log = logging.getLogger(__name__)


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # lupdate knows it by this name
    """Mark a word of a table for lupdate; it is translated where it is shown
    (`QCoreApplication.translate(context, text)`). PySide6's own is typed to return object."""
    return text


def chosen_locale(language: str) -> QLocale:
    """The locale of a Settings choice: the system's for "system" (or anything unknown)."""
    if language in LANGUAGES:
        return QLocale(language)
    return QLocale.system()


def install_translators(language: str = SYSTEM, directory: Path = TRANSLATIONS_DIR) -> QLocale:
    """Translate the application into `language` ("system", "en", "de", "es") from now on,
    and make its locale the default one for dates and numbers. Call it once the
    QCoreApplication exists and before any window is built. A language without a compiled
    catalogue stays English (logged), so a checkout that was never built still starts.
    """
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("install_translators needs a QCoreApplication")
    locale = chosen_locale(language)
    QLocale.setDefault(locale)
    ours = QTranslator(app)
    if ours.load(locale, CATALOGUE, "_", str(directory)):
        app.installTranslator(ours)
    else:  # English, with its plural forms ("1 run", "2 runs")
        if locale.language() not in (QLocale.Language.English, QLocale.Language.C):
            log.warning("no %s translation in %s: the window is English", locale.name(), directory)
        if ours.load(f"{CATALOGUE}_en", str(directory)):
            app.installTranslator(ours)
    # Qt's own words (dialog buttons, the file dialog, context menus).
    qt = QTranslator(app)
    if qt.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
    return locale
