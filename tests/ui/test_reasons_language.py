"""Why a device failed or was refused reads in the bench's language, with Android's own words
inside as Android said them; the run's record keeps its English."""

from __future__ import annotations

import socket

import pytest
from PySide6.QtCore import QLocale, QTranslator

from app.core import DeviceState
from app.core.reasons import Why
from app.storage import Config
from app.sync import SyncState, SyncStatus
from app.ui.bench_counters import SyncLabel
from app.ui.history_tab import COLUMNS
from app.ui.settings import Settings
from app.ui.tile_view import instruction
from tests.catalogues import build_catalogues

TIMEOUT_MS = 60_000
REFUSING_TEMPLATE = """\
kitbench: 1
name: needs-android-11
version: 1
requires: {sdk_min: 30}
steps:
  - setting: {namespace: global, key: stay_on_while_plugged_in, value: "7"}
"""


@pytest.fixture
def language(qapp):
    """Switch the window's words (and numbers) to a language for one test, as `kitbench gui`
    does under that LANG, and back to English after it."""
    installed: list[QTranslator] = []
    previous = QLocale()

    def use(code: str) -> None:
        translator = QTranslator()
        assert translator.load(f"kitbench_{code}", str(build_catalogues()))
        qapp.installTranslator(translator)
        installed.append(translator)
        QLocale.setDefault(QLocale(code))

    yield use
    for translator in installed:
        qapp.removeTranslator(translator)
    QLocale.setDefault(previous)


def test_a_failed_install_reads_german_with_androids_own_words(open_bench, qtbot, language):
    language("de")
    bench = open_bench(devices=1, profile="pixel8", faults="install_fail=1")
    tab = bench.window.bench
    qtbot.waitUntil(lambda: bench.all_in(DeviceState.READY), timeout=TIMEOUT_MS)
    tile = bench.model.tiles()[0]
    tab.select(tile.endpoint)
    tab.start()
    qtbot.waitUntil(lambda: tile.state is DeviceState.FAILED, timeout=TIMEOUT_MS)

    result = tile.result
    assert result is not None and result.why is not None
    refused = result.why.parts[0]
    assert refused.kind is Why.INSTALL_REFUSED
    android = str(refused["android"])  # what the package manager answered, e.g.
    assert android.startswith("Failure [INSTALL_FAILED_")  # Failure [INSTALL_FAILED_…]
    german = (
        "Schritt 1 (install POS app) fehlgeschlagen: "
        f"Android hat die Installation abgelehnt: {android}"
    )
    assert instruction(tile) == german  # on the tile
    qtbot.waitUntil(lambda: tab.details.state.text() == f"Fehler: {german}")  # in the details
    step = tab.details.steps.item(0, 3)
    assert step is not None
    assert step.text() == f"Android hat die Installation abgelehnt: {android}"
    # the record, the sync payload and the terminal keep the English
    assert result.error == f"step 1 (install POS app) failed: install failed: {android}"

    history = bench.window.history  # History words the stored reason the same way
    bench.window.tabs.setCurrentWidget(history)
    history.apply_filter()
    qtbot.waitUntil(lambda: history.model.rowCount() == 1, timeout=TIMEOUT_MS)
    error = history.model.index(0, [key for key, _ in COLUMNS].index("error"))
    # the tile may fail before the engine has recorded the run's end; History shows it then
    qtbot.waitUntil(lambda: history.model.data(error) == german, timeout=TIMEOUT_MS)
    history.table.selectRow(0)
    qtbot.waitUntil(lambda: f"Fehler: {german}" in history.steps.toPlainText())
    assert f"Android hat die Installation abgelehnt: {android}" in history.steps.toPlainText()


def test_a_refused_device_reads_spanish(
    open_bench, qtbot, language, template_folder, kitbench_home
):
    language("es")
    template = template_folder / "needs-android-11.yaml"
    template.write_text(REFUSING_TEMPLATE, encoding="utf-8")
    settings = Settings(kitbench_home)
    settings.selected_template = str(template)
    settings.sync()
    bench = open_bench(devices=1, profile="legacy_phone")  # Android 8.1, SDK 27
    tab = bench.window.bench
    qtbot.waitUntil(lambda: bench.all_in(DeviceState.READY), timeout=TIMEOUT_MS)
    tile = bench.model.tiles()[0]
    tab.start()
    qtbot.waitUntil(lambda: tile.state is DeviceState.REFUSED, timeout=TIMEOUT_MS)

    assert instruction(tile) == (
        "Android 8.1.0 (SDK 27) es demasiado antiguo: la plantilla necesita SDK 30 o posterior"
    )
    assert tile.result is not None
    assert tile.result.error == (
        "Android 8.1.0 (SDK 27) is too old: the template needs SDK 30 or newer"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_label_printer_that_is_off_reads_german_in_the_status_bar(
    open_bench, qtbot, kitbench_home, language
):
    language("de")
    port = free_port()  # nothing listens there: the printer is off
    Config(kitbench_home).set("label.printer", f"zpl://127.0.0.1:{port}")
    bench = open_bench(devices=1, profile="pixel8")
    tab = bench.window.bench
    qtbot.waitUntil(lambda: bench.all_in(DeviceState.READY), timeout=TIMEOUT_MS)
    tile = bench.model.tiles()[0]
    tab.select(tile.endpoint)
    tab.start()
    qtbot.waitUntil(lambda: tile.state is DeviceState.DONE, timeout=TIMEOUT_MS)
    qtbot.waitUntil(tab.details.label_button.isEnabled)

    tab.details.label_button.click()

    status = bench.window.statusBar()
    qtbot.waitUntil(lambda: "nicht gedruckt" in status.currentMessage(), timeout=TIMEOUT_MS)
    said = status.currentMessage()
    assert f"Etikett für {tile.info.serial} nicht gedruckt: " in said
    assert f"der Etikettendrucker zpl://127.0.0.1:{port} ist aus oder nicht erreichbar" in said
    assert instruction(tile) == "Abziehen · Etikett wartet"


def test_the_sync_count_reads_german_in_its_plural_forms(qtbot, language):
    language("de")
    label = SyncLabel()
    qtbot.addWidget(label)
    label.show_sync(SyncStatus(SyncState.WAITING, waiting=1))
    assert label.words == "Sync: 1 wartet auf Sync"
    label.show_sync(SyncStatus(SyncState.WAITING, waiting=1234))
    assert label.words == "Sync: 1.234 warten auf Sync"  # the count in German digits
