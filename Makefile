# lftm-sim: `make demo` runs the default comparison, `make test` the whole test suite.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Mesa 3.4+ needs Python 3.12: take the first interpreter that is at least 3.12.
PYTHON ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12.1/bin/python3 python3 python; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; \
	then command -v $$p; break; fi; done)

.PHONY: demo test validate bench lint format clean dashboard browser figures docs

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "error: Python >= 3.12 not found (try: pyenv install 3.12)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev]"
	@touch $@ $(VENV)/.installed

$(VENV)/.installed-viz: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[viz]"
	@touch $@ $(VENV)/.installed

# The dashboard's browser test drives Debian's chromium (no browser download).
CHROMIUM := /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
		else echo "note: $(CHROMIUM) missing and not root: the browser test will be skipped" >&2; fi; \
	fi

dashboard: $(VENV)/.installed-viz
	$(BIN)/lftm dashboard

demo: $(VENV)/.installed
	$(BIN)/lftm compare --out out/demo --force

test: $(VENV)/.installed-dev browser
	$(BIN)/python -m pytest -n 2 -q

validate: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m slow -q
	$(BIN)/lftm validate --workers 2 --force
	$(MAKE) posterior sensitivity

# The posterior calibration and the global sensitivity analysis (docs/calibration.md,
# docs/sensitivity.md are written from these runs). Sizes: POSTERIOR_ARGS, SENS_WORKERS.
POSTERIOR_ARGS ?= --population 200 --generations 8 --max-simulations 20000 --schools 1000 \
	--draws 200 --pattern-draws 40 --fit-processes 2
SENS_WORKERS ?= 2
.PHONY: posterior sensitivity
posterior: $(VENV)/.installed-dev
	$(BIN)/python -m lftm_sim.posterior.cli $(POSTERIOR_ARGS) --out out/posterior --force
	$(BIN)/python -c "from lftm_sim.posterior.storage import ship; ship('out/posterior')"
	$(BIN)/python -m lftm_sim.posterior.report calibration out/posterior docs/calibration.md

sensitivity: $(VENV)/.installed-dev
	$(BIN)/python -m lftm_sim.posterior.pipeline out/sensitivity sweeps --workers $(SENS_WORKERS)
	$(BIN)/python -m lftm_sim.posterior.report sensitivity out/sensitivity docs/sensitivity.md

bench: $(VENV)/.installed-dev browser
	$(BIN)/python benchmarks/engine.py | tee benchmarks/engine.txt
	$(BIN)/python benchmarks/sweep.py | tee benchmarks/sweep.txt
	$(BIN)/python benchmarks/cli_startup.py | tee benchmarks/cli_startup.txt
	$(BIN)/python benchmarks/dashboard.py | tee benchmarks/dashboard.txt

# the gallery (docs/gallery.md, docs/img/gallery/*.png), regenerated from the code
figures: $(VENV)/.installed-dev
	$(BIN)/python -m lftm_sim.plots.figures docs/img/gallery docs/gallery.md --force

# the notebooks executed full size, with their outputs, as Markdown under docs/notebooks/
docs: $(VENV)/.installed-dev
	$(BIN)/python notebooks/render.py notebooks docs/notebooks

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check lftm_sim tests benchmarks
	$(BIN)/ruff format --check lftm_sim tests benchmarks

format: $(VENV)/.installed-dev
	$(BIN)/ruff format lftm_sim tests benchmarks
	$(BIN)/ruff check --fix lftm_sim tests benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache *.egg-info
