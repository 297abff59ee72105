"""A bench window in a process of its own, for tests that kill it.

    python -m tests.ui.gui_process tcp:127.0.0.1:7400 ...

Opens the window offscreen over `$KITBENCH_HOME` (its selected template), adds the devices,
starts them all once they are ready, and prints `engine PID` once every run is under way.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer

from app.core import DeviceState
from app.ui.app import application, build_services, open_window


def main(specs: list[str]) -> int:
    app = application()
    services = build_services(sync=False)
    window = open_window(services)
    window.show()
    model = services.model
    stage = ["template"]

    def step() -> None:
        tiles = model.tiles()
        if stage[0] == "template" and window.bench.current_entry() is not None:
            for spec in specs:
                services.engine.add_endpoint(spec)
            stage[0] = "ready"
        elif stage[0] == "ready" and len(tiles) == len(specs):
            if all(tile.state is DeviceState.READY for tile in tiles):
                window.bench.start()
                stage[0] = "running"
        elif stage[0] == "running" and tiles and all(tile.running for tile in tiles):
            print(f"engine {services.engine.pid}", flush=True)
            stage[0] = "told"

    timer = QTimer()
    timer.timeout.connect(step)
    timer.start(20)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
