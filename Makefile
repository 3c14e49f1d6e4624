# Both `make demo` and `make test` work on a fresh clone with only python3:
# they create .venv, install the package, then run. A stamp file makes the
# second run skip the install unless setup.cfg or pyproject.toml changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export TF_CPP_MIN_LOG_LEVEL ?= 2
export MPLBACKEND ?= Agg

.PHONY: demo test lint bench notebooks notebooks-run clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/forecaster fit --csv data/prices.csv --out runs/demo --force

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check forecaster tests benchmarks data

# One pytest session runs the unit tests, the doctests and the notebooks on TEST_WORKERS
# processes (pytest-xdist; auto: one per CPU core), one module (or notebook) at a time per
# worker so module-scoped fits run once; tests/conftest.py puts the slow ones first.
TEST_WORKERS ?= auto
test: lint
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder \
		--durations=15 --doctest-modules --nbmake --nbmake-timeout=600 forecaster tests notebooks

# `make notebooks` installs what the notebooks need (JupyterLab, the `notebooks`
# extra) and opens nothing; `make notebooks-run` re-executes them in place.
$(VENV)/.installed-notebooks: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[notebooks]"
	touch $(VENV)/.installed $@

notebooks: $(VENV)/.installed-notebooks
	@echo "JupyterLab is installed in $(VENV). Start it with:"
	@echo "  $(BIN)/jupyter lab notebooks/"

notebooks-run: $(VENV)/.installed-dev
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace notebooks/*.ipynb

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/windowing.py
	$(BIN)/python benchmarks/training.py
	$(BIN)/python benchmarks/export.py
	$(BIN)/python benchmarks/accuracy.py
	$(BIN)/python benchmarks/unseen.py
	$(BIN)/python benchmarks/short_series.py
	$(BIN)/python benchmarks/time_to_accuracy.py
	$(BIN)/python benchmarks/startup.py

clean:
	rm -rf $(VENV) runs build *.egg-info .pytest_cache .ruff_cache
