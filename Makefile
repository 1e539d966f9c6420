# Station app — the two commands: `make run` and `make test`.
# A fresh clone needs nothing else: the venv, the packages and the system libraries Qt
# needs are installed here on first use.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
DB     ?=
BENCH_MEMBERS ?= 100000

.PHONY: run test bench lint install install-dev system-deps system-deps-test system-deps-dist clean help translations dist screenshots

help:
	@echo "make run     set up and open the app on its default database"
	@echo "make test    set up and run the whole test suite (Qt offscreen)"
	@echo "make bench   run the benchmarks (prints each figure beside its floor)"
	@echo "make lint    ruff"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Re-install only when the package metadata changes.
$(VENV)/.installed-gui: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[gui]"
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[gui,server,dev]"
	@touch $@

# (a venv set up for the tests has the gui extra already: make run after make test
# installs nothing again)
install: $(if $(wildcard $(VENV)/.installed-dev),$(VENV)/.installed-dev,$(VENV)/.installed-gui) system-deps
install-dev: $(VENV)/.installed-dev system-deps-test

# The system packages (Debian/Ubuntu) each command needs: the shared libraries of the Qt
# plugins the app loads and CJK fonts (run); and for the tests the PostgreSQL 15 server
# and Xvfb (test); Xvfb for the frozen app's self-test (dist). See scripts/ensure-system-deps.sh.
system-deps:
	@sh scripts/ensure-system-deps.sh run
system-deps-test:
	@sh scripts/ensure-system-deps.sh test
system-deps-dist:
	@sh scripts/ensure-system-deps.sh dist

run: install
	$(VENV)/bin/station-app $(if $(DB),--db $(DB),)

test: install-dev
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -rs

bench: install-dev
	QT_QPA_PLATFORM=offscreen $(PY) -m bench --members $(BENCH_MEMBERS)

# Chinese translation: update the catalogue from the sources, then build the .qm the app loads.
TS := resources/translations/station_app_zh_CN.ts
translations: install-dev
	$(VENV)/bin/pyside6-lupdate -no-obsolete -locations none $$(find station_app/ui -name '*.py' | sort) -ts $(TS)
	$(VENV)/bin/pyside6-lrelease $(TS) -qm $(TS:.ts=.qm)

# The frozen one-folder build (PyInstaller), its self-test on a real X display (Xvfb, the
# xcb platform: a demo station and a district synced from it by file, every page of
# both), then the release files: a versioned archive of the folder and the package's
# wheel, each with its SHA-256 (scripts/release.py).
dist: install-dev system-deps-dist
	$(PIP) install --quiet -e ".[dist]"
	$(VENV)/bin/pyinstaller --noconfirm --clean build.spec
	xvfb-run -a -s "-screen 0 1280x1024x24" env QT_QPA_PLATFORM=xcb \
		dist/station-app/station-app --self-test
	$(PY) scripts/release.py

# Each page of a demo station, in Chinese, as PNG for the README.
screenshots: install-dev
	QT_QPA_PLATFORM=offscreen $(PY) scripts/screenshots.py

lint: install-dev
	$(VENV)/bin/ruff check station_app sync tests bench

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache bench/.cache
