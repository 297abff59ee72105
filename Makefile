# Every target sets up .venv by itself, so a fresh clone needs only `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DEVICES ?= 12

.PHONY: run screenshots bench-screenshots console-screenshots label-screenshots test bench lint format clean translations lupdate

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The window's translations (docs/architecture.md, "Languages"): the .ts sources in the repo,
# compiled to .qm files the window loads; `make lupdate` extracts the marked strings again.
I18N := app/ui/i18n
LANGUAGES := de es
TRANSLATED := $(LANGUAGES:%=$(I18N)/kitbench_%.ts)
TS_FILES := $(TRANSLATED) $(I18N)/kitbench_en.ts
QM_FILES := $(TS_FILES:.ts=.qm)
LUPDATE := $(BIN)/pyside6-lupdate -extensions py -locations none -no-obsolete -silent app/ui

$(I18N)/%.qm: $(I18N)/%.ts | $(STAMP)
	$(BIN)/pyside6-lrelease -silent $< -qm $@

translations: $(QM_FILES)

lupdate: $(STAMP)
	$(LUPDATE) -ts $(TRANSLATED)
	$(LUPDATE) -pluralonly -ts $(I18N)/kitbench_en.ts

# The bench with simulated devices and a local fleet backend: the first thing to try.
run: $(STAMP) translations
	$(BIN)/kitbench gui --demo $(DEMO_DEVICES)

# PNGs of every tab of a demo bench, rendered offscreen, into docs/screenshots/.
screenshots: $(STAMP) translations
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m app.ui.screenshots docs/screenshots

# The bench alone, as `kitbench gui --demo N` shows it on a whole 1920x1080 screen: 150
# devices in compact tiles, a dozen in large ones (docs/screenshots/bench-N.png), the dozen
# in German (bench-12-de.png) and on a 1366x768 laptop (bench-12-1366x768.png). Needs Xvfb
# and Qt's xcb libraries: apt-get install xvfb xauth libxcb-cursor0.
bench-screenshots: $(STAMP) translations
	for n in 150 12; do \
		xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python -m app.ui.screenshots \
			docs/screenshots --bench $$n || exit 1; \
	done
	xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python -m app.ui.screenshots \
		docs/screenshots --bench 12 --language de
	xvfb-run -a -s "-screen 0 1366x768x24" $(BIN)/python -m app.ui.screenshots \
		docs/screenshots --bench 12

# PNGs of every fleet console page (headless chromium), into docs/screenshots/console-*.png.
console-screenshots: $(STAMP) translations
	KITBENCH_CONSOLE_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/integration/test_console_browser.py -k an_admin_runs_the_fleet

# A device label as the independent ZPL renderer draws it and as pdftoppm rasterizes its PDF
# (docs/screenshots/label-zpl.png, label-pdf.png). Needs Node.js with zpl-renderer-js in
# build/zpl-renderer and poppler-utils, as .ci/run installs them.
label-screenshots: $(STAMP)
	KITBENCH_CI=1 KITBENCH_LABEL_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q \
		-p no:cacheprovider tests/integration/test_labels.py -k "labels_of_an_order or pdf_label"

# Parallel workers (pytest-xdist): most tests wait on simulated device latency, processes and
# servers, so 4 workers suit a 2-core machine; tests marked xdist_group share one worker.
# A worker that crashes fails the run rather than being replaced (a replaced one can hang it).
TEST_WORKERS ?= 4

test: $(STAMP) translations
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup --max-worker-restart=0

bench: $(STAMP)
	$(BIN)/python -m pytest -q -s tests/bench

lint: $(STAMP)
	$(BIN)/ruff check app tests installer
	$(BIN)/ruff format --check app tests installer
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format app tests
	$(BIN)/ruff check --fix app tests

# The one-folder bundle that runs without Python (installer/kitbench.spec), rebuilt when a
# source is newer: dist/kitbench/kitbench.
DIST_STAMP := $(VENV)/.dist-stamp
BUNDLE := dist/kitbench/kitbench
BUNDLE_SOURCES := pyproject.toml $(shell find app resources installer -type f -not -name '*.pyc')

.PHONY: dist test-dist install-desktop

$(DIST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,dist]'
	touch $(DIST_STAMP)

$(BUNDLE): $(DIST_STAMP) $(BUNDLE_SOURCES) $(QM_FILES)
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
		installer/kitbench.spec
	touch $(BUNDLE)

dist: $(BUNDLE)

# Runs the built bundle (minutes to build, so not part of `make test`).
test-dist: $(BUNDLE)
	$(BIN)/python -m pytest -q tests/dist

# The desktop entry and icon of this venv install, for the current user; prints the udev step.
install-desktop: $(STAMP)
	$(BIN)/python installer/render_icon.py build/icons >/dev/null
	installer/linux/install.sh --user --exec "$(abspath $(BIN)/kitbench)" --png build/icons/kitbench.png

clean:
	rm -rf $(VENV) build dist *.egg-info $(QM_FILES)
