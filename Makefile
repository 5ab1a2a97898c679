# Two entry points for a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
# torch comes from whatever index pip is set up with: PyPI's Linux wheel is the CUDA build, its
# macOS and Windows wheels run on the CPU (and MPS). TORCH_INDEX picks another index, e.g.
# make TORCH_INDEX=https://download.pytorch.org/whl/cpu for a CPU-only Linux build.
TORCH ?= torch==2.13.0
TORCH_INDEX ?=
BIN := $(VENV)/bin
STAMP := $(VENV)/.seqcli-installed

.PHONY: demo test test-all typecheck lint docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		$(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "$(TORCH)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/seqcli train recipes/char-lm.yaml --overwrite
	$(BIN)/seqcli generate runs/char-lm --prime "ROMEO:" --length 600 --temperature 0.8

# The inner loop; with CI=true (as .ci/run has it) the slow sweeps run in full too. One worker
# per core (pytest-xdist): the tests are many small single-threaded runs. A plain `pytest`
# runs them in one process, for a few files at a time. The type check comes first: with its
# cache (.mypy_cache) a re-run reads only the files that changed.
test: typecheck
	$(BIN)/python -m pytest -n auto

typecheck: $(STAMP)
	$(BIN)/python -m mypy

test-all: typecheck
	$(BIN)/python -m pytest -n auto --all

lint: $(STAMP)
	$(BIN)/ruff check seqcli tests bench scripts
	$(BIN)/ruff format --check seqcli tests bench scripts

# The manual: docs/ built strict into site/, so a broken link, anchor or missing page fails
# (tests/test_docs.py builds it the same way inside `make test`).
docs: $(STAMP)
	$(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache site
