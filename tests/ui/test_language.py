"""The window reads German or Spanish where the system's locale says so (`LANG`), or where
Settings chose it, with dates and numbers in that locale's format."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from app.ui.settings import Settings
from tests.catalogues import build_catalogues


def window_words(env: dict[str, str]) -> dict:
    """What a window started under `env` reads (see tests/ui/window_words.py)."""
    build_catalogues()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **env}
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):  # LANG alone decides, as at a bench
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.window_words"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("lang", "tabs", "start", "date", "number"),
    [
        ("de_DE.UTF-8", ["Arbeitsplatz", "Vorlagen", "Verlauf", "Registrierung",
                         "Einstellungen"], "▶ Starten", "24.12.26", "1.234,5"),
        ("es_ES.UTF-8", ["Puesto", "Plantillas", "Historial", "Inscripción", "Ajustes"],
         "▶ Iniciar", "24/12/26", "1234,5"),
        ("en_US.UTF-8", ["Bench", "Templates", "History", "Enrollment", "Settings"],
         "▶ Start", "12/24/26", "1,234.5"),
    ],
    ids=["German", "Spanish", "English"],
)  # fmt: skip
def test_the_window_speaks_the_systems_language(lang, tabs, start, date, number):
    words = window_words({"LANG": lang})
    assert words["tabs"] == tabs
    assert words["start"] == start
    assert (words["date"], words["number"]) == (date, number)


def test_a_language_chosen_in_settings_wins_over_the_systems(kitbench_home):
    settings = Settings(kitbench_home)
    settings.language = "es"
    settings.sync()
    words = window_words({"LANG": "de_DE.UTF-8"})
    assert words["start"] == "▶ Iniciar"
    assert words["empty"] == "Conecte un dispositivo: su recuadro aparece aquí."
