"""The whole bench on one screen: tile density, hub headers, the "needs you" strip and its
filter, keys and scans on compact tiles, the window's first size.

The window is the real one over its own engine; the devices are reported to its model as the
engine reports them (DeviceChanged), so a bench of 160 costs no simulated devices.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from app.core import (
    Cause,
    Connecting,
    DeviceChanged,
    DeviceInfo,
    DeviceStatus,
    Done,
    Failed,
    Lost,
    NotOnOrder,
    Problem,
    Provisioning,
    Ready,
    Refused,
    WaitingForAllow,
)
from app.core.orders import Order
from app.devices.slots import generated_label
from app.sync import SyncState, SyncStatus
from app.ui.needs_you import Need
from app.ui.tile_grid import HubBlock, hub_of
from tests.ui.test_bench_orders import create_order

FULL_HD = (1920, 1080)
LAPTOP = (1366, 720)  # a 1366x768 screen less its title bar and task bar
# A maximised window on a 1080-line screen with a title bar and a task bar.
MAXIMISED_WITH_PANELS = (1920, 1010)


def _plug(model, statuses: list[DeviceStatus], labels: list[str] | None = None) -> list[str]:
    """Report devices as the engine would; their endpoints, in order."""
    endpoints = []
    for position, status in enumerate(statuses):
        label = labels[position] if labels else generated_label(position)
        endpoint = f"tcp:127.0.0.1:{20000 + position}"
        info = DeviceInfo(endpoint, label, status.state, serial=f"SER{position:04d}",
                          model="Pixel 8", battery=80, status=status)  # fmt: skip
        model.on_device_changed(DeviceChanged(info))
        endpoints.append(endpoint)
    return endpoints


def _laid_out(bench, qtbot, count: int):
    view = bench.window.bench.view
    qtbot.waitUntil(lambda: len(view.shown_rows()) == count)
    return view


def _all_inside_the_viewport(view) -> bool:
    area = view.viewport().rect()
    model = view.model()
    return all(
        area.contains(view.visualRect(model.index(row, 0))) for row in range(model.rowCount())
    )


def test_160_devices_fit_a_maximised_1080p_window_in_compact_tiles(open_bench, qtbot):
    bench = open_bench(window_size=MAXIMISED_WITH_PANELS)
    _plug(bench.model, [Ready()] * 160)
    view = _laid_out(bench, qtbot, 160)

    assert view.delegate.compact
    assert _all_inside_the_viewport(view)
    assert view.verticalScrollBar().maximum() == 0
    tile = view.plan.density.tile
    assert tile.width() >= 80 and tile.height() >= 56  # label, icon and word still read


def test_150_devices_are_all_inside_the_viewport_at_1920x1080(open_bench, qtbot):
    bench = open_bench(window_size=FULL_HD)
    _plug(bench.model, [Ready()] * 150)
    view = _laid_out(bench, qtbot, 150)

    assert view.delegate.compact
    assert _all_inside_the_viewport(view)
    assert not view.verticalScrollBar().isVisible() or view.verticalScrollBar().maximum() == 0


def test_a_dozen_devices_get_large_tiles_and_256_still_scroll_in_compact_ones(open_bench, qtbot):
    bench = open_bench(window_size=FULL_HD)
    _plug(bench.model, [Ready()] * 12)
    view = _laid_out(bench, qtbot, 12)
    assert not view.delegate.compact
    assert view.plan.density.tile.width() >= 250  # the large tile at full size or above
    assert _all_inside_the_viewport(view)

    bench.model.clear()
    _plug(bench.model, [Ready()] * 256)
    view = _laid_out(bench, qtbot, 256)
    assert view.delegate.compact
    last = bench.model.index(255, 0)
    view.scrollTo(last)
    assert view.viewport().rect().contains(view.visualRect(last))


def test_each_hub_header_counts_its_devices_per_state(open_bench, qtbot):
    bench = open_bench(window_size=FULL_HD)
    statuses = (
        [Done("t")] * 4 + [Failed(Cause.STEP_FAILED, 0, "boom")] * 2 + [WaitingForAllow()]
        + [Provisioning("t", 1, 5)] * 3  # hub A: ten ports
        + [Ready(), Refused("battery 9%"), NotOnOrder("PO 1")]  # hub B
    )  # fmt: skip
    labels = [generated_label(i) for i in range(10)] + ["B1", "B2", "B3"]
    _plug(bench.model, statuses, labels)
    view = _laid_out(bench, qtbot, 13)

    counts = {block.name: _named(block) for block in view.hub_blocks()}
    assert counts == {
        "A": {"done": 4, "failed": 2, "unauthorized": 1, "provisioning": 3},
        "B": {"ready": 1, "refused": 2},
    }
    # A device's state changes: its hub's header follows.
    first = bench.model.tiles()[0]
    bench.model.on_device_changed(
        DeviceChanged(DeviceInfo(first.endpoint, "A1", Ready.state, status=Ready()))
    )
    qtbot.waitUntil(lambda: _named(view.hub_blocks()[0]).get("ready") == 1)
    assert _named(view.hub_blocks()[0])["done"] == 3


def _named(block: HubBlock) -> dict[str, int]:
    return {state.value: count for state, count in block.counts.items()}


def test_needs_you_shows_exactly_the_devices_waiting_for_a_person(open_bench, qtbot):
    bench = open_bench(window_size=FULL_HD)
    statuses: list[DeviceStatus] = [
        Ready(),  # A1
        Provisioning("t", 2, 5),  # A2
        WaitingForAllow(),  # A3: tap Allow
        Failed(Cause.STEP_FAILED, 0, "INSTALL_FAILED"),  # A4
        Refused("battery 9% below 15%"),  # A5
        NotOnOrder("PO 4711"),  # A6
        Done("t"),  # A7: unplug
        Done("t"),  # A8: unplug, its label waits
        Connecting(),  # A9
        Lost(Problem.UNAUTHORIZED),  # A10: allowed no longer
        Lost(Problem.DISCONNECTED),  # B1: the station reconnects by itself
    ]
    endpoints = _plug(bench.model, statuses)
    bench.model.set_label_waiting("SER0007", "the printer is off")
    view = _laid_out(bench, qtbot, len(statuses))
    tab = bench.window.bench
    strip = tab.needs_you
    needs = {
        Need.ALLOW: ["A3", "A10"],
        Need.FAILED: ["A4"],
        Need.REFUSED: ["A5"],
        Need.NOT_ON_ORDER: ["A6"],
        Need.LABEL_WAITS: ["A8"],
        Need.UNPLUG: ["A7"],
    }
    qtbot.waitUntil(lambda: strip.needs == needs)  # counted again within a second
    assert strip.buttons[Need.ALLOW].isVisible()
    assert "A3 A10" in strip.buttons[Need.ALLOW].text()
    assert not strip.buttons[Need.USB_DEBUGGING].isVisible()
    qtbot.waitUntil(lambda: "2 refused" in tab.counters.states.text())  # and not on the order

    def shown() -> list[str]:
        return sorted(bench.model.tiles()[row].label for row in view.shown_rows())

    qtbot.mouseClick(strip.all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(view.shown_rows()) == 7)
    assert shown() == sorted(["A3", "A4", "A5", "A6", "A7", "A8", "A10"])
    assert not view.delegate.compact  # few enough for the large tiles and their instructions

    qtbot.mouseClick(strip.buttons[Need.ALLOW], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown() == ["A10", "A3"])

    # Someone taps Allow on A3: it needs no one any more and leaves the filtered bench.
    bench.model.on_device_changed(
        DeviceChanged(DeviceInfo(endpoints[2], "A3", Ready.state, status=Ready()))
    )
    qtbot.waitUntil(lambda: shown() == ["A10"])

    qtbot.keyClick(bench.window, Qt.Key.Key_F6)  # every need
    qtbot.waitUntil(lambda: len(view.shown_rows()) == 6)
    qtbot.keyClick(bench.window, Qt.Key.Key_F6)  # all tiles again
    qtbot.waitUntil(lambda: len(view.shown_rows()) == len(statuses))


def test_keys_and_a_barcode_scan_work_on_compact_tiles(open_bench, qtbot):
    bench = open_bench(window_size=FULL_HD)
    endpoints = _plug(bench.model, [Ready()] * 150)
    view = _laid_out(bench, qtbot, 150)
    assert view.delegate.compact
    model = bench.model
    tab = bench.window.bench

    first = view.visualRect(model.index(0, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=first.center())
    assert tab.selected_endpoints() == [endpoints[0]]
    here = first.center()
    qtbot.keyClick(view, Qt.Key.Key_Down)  # the tile right below
    below = view.visualRect(model.index_of(tab.selected_endpoints()[0])).center()
    assert below.x() == here.x() and below.y() > here.y()
    qtbot.keyClick(view, Qt.Key.Key_Right)  # the next tile on that line
    [chosen] = tab.selected_endpoints()
    right = view.visualRect(model.index_of(chosen)).center()
    assert right.y() == below.y() and right.x() > below.x()

    qtbot.keyClicks(view, "AT-0150")
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert model.tile(chosen).asset_tag == "AT-0150"

    # A click on the tile at the far end of the bench selects it; nothing scrolls.
    last = view.visualRect(model.index(149, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=last.center())
    assert tab.selected_endpoints() == [endpoints[149]]
    assert tab.details.tile is model.tile(endpoints[149])
    assert view.indexAt(QPoint(last.center())).row() == 149


def test_the_window_fits_a_1366x768_laptop_screen_with_the_whole_bench_in_it(
    open_bench, qtbot, kitbench_home
):
    """A laptop's 768 lines less a title bar and a task bar: the window may be no taller than
    720, with an order whose strip of held-back devices shows, every need in the strip, a
    failed device's details, and a long sync error; the dozen tiles all stay in view."""
    create_order(kitbench_home, Order("PO 4711", target=12, template_name="bench-test"))
    bench = open_bench(window_size=LAPTOP)
    statuses = (
        [Done("t")] * 3 + [Failed(Cause.STEP_FAILED, 0, "INSTALL_FAILED_OLDER_SDK")]
        + [WaitingForAllow(), Refused("battery 9% below 15%"), NotOnOrder("PO 4711")]
        + [Provisioning("t", 2, 5)] * 3 + [Ready()] * 2
    )  # fmt: skip
    endpoints = _plug(bench.model, statuses)
    view = _laid_out(bench, qtbot, len(statuses))
    tab, window = bench.window.bench, bench.window
    tab.orders.reload(then_choose="PO 4711")
    qtbot.waitUntil(tab.orders.held_back.isVisible)
    tab.select(endpoints[3])
    refused = "the backend refused the station's token: " + "ask the fleet admin " * 10
    tab.sync.show_sync(SyncStatus(SyncState.ERROR, waiting=3, message=refused))
    qtbot.waitUntil(lambda: tab.details.tile is bench.model.tile(endpoints[3]))

    hint = window.minimumSizeHint()
    assert hint.width() <= LAPTOP[0] and hint.height() <= LAPTOP[1], hint
    window.resize(*LAPTOP)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == LAPTOP)
    qtbot.waitUntil(lambda: _all_inside_the_viewport(view))
    assert tab.needs_you.isVisible() and tab.toolbar.start_button.isVisible()
    assert tab.sync.text().endswith("…") and refused in tab.sync.toolTip()  # elided, not wider

    # A long scanned asset tag widens the details as far as it needs; nothing is cut off.
    bench.model.set_asset_tag(endpoints[3], "AT-" + "7" * 50)
    details_area = tab.splitter.widget(1)
    qtbot.waitUntil(lambda: tab.details.width() > 500)
    qtbot.waitUntil(lambda: tab.details.width() == details_area.viewport().width())


def test_the_window_opens_maximised_on_first_launch(open_bench, qtbot):
    bench = open_bench(window_size=None)  # as it opens, with no saved geometry
    qtbot.waitUntil(bench.window.isMaximized)


def test_a_hub_is_the_label_before_its_port_number():
    assert [hub_of(label) for label in ("A1", "A10", "AA3", "Shelf-12", "N 2", "Spare")] == [
        "A", "A", "AA", "Shelf", "N", "Spare",
    ]  # fmt: skip
