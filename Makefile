# apoa: `make run` sets everything up and serves; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The test suite runs on SQLite, then on this PostgreSQL server when one answers there.
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
# pytest-xdist: the suite in this many processes (each with its own databases); 0 runs it in one.
TEST_WORKERS ?= 2
export FLASK_APP := wsgi

.PHONY: install vendor run test test-sqlite test-postgres test-dates fuzz bench translations messages lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed translations vendor

# Front-end packages (Leaflet …) come from the npm registry, pinned by
# package-lock.json, and are served by the app from apoa/static/vendor/.
vendor: apoa/static/vendor/.installed

apoa/static/vendor/.installed: package.json package-lock.json tools/vendor_assets.py $(VENV)/.installed
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python tools/vendor_assets.py
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d apoa/translations -D messages >/dev/null

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask apoa load-reference
	$(BIN)/flask apoa seed-demo
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: install test-sqlite test-postgres

test-sqlite:
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# The browser tests run in the SQLite pass (docs/testing.md).
test-postgres:
	APOA_TEST_ENGINE=postgresql TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest -n $(TEST_WORKERS) --ignore=tests/browser

# The date-dependent tests (marked `dates`) again, on SQLite, with the clock frozen at each
# boundary instant: a Sunday evening in UTC (already Monday in WITA and WIT, still Sunday in
# WIB), the last night of a 30-day month in WIB (the first of the next in WITA), New Year's
# Eve in UTC (New Year in Bali, the end of a 31-day month), and a leap day.
# pytest exits 5 when it selects no test; that would mean the markers were lost, so it fails.
DATE_INSTANTS := 2026-12-06T16:30:00+00:00 2026-11-30T23:30:00+07:00 \
	2026-12-31T16:30:00+00:00 2028-02-29T12:00:00+00:00

test-dates: install
	@set -e; for instant in $(DATE_INSTANTS); do \
	  echo "== pytest -m dates at $$instant"; \
	  APOA_TEST_ENGINE=sqlite APOA_FROZEN_AT=$$instant $(BIN)/python -m pytest -n $(TEST_WORKERS) -m dates -q || { \
	    status=$$?; [ $$status -ne 5 ] || echo "no test is marked 'dates': markers lost?" >&2; \
	    exit $$status; }; \
	done

# The fuzz suite (tests/fuzz/) at random and longer than in `make test`, on both engines.
FUZZ_EXAMPLES ?= 2000
fuzz: install
	FUZZ_RANDOM=1 FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -n $(TEST_WORKERS) tests/fuzz -q
	APOA_TEST_ENGINE=postgresql TEST_DATABASE_URL=$(TEST_DATABASE_URL) FUZZ_RANDOM=1 \
	  FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -n $(TEST_WORKERS) tests/fuzz -q

bench: install
	$(BIN)/python bench/run_all.py

# Refresh the message catalogues after changing user-facing strings.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs ".* __pycache__ node_modules .venv" -o apoa/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i apoa/translations/messages.pot -d apoa/translations --no-fuzzy-matching

lint: $(VENV)/.installed
	$(BIN)/ruff check apoa tests bench tools
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	@# Our own scripts parse (a syntax error would turn every page's enhancements off).
	@for f in apoa/static/js/*.js; do node --check $$f || exit 1; done

clean:
	rm -rf $(VENV) node_modules apoa/static/vendor instance/apoa.sqlite3*
