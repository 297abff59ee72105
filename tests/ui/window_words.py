"""A window started as `kitbench gui` starts it, saying what it reads, for the language tests.

    python -m tests.ui.window_words

Loads the language as `run_gui` does (the Settings choice, else the system's from `LANG`),
opens the window offscreen over `$KITBENCH_HOME`, prints its words as one JSON object, and
closes it (the engine stops with it).
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QDate, QLocale, QTimer

from app.ui.app import application, build_services, localize_and_theme, open_window


def main() -> int:
    app = application()
    localize_and_theme()
    window = open_window(build_services(sync=False))
    window.show()

    def report() -> None:
        tabs = window.tabs
        words = {
            "tabs": [tabs.tabText(index) for index in range(tabs.count())],
            "start": window.bench.toolbar.start_button.text(),
            "empty": window.bench.empty_hint.text(),
            "date": QLocale().toString(QDate(2026, 12, 24), QLocale.FormatType.ShortFormat),
            "number": QLocale().toString(1234.5, "f", 1),
        }
        print(json.dumps(words, ensure_ascii=False), flush=True)
        window.close()

    QTimer.singleShot(0, report)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
