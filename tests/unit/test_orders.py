"""Kitting orders in the store: a device counts once, done beats failed, completion at target."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.core import RunFinished, RunOutcome
from app.core.orders import ExpectedListError, Order, OrderState, read_expected
from app.provisioning.context import DeviceFacts
from app.provisioning.order_gate import OrderGate
from app.storage import Store
from app.storage.orders import OrderError
from tests.unit.test_storage import finished, started

T0 = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)


def record(store, order, serial, outcome, minutes):
    run_id = uuid.uuid4().hex
    at = T0 + timedelta(minutes=minutes)
    recorder = store.recorder()
    recorder.on_event(replace(started(run_id, at), order=order))
    end = finished(run_id, outcome, serial=serial, at=at)
    recorder.on_event(RunFinished(replace(end.result, order=order)))
    recorder.flush(5)


def test_a_device_counts_once_and_failed_then_done_counts_as_done(tmp_path):
    with Store(tmp_path, recording=True) as store:
        store.create_order(Order("PO-4711", 3, customer="X"))
        record(store, "PO-4711", "A", RunOutcome.DONE, 0)
        record(store, "PO-4711", "A", RunOutcome.DONE, 1)  # re-run
        record(store, "PO-4711", "B", RunOutcome.FAILED, 2)
        record(store, "PO-4711", "B", RunOutcome.DONE, 3)  # failed, then done
        record(store, "PO-4711", "C", RunOutcome.REFUSED, 4)
        record(store, "OTHER", "D", RunOutcome.DONE, 5)  # another order's run
        progress = store.order_progress("PO-4711")
        assert (progress.done, progress.failed, progress.refused, progress.remaining) == (
            2, 0, 1, 1,
        )  # fmt: skip
        assert store.order("PO-4711").state is OrderState.OPEN
        assert {d.serial: d.runs for d in store.order_devices("PO-4711")} == {
            "A": 2,
            "B": 2,
            "C": 1,
        }


def test_the_order_completes_itself_at_its_target_and_a_closed_one_stays_closed(tmp_path):
    with Store(tmp_path, recording=True) as store:
        store.create_order(Order("PO-1", 2))
        record(store, "PO-1", "A", RunOutcome.DONE, 0)
        assert store.order("PO-1").state is OrderState.OPEN
        record(store, "PO-1", "B", RunOutcome.DONE, 1)
        assert store.order("PO-1").state is OrderState.COMPLETE
        store.close_order("PO-1")
        record(store, "PO-1", "C", RunOutcome.DONE, 2)
        assert store.order("PO-1").state is OrderState.CLOSED


def test_an_order_number_is_unique_and_its_target_positive(tmp_path):
    with Store(tmp_path, recording=True) as store:
        store.create_order(Order("PO-1", 2))
        with pytest.raises(OrderError, match="exists already"):
            store.create_order(Order("PO-1", 5))
        with pytest.raises(OrderError, match="at least 1"):
            store.create_order(Order("PO-2", 0))
        assert [o.number for o in store.orders()] == ["PO-1"]


def test_the_expected_list_reads_serials_and_imeis_and_names_a_bad_line():
    lines = read_expected("Serial,IMEI\nR1,\n,356938035643809\n", "asn.csv")
    assert [(d.serial, d.imei) for d in lines] == [("R1", ""), ("", "356938035643809")]
    with pytest.raises(ExpectedListError, match=r"asn\.csv:3: 'x12' is not an IMEI"):
        read_expected("serial,imei\nR1,\nR2,x12\n", "asn.csv")
    with pytest.raises(ExpectedListError, match="'serial' and/or an 'imei' column"):
        read_expected("model\nPixel\n", "asn.csv")


def test_the_gate_holds_back_a_device_not_on_the_list_until_an_admin_lets_it_in():
    order = Order("PO-9", 2, expected=read_expected("serial\nR1\n"))
    gate = OrderGate(order)
    facts = DeviceFacts("R2", "Pixel 8", "Google", "14", 34)
    assert gate(replace(facts, serial="R1")) is None
    assert gate(facts) == "PO-9"
    gate.admit("R2")
    assert gate(facts) is None
    assert OrderGate(Order("PO-10", 2))(facts) is None  # no list: any device


def test_the_gate_lets_in_a_device_by_either_imei_and_reads_imeis_only_when_it_must():
    asn = read_expected("serial,imei\nR1,\n,356938035643809\n")  # one by serial, one by IMEI
    gate = OrderGate(Order("PO-11", 3, expected=asn))
    facts = DeviceFacts("R2", "Pixel 8", "Google", "14", 34)
    second_imei = ("356938035643817", "356938035643809")
    assert gate(facts, lambda: second_imei) is None
    assert gate(facts, lambda: ("356938035643817",)) == "PO-11"
    assert gate(facts) == "PO-11"  # IMEIs unknown: held back

    def never_read() -> tuple[str, ...]:
        raise AssertionError("IMEIs read for a device its serial already lets in")

    assert gate(replace(facts, serial="R1"), never_read) is None
    serials_only = OrderGate(Order("PO-12", 1, expected=read_expected("serial\nR1\n")))
    assert serials_only(facts, never_read) == "PO-12"  # a list of serials: no read
