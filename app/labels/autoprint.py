"""Printing a device's label when it is done (`label.auto_print`) or when someone asks, in
the engine process.

A done run's label is rendered and queued; the queue sends it in the background, so a
printer that is off never holds up a device worker. Its `LabelPrinted` / `LabelWaiting`
events go wherever the engine sends its messages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

from app.core import RunOutcome, RunResult
from app.core.reasons import Notice, Trouble
from app.labels.layout import (
    DEFAULT_LAYOUT,
    LabelData,
    LabelLayout,
    LabelLayoutError,
    layout_of,
    parse_layout,
)
from app.labels.printer import PrinterTarget, TargetError, parse_target
from app.labels.queue import LabelEvent, LabelJob, LabelQueue
from app.labels.zpl import label_zpl
from app.storage.config import Config, ConfigError
from app.templates import LoadedTemplate

log = logging.getLogger(__name__)


def label_of_result(result: RunResult, today: date | None = None) -> LabelData:
    """A done run's label, from what the run itself read off the device."""
    identity = result.identity
    finished = result.finished_at
    return LabelData(
        serial=result.serial or "",
        imei=identity.imei if identity is not None else (),
        device_name=result.device_name or result.model or "",
        asset_tag=result.asset_tag or "",
        order=result.order,
        printed_on=today or (finished.astimezone().date() if finished else date.today()),
    )


class AutoPrinter:
    def __init__(self, target: PrinterTarget, layout: LabelLayout,
                 on_event: Callable[[LabelEvent], None], *, auto: bool = True) -> None:  # fmt: skip
        self.target = target
        self.layout = layout
        self.auto = auto  # label.auto_print: every done run's label, unasked
        self._by_template: dict[str, LabelLayout] = {}  # template sha256 -> its label: layout
        self.queue = LabelQueue(on_event)

    @classmethod
    def from_config(cls, folder: Path, on_event: Callable[[LabelEvent], None],
                    notices: list[Notice]) -> AutoPrinter | None:  # fmt: skip
        """The station's label printer, or None when none is set; a setting that cannot be
        used is a notice and no labels (the bench works without them)."""
        try:
            config = Config(folder)
            printer = config.label_printer
            if printer is None:
                if config.label_auto_print:
                    notices.append(Notice(Trouble.LABELS_NO_PRINTER))
                return None
            target = parse_target(printer)
            layout_file = config.label_layout
            layout = DEFAULT_LAYOUT
            if layout_file is not None:
                layout = parse_layout(Path(layout_file).read_text(encoding="utf-8"), layout_file)
        except (ConfigError, TargetError, LabelLayoutError, OSError, UnicodeDecodeError) as exc:
            notices.append(Notice(Trouble.LABELS_UNUSABLE, str(exc)))
            return None
        return cls(target, layout, on_event, auto=config.label_auto_print)

    def use_template(self, template: LoadedTemplate) -> None:
        """Runs of `template` get its `label:` layout, if it has one, instead of the station's."""
        label = template.template.label
        if label is not None:
            self._by_template[template.sha256] = layout_of(label)

    def layout_for(self, result: RunResult) -> LabelLayout:
        return self._by_template.get(result.template_hash, self.layout)

    def run_finished(self, result: RunResult) -> None:
        """With auto-print on, queue the label of a done run (returns at once)."""
        if self.auto:
            self.print_result(result)

    def print_result(self, result: RunResult) -> bool:
        """Queue the label of a done run (returns at once); False for a run not done."""
        if result.outcome is not RunOutcome.DONE or not result.serial:
            return False
        data = label_of_result(result)
        zpl = label_zpl(self.layout_for(result), data)
        self.queue.submit(LabelJob(data.serial, zpl, self.target))
        return True

    def close(self) -> None:
        self.queue.close()
