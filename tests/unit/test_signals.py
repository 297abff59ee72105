"""StopSignals: a stop signal ends the main thread's wait whichever thread takes it."""

from __future__ import annotations

import signal
import threading

from app.signals import StopSignals

WAIT_S = 30  # a wait that does not end fails the test rather than hanging it


def blocked_thread() -> tuple[threading.Thread, threading.Event]:
    """A thread that blocks in a lock, as a worker does, and does not block signals."""
    release = threading.Event()
    thread = threading.Thread(target=release.wait, daemon=True)
    thread.start()
    return thread, release


def test_a_sigterm_another_thread_takes_ends_the_wait_and_handlers_come_back():
    before = signal.getsignal(signal.SIGTERM)
    thread, release = blocked_thread()
    try:
        with StopSignals() as stop:
            assert thread.ident is not None
            signal.pthread_kill(thread.ident, signal.SIGTERM)  # the C handler runs there
            assert stop.wait(WAIT_S) == signal.SIGTERM
    finally:
        release.set()
    assert signal.getsignal(signal.SIGTERM) is before


def test_wake_from_another_thread_ends_the_wait_without_a_signal():
    with StopSignals() as stop:
        threading.Thread(target=stop.wake).start()
        assert stop.wait(WAIT_S) is None


def test_only_the_chosen_signals_end_the_wait():
    """The engine stops on SIGTERM alone; another signal with a Python handler writes its
    number to the same socket and is passed over."""
    previous = signal.signal(signal.SIGUSR1, lambda *_: None)
    thread, release = blocked_thread()
    try:
        with StopSignals(signal.SIGTERM) as stop:
            assert thread.ident is not None
            signal.pthread_kill(thread.ident, signal.SIGUSR1)  # its byte comes first
            signal.pthread_kill(thread.ident, signal.SIGTERM)
            assert stop.wait(WAIT_S) == signal.SIGTERM
    finally:
        release.set()
        signal.signal(signal.SIGUSR1, previous)
