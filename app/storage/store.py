"""The station store: the database, its one writer, and the reads the CLI, GUI and sync need.

    store = Store(recording=True)              # data_dir()/kitbench.db, migrated, crash-recovered
    recorder = store.recorder(on_recorded=show)
    station = Station(on_event=recorder.on_event, ...)
    ...
    store.close()                              # finishes queued writes first

Reads use their own short sessions; every write goes through `store.writer`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import IO, Any

from app.core import RunEvent
from app.core.orders import Order, OrderProgress
from app.core.paths import data_dir
from app.storage import exports, history, orders, outbox
from app.storage.database import Database
from app.storage.exports import ExportFormat, ExportResult
from app.storage.history import ALL_RUNS, Cursor, RunFilter
from app.storage.orders import OrderDevice
from app.storage.recorder import RunRecorder
from app.storage.writer import StoreWriter
from app.templates import SecretStore


class Store:
    def __init__(self, directory: Path | None = None, *, recording: bool = False) -> None:
        """`recording=True` for a process that records runs (see `Database`)."""
        self.directory = directory or data_dir()
        self.database = Database(self.directory, recording=recording)
        self.writer = StoreWriter(self.database.sessions, folder=self.directory)

    @property
    def path(self) -> Path:
        return self.database.path

    @property
    def recovered(self) -> int:
        """Runs found `running` at open (a crash) and marked interrupted."""
        return self.database.recovered

    def recorder(self, *, on_recorded: Callable[[RunEvent], None] | None = None) -> RunRecorder:
        """Records runs as the events say: who ran them and where come with each run."""
        secrets = SecretStore(self.directory)
        return RunRecorder(
            self.writer,
            folder=self.directory,
            secret_values=secrets.values,
            on_recorded=on_recorded,
        )

    # -- history

    def runs(
        self,
        run_filter: RunFilter = ALL_RUNS,
        *,
        limit: int = 100,
        before: Cursor | None = None,
        with_steps: bool = False,
    ) -> list[dict[str, Any]]:
        with self.database.sessions() as session:
            return history.list_runs(
                session, run_filter, limit=limit, before=before, with_steps=with_steps
            )

    def run(self, run_id: str) -> dict[str, Any] | None:
        with self.database.sessions() as session:
            found = history.run_dicts(session, [run_id])
        return found[0] if found else None

    def reasons(self, run_ids: Sequence[str]) -> dict[str, history.RunReasons]:
        """Why these runs and their steps failed or were refused, typed, for the window."""
        with self.database.sessions() as session:
            return history.reasons_of(session, run_ids)

    def devices(self) -> list[dict[str, Any]]:
        """Every device seen, with its identity as last read (`kitbench devices --json`)."""
        with self.database.sessions() as session:
            return history.list_devices(session)

    def export(
        self,
        out: IO[str] | None,
        export_format: ExportFormat,
        run_filter: RunFilter = ALL_RUNS,
        *,
        skip_invalid: bool = False,
    ) -> ExportResult:
        """The asset register in a portal's format (app.storage.exports); `out` None: check only."""
        with self.database.sessions() as session:
            return exports.export(
                session, out, export_format, run_filter, skip_invalid=skip_invalid
            )

    def export_csv(self, out: IO[str], run_filter: RunFilter = ALL_RUNS) -> int:
        with self.database.sessions() as session:
            return history.write_csv(session, out, run_filter)

    # -- kitting orders (writes through the writer; OrderError says what is wrong)

    def create_order(self, order: Order) -> None:
        with self.database.sessions() as session:
            orders.check_new_order(session, order)
        self.writer.submit(lambda session: orders.create_order(session, order)).result()

    def close_order(self, number: str) -> None:
        self.writer.submit(lambda session: orders.close_order(session, number)).result()

    def orders(self) -> list[Order]:
        with self.database.sessions() as session:
            return orders.list_orders(session)

    def order(self, number: str) -> Order | None:
        with self.database.sessions() as session:
            return orders.get_order(session, number)

    def order_progress(self, number: str) -> OrderProgress | None:
        with self.database.sessions() as session:
            return orders.order_progress(session, number)

    def order_devices(self, number: str) -> list[OrderDevice]:
        with self.database.sessions() as session:
            return orders.order_devices(session, number)

    # -- outbox

    def waiting_count(self) -> int:
        with self.database.sessions() as session:
            return outbox.waiting_count(session)

    def next_batch(
        self, limit: int = outbox.MAX_BATCH, exclude: Collection[str] = ()
    ) -> list[dict[str, Any]]:
        with self.database.sessions() as session:
            return outbox.next_batch(session, limit, exclude)

    def order_batch(self) -> list[dict[str, Any]]:
        """The station's kitting orders as the backend takes them."""
        with self.database.sessions() as session:
            return outbox.order_batch(session)

    def mark_sent(self, run_ids: Sequence[str]) -> Future[None]:
        ids = list(run_ids)
        return self.writer.submit(lambda session: outbox.mark_sent(session, ids))

    def record_failure(self, run_ids: Sequence[str], error: str) -> Future[None]:
        ids = list(run_ids)
        return self.writer.submit(lambda session: outbox.record_failure(session, ids, error))

    def flush(self, timeout: float | None = None) -> bool:
        return self.writer.flush(timeout)

    def close(self) -> None:
        self.writer.close()
        self.database.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
