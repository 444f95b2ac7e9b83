# Union KPI dashboard: build, run and test.
# Needs only Python 3.11+ and make; everything else goes into .venv.
#   make run     - install, build the demo database if missing, start the dashboard
#   make test    - whole test suite: the parallel part, then the serial part (fails when no test ran)
#   make check   - format check, lint, import contracts, mypy, then the tests

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DB     ?= data/union_kpi.duckdb
HOST   ?= 127.0.0.1
PORT   ?= 8501
PYTEST_ARGS ?=
# the parallel part of `make test`: xdist workers, one test file per worker at a time
# (module-scoped fixtures are built once)
XDIST_ARGS  ?= -n 2 --dist loadfile

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1

# Stamps carry a hash of the requirement files, so a changed pin reinstalls
# (and a checkout that merely touches the files does not).
hash_of = $(shell $(PYTHON) -c "import hashlib,sys; h=hashlib.sha256(); [h.update(open(f,'rb').read()) for f in sys.argv[1:]]; print(h.hexdigest()[:12])" $(1))
REQ_HASH     := $(call hash_of,requirements.txt)
DEV_REQ_HASH := $(call hash_of,requirements.txt requirements-dev.txt)
VENV_STAMP     := $(VENV)/.installed-run-$(REQ_HASH)
DEV_VENV_STAMP := $(VENV)/.installed-dev-$(DEV_REQ_HASH)

.DEFAULT_GOAL := help
.PHONY: help venv dev-venv demo run test check lint fmt clean

help:
	@echo "make venv      install runtime dependencies into $(VENV)"
	@echo "make dev-venv  install runtime + development dependencies"
	@echo "make demo      build the demo database $(DB) if it does not exist"
	@echo "make run       start the dashboard on http://$(HOST):$(PORT)"
	@echo "make test      run the whole test suite"
	@echo "make check     ruff format --check, ruff check, lint-imports, mypy, then tests"
	@echo "make fmt       format and auto-fix with ruff"
	@echo "make clean     remove $(VENV) and caches (data/ is kept)"

$(BIN)/python:
	$(PYTHON) -c "import sys; sys.exit('Python 3.11+ is required, found ' + sys.version.split()[0]) if sys.version_info < (3, 11) else None"
	$(PYTHON) -m venv $(VENV)

$(VENV_STAMP): | $(BIN)/python
	$(BIN)/python -m pip install -r requirements.txt
	rm -f $(VENV)/.installed-run-*
	touch $@

$(DEV_VENV_STAMP): | $(BIN)/python
	$(BIN)/python -m pip install -r requirements-dev.txt
	rm -f $(VENV)/.installed-dev-*
	touch $@

venv: $(VENV_STAMP)

dev-venv: $(DEV_VENV_STAMP)

$(DB): | $(VENV_STAMP)
	UNION_KPI_DB="$(abspath $(DB))" $(BIN)/python -m etl demo

demo: $(DB)

run: venv demo
	UNION_KPI_DB="$(abspath $(DB))" $(BIN)/streamlit run serve.py --server.address $(HOST) --server.port $(PORT)

# Two runs of pytest: the tests that may share the machine, in parallel (xdist), then the tests
# marked `serial` (timing- and load-sensitive), alone. pytest exits 5 when a part selects no test:
# that is fine for one part (PYTEST_ARGS may pick a few tests), but the target fails when neither
# part ran a test, and on any other non-zero exit of either part.
test: dev-venv
	@$(BIN)/python -m pytest $(XDIST_ARGS) --part parallel $(PYTEST_ARGS); parallel=$$?; \
	echo "== serial part (tests marked serial, run alone)"; \
	$(BIN)/python -m pytest --part serial $(PYTEST_ARGS); serial=$$?; \
	echo "== make test: parallel part exit $$parallel, serial part exit $$serial"; \
	case "$$parallel:$$serial" in \
	  5:5) echo "no test ran"; exit 5 ;; \
	  0:0|0:5|5:0) exit 0 ;; \
	  *) exit 1 ;; \
	esac

lint: dev-venv
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy etl dashboard/data.py

check: lint
	$(MAKE) test

fmt: dev-venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache .mypy_cache screenshots
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
