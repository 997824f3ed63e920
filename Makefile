# Two commands do all set-up: `make run` opens the demo, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint screenshot bench clean package bytecode

$(STAMP): pyproject.toml
	@echo "Setting up $(VENV) on first use: installing Labelwright with Qt, interpret, torch and"
	@echo "its other libraries (about 3 minutes and 1.5 GB; later runs start at once)."
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --progress-bar on -e '.[dev,dask]'
	touch $(STAMP)

# Byte-compiled once, as an installed package would be: start-up then reads bytecode
# even where PYTHONDONTWRITEBYTECODE is set (about 0.2 s of a 2 s budget).
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q -j 0 app models widgets

run: $(STAMP) bytecode
	$(BIN)/labelwright

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy app models widgets

screenshot: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/labelwright --screenshot docs/screenshot.png

bench: $(STAMP) bytecode
	QT_QPA_PLATFORM=offscreen $(BIN)/labelwright bench --out bench.json

# The standalone app, built with PyInstaller and smoke-tested (packaging/build.sh):
# VARIANT=full (with torch, dist/labelwright), cpu (without, dist/labelwright-cpu)
# or both (the default). Takes minutes and about 1.5 GB; CI does not run it.
VARIANT ?= both
package: $(STAMP)
	packaging/build.sh $(VARIANT)

clean:
	rm -rf $(VENV) build dist *.egg-info
