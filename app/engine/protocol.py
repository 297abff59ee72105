"""What the window and its engine process say to each other over the connection.

Commands go one way, each in a `Request` with a number the engine acknowledges; everything
else comes back in `Batch`es, at most one a frame, so 256 devices reporting progress cost the
window one wake-up per frame. Every message is a frozen dataclass (or one of app.core's run
events) and crosses the connection pickled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from app.core import RunEvent, StationProblem
from app.core.evidence import ScreenMissed, ScreenShot
from app.core.orders import Order, OrderProgress
from app.core.reasons import Notice
from app.devices.device import Device
from app.devices.usb_hotplug import UsbWatcher
from app.labels.queue import LabelPrinted, LabelWaiting
from app.sync import ReleaseStatus, SyncStatus


@dataclass(frozen=True)
class EngineOptions:
    """How the engine is built; it reads the rest (config, port map, secrets) from the folder.

    `open_device` and `usb_watcher` stand simulators in for hardware in tests and benchmarks;
    they cross to the engine process pickled, so they must be module-level callables.
    """

    data_dir: Path
    jobs: int | None = None
    bus_transfer_limit: int = 0  # 0: no cap beyond what each bus's bandwidth allows
    auto_provision: bool = False
    sync: bool = True
    open_device: Callable[..., Device] | None = None
    usb_watcher: Callable[[], UsbWatcher] | None = None


# -- commands (window -> engine)


@dataclass(frozen=True)
class AddEndpoint:
    spec: str


@dataclass(frozen=True)
class WatchUsb:
    """Follow USB plug-ins and unplugs; a USB stack that cannot be used comes back as
    `UsbUnwatched`."""


@dataclass(frozen=True)
class SetTemplate:
    """The template later runs use, read by the engine from its file (a loaded template's
    step models are built at run time and do not pickle)."""

    path: Path


@dataclass(frozen=True)
class SetOperator:
    name: str


@dataclass(frozen=True)
class SetAutoProvision:
    enabled: bool


@dataclass(frozen=True)
class SetAssetTag:
    endpoint: str
    tag: str


@dataclass(frozen=True)
class Start:
    endpoints: tuple[str, ...] | None = None  # None: every connected, idle device
    force: bool = False


@dataclass(frozen=True)
class Stop:
    endpoints: tuple[str, ...] | None = None  # None: every device


@dataclass(frozen=True)
class Retry:
    endpoint: str
    from_failed_step: bool = True


@dataclass(frozen=True)
class SetOrder:
    """Make runs for this kitting order (None: for no order) with `template`, the order's
    template as the window's library has it (None: the template already set); a device not
    on its expected list is held back. Answered by `OrderProgressed`."""

    number: str | None
    template: Path | None = None


@dataclass(frozen=True)
class Admit:
    """An admin's word: this held-back device runs under the active order though it is not
    on its expected list; it starts at once."""

    endpoint: str


@dataclass(frozen=True)
class PrintLabel:
    """Queue the label of this device's last done run for the station's label printer;
    answered by LabelPrinted or LabelWaiting."""

    endpoint: str


@dataclass(frozen=True)
class CaptureScreen:
    """Take a look at the device's screen; answered by a ScreenShot or a ScreenMissed (the
    device's worker takes it between runs or between steps, never during one)."""

    endpoint: str


@dataclass(frozen=True)
class Shutdown:
    """Stop every run (each is recorded), finish the store's writes, and exit."""


Command = (
    AddEndpoint
    | WatchUsb
    | SetTemplate
    | SetOperator
    | SetAutoProvision
    | SetAssetTag
    | Start
    | Stop
    | Retry
    | SetOrder
    | Admit
    | PrintLabel
    | CaptureScreen
    | Shutdown
)


@dataclass(frozen=True)
class Request:
    number: int
    command: Command


# -- engine -> window


class Refusal(StrEnum):
    """Why the engine did not do what a command asked."""

    NO_TEMPLATE = "no-template"  # start or retry before a template was chosen
    NOT_WATCHED = "not-watched"  # the device is not (or no longer) on the bench
    BAD_ENDPOINT = "bad-endpoint"  # not a device spec
    BAD_TEMPLATE = "bad-template"  # the template file cannot be read or is invalid now
    NO_ORDER = "no-order"  # no such order in the station's store
    ORDER_CLOSED = "order-closed"  # an admin closed it: it takes no more runs
    ORDER_TEMPLATE = "order-template"  # the template is not the one the order is for
    NO_PRINTER = "no-printer"  # no usable label.printer is set
    NOT_DONE = "not-done"  # the device has no done run to print a label for


@dataclass(frozen=True)
class Ack:
    number: int
    refusal: Refusal | None = None
    detail: str = ""  # the endpoint, spec or order concerned, or what is wrong with the template


@dataclass(frozen=True)
class Ready:
    """The engine holds the data folder and its store is open."""

    pid: int
    recovered: int  # runs a crash left running, now recorded interrupted
    notices: tuple[Notice, ...] = ()  # trouble the bench works around (a broken port map)


@dataclass(frozen=True)
class Taken:
    """Another engine (a window, `kitbench provision`) holds the data folder."""

    folder: Path
    holder: str  # who holds it, as it wrote itself into the lock file


@dataclass(frozen=True)
class CannotOpen:
    """The store could not be opened; `problem` when it is the station's storage."""

    message: str
    problem: StationProblem | None = None


@dataclass(frozen=True)
class UsbUnwatched:
    reason: str  # app.devices' explanation of why USB cannot be used


@dataclass(frozen=True)
class RunRecorded:
    """A run's row was committed: the history may show something new."""


@dataclass(frozen=True)
class Closed:
    """Every run stopped and recorded, the store closed: the engine exits next."""


@dataclass(frozen=True)
class ReleaseProgress:
    """Where the channel's releases stand while the sync worker downloads them."""

    releases: tuple[ReleaseStatus, ...]


@dataclass(frozen=True)
class OrderProgressed:
    """How far the active order is: when it is chosen, and after each run recorded for it.
    `order` is None when runs are made for no order. `completed_now`: this run's commit
    completed it (said once)."""

    order: Order | None
    progress: OrderProgress | None = None
    completed_now: bool = False


Message = (
    Ack
    | Ready
    | Taken
    | CannotOpen
    | UsbUnwatched
    | RunRecorded
    | Closed
    | SyncStatus
    | ReleaseProgress
    | OrderProgressed
    | LabelPrinted  # label.auto_print (app/labels/queue.py)
    | LabelWaiting
    | ScreenShot  # answers to CaptureScreen (app/core/evidence.py)
    | ScreenMissed
)


@dataclass(frozen=True)
class Batch:
    """Everything the engine had to say since the last batch, in order."""

    items: tuple[RunEvent | Message, ...] = field(default_factory=tuple)
