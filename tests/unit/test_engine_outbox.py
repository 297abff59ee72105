"""The engine's outbox: events in order, progress coalesced per device, one batch a frame,
acknowledgements at once."""

from __future__ import annotations

import threading
import time

from app.core import DeviceChanged, DeviceInfo, DeviceState, StepProgress, StepStarted
from app.engine.outbox import Outbox
from app.engine.protocol import Ack, Batch


def test_a_flood_arrives_in_order_with_progress_coalesced_in_few_batches():
    batches: list[Batch] = []
    outbox = Outbox(batches.append, frame_s=0.05)
    outbox.start()
    endpoint, other = "tcp:h:1", "tcp:h:2"

    def flood() -> None:
        outbox.put(DeviceChanged(DeviceInfo(endpoint, "A1", DeviceState.READY)))
        outbox.put(StepStarted("r", endpoint, 0, 2, "one"))
        for i in range(5000):
            outbox.put(StepProgress("r", endpoint, 0, i / 5000))
            outbox.put(StepProgress("s", other, 0, i / 5000))
        outbox.put(StepStarted("r", endpoint, 1, 2, "two"))
        outbox.put(StepProgress("r", endpoint, 1, 0.5))

    worker = threading.Thread(target=flood)
    started = time.monotonic()
    worker.start()
    worker.join()
    outbox.close()
    elapsed = time.monotonic() - started

    received = [item for batch in batches for item in batch.items]
    assert len(batches) <= elapsed / 0.05 + 2  # one a frame, not one an event
    assert isinstance(received[0], DeviceChanged)
    mine = [e for e in received if getattr(e, "endpoint", endpoint) == endpoint]
    kinds = [type(event).__name__ for event in mine]
    assert kinds.count("StepProgress") < 100  # coalesced, not 5001 repaints
    second_step = kinds.index("StepStarted", 2)
    assert all(e.index == 0 for e in mine[:second_step] if isinstance(e, StepProgress))
    assert mine[second_step - 1] == StepProgress("r", endpoint, 0, 4999 / 5000)
    assert mine[-1] == StepProgress("r", endpoint, 1, 0.5)
    assert [e for e in received if getattr(e, "endpoint", "") == other][-1] == StepProgress(
        "s", other, 0, 4999 / 5000
    )


def test_an_acknowledgement_goes_at_once_not_at_the_next_frame():
    sent = threading.Event()
    outbox = Outbox(lambda _batch: sent.set(), frame_s=30.0)
    outbox.start()
    try:
        outbox.put(Ack(1))
        assert sent.wait(1.0)
    finally:
        outbox.close()
