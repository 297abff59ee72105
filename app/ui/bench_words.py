"""What the bench says in the status bar about the engine's answers: a label printed or
queued, a command the engine refused."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale

from app.engine.protocol import Ack, Refusal
from app.labels.queue import LabelPrinted, LabelWaiting
from app.ui.reason_words import printer_problem_words


def label_words(event: LabelPrinted | LabelWaiting) -> str:
    """How a label's printing went, for the status bar."""
    if isinstance(event, LabelPrinted):
        return QCoreApplication.translate(
            "BenchWords", "Label for {serial} printed on {printer}"
        ).format(serial=event.serial, printer=event.target)
    printer = printer_problem_words(event.problem, event.target, event.detail)
    return QCoreApplication.translate(
        "BenchWords",
        "Label for {serial} not printed: {problem}. It stays queued (labels waiting: {queued}) "
        "and is tried again in {seconds} s",
    ).format(
        serial=event.serial,
        problem=printer,
        queued=QLocale().toString(event.queued),
        seconds=QLocale().toString(round(event.retry_in_s)),
    )


def refusal_words(ack: Ack) -> str:
    """What the status bar says when the engine would not do what was asked."""
    if ack.refusal is Refusal.NO_TEMPLATE:
        return QCoreApplication.translate("BenchWords", "choose a template before starting")
    if ack.refusal is Refusal.NO_PRINTER:
        return QCoreApplication.translate(
            "BenchWords",
            "no label printer is set: kitbench config set label.printer zpl://HOST:9100",
        )
    if ack.refusal is Refusal.NOT_DONE:
        return QCoreApplication.translate(
            "BenchWords", "{device} has no done run to print a label for"
        ).format(device=ack.detail)
    if ack.refusal is Refusal.NOT_WATCHED:
        return QCoreApplication.translate("BenchWords", "{device} is no longer connected").format(
            device=ack.detail
        )
    if ack.refusal is Refusal.BAD_TEMPLATE:
        return QCoreApplication.translate(
            "BenchWords", "the template cannot be used: {problem}"
        ).format(problem=ack.detail)
    if ack.refusal is Refusal.NO_ORDER:
        return QCoreApplication.translate(
            "BenchWords", "there is no order {order} on this station"
        ).format(order=ack.detail)
    if ack.refusal is Refusal.ORDER_CLOSED:
        return QCoreApplication.translate(
            "BenchWords", "order {order} is closed: it takes no more devices"
        ).format(order=ack.detail)
    if ack.refusal is Refusal.ORDER_TEMPLATE:
        return QCoreApplication.translate(
            "BenchWords", "the order runs another template (order {order})"
        ).format(order=ack.detail)
    return ack.detail
