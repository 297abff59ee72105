"""The admin lock in the window over its real engine: a PIN guards exactly the admin actions
(template, order, Settings, Force re-run, letting a device not on the order in), operators
keep Start, Stop, Retry, asset tags and labels; a wrong PIN is refused; idle minutes lock it
again (on a clock the test moves); the PIN is set in Settings and reset from the CLI."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from PySide6.QtCore import Qt

from app.cli import cli
from app.core import DeviceState
from app.engine.protocol import Admit, PrintLabel, Retry, SetAssetTag, SetOrder, SetTemplate, Start
from app.engine.protocol import Stop as StopRuns
from app.storage.admin_pin import AdminPin
from app.ui.admin_guard import PinSettings

TIMEOUT_MS = 60_000
PIN = "4829"


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sent(monkeypatch):
    """Patch a window's engine link so every command it sends is recorded as well."""

    def spy(bench) -> list:
        commands: list = []
        engine = bench.services.engine
        send = engine._send

        def recording(command):
            commands.append(command)
            return send(command)

        monkeypatch.setattr(engine, "_send", recording)
        return commands

    return spy


def forced(commands) -> list:
    return [c for c in commands if isinstance(c, Start) and c.force]


def of_type(commands, kind) -> list:
    return [c for c in commands if isinstance(c, kind)]


def wait_locked(bench, qtbot) -> None:
    admin = bench.window.admin
    qtbot.waitUntil(lambda: admin.lock.known and admin.lock.locked, timeout=10_000)


def asks_for_the_pin(bench, qtbot, commands, act) -> None:
    """`act` opens the PIN dialog and sends nothing; cancelled, it stays undone."""
    admin = bench.window.admin
    before = list(commands)
    act()
    qtbot.waitUntil(lambda: admin.dialog is not None and admin.dialog.isVisible(), timeout=5000)
    assert commands == before
    admin.dialog.reject()
    qtbot.waitUntil(lambda: admin.dialog is None, timeout=5000)
    assert commands == before
    assert admin.lock.locked


def unlock(bench, qtbot, pin: str = PIN) -> None:
    admin = bench.window.admin
    qtbot.waitUntil(lambda: admin.dialog is not None, timeout=5000)
    admin.dialog.submit(pin)
    qtbot.waitUntil(lambda: admin.dialog is None, timeout=10_000)


def test_the_pin_guards_exactly_the_admin_actions(open_bench, qtbot, kitbench_home, sent):
    AdminPin(kitbench_home).set(PIN)
    bench = open_bench(devices=1, profile="pixel8", faults="install_fail=1")
    commands = sent(bench)
    window, tab = bench.window, bench.window.bench
    details = tab.details
    qtbot.waitUntil(lambda: bench.all_in(DeviceState.READY), timeout=TIMEOUT_MS)
    wait_locked(bench, qtbot)
    assert window.admin.button.isVisibleTo(window)
    assert "locked" in window.admin.button.text()
    tile = bench.model.tiles()[0]
    tab.select(tile.endpoint)

    # An operator's work needs no PIN: asset tag, Start, Retry, Stop, Print label.
    qtbot.keyClicks(tab.view, "AT-0042")
    qtbot.keyClick(tab.view, Qt.Key.Key_Return)
    tab.toolbar.start_button.click()
    qtbot.waitUntil(lambda: tile.state == DeviceState.FAILED, timeout=TIMEOUT_MS)
    bench.fleet.call(lambda: bench.fleet.devices[0].behaviour.faults.pop("install_fail"))
    details.retry_button.click()
    qtbot.waitUntil(lambda: tile.state == DeviceState.DONE, timeout=TIMEOUT_MS)
    tab.toolbar.stop_button.click()
    details.label_button.click()
    assert window.admin.dialog is None
    assert [c.tag for c in of_type(commands, SetAssetTag)] == ["AT-0042"]
    assert len(of_type(commands, Start)) == len(of_type(commands, Retry)) == 1
    assert len(of_type(commands, StopRuns)) == len(of_type(commands, PrintLabel)) == 1
    assert not forced(commands)

    # An admin's: each asks for the PIN and does nothing without it.
    assert details.force_button.isEnabled()
    asks_for_the_pin(bench, qtbot, commands, details.force_button.click)
    asks_for_the_pin(bench, qtbot, commands, tab._pick_template)  # Ctrl+T
    picker = tab.toolbar.template_picker
    asks_for_the_pin(bench, qtbot, commands,
                     lambda: qtbot.mouseClick(picker, Qt.MouseButton.LeftButton))  # fmt: skip
    assert not picker.view().isVisible()
    chosen = picker.currentIndex()
    asks_for_the_pin(bench, qtbot, commands,
                     lambda: qtbot.keyClick(picker, Qt.Key.Key_Down))  # fmt: skip
    alt = Qt.KeyboardModifier.AltModifier
    asks_for_the_pin(bench, qtbot, commands,
                     lambda: qtbot.keyClick(picker, Qt.Key.Key_Down, alt))  # fmt: skip
    qtbot.keyClick(picker, Qt.Key.Key_Control)  # the start of a shortcut changes nothing
    assert window.admin.dialog is None
    assert picker.currentIndex() == chosen
    orders = tab.orders.order_bar.picker
    asks_for_the_pin(bench, qtbot, commands,
                     lambda: qtbot.mouseClick(orders, Qt.MouseButton.LeftButton))  # fmt: skip
    asks_for_the_pin(bench, qtbot, commands, tab.orders.admit_button.clicked.emit)
    window.tabs.setCurrentWidget(window.templates)
    assert window.templates.use_button.isEnabled()
    asks_for_the_pin(bench, qtbot, commands, window.templates.use_button.click)
    assert window.tabs.currentWidget() is window.templates  # not taken to the bench
    settings = window.settings_tab
    window.tabs.setCurrentWidget(settings)
    assert not settings.station_name.isEnabled()
    assert not settings.save_button.isEnabled()
    asks_for_the_pin(bench, qtbot, commands, settings.save)
    assert not of_type(commands, SetTemplate) and not of_type(commands, SetOrder)
    assert not of_type(commands, Admit)

    # A wrong PIN is refused; the right one runs what was asked, and the lock stays open.
    window.tabs.setCurrentWidget(tab)
    details.force_button.click()
    qtbot.waitUntil(lambda: window.admin.dialog is not None, timeout=5000)
    window.admin.dialog.submit("0000")
    qtbot.waitUntil(lambda: window.admin.dialog.problem.isVisibleTo(window.admin.dialog),
                    timeout=10_000)  # fmt: skip
    assert window.admin.dialog.problem.text() == "Wrong PIN"
    assert not forced(commands)
    unlock(bench, qtbot)
    assert [c.endpoints for c in forced(commands)] == [(tile.endpoint,)]
    assert not window.admin.lock.locked
    assert "unlocked" in window.admin.button.text().lower()
    assert settings.station_name.isEnabled() and settings.save_button.isEnabled()
    picker.setFocus()
    last = picker.currentIndex() == picker.count() - 1
    qtbot.keyClick(picker, Qt.Key.Key_Up if last else Qt.Key.Key_Down)  # open: picks another
    qtbot.waitUntil(lambda: bool(of_type(commands, SetTemplate)), timeout=5000)
    assert window.admin.dialog is None


def test_the_lock_engages_again_after_idle_minutes_or_at_once(open_bench, qtbot, kitbench_home):
    AdminPin(kitbench_home).set(PIN)
    bench = open_bench()
    window, settings = bench.window, bench.window.settings_tab
    admin = window.admin
    clock = Clock()
    admin.lock.clock = clock
    wait_locked(bench, qtbot)
    idle_s = admin.lock.idle_s
    assert idle_s == 300  # the default: admin.relock_minutes unset

    admin.button.click()
    unlock(bench, qtbot)
    assert not admin.lock.locked
    clock.now += idle_s - 1
    admin.refresh()
    assert not admin.lock.locked
    qtbot.mouseClick(settings.station_name, Qt.MouseButton.LeftButton)  # someone uses it
    clock.now += idle_s - 1
    admin.refresh()
    assert not admin.lock.locked and settings.station_name.isEnabled()

    clock.now += 1
    admin.refresh()

    assert admin.lock.locked
    assert not settings.station_name.isEnabled()
    assert "locked" in admin.button.text()
    settings.save()
    qtbot.waitUntil(lambda: admin.dialog is not None, timeout=5000)
    unlock(bench, qtbot)
    assert not admin.lock.locked
    admin.button.click()  # Lock now
    assert admin.lock.locked and not settings.station_name.isEnabled()


def test_set_in_settings_and_reset_from_the_cli(open_bench, qtbot, kitbench_home, sent):
    bench = open_bench()
    commands = sent(bench)
    window, admin = bench.window, bench.window.admin
    qtbot.waitUntil(lambda: admin.lock.known, timeout=10_000)
    assert not admin.lock.locked  # no PIN: nothing is locked
    assert not admin.button.isVisibleTo(window)
    window.bench.force("tcp:127.0.0.1:9")
    assert len(forced(commands)) == 1 and admin.dialog is None

    section = window.settings_tab.findChild(PinSettings)
    section.new_pin.setText("12")
    section.repeat_pin.setText("12")
    section.set_button.click()
    assert "too short" in section.status.text()
    section.new_pin.setText(PIN)
    section.repeat_pin.setText("4828")
    section.set_button.click()
    assert "differ" in section.status.text()
    section.repeat_pin.setText(PIN)
    section.set_button.click()
    qtbot.waitUntil(lambda: admin.lock.pin_hash is not None, timeout=10_000)
    assert AdminPin(kitbench_home).matches(PIN)
    assert not admin.lock.locked  # whoever set it stays in for now
    admin.lock_now()
    asks_for_the_pin(bench, qtbot, commands, lambda: window.bench.force("tcp:127.0.0.1:9"))

    forgotten = CliRunner().invoke(cli, ["admin-pin", "clear"])  # at the station, PIN forgotten
    assert forgotten.exit_code == 0
    admin.reload()  # what the window does every few seconds

    qtbot.waitUntil(lambda: not admin.lock.locked, timeout=10_000)
    assert not admin.button.isVisibleTo(window)
    window.bench.force("tcp:127.0.0.1:9")
    assert len(forced(commands)) == 2 and admin.dialog is None


def test_a_damaged_pin_file_keeps_the_window_locked_and_says_why(
    open_bench, qtbot, kitbench_home, sent
):
    kitbench_home.mkdir(parents=True, exist_ok=True)
    (kitbench_home / "admin-pin").write_text("4829\n")  # someone wrote the PIN itself
    bench = open_bench()
    commands = sent(bench)
    window, admin = bench.window, bench.window.admin
    qtbot.waitUntil(lambda: "holds no PIN hash" in window.statusBar().currentMessage(),
                    timeout=10_000)  # fmt: skip
    assert admin.lock.locked

    window.bench.force("tcp:127.0.0.1:9")
    unlock_tried = admin.dialog
    assert unlock_tried is not None
    unlock_tried.submit("4829")  # the file's text is no PIN
    qtbot.waitUntil(lambda: unlock_tried.problem.text() == "Wrong PIN", timeout=10_000)
    assert not forced(commands)
    unlock_tried.reject()

    assert CliRunner().invoke(cli, ["admin-pin", "clear"]).exit_code == 0
    admin.reload()
    qtbot.waitUntil(lambda: not admin.lock.locked, timeout=10_000)
