"""Kitting orders on the bench: the window over its engine process and simulated devices."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from app.core import DeviceState, NotOnOrder
from app.core.orders import ExpectedDevice, Order
from app.storage import Store
from app.ui.demo import DEMO_TEMPLATE

TIMEOUT_MS = 60_000


def create_order(home, order: Order) -> None:
    with Store(home) as store:
        store.create_order(order)


def choose_order(bench, qtbot, number: str) -> None:
    """Pick the order as a person does, once the window has read the station's orders."""
    order_bar = bench.window.bench.orders.order_bar
    qtbot.waitUntil(lambda: order_bar.picker.findData(number) >= 0, timeout=10_000)
    order_bar.choose(number)
    qtbot.waitUntil(lambda: order_bar.active is not None, timeout=10_000)


def test_an_order_of_three_reaches_its_target_completes_and_says_so(
    open_bench, qtbot, kitbench_home, tmp_path
):
    create_order(kitbench_home, Order("PO 4711", target=3, customer="Acme",
                                      template_name="bench-test"))  # fmt: skip
    bench = open_bench(devices=3, profile="pixel8")
    tab = bench.window.bench
    qtbot.waitUntil(lambda: bench.all_in(DeviceState.READY), timeout=TIMEOUT_MS)
    choose_order(bench, qtbot, "PO 4711")
    assert tab.orders.order_bar.progress.text() == "PO 4711 · 0 / 3"
    assert not tab.orders.notice.isVisible()

    tab.toolbar.start_button.click()

    qtbot.waitUntil(lambda: tab.orders.notice.isVisible(), timeout=TIMEOUT_MS)
    assert tab.orders.order_bar.progress.text() == "✓ PO 4711 · 3 / 3"
    assert "Order PO 4711 is complete: 3 of 3 done" in tab.orders.notice.text()
    bench.finished_runs(qtbot, 3)
    store = bench.services.store
    assert len(store.order_devices("PO 4711")) == 3  # every run was made for the order
    assert store.order("PO 4711").state == "complete"

    tab.orders.write_manifest("PO 4711", tmp_path / "manifest.pdf")  # what Manifest… saves

    csv_file = tmp_path / "manifest.csv"
    qtbot.waitUntil(lambda: "Manifest of PO 4711" in bench.window.statusBar().currentMessage(),
                    timeout=20_000)  # fmt: skip
    assert (tmp_path / "manifest.pdf").read_bytes().startswith(b"%PDF")
    rows = csv_file.read_text(encoding="utf-8")
    for tile in bench.model.tiles():
        assert tile.info.serial in rows


def test_a_device_not_on_the_order_is_held_back_until_an_admin_lets_it_in(
    open_bench, qtbot, kitbench_home, monkeypatch
):
    bench_devices = 3
    bench = open_bench(devices=bench_devices, profile="pixel8")
    expected, stranger = bench.fleet.endpoints[:2], bench.fleet.endpoints[2]
    create_order(kitbench_home, Order("PO 4712", target=2, template_name="bench-test",
                 expected=tuple(ExpectedDevice(serial=e.serial) for e in expected)))  # fmt: skip
    tab = bench.window.bench
    qtbot.waitUntil(lambda: bench.all_in(DeviceState.READY), timeout=TIMEOUT_MS)
    tab.orders.reload()
    choose_order(bench, qtbot, "PO 4712")

    tab.toolbar.start_button.click()

    stranger_tile = bench.model.tile(stranger.spec)
    qtbot.waitUntil(lambda: isinstance(stranger_tile.info.status, NotOnOrder), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: tab.orders.notice.isVisible(), timeout=TIMEOUT_MS)
    assert stranger_tile.state == DeviceState.REFUSED
    assert stranger_tile.reason == "Not on this order (PO 4712): ask an admin"
    assert tab.orders.held_back.isVisible()
    assert "1 device is not on order PO 4712" in tab.orders.held_back_words.text()
    assert not tab.orders.admit_button.isEnabled()  # nothing held back is selected
    assert len(bench.finished_runs(qtbot, 2)) == 2  # no run was made for it

    asked: list[str] = []

    def confirm(_parent, _title, text, *_args):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", confirm)
    tab.select(stranger.spec)
    assert tab.orders.admit_button.isEnabled()
    tab.orders.admit_button.click()

    assert asked and "not on order PO 4712's expected list" in asked[0]
    qtbot.waitUntil(lambda: stranger_tile.state == DeviceState.DONE, timeout=TIMEOUT_MS)
    bench.finished_runs(qtbot, 3)
    made = {device.serial for device in bench.services.store.order_devices("PO 4712")}
    assert stranger.serial in made  # its run was made for the order
    qtbot.waitUntil(
        lambda: tab.orders.order_bar.progress.text() == "✓ PO 4712 · 3 / 2", timeout=10_000
    )
    assert not tab.orders.held_back.isVisible()


def test_choosing_an_order_selects_its_template_and_no_order_frees_the_picker(
    open_bench, qtbot, kitbench_home
):
    create_order(kitbench_home, Order("PO 4713", target=5, template_name="demo-bench",
                                      template_version=1))  # fmt: skip
    bench = open_bench()
    tab = bench.window.bench
    assert tab.current_entry().loaded.template.name == "bench-test"

    choose_order(bench, qtbot, "PO 4713")

    entry = tab.current_entry()
    assert entry.path.name == DEMO_TEMPLATE
    assert (entry.loaded.template.name, entry.loaded.template.version) == ("demo-bench", 1)
    assert not tab.toolbar.template_picker.isEnabled()
    assert tab.orders.order_bar.progress.text() == "PO 4713 · 0 / 5"

    tab.orders.order_bar.choose(None)
    qtbot.waitUntil(lambda: tab.orders.order_bar.active is None, timeout=10_000)
    assert tab.toolbar.template_picker.isEnabled()
    assert not tab.orders.order_bar.progress.isVisible()
