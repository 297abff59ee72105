"""The task manager: results on the GUI thread, failures always reach a person, order kept."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator

import pytest

from app.ui.taskman import Failure, TaskManager, describe


@pytest.fixture
def tasks(qapp) -> Iterator[TaskManager]:
    manager = TaskManager()
    yield manager
    manager.shutdown()


def test_the_result_comes_back_on_the_gui_thread(qtbot, tasks):
    seen: list[tuple[str, threading.Thread]] = []

    def task() -> str:
        seen.append(("task", threading.current_thread()))
        return "done"

    tasks.run_in_background(
        task, lambda result: seen.append((result, threading.current_thread())), label="x"
    )
    qtbot.waitUntil(lambda: len(seen) == 2)
    assert seen[0][1] is not threading.main_thread()
    assert seen[1] == ("done", threading.main_thread())


def test_a_failure_without_a_handler_goes_to_the_reporter_even_one_set_later(qtbot, tasks):
    def fail() -> None:
        raise PermissionError(13, "Permission denied", "/data/config.json")

    tasks.run_in_background(fail, label="Saving the operator name").exception(timeout=5)
    qtbot.wait(50)  # delivered before any window is there to show it: held, not lost
    reported: list[Failure] = []
    tasks.set_reporter(reported.append)
    qtbot.waitUntil(lambda: bool(reported))
    (failure,) = reported
    assert failure.text == ("Saving the operator name failed: Permission denied: /data/config.json")
    assert not failure.lost_input


def test_a_handler_replaces_the_default_and_a_handler_that_raises_is_reported(qtbot, tasks):
    reported: list[Failure] = []
    tasks.set_reporter(reported.append)
    handled: list[BaseException] = []

    def fail() -> None:
        raise ValueError("bad value")

    tasks.run_in_background(fail, on_failure=handled.append, label="Handled")
    tasks.run_in_background(lambda: 1, lambda _result: 1 / 0, label="Showing the result")
    qtbot.waitUntil(lambda: bool(handled) and bool(reported))
    assert str(handled[0]) == "bad value"
    assert [failure.text for failure in reported] == ["Showing the result failed: division by zero"]


def test_tasks_with_one_serial_key_run_one_at_a_time_in_order(qtbot, tasks):
    running: list[int] = []
    order: list[int] = []
    overlapped = threading.Event()

    def write(number: int) -> int:
        running.append(number)
        if len(running) > 1:
            overlapped.set()
        time.sleep(random.uniform(0, 0.005))
        order.append(number)
        running.remove(number)
        return number

    done: list[int] = []
    for number in range(30):
        tasks.run_in_background(
            lambda n=number: write(n), done.append, label="Writing", serial="config"
        )
    qtbot.waitUntil(lambda: len(done) == 30)
    assert order == list(range(30))
    assert done == list(range(30))
    assert not overlapped.is_set()


def test_after_shutdown_nothing_runs_and_nothing_is_delivered(qtbot, tasks):
    delivered: list[object] = []
    release = threading.Event()
    tasks.run_in_background(release.wait, delivered.append, label="slow")
    tasks.shutdown()
    release.set()
    late = tasks.run_in_background(lambda: 1, delivered.append, label="late")
    tasks.run_on_main(lambda: delivered.append("closure"))
    qtbot.wait(100)
    assert late.cancelled()
    assert delivered == []


def test_run_on_main_from_another_thread(qtbot, tasks):
    ran_on: list[threading.Thread] = []
    thread = threading.Thread(
        target=lambda: tasks.run_on_main(lambda: ran_on.append(threading.current_thread()))
    )
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(ran_on))
    assert ran_on == [threading.main_thread()]


def test_reasons_read_as_sentences():
    assert describe(FileNotFoundError(2, "No such file or directory", "/x/a.csv")) == (
        "No such file or directory: /x/a.csv"
    )
    assert describe(TimeoutError()) == "TimeoutError"
    assert describe(ValueError("backend.url must be an http(s) URL")) == (
        "backend.url must be an http(s) URL"
    )
